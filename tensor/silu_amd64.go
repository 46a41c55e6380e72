//go:build amd64 && !purego

package tensor

import "golang.org/x/sys/cpu"

var haveAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// siluAVX2 is in silu_amd64.s.
//
//go:noescape
func siluAVX2(x, s, y *float64, n int)

// siluBlock writes s = σ(x) and y = x·s element-wise; s may be y. Lanes of
// four go through AVX2 where the CPU has it, the rest through the same
// arithmetic in Go.
func siluBlock(s, y, x []float64) {
	n := 0
	if haveAVX2FMA {
		n = len(x) &^ 3
		if n > 0 {
			siluAVX2(&x[0], &s[0], &y[0], n)
		}
	}
	siluGeneric(s[n:], y[n:], x[n:])
}
