//go:build !purego

package normal

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestFillVector: each vector refill writes the portable one's words and
// leaves the same state, refill after refill.
func TestFillVector(t *testing.T) {
	for _, k := range []struct {
		name string
		ok   bool
		fill func(*[4][lanes]uint64, *[bufLen]uint64)
	}{
		{"avx2", cpu.X86.HasAVX2, fillAVX2},
		{"avx512", cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL, fillAVX512},
	} {
		t.Run(k.name, func(t *testing.T) {
			if !k.ok {
				t.Skip("not on this CPU")
			}
			a := New(rand.NewPCG(5, 6))
			b := *a
			var wa, wb [bufLen]uint64
			for r := range 4 {
				k.fill(&a.s, &wa)
				fillGo(&b.s, &wb)
				if wa != wb || a.s != b.s {
					t.Fatalf("refill %d: %s and Go differ", r, k.name)
				}
			}
		})
	}
}

// TestFastAVX2: the vector fast path writes fastGo's bits and stops at the
// same word, on runs of every length from 0 to 40 (whole groups and
// remainders) cut from a long stream of words, a twentieth of which are made
// to fail the fast test.
func TestFastAVX2(t *testing.T) {
	if !cpu.X86.HasAVX2 {
		t.Skip("no AVX2")
	}
	st := New(rand.NewPCG(9, 10))
	words := make([]uint64, 1<<14)
	for i := range words {
		words[i] = st.Uint64()
		if i%20 == 7 {
			words[i] |= 0xff // the top layer always fails
		}
	}
	a, b := make([]float64, 64), make([]float64, 64)
	for start := 0; start+64 < len(words); start += 61 {
		for n := range 41 {
			src := words[start : start+n]
			clear(a)
			clear(b)
			i, j := fastAVX2(src, a), fastGo(src, b)
			if i != j {
				t.Fatalf("words %d…%d: AVX2 stops at %d, Go at %d", start, start+n, i, j)
			}
			for k := range a {
				if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
					t.Fatalf("words %d…%d: draw %d is %v with AVX2, %v in Go", start, start+n, k, a[k], b[k])
				}
			}
		}
	}
}

// TestZigAVX2Groups: the vector loop does the work on words that all pass
// (it stops only at the last whole group), stops at a group whose four
// words all fail, and at a group with one failing word.
func TestZigAVX2Groups(t *testing.T) {
	if !cpu.X86.HasAVX2 {
		t.Skip("no AVX2")
	}
	st := New(rand.NewPCG(11, 12))
	var words []uint64
	for len(words) < 43 {
		if u := st.Uint64(); int64(u>>11&mag) < zig.k[uint8(u)] {
			words = append(words, u)
		}
	}
	out := make([]float64, len(words))
	if i := zigAVX2(words, out, &zig.kw); i != 40 {
		t.Errorf("passing words: stops at %d of %d, want 40", i, len(words))
	}
	for _, fail := range [][]int{{8, 9, 10, 11}, {10}} {
		w := slices.Clone(words)
		for _, j := range fail {
			w[j] |= 0xff // the top layer always fails
		}
		if i := zigAVX2(w, out, &zig.kw); i != 8 {
			t.Errorf("words %v failing: stops at %d, want 8", fail, i)
		}
	}
}
