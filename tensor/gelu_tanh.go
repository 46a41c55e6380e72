package tensor

import "math"

var geluTanhOp unary

// The constants of the tanh form of GELU (Hendrycks and Gimpel 2016), as
// PyTorch's gelu(approximate="tanh"): √(2/π) and the cubic coefficient.
const (
	geluTanhC = 0.7978845608028654 // √(2/π)
	geluTanhA = 0.044715
)

// GELUTanh returns the tanh approximation of GELU,
// ½x(1 + tanh(√(2/π)(x + 0.044715x³))), PyTorch's
// gelu(approximate="tanh"), which DiT and TorchEBM's transformer blocks
// use. It differs from GELU by less than 5e-4 and costs about half as much
// (one exponential per element instead of erfc). Its derivative is
//
//	½(1 + T) + ½x(1 − T²)·√(2/π)(1 + 3·0.044715x²), T = tanh(u),
//
// a fused kernel in the backward pass and tape ops when the backward pass
// is recorded, so every order is available.
func (tp *Tape) GELUTanh(x *Tensor) *Tensor { return tp.unary(x, &geluTanhOp) }

// geluTanhT returns tanh(√(2/π)(v + 0.044715v³)) as 1 − 2/(e^{2u} + 1):
// one exponential, saturating correctly at ±1 (e^{2u} = +Inf gives 1).
// Its absolute error is a few ulps of 1, which GELU's factor ½x keeps
// small.
func geluTanhT(v float64) float64 {
	u := geluTanhC * (v + geluTanhA*v*v*v)
	return 1 - 2/(math.Exp(2*u)+1)
}

func geluTanhKernel(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = 0.5 * v * (1 + geluTanhT(v))
	}
}

func geluTanhVJPKernel(dst, g, x []float64) {
	g, x = g[:len(dst)], x[:len(dst)]
	for i, v := range x {
		t := geluTanhT(v)
		dst[i] = g[i] * (0.5*(1+t) + 0.5*v*(1-t*t)*geluTanhC*(1+3*geluTanhA*v*v))
	}
}

func init() {
	geluTanhOp = unary{
		f: geluTanhKernel,
		vjp: mulDeriv(func(tp *Tape, x, _ *Tensor) *Tensor {
			x2 := tp.Square(x)
			t := tp.Tanh(tp.Scale(tp.Add(x, tp.Scale(tp.Mul(x2, x), geluTanhA)), geluTanhC))
			du := tp.AddScalar(tp.Scale(x2, 3*geluTanhA), 1) // u′/√(2/π)
			second := tp.Mul(tp.Mul(x, tp.AddScalar(tp.Neg(tp.Square(t)), 1)), du)
			return tp.Add(tp.Scale(tp.AddScalar(t, 1), 0.5), tp.Scale(second, 0.5*geluTanhC))
		}),
		fused: func(d, g, x, _ []float64) { geluTanhVJPKernel(d, g, x) },
	}
}
