package tensor

import "math"

// Op specs are set in init: their derivatives call back into the ops.
var tanhOp, sigmoidOp, softplusOp, geluOp, geluD1Op, geluD2Op unary

// Activations, each in a numerically stable form. Where a network's score
// needs f′ and score matching needs f″, those are fused kernels too; higher
// derivatives are composed from other ops, so every order is available.

// Tanh returns tanh x.
func (tp *Tape) Tanh(x *Tensor) *Tensor { return tp.unary(x, &tanhOp) }

func init() {
	tanhOp = unary{
		f: mapTo(math.Tanh),
		vjp: mulDeriv(func(tp *Tape, _, y *Tensor) *Tensor { // 1 − y²
			return tp.AddScalar(tp.Neg(tp.Square(y)), 1)
		}),
		fused: func(d, g, _, y []float64) {
			for i := range d {
				d[i] = g[i] * (1 - y[i]*y[i])
			}
		},
	}
}

// Sigmoid returns 1 / (1 + e⁻ˣ).
func (tp *Tape) Sigmoid(x *Tensor) *Tensor { return tp.unary(x, &sigmoidOp) }

func init() {
	sigmoidOp = unary{
		f: mapTo(sigmoid),
		vjp: mulDeriv(func(tp *Tape, _, y *Tensor) *Tensor { // y(1 − y)
			return tp.Mul(y, tp.AddScalar(tp.Neg(y), 1))
		}),
		fused: func(d, g, _, y []float64) {
			for i := range d {
				d[i] = g[i] * y[i] * (1 - y[i])
			}
		},
	}
}

// Softplus returns log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|).
func (tp *Tape) Softplus(x *Tensor) *Tensor { return tp.unary(x, &softplusOp) }

func init() {
	softplusOp = unary{
		f:   mapTo(func(v float64) float64 { return math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))) }),
		vjp: mulDeriv(func(tp *Tape, x, _ *Tensor) *Tensor { return tp.Sigmoid(x) }),
		fused: func(d, g, x, _ []float64) {
			for i := range d {
				d[i] = g[i] * sigmoid(x[i])
			}
		},
	}
}

// ReLU returns max(x, 0). Its derivative at 0 is taken as 0.
func (tp *Tape) ReLU(x *Tensor) *Tensor { return tp.LeakyReLU(x, 0) }

// LeakyReLU returns x for x > 0 and αx otherwise.
func (tp *Tape) LeakyReLU(x *Tensor, alpha float64) *Tensor {
	slope := func(v float64) float64 {
		if v > 0 {
			return 1
		}
		return alpha
	}
	return tp.unary(x, &unary{
		f: func(dst, x []float64) {
			for i := range dst {
				dst[i] = slope(x[i]) * x[i]
			}
		},
		vjp: mulDeriv(func(tp *Tape, x, _ *Tensor) *Tensor { return tp.constant(x, slope) }),
		fused: func(d, g, x, _ []float64) {
			for i := range d {
				d[i] = g[i] * slope(x[i])
			}
		},
	})
}

// ELU returns x for x > 0 and α(eˣ − 1) otherwise.
func (tp *Tape) ELU(x *Tensor, alpha float64) *Tensor { return tp.elu(x, alpha, 0) }

// elu returns ELU's derivative of the given order (ELU itself at order 0):
// x, 1, then 0 for x > 0; α(eˣ − 1), then αeˣ at every order, otherwise.
func (tp *Tape) elu(x *Tensor, alpha float64, order int) *Tensor {
	return tp.unary(x, &unary{
		f: mapTo(func(v float64) float64 {
			switch {
			case v > 0 && order == 0:
				return v
			case v > 0 && order == 1:
				return 1
			case v > 0:
				return 0
			case order == 0:
				return alpha * math.Expm1(v)
			}
			return alpha * math.Exp(v)
		}),
		vjp: mulDeriv(func(tp *Tape, x, _ *Tensor) *Tensor { return tp.elu(x, alpha, order+1) }),
	})
}

