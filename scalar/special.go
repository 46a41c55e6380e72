package scalar

import (
	"math"

	"github.com/goebm/goebm/internal/special"
)

// Lgamma returns log|Γ(x)| (math.Lgamma's convention: log Γ(x) for x > 0,
// +∞ at the poles 0, −1, −2, …), with partial derivative ψ(x), the digamma
// function. A constant argument costs no digamma.
func (tp *Tape) Lgamma(x Var) Var {
	y, _ := math.Lgamma(x.v)
	if x.i == 0 {
		return Var{v: y}
	}
	return tp.unary(y, x, special.Digamma(x.v))
}

// Digamma returns ψ(x) = d/dx log Γ(x), with partial derivative ψ′(x), the
// trigamma function. It is NaN at the poles 0, −1, −2, ….
func (tp *Tape) Digamma(x Var) Var {
	y := special.Digamma(x.v)
	if x.i == 0 {
		return Var{v: y}
	}
	return tp.unary(y, x, special.Trigamma(x.v))
}

// Lgamma returns log|Γ(x)|.
func (Float) Lgamma(x float64) float64 {
	y, _ := math.Lgamma(x)
	return y
}

// Digamma returns ψ(x) = d/dx log Γ(x).
func (Float) Digamma(x float64) float64 { return special.Digamma(x) }
