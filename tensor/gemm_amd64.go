//go:build amd64 && !purego

package tensor

// dgemmKernel4x8 is in gemm_amd64.s.
//
//go:noescape
func dgemmKernel4x8(k int, a, b, c *float64, ldc int)

// haveKernel reports whether dgemmPacked can run on this CPU.
var haveKernel = haveAVX2FMA