// SiLU returns x·σ(x) (also called swish). When recording it keeps σ(x),
// from which its first and second derivatives follow without another exp:
// the score and score matching of a SiLU network then cost one exp per unit.
// On a Float32 tensor σ is computed in float32 where the CPU has AVX-512
// (siluBlock32: σ of x rounded to float32, within 3 units of float32's
// rounding; 1.45× faster), as the products are, and not kept: the
// first-order VJP recomputes it, and the higher orders compute it once
// when first needed (the same bits).
func (tp *Tape) SiLU(x *Tensor) *Tensor {
	y := tp.make(x.shape, tp.alloc(len(x.data)))
	block := siluBlock
	if x.prec == Float32 {
		block = siluBlock32
	}
	if !tp.recording() {
		parallelFor(tp.cores(), len(x.data), func(lo, hi int) { block(y.data[lo:hi], y.data[lo:hi], x.data[lo:hi]) })
		y.prec = x.prec
		return y
	}
	sg := tp.newSiLUSigma(x.prec, len(x.data))
	parallelFor(tp.cores(), len(x.data), func(lo, hi int) { sg.forward(lo, y.data[lo:hi], x.data[lo:hi]) })
	return tp.siluRecord(x, y, sg)
}

// siluRecord records y = SiLU(x), its values (and σ, where sg keeps it)
// already written by sg.forward.
func (tp *Tape) siluRecord(x, y *Tensor, sg *siluSigma) *Tensor {
	sg.x = x.data
	y = tp.record(y, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.siluGrad(g, x, sg, 1)}
	})
	tp.takesLazy(y, takesConv)
	return y
}

// siluSigma is σ(x) for a SiLU's input x: kept by the forward pass, or
// (σ in float32) computed when first needed, with the bits the forward
// pass computed.
type siluSigma struct {
	tp  *Tape
	x   []float64
	s   []float64 // nil until computed
	f32 bool      // σ in float32: the first-order kernels recompute it rather than read it
}

// newSiLUSigma returns the σ of a recorded SiLU of n values of precision
// prec. In float32 it is recomputed where needed: the first-order VJP (a
// score, Langevin's drift) then reads x alone, and the forward pass writes
// y alone (measured on the float32 conv energy: ∇ₓE 1.05× faster, a
// Langevin step 1.06×). Otherwise the forward pass keeps it.
func (tp *Tape) newSiLUSigma(prec Precision, n int) *siluSigma {
	sg := &siluSigma{tp: tp, f32: prec == Float32 && haveAVX512}
	if !sg.f32 {
		sg.s = tp.alloc(n)
	}
	return sg
}

// forward writes y = SiLU(x) for the piece of the input at offset off, and
// σ where sg keeps it (siluBlock32 is siluBlock without AVX-512, where a
// Float32 SiLU keeps σ).
func (sg *siluSigma) forward(off int, y, x []float64) {
	if sg.f32 {
		siluBlock32(y, y, x)
		return
	}
	siluBlock(sg.s[off:off+len(x)], y, x)
}

// get returns σ(x), computing it on the tape's storage the first time
// where the forward pass did not keep it.
func (sg *siluSigma) get() []float64 {
	if sg.s == nil {
		sg.s = sg.tp.alloc(len(sg.x))
		parallelFor(sg.tp.cores(), len(sg.x), func(lo, hi int) { sigmaBlock32(sg.s[lo:hi], sg.x[lo:hi]) })
	}
	return sg.s
}

// The derivatives of SiLU in terms of s = σ(x), with s₁ = s(1−s) = σ′ and
// u = 1 − 2s (so s₁′ = s₁u and u′ = −2s₁):
//
//	SiLU′  = s + x·s₁
//	SiLU″  = s₁(2 + xu)
//	SiLU‴  = s₁u(3 + xu) − 2x·s₁²
//	SiLU⁗ = (s₁u² − 2s₁²)(3 + xu) + s₁u(u − 2x·s₁) − 2s₁² − 4x·s₁²u
//
// The first four are fused kernels on the σ(x) cached by the forward pass:
// score matching's parameter gradient needs SiLU‴ on every unit.
func siluD1(x, s float64) float64 { return s + x*s*(1-s) }
func siluD2(x, s float64) float64 { return s * (1 - s) * (2 + x*(1-2*s)) }
func siluD3(x, s float64) float64 {
	s1, u := s*(1-s), 1-2*s
	return s1*u*(3+x*u) - 2*x*s1*s1
}
func siluD4(x, s float64) float64 {
	s1, u := s*(1-s), 1-2*s
	return (s1*u*u-2*s1*s1)*(3+x*u) + s1*u*(u-2*x*s1) - 2*s1*s1 - 4*x*s1*s1*u
}

