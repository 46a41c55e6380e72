package energy

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/goebm/goebm/internal/limit"
)

// named is an energy of a given dimension, with its one-line description;
// fixedDim, when not 0, is the only dimension it takes.
type named struct {
	build    func(d int) (Energy, error)
	minDim   int
	doc      string
	fixedDim int
}

var energies = map[string]named{
	"gaussian": {func(d int) (Energy, error) {
		if _, err := limit.Elems("dim × dim (the covariance)", d, d); err != nil {
			return nil, fmt.Errorf("energy: gaussian: %w: %w", err, ErrInvalid)
		}
		cov := make([]float64, d*d)
		for i := range d {
			for j := range d {
				cov[i*d+j] = 0.5
			}
			cov[i*d+i] = 1
		}
		return NewGaussian(make([]float64, d), cov)
	}, 1, "N(0, Σ) with unit variances and correlation 0.5", 0},
	"doublewell": {func(int) (Energy, error) { return DoubleWell{}, nil }, 1, "2·Σ(xᵢ² − 1)²: two wells per axis", 0},
	"harmonic":   {func(int) (Energy, error) { return Harmonic{}, nil }, 1, "½‖x‖², a standard normal", 0},
	"rosenbrock": {func(int) (Energy, error) { return Rosenbrock{}, nil }, 2, "Σ(1 − xᵢ)² + 100(xᵢ₊₁ − xᵢ²)²: a curved valley", 0},
	"ackley":     {func(int) (Energy, error) { return Ackley{}, nil }, 1, "Ackley's function: many local minima", 0},
	"rastrigin":  {func(int) (Energy, error) { return Rastrigin{}, nil }, 1, "Rastrigin's function: a grid of minima", 0},
	"funnel":     {func(int) (Energy, error) { return Funnel{}, nil }, 2, "Neal's funnel: v ~ N(0, 9), zᵢ ~ N(0, eᵛ)", 0},
	"quadratic":  {func(int) (Energy, error) { return Quadratic{}, nil }, 1, "½xᵀAx with A = I (NewQuadratic takes any symmetric A)", 0},
	"himmelblau": {func(int) (Energy, error) { return Himmelblau{}, nil }, 2, "(x² + y − 11)² + (x + y² − 7)²: four minima, 2-D", 2},
	"booth":      {func(int) (Energy, error) { return Booth{}, nil }, 2, "(x + 2y − 7)² + (2x + y − 5)²: a tilted Gaussian at (1, 3), 2-D", 2},
	"gmm40":      {func(int) (Energy, error) { return NewGMM40(GMM40Seed) }, 2, "FAB's 40 Gaussians (sd 1.31) with means uniform in [−40, 40]², 2-D", 2},
	"manywell": {func(d int) (Energy, error) {
		if d%2 != 0 {
			return nil, fmt.Errorf("energy: manywell in dimension %d: it takes an even one: %w", d, ErrInvalid)
		}
		return ManyWell{Wells: d / 2}, nil
	}, 2, "FAB's many-well: d/2 copies of x₁⁴ − 6x₁² − 0.5x₁ + ½x₂² (32-D: ManyWell-32)", 0},
	"styblinskitang": {func(int) (Energy, error) { return StyblinskiTang{}, nil }, 1, "½Σ(xᵢ⁴ − 16xᵢ² + 5xᵢ): 2ᵈ minima, lowest at xᵢ = −2.9035", 0},
}

// Names returns the names ByName takes, sorted, each with a one-line
// description.
func Names() [][2]string {
	keys := slices.Sorted(maps.Keys(energies))
	out := make([][2]string, len(keys))
	for i, k := range keys {
		out[i] = [2]string{k, energies[k].doc}
	}
	return out
}

// ByName returns the analytic energy with TorchEBM's defaults for a name,
// in dimension d (the Gaussian needs it; Rosenbrock and the funnel need
// d ≥ 2; Himmelblau and Booth take only d = 2). Names are matched as dataset names are: case, '-', '_' and spaces
// do not count, so "double-well", "double_well" and "DoubleWell" are one.
// An unknown name gives an error listing the valid ones; errors wrap
// ErrInvalid (and limit's ErrSize for a dimension whose Gaussian
// covariance the machine cannot hold).
func ByName(name string, d int) (Energy, error) {
	key := strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(name))
	e, ok := energies[key]
	if !ok {
		var names []string
		for _, nd := range Names() {
			names = append(names, nd[0])
		}
		return nil, fmt.Errorf("energy: unknown energy %q (valid: %s): %w", name, strings.Join(names, ", "), ErrInvalid)
	}
	if e.fixedDim != 0 && d != e.fixedDim {
		return nil, fmt.Errorf("energy: %s in dimension %d: it takes only %d: %w", key, d, e.fixedDim, ErrInvalid)
	}
	if d < e.minDim {
		return nil, fmt.Errorf("energy: %s in dimension %d: it needs at least %d: %w", key, d, e.minDim, ErrInvalid)
	}
	return e.build(d)
}
