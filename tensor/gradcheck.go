package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// CheckOptions sets how CheckGrad compares derivatives. Zero fields take
// the defaults given per order.
type CheckOptions struct {
	// Order of the derivative to check: 1 (the default) checks Grad, 2
	// checks Grad of a Grad made with CreateGraph, and so on.
	Order int
	// Step is the central-difference step: 1e-6 at order 1, 1e-4 at order 2,
	// 1e-3 beyond (the rounding error of a difference quotient grows as the
	// step shrinks, its truncation error as the step grows).
	Step float64
	// A derivative passes when |autodiff − numeric| ≤ Atol + Rtol·|numeric|.
	// Defaults: 1e-6 and 1e-5 at order 1, 1e-5 and 1e-4 at order 2, 1e-4 and
	// 1e-3 beyond.
	Atol, Rtol float64
	// Seed of the random projections that reduce outputs to a scalar.
	Seed uint64
}

func (o CheckOptions) withDefaults() CheckOptions {
	if o.Order <= 0 {
		o.Order = 1
	}
	step, atol, rtol := 1e-3, 1e-4, 1e-3
	switch o.Order {
	case 1:
		step, atol, rtol = 1e-6, 1e-6, 1e-5
	case 2:
		step, atol, rtol = 1e-4, 1e-5, 1e-4
	}
	if o.Step == 0 {
		o.Step = step
	}
	if o.Atol == 0 {
		o.Atol = atol
	}
	if o.Rtol == 0 {
		o.Rtol = rtol
	}
	return o
}

// CheckGrad checks the derivatives the tape computes for f at xs against
// central finite differences, like PyTorch's gradcheck (Order 1) and
// gradgradcheck (Order 2).
//
// f builds its output on the tape it is given from the leaves xs. The output
// is reduced to a scalar s = Σ u ⊙ f(xs) with a fixed random u; at order k > 1
// the scalar is s_k = Σᵢ Σ wᵢ ⊙ ∂s_{k−1}/∂xᵢ (a Grad with CreateGraph) with
// fresh random wᵢ. Every element of the gradient of that scalar with respect
// to every input is compared with a central difference of the scalar itself.
// CheckGrad changes the values of xs while it runs and restores them.
func CheckGrad(f func(tp *Tape, xs []*Tensor) *Tensor, xs []*Tensor, opts CheckOptions) error {
	o := opts.withDefaults()
	rng := rand.New(rand.NewPCG(o.Seed, 0x6772616463686b))
	outShape := f(nil, xs).shape
	u := Randn(rng, outShape...)
	scalar := func(tp *Tape, xs []*Tensor) *Tensor { return tp.Sum(tp.Mul(f(tp, xs), u)) }
	for range o.Order - 1 {
		prev := scalar
		ws := make([]*Tensor, len(xs))
		for i, x := range xs {
			ws[i] = Randn(rng, x.shape...)
		}
		scalar = func(tp *Tape, xs []*Tensor) *Tensor {
			gs := tp.Grad([]*Tensor{prev(tp, xs)}, xs, GradOptions{CreateGraph: true})
			s := tp.Sum(tp.Mul(gs[0], ws[0]))
			for i := 1; i < len(xs); i++ {
				s = tp.Add(s, tp.Sum(tp.Mul(gs[i], ws[i])))
			}
			return s
		}
	}

	tp := NewTape()
	auto := tp.Grad([]*Tensor{scalar(tp, xs)}, xs, GradOptions{})
	eval := func() float64 { return scalar(NewTape(), xs).Item() }
	for i, x := range xs {
		for j := range x.data {
			v := x.data[j]
			x.data[j] = v + o.Step
			hi := eval()
			x.data[j] = v - o.Step
			lo := eval()
			x.data[j] = v
			num := (hi - lo) / (2 * o.Step)
			got := auto[i].data[j]
			if !(math.Abs(got-num) <= o.Atol+o.Rtol*math.Abs(num)) {
				return fmt.Errorf("order-%d derivative with respect to input %d (shape %v) element %d: autodiff %.10g, finite difference %.10g",
					o.Order, i, x.shape, j, got, num)
			}
		}
	}
	return nil
}