// siluGrad returns g·SiLU⁽ᵏ⁾(x) for k from 1 to 3, given σ(x) (sg: the
// first order, and its double backward, recompute σ in float32 where the
// forward pass computed it so), in one pass: the SiLU VJP of order k, which a product of g and a derivative
// tensor took three passes over memory and two tensors to compute. Its own
// VJP, given h, is h·SiLU⁽ᵏ⁾(x) for g and (h·g)·SiLU⁽ᵏ⁺¹⁾(x) for x: fused
// kernels when not recording (the second reading h, g, x and s at once);
// when recording, siluGrad of order k and k+1, and past the third order
// SiLU⁗ built from ops, so that every order follows. The products are
// rounded in the order the unfused ops rounded them.
func (tp *Tape) siluGrad(g, x *Tensor, sg *siluSigma, k int) *Tensor {
	if k == 1 && tp.sums != nil { // a first-order Grad, not recorded
		var s []float64
		if !sg.f32 {
			s = sg.get()
		}
		return tp.sums.lazySiLU(g, x, s)
	}
	d := tp.make(x.shape, tp.alloc(len(x.data)))
	if k == 1 && sg.f32 { // σ recomputed, not read
		parallelFor(tp.cores(), len(d.data), func(lo, hi int) { siluGradBlock32(d.data[lo:hi], g.data[lo:hi], x.data[lo:hi]) })
	} else {
		siluGradInto(tp.cores(), d.data, nil, g.data, x.data, sg.get(), k)
	}
	return tp.record(d, []*Tensor{g, x}, func(h *Tensor, need []bool) []*Tensor {
		var dg, dx *Tensor
		if k == 1 && need[0] && need[1] && !tp.recording() {
			// Both in one pass over h, x and s (the double backward of a
			// SiLU network's score: DSM's parameter gradient).
			dg, dx = tp.make(x.shape, tp.alloc(len(x.data))), tp.make(x.shape, tp.alloc(len(x.data)))
			if sg.f32 {
				parallelFor(tp.cores(), len(x.data), func(lo, hi int) {
					siluGrad12Block32(dg.data[lo:hi], dx.data[lo:hi], h.data[lo:hi], g.data[lo:hi], x.data[lo:hi])
				})
			} else {
				s := sg.get()
				parallelFor(tp.cores(), len(x.data), func(lo, hi int) {
					siluGrad12Block(dg.data[lo:hi], dx.data[lo:hi], h.data[lo:hi], g.data[lo:hi], x.data[lo:hi], s[lo:hi])
				})
			}
			dg.prec, dx.prec = lowest(h, x), lowest(h, g, x)
			return []*Tensor{dg, dx}
		}
		if need[0] {
			dg = tp.siluGrad(h, x, sg, k)
		}
		switch {
		case !need[1]:
		case !tp.recording():
			dx = tp.make(x.shape, tp.alloc(len(x.data)))
			siluGradInto(tp.cores(), dx.data, h.data, g.data, x.data, sg.get(), k+1)
			dx.prec = lowest(h, g, x)
		case k < 3:
			dx = tp.siluGrad(tp.Mul(h, g), x, sg, k+1)
		default:
			dx = tp.Mul(tp.Mul(h, g), tp.siluD4(x))
		}
		return []*Tensor{dg, dx}
	})
}

