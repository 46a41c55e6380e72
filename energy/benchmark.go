package energy

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/integrate/quad"
)

// Exact is an energy whose normalising constant and exact draws are known:
// the benchmarks that samplers trained from the energy alone (package
// neuralsampler) are scored on, by MMD against exact draws and by the error
// of their estimate of log Z.
type Exact interface {
	Energy
	// LogZ returns log ∫exp(−E(x))dx.
	LogZ() float64
	// Draw returns n exact draws, n·Dim() values row-major, from rng.
	Draw(n int, rng *rand.Rand) []float64
}

var (
	_ Exact = (*Mixture)(nil)
	_ Exact = ManyWell{}
)

// GMM40Seed is the seed NewGMM40 places the means with in ByName's
// "gmm40".
const GMM40Seed = 0

// NewGMM40 returns the 2-D, 40-component Gaussian mixture of the FAB and
// DEM benchmarks (Midgley et al. 2023; Akhound-Sadegh et al. 2024): equal
// weights, means uniform in [−40, 40]², every axis's standard deviation
// softplus(1) = log(1 + e) ≈ 1.3133 (FAB's log_var_scaling = 1 goes through
// a softplus). The means come from rand.NewPCG(seed, 0), not from PyTorch's
// generator, so they are not FAB's: the same kind of problem, not the same
// instance.
func NewGMM40(seed uint64) (*Mixture, error) {
	rng := rand.New(rand.NewPCG(seed, 0))
	sigma := math.Log1p(math.E)
	comps := make([]Component, 40)
	for k := range comps {
		comps[k] = Component{Weight: 1, Mean: []float64{80 * (rng.Float64() - 0.5), 80 * (rng.Float64() - 0.5)}, Sigma: sigma}
	}
	return NewMixture(comps)
}

// ManyWell is FAB's many-well energy (Midgley et al. 2023): Wells
// independent copies of the 2-D double well
//
//	E(x₁, x₂) = x₁⁴ − 6x₁² − 0.5x₁ + ½x₂²,
//
// a bimodal x₁ (wells near ±1.7, the one at +1.7 deeper by about 1.7) and a
// standard normal x₂, on the coordinate pairs (x₂ᵢ, x₂ᵢ₊₁). It has 2^Wells
// modes; the zero value has 16 wells, the 32-dimensional ManyWell-32.
// log Z is Wells·(log Z₁ + ½log 2π), Z₁ = ∫exp(−x⁴ + 6x² + 0.5x)dx by
// Gauss–Legendre quadrature; exact draws take x₁ by rejection from a
// uniform on [−wellBound, wellBound].
type ManyWell struct{ Wells int }

// wellBound bounds the double well's x₁ for quadrature and rejection: the
// mass beyond it is below e⁻¹⁵⁰ of the total.
const wellBound = 5.0

func (w ManyWell) wells() int {
	if w.Wells == 0 {
		return 16
	}
	return w.Wells
}

// Dim returns 2·Wells.
func (w ManyWell) Dim() int { return 2 * w.wells() }

// wellEnergy is the 1-D double well x⁴ − 6x² − 0.5x.
func wellEnergy(x float64) float64 { return x*x*x*x - 6*x*x - 0.5*x }

// Energy evaluates the many-well energy.
func (w ManyWell) Energy(e, x []float64, d int) { w.Grad(e, nil, x, d) }

// Grad evaluates the energy and its gradient (4x₁³ − 12x₁ − 0.5, x₂) per
// pair.
func (w ManyWell) Grad(e, g, x []float64, d int) {
	if d != w.Dim() {
		panic(fmt.Sprintf("energy: ManyWell of %d wells in dimension %d", w.wells(), d))
	}
	rows(e, g, x, d, func(_ int, xi, gi []float64) float64 {
		s := 0.0
		for j := 0; j < d; j += 2 {
			a, b := xi[j], xi[j+1]
			s += wellEnergy(a) + 0.5*b*b
			if gi != nil {
				gi[j] = 4*a*a*a - 12*a - 0.5
				gi[j+1] = b
			}
		}
		return s
	})
}

// wellMin returns the lowest value of the double well, at the root of
// 4x³ − 12x − 0.5 near √3, by Newton's method.
func wellMin() float64 {
	x := math.Sqrt(3)
	for range 50 {
		x -= (4*x*x*x - 12*x - 0.5) / (12*x*x - 12)
	}
	return wellEnergy(x)
}

// logZ1D returns log ∫_lo^hi exp(−f(x))dx by n-point Gauss–Legendre
// quadrature, exp taken relative to shift (a value near f's minimum) so
// that it cannot overflow.
func logZ1D(f func(float64) float64, shift, lo, hi float64, n int) float64 {
	z := quad.Fixed(func(x float64) float64 { return math.Exp(-(f(x) - shift)) }, lo, hi, n, quad.Legendre{}, 0)
	return math.Log(z) - shift
}

// LogZ returns Wells·(log Z₁ + ½log 2π).
func (w ManyWell) LogZ() float64 {
	l1 := logZ1D(wellEnergy, wellMin(), -wellBound, wellBound, 400)
	return float64(w.wells()) * (l1 + 0.5*math.Log(2*math.Pi))
}

// Draw returns n exact draws: each x₁ by rejection from the uniform on
// [−wellBound, wellBound] under the bound exp(−min E), each x₂ standard
// normal.
func (w ManyWell) Draw(n int, rng *rand.Rand) []float64 {
	d := w.Dim()
	lo := wellMin()
	out := make([]float64, n*d)
	for i := range out {
		if i%2 == 1 {
			out[i] = rng.NormFloat64()
			continue
		}
		for {
			x := wellBound * (2*rng.Float64() - 1)
			if rng.Float64() < math.Exp(-(wellEnergy(x) - lo)) {
				out[i] = x
				break
			}
		}
	}
	return out
}
