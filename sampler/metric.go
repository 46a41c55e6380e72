package sampler

import (
	"fmt"
	"math"
	"slices"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/limit"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/mat"
)

// metric is the mass matrix M of Hamiltonian samplers: momenta are drawn from
// N(0, M) and the kinetic energy is ½pᵀM⁻¹p. Every chain has its own, which
// warm-up adapts from the chain's own draws (as Stan does), diagonal or
// dense.
type metric struct {
	d       int
	invDiag []float64 // n×d inverse masses, when diagonal
	// When dense, per chain, d×d each: inv is M⁻¹ (the tuning's
	// InvMassDense, which an adaptation rewrites), chol the lower Cholesky
	// factor of M, and seen the M⁻¹ that chol was computed from.
	inv, chol, seen []float64
}

// MetricKind is the shape of the metric (mass matrix) a Hamiltonian sampler
// adapts during warm-up.
type MetricKind int

const (
	// MetricDiag adapts a diagonal M⁻¹, each chain's variances (the default).
	MetricDiag MetricKind = iota
	// MetricUnit keeps the identity, not adapted.
	MetricUnit
	// MetricDense adapts a dense M⁻¹, each chain's regularised covariance
	// (Stan's dense_e): for targets whose coordinates are correlated.
	MetricDense
)

var metricNames = [...]string{MetricDiag: "diag", MetricUnit: "unit", MetricDense: "dense"}

// String returns the kind's name, as ParseMetricKind reads it.
func (k MetricKind) String() string {
	if k < 0 || int(k) >= len(metricNames) {
		return fmt.Sprintf("MetricKind(%d)", int(k))
	}
	return metricNames[k]
}

// ParseMetricKind reads "unit", "diag" or "dense".
func ParseMetricKind(name string) (MetricKind, error) {
	for k, n := range metricNames {
		if n == name {
			return MetricKind(k), nil
		}
	}
	return 0, fmt.Errorf("sampler: metric %q: want unit, diag or dense: %w", name, ErrInvalid)
}

// shape returns whether a sampler with metric kind k and dense mass given
// (nil: none) has a dense metric, and whether warm-up adapts its metric:
// always, but for MetricUnit and a given dense mass that MetricDense does
// not ask to adapt.
func (k MetricKind) shape(given []float64) (dense, adapt bool) {
	dense = given != nil || k == MetricDense
	adapt = k == MetricDense || (k == MetricDiag && given == nil)
	return dense, adapt
}

// valid returns an error unless k is one of the kinds.
func (k MetricKind) valid() error {
	if k < 0 || int(k) >= len(metricNames) {
		return fmt.Errorf("sampler: unknown metric kind %d: %w", int(k), ErrInvalid)
	}
	return nil
}

// denseSize bounds the per-chain dense metrics of a run before it starts.
func denseSize(e energy.Energy, o Options) error {
	chains, d := o.shape(e)
	if _, err := limit.Elems("chains × dim × dim (dense metric)", max(chains, 0), max(d, 0), max(d, 0)); err != nil {
		return fmt.Errorf("sampler: %w: %w", err, ErrInvalid)
	}
	return nil
}