// siluGradInto writes d = g·SiLU⁽ᵏ⁾(x), or with h not nil d = (h·g)·
// SiLU⁽ᵏ⁾(x), for k from 1 to 4 given s = σ(x), split across the cores
// the core limit cores allows. The derivatives of the orders that score
// matching meets (up to the third) are inlined, which ran the loop 2.9×
// faster than a call per element through the table that serves the
// fourth.
func siluGradInto(cores int, d, h, g, x, s []float64, k int) {
	f := siluDerivs[k]
	parallelFor(cores, len(d), func(lo, hi int) {
		d, g, x, s := d[lo:hi], g[lo:hi], x[lo:hi], s[lo:hi]
		if h == nil {
			switch k {
			case 1:
				siluGradBlock(d, g, x, s)
			case 2: // score matching's ∇θ of ∇ₓE: the derivative inlined
				for i := range d {
					d[i] = g[i] * siluD2(x[i], s[i])
				}
			case 3:
				for i := range d {
					d[i] = g[i] * siluD3(x[i], s[i])
				}
			default:
				for i := range d {
					d[i] = g[i] * f(x[i], s[i])
				}
			}
			return
		}
		h := h[lo:hi]
		switch k {
		case 1:
			for i := range d {
				d[i] = h[i] * g[i] * siluD1(x[i], s[i])
			}
		case 2:
			for i := range d {
				d[i] = h[i] * g[i] * siluD2(x[i], s[i])
			}
		case 3:
			for i := range d {
				d[i] = h[i] * g[i] * siluD3(x[i], s[i])
			}
		default:
			for i := range d {
				d[i] = h[i] * g[i] * f(x[i], s[i])
			}
		}
	})
}

var siluDerivs = [...]func(x, s float64) float64{nil, siluD1, siluD2, siluD3, siluD4}

// siluD4 is SiLU⁗ built from ops (see above), so that the fifth order and
// beyond follow by differentiating it.
func (tp *Tape) siluD4(x *Tensor) *Tensor {
	s := tp.Sigmoid(x)
	s1 := tp.Mul(s, tp.AddScalar(tp.Neg(s), 1))
	u := tp.AddScalar(tp.Scale(s, -2), 1)
	s1s1 := tp.Square(s1)
	xu3 := tp.AddScalar(tp.Mul(x, u), 3)
	t1 := tp.Mul(tp.Sub(tp.Mul(s1, tp.Square(u)), tp.Scale(s1s1, 2)), xu3)
	t2 := tp.Mul(tp.Mul(s1, u), tp.Sub(u, tp.Scale(tp.Mul(x, s1), 2)))
	t3 := tp.Add(tp.Scale(s1s1, 2), tp.Scale(tp.Mul(tp.Mul(x, s1s1), u), 4))
	return tp.Sub(tp.Add(t1, t2), t3)
}

// GELU returns x·Φ(x) with Φ the standard normal CDF (the exact form, not the
// tanh approximation).
func (tp *Tape) GELU(x *Tensor) *Tensor { return tp.unary(x, &geluOp) }

const invSqrt2Pi = 0.3989422804014327 // 1/√(2π)

func normPDF(v float64) float64 { return invSqrt2Pi * math.Exp(-v*v/2) }
func normCDF(v float64) float64 { return 0.5 * math.Erfc(-v/math.Sqrt2) }

// geluD1 is Φ + xφ; geluD2 is φ(2 − x²).
func geluD1(v float64) float64 { return normCDF(v) + v*normPDF(v) }
func geluD2(v float64) float64 { return normPDF(v) * (2 - v*v) }

func init() {
	geluOp = unary{
		f:   mapTo(func(v float64) float64 { return v * normCDF(v) }),
		vjp: mulDeriv(func(tp *Tape, x, _ *Tensor) *Tensor { return tp.unary(x, &geluD1Op) }),
		fused: func(d, g, x, _ []float64) {
			for i := range d {
				d[i] = g[i] * geluD1(x[i])
			}
		},
	}
}

func init() {
	geluD1Op = unary{
		f:   mapTo(geluD1),
		vjp: mulDeriv(func(tp *Tape, x, _ *Tensor) *Tensor { return tp.unary(x, &geluD2Op) }),
	}
}

func init() {
	geluD2Op = unary{
		f: mapTo(geluD2),
		// GELU‴ = φ(x)(x³ − 4x), with φ(x) = e^(−x²/2)/√(2π).
		vjp: mulDeriv(func(tp *Tape, x, _ *Tensor) *Tensor {
			phi := tp.Scale(tp.Exp(tp.Scale(tp.Square(x), -0.5)), invSqrt2Pi)
			return tp.Mul(phi, tp.Sub(tp.Pow(x, 3), tp.Scale(x, 4)))
		}),
	}
}
