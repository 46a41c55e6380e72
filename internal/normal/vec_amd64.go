//go:build !purego

package normal

import "golang.org/x/sys/cpu"

// fillAVX2 is fillGo in AVX2 registers, one register per state word, one
// lane per 64-bit element (vec_amd64.s). Same words, same order.
//
//go:noescape
func fillAVX2(s *[4][lanes]uint64, buf *[bufLen]uint64)

// fillAVX512 is fillAVX2 with AVX-512VL's rotate instruction.
//
//go:noescape
func fillAVX512(s *[4][lanes]uint64, buf *[bufLen]uint64)

// zigAVX2 is fastGo on groups of four words: it writes the draws of whole
// groups that pass the fast test and returns the index of the first group
// with a word that fails, or of the last whole group's end
// (min(len(src), len(dst)) rounded down to 4). Layers' k and w come from
// the pairs kw; the conversion of the 52-bit magnitude to float64 is exact
// (OR into 2⁵²'s exponent, subtract 2⁵²), so a draw's bits are fastGo's.
//
//go:noescape
func zigAVX2(src []uint64, dst []float64, kw *[256][2]uint64) int

// fastAVX2 is fastGo with zigAVX2 over the whole groups and fastGo on the
// group where it stops.
func fastAVX2(src []uint64, out []float64) int {
	n := min(len(src), len(out))
	i := 0
	for {
		i += zigAVX2(src[i:n], out[i:n], &zig.kw)
		m := min(i+4, n)
		i += fastGo(src[i:m], out[i:m])
		if i < m || i == n {
			return i
		}
	}
}

func init() {
	if cpu.X86.HasAVX2 {
		fill = fillAVX2
		fast = fastAVX2
	}
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL {
		fill = fillAVX512
	}
}
