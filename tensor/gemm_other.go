//go:build !amd64 || purego

package tensor

var haveKernel = false

func dgemmKernel4x8(k int, a, b, c *float64, ldc int) { panic("tensor: no dgemm kernel in this build") }
