package energy

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Component is one isotropic Gaussian of a Mixture.
type Component struct {
	Weight float64   // positive; weights are normalised to sum to 1
	Mean   []float64 // the component's centre
	Sigma  float64   // its standard deviation along every axis
}

// Mixture is −log Σₖ wₖ·N(x; μₖ, σₖ²I), a normalised density (log Z = 0),
// computed with a log-sum-exp that cannot overflow.
type Mixture struct {
	comps []Component
	logW  []float64 // log wₖ − (d/2)·log(2πσₖ²)
	cum   []float64 // the normalised weights' running sums, for Draw
}

var _ Energy = (*Mixture)(nil)

// NewMixture returns the mixture of the components, or an error when one has
// a non-positive weight or sigma or the means' dimensions differ.
func NewMixture(comps []Component) (*Mixture, error) {
	if len(comps) == 0 {
		return nil, fmt.Errorf("energy: Mixture of no components: %w", ErrInvalid)
	}
	d := len(comps[0].Mean)
	total := 0.0
	for k, c := range comps {
		if len(c.Mean) != d || d == 0 {
			return nil, fmt.Errorf("energy: Mixture component %d has dimension %d, component 0 has %d: %w", k, len(c.Mean), d, ErrInvalid)
		}
		if !(c.Weight > 0) || !(c.Sigma > 0) || math.IsInf(c.Weight, 0) || math.IsInf(c.Sigma, 0) {
			return nil, fmt.Errorf("energy: Mixture component %d: weight %g and sigma %g must be positive and finite: %w", k, c.Weight, c.Sigma, ErrInvalid)
		}
		total += c.Weight
	}
	m := &Mixture{}
	run := 0.0
	for _, c := range comps {
		c.Mean = append([]float64(nil), c.Mean...)
		m.comps = append(m.comps, c)
		m.logW = append(m.logW, math.Log(c.Weight/total)-0.5*float64(d)*math.Log(2*math.Pi*c.Sigma*c.Sigma))
		run += c.Weight / total
		m.cum = append(m.cum, run)
	}
	return m, nil
}

// LogZ returns 0: the mixture's density is normalised.
func (m *Mixture) LogZ() float64 { return 0 }

// Draw returns n exact draws (n·d values, row-major) from rng: a component
// by its weight, then a point of its Gaussian.
func (m *Mixture) Draw(n int, rng *rand.Rand) []float64 {
	d := m.Dim()
	out := make([]float64, n*d)
	for i := range n {
		u := rng.Float64()
		k := 0
		for k < len(m.cum)-1 && u >= m.cum[k] {
			k++
		}
		c := m.comps[k]
		for j := range d {
			out[i*d+j] = c.Mean[j] + c.Sigma*rng.NormFloat64()
		}
	}
	return out
}

// Dim returns the components' dimension.
func (m *Mixture) Dim() int { return len(m.comps[0].Mean) }

// Energy evaluates the mixture energy.
func (m *Mixture) Energy(e, x []float64, d int) { m.Grad(e, nil, x, d) }

// Grad evaluates the energy and its gradient Σₖ rₖ(x − μₖ)/σₖ², rₖ the
// posterior responsibility of component k.
func (m *Mixture) Grad(e, g, x []float64, d int) {
	lp := make([]float64, len(m.comps))
	rows(e, g, x, d, func(_ int, xi, gi []float64) float64 {
		top := math.Inf(-1)
		for k, c := range m.comps {
			s := 0.0
			for j, v := range xi {
				u := v - c.Mean[j]
				s += u * u
			}
			lp[k] = m.logW[k] - s/(2*c.Sigma*c.Sigma)
			top = math.Max(top, lp[k])
		}
		sum := 0.0
		for _, v := range lp {
			sum += math.Exp(v - top)
		}
		lse := top + math.Log(sum)
		if gi != nil {
			clear(gi)
			for k, c := range m.comps {
				r := math.Exp(lp[k] - lse)
				for j, v := range xi {
					gi[j] += r * (v - c.Mean[j]) / (c.Sigma * c.Sigma)
				}
			}
		}
		return -lse
	})
}
