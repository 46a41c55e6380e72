package loss

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Noise is the noise density q of NCE: what it draws its contrast points
// from and the log density it compares the model with. NCE's optimum does
// not depend on q, but its variance does: q should cover the data and be
// near it, which a full covariance or a mixture fitted to the data does
// better than an isotropic Gaussian (TorchEBM #219).
type Noise interface {
	// Dim is the dimension of the points, or 0 when any is accepted.
	Dim() int
	// Sample fills u with one draw, using rng alone.
	Sample(rng *rand.Rand, u []float64)
	// LogDensity returns log q(u).
	LogDensity(u []float64) float64
}

// GaussianNoise is N(mean, Σ) with a full covariance, held as its Cholesky
// factor L (Σ = LLᵀ): a draw is mean + Lz with z ~ N(0, I), d normal draws
// in order. Make one with NewGaussianNoise or NewDiagGaussianNoise.
type GaussianNoise struct {
	mean []float64
	l    []float64 // lower-triangular, row-major d×d
	// logNorm is −½ log|2πΣ|.
	logNorm float64
}

var (
	_ Noise = (*GaussianNoise)(nil)
	_ Noise = (*MixtureNoise)(nil)
	_ Noise = isoNoise{}
)

// NewGaussianNoise returns N(mean, cov) for a symmetric positive-definite
// cov, given row-major as d×d values; it refuses one that is not.
func NewGaussianNoise(mean, cov []float64) (*GaussianNoise, error) {
	d := len(mean)
	if d == 0 || len(cov) != d*d {
		return nil, fmt.Errorf("loss: Gaussian noise of mean of %d values and covariance of %d: want d and d×d with d > 0: %w", d, len(cov), ErrInvalid)
	}
	for i := range d {
		for j := range i {
			if cov[i*d+j] != cov[j*d+i] {
				return nil, fmt.Errorf("loss: Gaussian noise covariance not symmetric at (%d, %d): %w", i, j, ErrInvalid)
			}
		}
	}
	if !finite(mean) || !finite(cov) {
		return nil, fmt.Errorf("loss: Gaussian noise with a value that is not finite: %w", ErrInvalid)
	}
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(d, append([]float64(nil), cov...))) {
		return nil, fmt.Errorf("loss: Gaussian noise covariance not positive definite: %w", ErrInvalid)
	}
	var lt mat.TriDense
	ch.LTo(&lt)
	g := &GaussianNoise{mean: append([]float64(nil), mean...), l: make([]float64, d*d)}
	logDet := 0.0
	for i := range d {
		for j := 0; j <= i; j++ {
			g.l[i*d+j] = lt.At(i, j)
		}
		logDet += 2 * math.Log(g.l[i*d+i])
	}
	g.logNorm = -0.5 * (logDet + float64(d)*math.Log(2*math.Pi))
	return g, nil
}

// NewDiagGaussianNoise returns N(mean, diag(variances)).
func NewDiagGaussianNoise(mean, variances []float64) (*GaussianNoise, error) {
	d := len(mean)
	if len(variances) != d {
		return nil, fmt.Errorf("loss: Gaussian noise of mean of %d values and %d variances: %w", d, len(variances), ErrInvalid)
	}
	cov := make([]float64, d*d)
	for i, v := range variances {
		cov[i*d+i] = v
	}
	return NewGaussianNoise(mean, cov)
}

// Dim returns the dimension of the mean.
func (g *GaussianNoise) Dim() int { return len(g.mean) }

// Sample sets u to mean + Lz.
func (g *GaussianNoise) Sample(rng *rand.Rand, u []float64) {
	d := len(g.mean)
	z := make([]float64, d)
	for j := range z {
		z[j] = rng.NormFloat64()
	}
	for i := range d {
		s := g.mean[i]
		for j := 0; j <= i; j++ {
			s += g.l[i*d+j] * z[j]
		}
		u[i] = s
	}
}

// LogDensity returns −½‖L⁻¹(u − mean)‖² − ½ log|2πΣ|, by forward
// substitution.
func (g *GaussianNoise) LogDensity(u []float64) float64 {
	d := len(g.mean)
	w := make([]float64, d)
	q := 0.0
	for i := range d {
		s := u[i] - g.mean[i]
		for j := range i {
			s -= g.l[i*d+j] * w[j]
		}
		w[i] = s / g.l[i*d+i]
		q += w[i] * w[i]
	}
	return g.logNorm - 0.5*q
}

// MixtureNoise is Σₖ wₖ N(meanₖ, Σₖ): a draw picks component k with
// probability wₖ (one uniform draw), then draws from it. Make one with
// NewMixtureNoise.
type MixtureNoise struct {
	logW  []float64
	cum   []float64
	comps []*GaussianNoise
}

// NewMixtureNoise returns the mixture of the components with the given
// weights, normalised to sum to 1; the components, diagonal or full, must
// share their dimension.
func NewMixtureNoise(weights []float64, comps []*GaussianNoise) (*MixtureNoise, error) {
	if len(weights) == 0 || len(weights) != len(comps) {
		return nil, fmt.Errorf("loss: mixture noise of %d weights and %d components: %w", len(weights), len(comps), ErrInvalid)
	}
	total := 0.0
	for k, w := range weights {
		if !(w > 0) || math.IsInf(w, 0) || comps[k] == nil || comps[k].Dim() != comps[0].Dim() {
			return nil, fmt.Errorf("loss: mixture noise component %d: weight %g, want positive weights and components of one dimension: %w", k, w, ErrInvalid)
		}
		total += w
	}
	m := &MixtureNoise{comps: append([]*GaussianNoise(nil), comps...)}
	c := 0.0
	for _, w := range weights {
		m.logW = append(m.logW, math.Log(w/total))
		c += w / total
		m.cum = append(m.cum, c)
	}
	return m, nil
}

// Dim returns the components' dimension.
func (m *MixtureNoise) Dim() int { return m.comps[0].Dim() }

// Sample picks a component by its weight and draws from it.
func (m *MixtureNoise) Sample(rng *rand.Rand, u []float64) {
	r := rng.Float64()
	k := len(m.cum) - 1
	for i, c := range m.cum {
		if r < c {
			k = i
			break
		}
	}
	m.comps[k].Sample(rng, u)
}

// LogDensity returns log Σₖ wₖ Nₖ(u), by log-sum-exp.
func (m *MixtureNoise) LogDensity(u []float64) float64 {
	t := make([]float64, len(m.comps))
	for k, c := range m.comps {
		t[k] = m.logW[k] + c.LogDensity(u)
	}
	return floats.LogSumExp(t)
}

// isoNoise is NCE's default noise, N(mean, sd²I), of any dimension when
// mean is nil.
type isoNoise struct {
	mean []float64
	sd   float64
}

func (q isoNoise) Dim() int { return len(q.mean) }

func (q isoNoise) at(j int) float64 {
	if q.mean == nil {
		return 0
	}
	return q.mean[j]
}

func (q isoNoise) Sample(rng *rand.Rand, u []float64) {
	for j := range u {
		u[j] = q.at(j) + q.sd*rng.NormFloat64()
	}
}

func (q isoNoise) LogDensity(u []float64) float64 {
	s := 0.0
	for j, v := range u {
		z := (v - q.at(j)) / q.sd
		s += z * z
	}
	return -0.5*s - float64(len(u))*(math.Log(q.sd)+0.5*math.Log(2*math.Pi))
}

// finite reports whether every value of v is finite.
func finite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
