//go:build amd64 && !purego

package tensor

import "golang.org/x/sys/cpu"

var haveAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// siluAVX2 is in silu_amd64.s.
//
//go:noescape
func siluAVX2(x, s, y *float64, n int)

// siluAVX512 is in silu_amd64.s.
//
//go:noescape
func siluAVX512(x, s, y *float64, n int)

// siluBlock writes s = σ(x) and y = x·s element-wise; s and y may be x,
// and each other (in place: Conv2dSiLU). Blocks of 32 go through AVX-512
// where the CPU has it (its latency-bound polynomial needs that many lanes
// in flight), lanes of four through AVX2, the rest through the same
// arithmetic in Go.
func siluBlock(s, y, x []float64) {
	n := 0
	if haveAVX512 {
		n = len(x) &^ 31
		if n > 0 {
			siluAVX512(&x[0], &s[0], &y[0], n)
		}
	}
	if haveAVX2FMA {
		m := (len(x) - n) &^ 3
		if m > 0 {
			siluAVX2(&x[n], &s[n], &y[n], m)
		}
		n += m
	}
	siluGeneric(s[n:], y[n:], x[n:])
}

// siluF32AVX512 is in silu_amd64.s.
//
//go:noescape
func siluF32AVX512(x, s, y *float64, n int)

// siluBlock32 is siluBlock with σ computed in float32 (siluF32AVX512),
// for the SiLU of a Float32 tensor: where the CPU has AVX-512, else
// siluBlock's float64.
func siluBlock32(s, y, x []float64) {
	if !haveAVX512 || len(x) == 0 {
		siluBlock(s, y, x)
		return
	}
	_, _ = s[len(x)-1], y[len(x)-1]
	siluF32AVX512(&x[0], &s[0], &y[0], len(x))
}

// siluGradF32AVX512 and siluGrad12F32AVX512 are in silu_amd64.s.
//
//go:noescape
func siluGradF32AVX512(d, gr, x *float64, n int)

//go:noescape
func siluGrad12F32AVX512(dg, dx, h, gr, x *float64, n int)

// siluGrad12Block32 is siluGrad12Block with σ(x) recomputed as siluBlock32
// computes it: the same bits given that σ, without a stored σ to read.
func siluGrad12Block32(dg, dx, h, g, x []float64) {
	if len(x) == 0 {
		return
	}
	if !haveAVX512 {
		panic("tensor: siluGrad12Block32 without AVX-512")
	}
	_, _, _, _ = dg[len(x)-1], dx[len(x)-1], h[len(x)-1], g[len(x)-1]
	siluGrad12F32AVX512(&dg[0], &dx[0], &h[0], &g[0], &x[0], len(x))
}

// sigmaBlock32 writes s = σ(x) as siluBlock32 computes it (s may be x).
func sigmaBlock32(s, x []float64) {
	if len(x) == 0 {
		return
	}
	if !haveAVX512 {
		panic("tensor: sigmaBlock32 without AVX-512")
	}
	_ = s[len(x)-1]
	siluF32AVX512(&x[0], &s[0], nil, len(x)) // σ alone
}

// siluGradBlock32 writes d = g·SiLU′(x) with σ(x) recomputed as
// siluBlock32 computes it: siluGradBlock's bits given that σ, without a
// stored σ to read (d may be g or x).
func siluGradBlock32(d, g, x []float64) {
	if len(x) == 0 {
		return
	}
	if !haveAVX512 {
		panic("tensor: siluGradBlock32 without AVX-512")
	}
	_, _ = d[len(x)-1], g[len(x)-1]
	siluGradF32AVX512(&d[0], &g[0], &x[0], len(x))
}

// siluGradAVX512 is in silu_amd64.s.
//
//go:noescape
func siluGradAVX512(d, gr, x, s *float64, n int)

// siluGradBlock writes d = g·SiLU′(x) given s = σ(x): blocks of 16 with
// AVX-512 where the CPU has it, the rest in Go, with the same bits.
func siluGradBlock(d, g, x, s []float64) {
	n := 0
	if haveAVX512 {
		n = len(x) &^ 15
		if n > 0 {
			_, _, _ = d[n-1], g[n-1], s[n-1]
			siluGradAVX512(&d[0], &g[0], &x[0], &s[0], n)
		}
	}
	siluGradGeneric(d[n:], g[n:], x[n:], s[n:])
}

