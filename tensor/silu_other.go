//go:build !amd64 || purego

package tensor

// siluBlock writes s = σ(x) and y = x·s element-wise; s may be y.
func siluBlock(s, y, x []float64) { siluGeneric(s, y, x) }

// siluBlock32 is siluBlock: σ in float32 needs AVX-512.
func siluBlock32(s, y, x []float64) { siluBlock(s, y, x) }

// sigmaBlock32, siluGradBlock32 and siluGrad12Block32 are not called in
// this build.
func sigmaBlock32(s, x []float64) {
	if len(x) > 0 {
		panic("tensor: sigmaBlock32 without AVX-512")
	}
}

func siluGradBlock32(d, g, x []float64) {
	if len(x) > 0 {
		panic("tensor: siluGradBlock32 without AVX-512")
	}
}

// siluGradBlock writes d = g·SiLU′(x) given s = σ(x).
func siluGradBlock(d, g, x, s []float64) { siluGradGeneric(d, g, x, s) }

// siluGrad12Block writes dg = h·SiLU′(x) and dx = (h·g)·SiLU″(x) given
// s = σ(x).
func siluGrad12Block(dg, dx, h, g, x, s []float64) { siluGrad12Generic(dg, dx, h, g, x, s) }

// expBlock writes y = expSoft(x) element-wise; y may be x.
func expBlock(y, x []float64) { expGeneric(y, x) }

// geluTanhKernel writes dst = GELUTanh(x).
func geluTanhKernel(dst, x []float64) { geluTanhGeneric(dst, x) }

// geluTanhVJPKernel writes dst = g·GELUTanh′(x).
func geluTanhVJPKernel(dst, g, x []float64) { geluTanhVJPGeneric(dst, g, x) }

// geluTanhKernel32 and geluTanhVJPKernel32 are the float64 kernels: GELU
// in float32 needs AVX-512.
func geluTanhKernel32(dst, x []float64) { geluTanhKernel(dst, x) }

func geluTanhVJPKernel32(dst, g, x []float64) { geluTanhVJPKernel(dst, g, x) }

func siluGrad12Block32(dg, dx, h, g, x []float64) {
	if len(x) > 0 {
		panic("tensor: siluGrad12Block32 without AVX-512")
	}
}
