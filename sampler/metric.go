package sampler

import (
	"fmt"
	"math"

	"github.com/goebm/goebm/internal/limit"
	"gonum.org/v1/gonum/mat"
)

// metric is the mass matrix M of Hamiltonian samplers: momenta are drawn from
// N(0, M) and the kinetic energy is ½pᵀM⁻¹p. Diagonal metrics are per chain
// (warm-up adapts each chain's own); a dense one is shared.
type metric struct {
	d       int
	invDiag []float64 // n×d inverse masses, when diagonal
	chol    []float64 // d×d lower Cholesky factor of M, when dense
	inv     []float64 // d×d M⁻¹, when dense
}

// newMetric validates the user's mass matrix and makes one for n chains.
func newMetric(n, d int, diag, dense []float64) (*metric, error) {
	m := &metric{d: d}
	if dense != nil {
		if _, err := limit.Elems("dim × dim (dense metric)", d, d); err != nil {
			return nil, fmt.Errorf("sampler: %w: %w", err, ErrInvalid)
		}
		if len(dense) != d*d {
			return nil, fmt.Errorf("sampler: dense mass matrix of %d values for dimension %d: %w", len(dense), d, ErrInvalid)
		}
		var ch mat.Cholesky
		if !ch.Factorize(mat.NewSymDense(d, append([]float64(nil), dense...))) {
			return nil, fmt.Errorf("sampler: dense mass matrix is not positive-definite: %w", ErrInvalid)
		}
		var l mat.TriDense
		ch.LTo(&l)
		var inv mat.SymDense
		if err := ch.InverseTo(&inv); err != nil {
			return nil, fmt.Errorf("sampler: dense mass matrix: %v: %w", err, ErrInvalid)
		}
		m.chol, m.inv = make([]float64, d*d), make([]float64, d*d)
		for i := range d {
			for j := range d {
				m.chol[i*d+j] = l.At(i, j)
				m.inv[i*d+j] = inv.At(i, j)
			}
		}
		return m, nil
	}
	if diag != nil && len(diag) != d {
		return nil, fmt.Errorf("sampler: diagonal mass matrix of %d values for dimension %d: %w", len(diag), d, ErrInvalid)
	}
	m.invDiag = make([]float64, n*d)
	for i := range m.invDiag {
		m.invDiag[i] = 1
		if diag != nil {
			v := diag[i%d]
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("sampler: mass %g at %d must be positive: %w", v, i%d, ErrInvalid)
			}
			m.invDiag[i] = 1 / v
		}
	}
	return m, nil
}

// momentum draws chain i's momentum p ~ N(0, M) into p, using z as scratch.
// With a diagonal metric the momenta of the pinned coordinates (nil: none)
// are zero, so that the free ones alone move and count in the kinetic
// energy and the U-turn criterion. A dense metric keeps them: zeroing some
// would leave the free momenta's law, N(0, M_ff), at odds with their kinetic
// energy ½pᵀ(M⁻¹)_ff p; kept, they drift the pinned coordinates, which Grad
// puts back, and the free coordinates never see where those were.
func (m *metric) momentum(i int, next func() float64, p, z []float64, pinned []bool) {
	if m.chol == nil {
		for j := range p {
			p[j] = next() / math.Sqrt(m.invDiag[i*m.d+j])
			if pinned != nil && pinned[j] {
				p[j] = 0
			}
		}
		return
	}
	for j := range z {
		z[j] = next()
	}
	for r := range m.d {
		s := 0.0
		for c := 0; c <= r; c++ {
			s += m.chol[r*m.d+c] * z[c]
		}
		p[r] = s
	}
}

// reflectable refuses reflection at bounds with a dense metric: folding
// coordinate by coordinate is exact only when each drifts on its own.
func reflectable(s *State, m *metric) error {
	if s.Bounds.reflects() && m.invDiag == nil {
		return fmt.Errorf("sampler: reflecting bounds need a diagonal mass matrix, not a dense one (or use clamping): %w", ErrInvalid)
	}
	return nil
}

// velocity writes M⁻¹p for chain i.
func (m *metric) velocity(i int, p, v []float64) {
	if m.inv == nil {
		for j := range p {
			v[j] = m.invDiag[i*m.d+j] * p[j]
		}
		return
	}
	for r := range m.d {
		s := 0.0
		for c := range m.d {
			s += m.inv[r*m.d+c] * p[c]
		}
		v[r] = s
	}
}

// drift moves chain i's position x by eps·M⁻¹p.
func (m *metric) drift(i int, eps float64, x, p []float64) {
	if m.inv == nil {
		inv := m.invDiag[i*m.d : (i+1)*m.d]
		x, p = x[:len(inv)], p[:len(inv)]
		for j := range inv {
			x[j] += eps * inv[j] * p[j]
		}
		return
	}
	for r := range m.d {
		s := 0.0
		for c := range m.d {
			s += m.inv[r*m.d+c] * p[c]
		}
		x[r] += eps * s
	}
}

// kinetic returns ½pᵀM⁻¹p for chain i, using v as scratch.
func (m *metric) kinetic(i int, p, v []float64) float64 {
	m.velocity(i, p, v)
	s := 0.0
	for j := range p {
		s += p[j] * v[j]
	}
	return s / 2
}
