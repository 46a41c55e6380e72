package interpolant

import (
	"fmt"
	"math"
)

// Prediction is what a network trained along a path may predict at
// (x_t, t). With x_t = α·x₁ + σ·x₀ for Gaussian noise x₀ ~ N(0, I), each is
// an affine function of x_t and the expected noise ε̂ = E[x₀ | x_t], so
// any one determines the others at a time where α, σ ≠ 0:
//
//	Noise     ε̂
//	Score     ∇log p_t(x_t) = −ε̂/σ
//	Velocity  E[α′x₁ + σ′x₀ | x_t] = (α′/α)x_t + (σ′ − σα′/α)ε̂
//	Data      E[x₁ | x_t] = (x_t − σε̂)/α
type Prediction int

const (
	// Velocity is the flow-matching target's conditional mean, the
	// probability-flow ODE's velocity.
	Velocity Prediction = iota
	// Score is ∇ₓ log p_t.
	Score
	// Noise is the expected noise E[x₀ | x_t].
	Noise
	// Data is the expected data point E[x₁ | x_t] (Tweedie's estimate).
	Data
)

// String names the prediction.
func (p Prediction) String() string {
	switch p {
	case Velocity:
		return "velocity"
	case Score:
		return "score"
	case Noise:
		return "noise"
	case Data:
		return "data"
	}
	return fmt.Sprintf("Prediction(%d)", int(p))
}

// affine returns (cx, cε, q) with prediction = (cx·x_t + cε·ε̂)/q at
// time t: velocity and data are written over α, the score over σ, so that
// the coefficients stay finite where α or σ vanishes.
func (p Prediction) affine(path Interpolant, t float64) (cx, ce, q float64, ok bool) {
	alpha, sigma, dAlpha, dSigma := path.Coefficients(t)
	switch p {
	case Velocity:
		return dAlpha, alpha*dSigma - sigma*dAlpha, alpha, true
	case Score:
		return 0, -1, sigma, true
	case Noise:
		return 0, 1, 1, true
	case Data:
		return 1, -sigma, alpha, true
	}
	return 0, 0, 0, false
}

// Conversion returns the coefficients a, b with to = a·x_t + b·from: the
// prediction of kind to equivalent to one of kind from on the path p at
// time t. It fails, wrapping ErrInvalid, where the conversion is undefined:
// to velocity or data where α(t) = 0 (the noise end of the linear and
// cosine paths), to or from the score where σ(t) = 0 (the data end).
// From velocity or data where α = 0 it is defined, with b = 0: there x_t
// is all noise, which x_t alone gives, and the prediction adds nothing.
//
// Conversion(p, t, Score, Velocity) is the probability-flow ODE in terms
// of the score (Drift).
func Conversion(p Interpolant, t float64, from, to Prediction) (a, b float64, err error) {
	fx, fe, fq, okF := from.affine(p, t)
	tx, te, tq, okT := to.affine(p, t)
	if !okF || !okT {
		return 0, 0, fmt.Errorf("interpolant: conversion from %v to %v: %w", from, to, ErrInvalid)
	}
	if from == to {
		return 0, 1, nil
	}
	// ε̂ = (fq·from − fx·x)/fe, so to = (tx·x + te·ε̂)/tq.
	b = te * fq / (fe * tq)
	a = (tx - te*fx/fe) / tq
	if fe == 0 || tq == 0 || (from == Score && fq == 0) || !finite(a, b) {
		return 0, 0, fmt.Errorf("interpolant: %v to %v is undefined at t = %g: %w", from, to, t, ErrInvalid)
	}
	return a, b, nil
}

// Convert writes into dst the prediction of kind to for each row i of the
// predictions src of kind from at the points x ([n, d] row-major), time
// t[i]. dst may be src.
func Convert(p Interpolant, from, to Prediction, dst, src, x, t []float64, d int) error {
	n := len(t)
	if d <= 0 || len(src) != n*d || len(x) != n*d || len(dst) != n*d {
		return fmt.Errorf("interpolant: buffers of %d, %d, %d values for %d rows of dimension %d: %w", len(dst), len(src), len(x), n, d, ErrInvalid)
	}
	for i, ti := range t {
		a, b, err := Conversion(p, ti, from, to)
		if err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
		for j := i * d; j < (i+1)*d; j++ {
			dst[j] = a*x[j] + b*src[j]
		}
	}
	return nil
}

// Drift returns the probability-flow ODE in terms of the score,
// dx/dt = a·x + b·∇log p_t(x), with a = α′/α and b = α′σ²/α − σσ′
// (TorchEBM's compute_drift returns −a·x and b). It is infinite where
// α = 0.
func Drift(p Interpolant, t float64) (a, b float64) {
	alpha, sigma, dAlpha, dSigma := p.Coefficients(t)
	r := dAlpha / alpha
	return r, r*sigma*sigma - sigma*dSigma
}

func finite(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
