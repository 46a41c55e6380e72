//go:build !purego

package normal

import "golang.org/x/sys/cpu"

// fillAVX2 is fillGo in AVX2 registers, one register per state word, one
// lane per 64-bit element (fill_amd64.s). Same words, same order.
//
//go:noescape
func fillAVX2(s *[4][lanes]uint64, buf *[bufLen]uint64)

func init() {
	if cpu.X86.HasAVX2 {
		fill = fillAVX2
	}
}
