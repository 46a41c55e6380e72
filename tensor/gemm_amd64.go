//go:build amd64 && !purego

package tensor

import "golang.org/x/sys/cpu"

// The kernels are in gemm_amd64.s.
//
//go:noescape
func dgemmKernel4x8(k int, a *float64, ars, ads int, b *float64, ldb int, c *float64, ldc int)

//go:noescape
func dgemmKernel6x16(k int, a *float64, ars, ads int, b *float64, ldb int, c *float64, ldc int)

//go:noescape
func sgemmKernel6x16(k int, a, b *float32, c *float64, ldc int)

//go:noescape
func sgemmKernel6x32(k int, a, b *float32, c *float64, ldc int)

// packRows16 is in gemm_amd64.s.
//
//go:noescape
func packRows16(dst *float32, src *float64, ld int, k int, dld int)

// packT8 is in gemm_amd64.s.
//
//go:noescape
func packT8(dst, src *float64, ld int, k int, dld int)

// packRowsAt16 is in gemm_amd64.s.
//
//go:noescape
func packRowsAt16(dst *float32, src *float64, off *int, k int, dld int)

// haveKernel reports whether dgemm and sgemmPacked can run on this CPU.
var haveKernel = haveAVX2FMA

// haveAVX512 reports whether the products can use their AVX-512 kernels
// (the CPU and the OS support the 512-bit registers).
var haveAVX512 = haveAVX2FMA && cpu.X86.HasAVX512F