// siluGrad12AVX512 is in silu_amd64.s.
//
//go:noescape
func siluGrad12AVX512(dg, dx, h, gr, x, s *float64, n int)

// siluGrad12Block writes dg = h·SiLU′(x) and dx = (h·g)·SiLU″(x) given s
// = σ(x): blocks of eight with AVX-512 where the CPU has it, the rest in
// Go, with the same bits.
func siluGrad12Block(dg, dx, h, g, x, s []float64) {
	n := lanes8(len(dg))
	if n > 0 {
		_, _, _, _, _ = dx[n-1], h[n-1], g[n-1], x[n-1], s[n-1]
		siluGrad12AVX512(&dg[0], &dx[0], &h[0], &g[0], &x[0], &s[0], n)
	}
	siluGrad12Generic(dg[n:], dx[n:], h[n:], g[n:], x[n:], s[n:])
}

// expAVX512 is in silu_amd64.s.
//
//go:noescape
func expAVX512(x, y *float64, n int)

// expBlock writes y = expSoft(x) element-wise, y may be x: blocks of eight
// with AVX-512 where the CPU has it, the rest in Go, with the same bits.
func expBlock(y, x []float64) {
	n := lanes8(len(x))
	if n > 0 {
		_ = y[n-1]
		expAVX512(&x[0], &y[0], n)
	}
	expGeneric(y[n:], x[n:])
}

// lanes8 returns how many of n elements the eight-lane AVX-512 kernels
// take: the multiple of eight at or below n where the CPU has AVX-512, or
// none.
func lanes8(n int) int {
	if haveAVX512 {
		return n &^ 7
	}
	return 0
}

// geluTanhAVX512 and geluTanhVJPAVX512 are in silu_amd64.s.
//
//go:noescape
func geluTanhAVX512(x, y *float64, n int)

//go:noescape
func geluTanhVJPAVX512(d, gr, x *float64, n int)

// geluTanhKernel writes dst = GELUTanh(x): blocks of eight with AVX-512
// where the CPU has it, the rest in Go, with the same bits.
func geluTanhKernel(dst, x []float64) {
	n := lanes8(len(dst))
	if n > 0 {
		_ = x[n-1]
		geluTanhAVX512(&x[0], &dst[0], n)
	}
	geluTanhGeneric(dst[n:], x[n:len(dst)])
}

// geluTanhVJPKernel writes dst = g·GELUTanh′(x) (see geluTanhVJPGeneric):
// blocks of eight with AVX-512 where the CPU has it, the rest in Go, with
// the same bits.
func geluTanhVJPKernel(dst, g, x []float64) {
	n := lanes8(len(dst))
	if n > 0 {
		_, _ = g[n-1], x[n-1]
		geluTanhVJPAVX512(&dst[0], &g[0], &x[0], n)
	}
	geluTanhVJPGeneric(dst[n:], g[n:len(dst)], x[n:len(dst)])
}

// geluF32AVX512 and geluVJPF32AVX512 are in silu_amd64.s.
//
//go:noescape
func geluF32AVX512(x, y *float64, n int)

//go:noescape
func geluVJPF32AVX512(d, gr, x *float64, n int)

// geluTanhKernel32 is geluTanhKernel for a Float32 tensor: z and σ(z) in
// float32 (σ as siluBlock32 computes it) where the CPU has AVX-512, else
// geluTanhKernel.
func geluTanhKernel32(dst, x []float64) {
	if !haveAVX512 || len(dst) == 0 {
		geluTanhKernel(dst, x)
		return
	}
	_ = x[len(dst)-1]
	geluF32AVX512(&x[0], &dst[0], len(dst))
}

// geluTanhVJPKernel32 is geluTanhVJPKernel for a Float32 tensor: the
// derivative in float32 (geluTanhKernel32's σ), times g in float64, where
// the CPU has AVX-512, else geluTanhVJPKernel.
func geluTanhVJPKernel32(dst, g, x []float64) {
	if !haveAVX512 || len(dst) == 0 {
		geluTanhVJPKernel(dst, g, x)
		return
	}
	_, _ = g[len(dst)-1], x[len(dst)-1]
	geluVJPF32AVX512(&dst[0], &g[0], &x[0], len(dst))
}
