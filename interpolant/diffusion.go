package interpolant

import (
	"fmt"

	"github.com/goebm/goebm/internal/lookup"
)

// Diffusion is a form of the diffusion coefficient w(t) of the SDEs
//
//	dx = [v(x, t) + w(t)·s(x, t)] dt + √(2w(t)) dW,
//
// v the velocity and s the score of a path, which for any w ≥ 0 keep the
// path's marginals p_t (the Fokker–Planck equation's extra terms cancel):
// w = 0 is the probability-flow ODE, a larger w corrects more of the
// velocity's errors by Langevin steps. TorchEBM's forms, each times a
// norm:
//
//	DiffusionConstant              1
//	DiffusionSBDM                  b(t)/σ = α′σ/α − σ′, b from Drift (score-based diffusion models' choice)
//	DiffusionSigma                 σ(t)
//	DiffusionLinear                1 − t
//	DiffusionDecreasing            (1 − t)²
//	DiffusionIncreasingDecreasing  4t(1 − t), largest at t = ½
//
// All vanish at the data end t = 1 but the constant and SBDM ones (SBDM
// there is −σ′(1)); SBDM is infinite where α = 0. TorchEBM divides by
// σ + 1e-8 where SBDM is written here without the division.
type Diffusion int

// The forms, in TorchEBM's order.
const (
	// DiffusionConstant is w = norm throughout.
	DiffusionConstant Diffusion = iota
	// DiffusionSBDM is the score-based diffusion's w = norm·(α′σ/α − σ′),
	// TorchEBM's default.
	DiffusionSBDM
	// DiffusionSigma is w = norm·σ(t).
	DiffusionSigma
	// DiffusionLinear is w = norm·(1 − t).
	DiffusionLinear
	// DiffusionDecreasing is w = norm·(1 − t)², falling faster towards the
	// data.
	DiffusionDecreasing
	// DiffusionIncreasingDecreasing is w = norm·4t(1 − t), largest at t = ½.
	DiffusionIncreasingDecreasing
)

// At returns w(t) = norm times the form on the path p.
func (w Diffusion) At(p Interpolant, t, norm float64) float64 {
	switch w {
	case DiffusionConstant:
		return norm
	case DiffusionSBDM:
		alpha, sigma, dAlpha, dSigma := p.Coefficients(t)
		return norm * (dAlpha/alpha*sigma - dSigma)
	case DiffusionSigma:
		_, sigma, _, _ := p.Coefficients(t)
		return norm * sigma
	case DiffusionLinear:
		return norm * (1 - t)
	case DiffusionDecreasing:
		return norm * (1 - t) * (1 - t)
	case DiffusionIncreasingDecreasing:
		return norm * 4 * t * (1 - t)
	}
	panic(fmt.Sprintf("interpolant: unknown diffusion form %d", int(w)))
}

var diffusions = []lookup.Entry[Diffusion]{
	{Name: "constant", Doc: "w(t) = 1", Value: DiffusionConstant},
	{Name: "SBDM", Doc: "w(t) = α′σ/α − σ′, the score-based diffusion's (TorchEBM's default)", Value: DiffusionSBDM},
	{Name: "sigma", Doc: "w(t) = σ(t)", Value: DiffusionSigma},
	{Name: "linear", Doc: "w(t) = 1 − t", Value: DiffusionLinear},
	{Name: "decreasing", Doc: "w(t) = (1 − t)²", Value: DiffusionDecreasing},
	{Name: "increasing-decreasing", Doc: "w(t) = 4t(1 − t), largest at t = ½", Value: DiffusionIncreasingDecreasing},
}

// String is the form's name.
func (w Diffusion) String() string {
	if w >= 0 && int(w) < len(diffusions) {
		return diffusions[w].Name
	}
	return fmt.Sprintf("Diffusion(%d)", int(w))
}

// DiffusionByName returns the diffusion form for a name (TorchEBM's:
// "SBDM", "sbdm" alike; see DiffusionNames), or an error listing them.
func DiffusionByName(name string) (Diffusion, error) {
	return lookup.Find(diffusions, name, "interpolant: unknown diffusion form", ErrInvalid)
}

// DiffusionNames returns the diffusion forms' names, each with a line.
func DiffusionNames() [][2]string { return lookup.Names(diffusions) }
