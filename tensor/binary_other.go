//go:build !amd64 || purego

package tensor

// binaryVec computes nothing in this build: runBinary's Go loops do.
func binaryVec(k binKind, dst, a []float64, sa int, b []float64, sb int) int { return 0 }
