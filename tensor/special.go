package tensor

import (
	"math"

	"github.com/goebm/goebm/internal/special"
)

// The log-gamma function and its derivatives, the polygamma functions, for
// the normalising constants of statistical densities (gamma, beta, Student-t,
// Dirichlet, negative binomial). Each VJP is the next polygamma op, so every
// order of derivative is available.

var lgammaOp unary

// Lgamma returns log|Γ(x)| element-wise (math.Lgamma's convention): log Γ(x)
// for x > 0, the logarithm of |Γ(x)| between the poles for x < 0, and +∞ at
// the poles 0, −1, −2, …, where its derivative is NaN. Its derivative is
// Digamma(x).
func (tp *Tape) Lgamma(x *Tensor) *Tensor { return tp.unary(x, &lgammaOp) }

func init() {
	lgammaOp = unary{
		f: mapTo(func(v float64) float64 {
			y, _ := math.Lgamma(v)
			return y
		}),
		vjp: mulDeriv(func(tp *Tape, x, _ *Tensor) *Tensor { return tp.Digamma(x) }),
		fused: func(d, g, x, _ []float64) {
			for i := range d {
				d[i] = g[i] * special.Digamma(x[i])
			}
		},
	}
}

// Digamma returns ψ(x) = d/dx log Γ(x) element-wise; see Polygamma.
func (tp *Tape) Digamma(x *Tensor) *Tensor { return tp.Polygamma(0, x) }

// Polygamma returns ψ⁽ⁿ⁾(x), the (n+1)-th derivative of log Γ(x),
// element-wise, for n ≥ 0 (ψ⁽⁰⁾ is the digamma function, ψ⁽¹⁾ the trigamma
// function). It is defined for every real x but the poles 0, −1, −2, …,
// which give NaN. Its derivative is ψ⁽ⁿ⁺¹⁾(x). It panics if n < 0.
func (tp *Tape) Polygamma(n int, x *Tensor) *Tensor {
	if n < 0 {
		panic("tensor: Polygamma: negative order")
	}
	return tp.unary(x, &unary{
		f: mapTo(func(v float64) float64 { return special.Polygamma(n, v) }),
		vjp: mulDeriv(func(tp *Tape, x, _ *Tensor) *Tensor {
			return tp.Polygamma(n+1, x)
		}),
		fused: func(d, g, x, _ []float64) {
			for i := range d {
				d[i] = g[i] * special.Polygamma(n+1, x[i])
			}
		},
	})
}
