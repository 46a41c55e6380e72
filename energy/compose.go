package energy

import (
	"fmt"
	"sync"
)

// Sum is Σₖ wₖ·Eₖ(x): a prior plus a likelihood, a target plus a penalty.
type Sum struct {
	terms   []Energy
	weights []float64
	dim     int
	scratch sync.Pool // per-call buffers for the terms' energies and gradients
}

var _ Energy = (*Sum)(nil)

// NewSum returns Σₖ weights[k]·terms[k], or an error when the lists differ
// in length or the terms fix different dimensions.
func NewSum(terms []Energy, weights []float64) (*Sum, error) {
	if len(terms) == 0 || len(terms) != len(weights) {
		return nil, fmt.Errorf("energy: Sum of %d terms with %d weights: %w", len(terms), len(weights), ErrInvalid)
	}
	dim := 0
	for _, t := range terms {
		if d := t.Dim(); d != 0 {
			if dim != 0 && d != dim {
				return nil, fmt.Errorf("energy: Sum of terms of dimensions %d and %d: %w", dim, d, ErrInvalid)
			}
			dim = d
		}
	}
	return &Sum{terms: terms, weights: append([]float64(nil), weights...), dim: dim}, nil
}

// Dim returns the dimension the terms fix, or 0.
func (s *Sum) Dim() int { return s.dim }

// BatchDependent reports whether a term's values depend on the batch.
func (s *Sum) BatchDependent() bool {
	for _, t := range s.terms {
		if IsBatchDependent(t) {
			return true
		}
	}
	return false
}

// Joint reports whether a term's rows interact.
func (s *Sum) Joint() bool {
	for _, t := range s.terms {
		if IsJoint(t) {
			return true
		}
	}
	return false
}

// Energy evaluates the weighted sum.
func (s *Sum) Energy(e, x []float64, d int) { s.grad(e, nil, x, d) }

// Grad evaluates the weighted sum and its gradient.
func (s *Sum) Grad(e, g, x []float64, d int) { s.grad(e, g, x, d) }

type sumScratch struct{ e, g []float64 }

func (s *Sum) grad(e, g, x []float64, d int) {
	checkBatch(e, g, x, d)
	buf, _ := s.scratch.Get().(*sumScratch)
	if buf == nil {
		buf = &sumScratch{}
	}
	defer s.scratch.Put(buf)
	if cap(buf.e) < len(e) {
		buf.e = make([]float64, len(e))
	}
	te := buf.e[:len(e)]
	var tg []float64
	if g != nil {
		if cap(buf.g) < len(g) {
			buf.g = make([]float64, len(g))
		}
		tg = buf.g[:len(g)]
		clear(g)
	}
	clear(e)
	for k, t := range s.terms {
		w := s.weights[k]
		if g != nil {
			t.Grad(te, tg, x, d)
			for i, v := range tg {
				g[i] += w * v
			}
		} else {
			t.Energy(te, x, d)
		}
		for i, v := range te {
			e[i] += w * v
		}
	}
}

// Tempered is E(x)/T: the density exp(−E/T), flatter for T > 1.
type Tempered struct {
	E Energy
	T float64
}

var _ Energy = Tempered{}

// Dim returns the wrapped energy's dimension.
func (t Tempered) Dim() int { return t.E.Dim() }

// Energy evaluates E/T.
func (t Tempered) Energy(e, x []float64, d int) {
	t.E.Energy(e, x, d)
	scale(e, 1/t.T)
}

// BatchDependent reports whether E's values depend on the batch.
func (t Tempered) BatchDependent() bool { return IsBatchDependent(t.E) }

// Joint reports whether E's rows interact.
func (t Tempered) Joint() bool { return IsJoint(t.E) }

// Grad evaluates E/T and ∇E/T.
func (t Tempered) Grad(e, g, x []float64, d int) {
	t.E.Grad(e, g, x, d)
	scale(e, 1/t.T)
	scale(g, 1/t.T)
}

func scale(v []float64, c float64) {
	for i := range v {
		v[i] *= c
	}
}