// newMetric validates the user's mass matrix and makes one for n chains: the
// dense one given, or with dense set and none given the identity as a dense
// metric (to be adapted), else the diagonal one given or the identity.
func newMetric(n, d int, diag, given []float64, dense bool) (*metric, error) {
	m := &metric{d: d}
	if given != nil || dense {
		if _, err := limit.Elems("chains × dim × dim (dense metric)", n, d, d); err != nil {
			return nil, fmt.Errorf("sampler: %w: %w", err, ErrInvalid)
		}
		if given != nil && len(given) != d*d {
			return nil, fmt.Errorf("sampler: dense mass matrix of %d values for dimension %d: %w", len(given), d, ErrInvalid)
		}
		chol, inv := make([]float64, d*d), make([]float64, d*d)
		if given == nil {
			for j := range d {
				chol[j*d+j], inv[j*d+j] = 1, 1
			}
		} else {
			ch, ok := lowerCholesky(chol, given, d)
			if !ok {
				return nil, fmt.Errorf("sampler: dense mass matrix is not positive-definite: %w", ErrInvalid)
			}
			var mi mat.SymDense
			if err := ch.InverseTo(&mi); err != nil {
				return nil, fmt.Errorf("sampler: dense mass matrix: %v: %w", err, ErrInvalid)
			}
			for i := range d {
				for j := range d {
					inv[i*d+j] = mi.At(i, j)
				}
			}
		}
		m.chol, m.inv = make([]float64, n*d*d), make([]float64, n*d*d)
		for i := range n {
			copy(m.chol[i*d*d:], chol)
			copy(m.inv[i*d*d:], inv)
		}
		m.seen = slices.Clone(m.inv)
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

// sync brings chain i's Cholesky factor of M up to date with its M⁻¹, which
// an adaptation (or Options.Tuned) may have changed since the last step: it
// costs a comparison of d² values, and a factorisation when they changed.
func (m *metric) sync(i int) error {
	if m.inv == nil {
		return nil
	}
	dd := m.d * m.d
	inv, seen := m.inv[i*dd:(i+1)*dd], m.seen[i*dd:(i+1)*dd]
	if slices.Equal(inv, seen) {
		return nil
	}
	if err := denseFactor(m.chol[i*dd:(i+1)*dd], inv, m.d); err != nil {
		return err
	}
	copy(seen, inv)
	return nil
}

// lowerCholesky factors the symmetric d×d matrix a (row-major; its upper
// triangle is read) and writes its lower Cholesky factor into dst, row-major
// with zeros above the diagonal; it reports false, writing nothing, when a
// is not positive-definite.
func lowerCholesky(dst, a []float64, d int) (*mat.Cholesky, bool) {
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(d, slices.Clone(a))) {
		return nil, false
	}
	var l mat.TriDense
	ch.LTo(&l)
	for i := range d {
		for j := range d {
			dst[i*d+j] = l.At(i, j)
		}
	}
	return &ch, true
}

// denseFactor writes into chol the lower Cholesky factor of M = (M⁻¹)⁻¹,
// given M⁻¹ (d×d), or returns an error when M⁻¹ is not symmetric
// positive-definite.
func denseFactor(chol, inv []float64, d int) error {
	var ci mat.Cholesky
	if !ci.Factorize(mat.NewSymDense(d, slices.Clone(inv))) {
		return fmt.Errorf("sampler: dense inverse mass matrix is not positive-definite: %w", ErrInvalid)
	}
	var mm mat.SymDense
	if err := ci.InverseTo(&mm); err != nil {
		return fmt.Errorf("sampler: dense inverse mass matrix: %v: %w", err, ErrInvalid)
	}
	var cm mat.Cholesky
	if !cm.Factorize(&mm) {
		return fmt.Errorf("sampler: dense inverse mass matrix is too ill-conditioned to invert: %w", ErrInvalid)
	}
	var l mat.TriDense
	cm.LTo(&l)
	for r := range d {
		for c := range d {
			chol[r*d+c] = l.At(r, c)
		}
	}
	return nil
}

// momentum draws chain i's momentum p ~ N(0, M) into p, using z as scratch.
// With a diagonal metric the momenta of the pinned coordinates (nil: none)
// are zero, so that the free ones alone move and count in the kinetic
// energy and the U-turn criterion. A dense metric keeps them: zeroing some
// would leave the free momenta's law, N(0, M_ff), at odds with their kinetic
// energy ½pᵀ(M⁻¹)_ff p; kept, they drift the pinned coordinates, which Grad
// puts back, and the free coordinates never see where those were.
func (m *metric) momentum(i int, next func() float64, p, z []float64, pinned []bool) {
	w := z
	if m.chol == nil {
		w = p
	}
	for j := range w[:m.d] {
		w[j] = next()
	}
	m.momentumFrom(i, w, p, pinned)
}

// momentumFrom is momentum with the standard normals already drawn, in z
// (d of them; with a diagonal metric z may be p itself): how a kernel
// that draws its normals in bulk makes its momenta.
func (m *metric) momentumFrom(i int, z, p []float64, pinned []bool) {
	if m.chol == nil {
		inv := m.invDiag[i*m.d : (i+1)*m.d]
		p, z = p[:len(inv)], z[:len(inv)]
		for j, v := range inv {
			p[j] = z[j] / math.Sqrt(v)
			if pinned != nil && pinned[j] {
				p[j] = 0
			}
		}
		return
	}
	l := m.chol[i*m.d*m.d : (i+1)*m.d*m.d]
	for r := range m.d {
		s := 0.0
		for c := 0; c <= r; c++ {
			s += l[r*m.d+c] * z[c]
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
	// gonum's BLAS product: vectorised, several times a plain loop's speed
	// at d = 100, and as reproducible (its sums' order is fixed).
	blasImpl.Dgemv(blas.NoTrans, m.d, m.d, 1, m.inv[i*m.d*m.d:(i+1)*m.d*m.d], m.d, p, 1, 0, v, 1)
}

// blasImpl is gonum's pure-Go BLAS (assembly kernels where the CPU has them).
var blasImpl gonum.Implementation

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
	blasImpl.Dgemv(blas.NoTrans, m.d, m.d, eps, m.inv[i*m.d*m.d:(i+1)*m.d*m.d], m.d, p, 1, 1, x, 1)
}

// kinetic returns ½pᵀM⁻¹p for chain i, using v as scratch.
func (m *metric) kinetic(i int, p, v []float64) float64 {
	m.velocity(i, p, v)
	return kineticOf(p, v)
}

// kineticOf returns ½pᵀv, the kinetic energy given the velocity v = M⁻¹p.
func kineticOf(p, v []float64) float64 {
	s := 0.0
	for j := range p {
		s += p[j] * v[j]
	}
	return s / 2
}
