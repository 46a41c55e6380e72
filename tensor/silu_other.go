//go:build !amd64 || purego

package tensor

// siluBlock writes s = σ(x) and y = x·s element-wise; s may be y.
func siluBlock(s, y, x []float64) { siluGeneric(s, y, x) }
