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
// At orders above 1 each gradient recorded on the way (with CreateGraph) is
// also compared with the same gradient computed without recording, which
// runs the ops' fused kernels: a wrong recorded VJP would otherwise pass, as
// the finite differences of the next order are taken through it too.
// CheckGrad changes the values of xs while it runs and restores them.
func CheckGrad(f func(tp *Tape, xs []*Tensor) *Tensor, xs []*Tensor, opts CheckOptions) error {
	o := opts.withDefaults()
	rng := rand.New(rand.NewPCG(o.Seed, 0x6772616463686b))
	outShape := f(nil, xs).shape
	u := Randn(rng, outShape...)
	scalar := func(tp *Tape, xs []*Tensor) *Tensor { return tp.Sum(tp.Mul(f(tp, xs), u)) }
	for k := 1; k < o.Order; k++ {
		prev := scalar
		if err := sameRecorded(prev, xs, k); err != nil {
			return err
		}
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

// sameRecorded checks that the gradients of s recorded for a higher order
// (CreateGraph, the VJPs written in ops) equal those computed without
// recording (fused kernels where ops have them). Without it a wrong recorded
// VJP beside a right fused one would pass: the finite differences at the
// next order are taken of a scalar built from the same recorded VJP.
func sameRecorded(s func(tp *Tape, xs []*Tensor) *Tensor, xs []*Tensor, order int) error {
	tp := NewTape()
	rec := tp.Grad([]*Tensor{s(tp, xs)}, xs, GradOptions{CreateGraph: true})
	tp2 := NewTape()
	fused := tp2.Grad([]*Tensor{s(tp2, xs)}, xs, GradOptions{})
	for i := range xs {
		for j, want := range fused[i].data {
			if got := rec[i].data[j]; !(math.Abs(got-want) <= 1e-9+1e-8*math.Abs(want)) {
				return fmt.Errorf("order-%d derivative with respect to input %d (shape %v) element %d: recorded (CreateGraph) %.12g, not recorded %.12g",
					order, i, xs[i].shape, j, got, want)
			}
		}
	}
	return nil
}
