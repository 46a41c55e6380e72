//go:build !purego

package normal

import (
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestFillAVX2: the vector refill writes the portable one's words and
// leaves the same state, refill after refill.
func TestFillAVX2(t *testing.T) {
	if !cpu.X86.HasAVX2 {
		t.Skip("no AVX2")
	}
	a := New(rand.NewPCG(5, 6))
	b := *a
	var wa, wb [bufLen]uint64
	for r := range 4 {
		fillAVX2(&a.s, &wa)
		fillGo(&b.s, &wb)
		if wa != wb || a.s != b.s {
			t.Fatalf("refill %d: AVX2 and Go differ", r)
		}
	}
}
