package tensor

import "math"

// Op specs are set in init: their derivatives call back into the ops.
var negOp, expOp, squareOp unary

// unary describes an element-wise op y = f(x).
type unary struct {
	// f writes f(x) into dst, over a piece of the input.
	f func(dst, x []float64)
	// vjp returns g·f′(x) as tape ops (so it is differentiable again).
	vjp func(tp *Tape, g, x, y *Tensor) *Tensor
	// fused, if set, writes g·f′(x) in one pass; used when the backward pass
	// is not being recorded, where it saves a buffer and a sweep.
	fused func(dst, g, x, y []float64)
	// f32 and fused32, if set, replace f and fused on a Float32 input: the
	// op computed in float32, as the products are.
	f32     func(dst, x []float64)
	fused32 func(dst, g, x, y []float64)
}

func (tp *Tape) unary(x *Tensor, u *unary) *Tensor {
	y := tp.make(x.shape, tp.alloc(len(x.data)))
	f, fused := u.f, u.fused
	if x.prec == Float32 && u.f32 != nil {
		f, fused = u.f32, u.fused32
	}
	parallelFor(tp.cores(), len(x.data), func(lo, hi int) { f(y.data[lo:hi], x.data[lo:hi]) })
	return tp.record(y, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		if fused != nil && !tp.recording() {
			d := tp.make(x.shape, tp.alloc(len(x.data)))
			parallelFor(tp.cores(), len(x.data), func(lo, hi int) {
				fused(d.data[lo:hi], g.data[lo:hi], x.data[lo:hi], y.data[lo:hi])
			})
			d.prec = lowest(g, x)
			return []*Tensor{d}
		}
		return []*Tensor{u.vjp(tp, g, x, y)}
	})
}

// mulDeriv builds a vjp g·d(x, y) from a derivative written with tape ops.
func mulDeriv(d func(tp *Tape, x, y *Tensor) *Tensor) func(tp *Tape, g, x, y *Tensor) *Tensor {
	return func(tp *Tape, g, x, y *Tensor) *Tensor { return tp.Mul(g, d(tp, x, y)) }
}

// constant returns a tensor computed from x element-wise that carries no
// gradient: for derivatives that are piecewise constant (sign, steps).
func (tp *Tape) constant(x *Tensor, f func(v float64) float64) *Tensor {
	c := tp.make(x.shape, tp.alloc(len(x.data)))
	for i, v := range x.data {
		c.data[i] = f(v)
	}
	return c
}

func mapTo(f func(float64) float64) func(dst, x []float64) {
	return func(dst, x []float64) {
		x = x[:len(dst)]
		for i := range dst {
			dst[i] = f(x[i])
		}
	}
}

// Neg returns −x.
func (tp *Tape) Neg(x *Tensor) *Tensor { return tp.unary(x, &negOp) }

func init() {
	negOp = unary{
		f: func(dst, x []float64) {
			for i := range dst {
				dst[i] = -x[i]
			}
		},
		vjp: func(tp *Tape, g, _, _ *Tensor) *Tensor { return tp.Neg(g) },
	}
}

// Scale returns c·x.
func (tp *Tape) Scale(x *Tensor, c float64) *Tensor {
	return tp.unary(x, &unary{
		f: func(dst, x []float64) {
			for i := range dst {
				dst[i] = c * x[i]
			}
		},
		vjp: func(tp *Tape, g, _, _ *Tensor) *Tensor { return tp.Scale(g, c) },
	})
}

// AddScalar returns x + c.
func (tp *Tape) AddScalar(x *Tensor, c float64) *Tensor {
	return tp.unary(x, &unary{
		f: func(dst, x []float64) {
			for i := range dst {
				dst[i] = x[i] + c
			}
		},
		vjp: func(_ *Tape, g, _, _ *Tensor) *Tensor { return g },
	})
}

// Exp returns eˣ.
func (tp *Tape) Exp(x *Tensor) *Tensor { return tp.unary(x, &expOp) }

func init() {
	expOp = unary{
		f:     mapTo(math.Exp),
		vjp:   func(tp *Tape, g, _, y *Tensor) *Tensor { return tp.Mul(g, y) },
		fused: func(d, g, _, y []float64) { mulTo(d, g, y) },
	}
}

// Log returns the natural logarithm of x.
func (tp *Tape) Log(x *Tensor) *Tensor {
	return tp.unary(x, &unary{f: mapTo(math.Log), vjp: func(tp *Tape, g, x, _ *Tensor) *Tensor { return tp.Div(g, x) }})
}

// Log1p returns log(1 + x), accurate for small x.
func (tp *Tape) Log1p(x *Tensor) *Tensor {
	return tp.unary(x, &unary{f: mapTo(math.Log1p), vjp: func(tp *Tape, g, x, _ *Tensor) *Tensor {
		return tp.Div(g, tp.AddScalar(x, 1))
	}})
}

// Sqrt returns √x.
func (tp *Tape) Sqrt(x *Tensor) *Tensor {
	return tp.unary(x, &unary{f: mapTo(math.Sqrt), vjp: func(tp *Tape, g, _, y *Tensor) *Tensor {
		return tp.Div(g, tp.Scale(y, 2))
	}})
}

// Square returns x².
func (tp *Tape) Square(x *Tensor) *Tensor { return tp.unary(x, &squareOp) }

func init() {
	squareOp = unary{
		f: func(dst, x []float64) {
			for i := range dst {
				dst[i] = x[i] * x[i]
			}
		},
		vjp: func(tp *Tape, g, x, _ *Tensor) *Tensor { return tp.Mul(g, tp.Scale(x, 2)) },
		fused: func(d, g, x, _ []float64) {
			for i := range d {
				d[i] = 2 * g[i] * x[i]
			}
		},
	}
}

// Pow returns xᵖ for a constant exponent p. For non-integer p, x must be
// non-negative. Pow(x, 0) is ones and carries no gradient.
func (tp *Tape) Pow(x *Tensor, p float64) *Tensor {
	switch p {
	case 0:
		return tp.constant(x, func(float64) float64 { return 1 })
	case 1:
		return x
	case 2:
		return tp.Square(x)
	}
	f := func(v float64) float64 { return math.Pow(v, p) }
	if p == 0.5 {
		f = math.Sqrt
	}
	return tp.unary(x, &unary{f: mapTo(f), vjp: func(tp *Tape, g, x, _ *Tensor) *Tensor {
		return tp.Mul(g, tp.Scale(tp.Pow(x, p-1), p))
	}})
}

// Abs returns |x|. Its derivative at 0 is taken as 0.
func (tp *Tape) Abs(x *Tensor) *Tensor {
	return tp.unary(x, &unary{f: mapTo(math.Abs), vjp: mulDeriv(func(tp *Tape, x, _ *Tensor) *Tensor {
		return tp.constant(x, sign)
	})})
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// Sin returns sin x.
func (tp *Tape) Sin(x *Tensor) *Tensor {
	return tp.unary(x, &unary{f: mapTo(math.Sin), vjp: mulDeriv(func(tp *Tape, x, _ *Tensor) *Tensor { return tp.Cos(x) })})
}

// Cos returns cos x.
func (tp *Tape) Cos(x *Tensor) *Tensor {
	return tp.unary(x, &unary{f: mapTo(math.Cos), vjp: mulDeriv(func(tp *Tape, x, _ *Tensor) *Tensor {
		return tp.Neg(tp.Sin(x))
	})})
}

func mulTo(d, a, b []float64) {
	a, b = a[:len(d)], b[:len(d)]
	for i := range d {
		d[i] = a[i] * b[i]
	}
}
