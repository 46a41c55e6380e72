package loss

import (
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/normflow"
	"github.com/goebm/goebm/tensor"
)

// FCE is flow contrastive estimation (Gao, Nijkamp, Kingma, Xu, Dai and Wu,
// CVPR 2020): NCE whose noise is a normalising flow q_α that learns. The
// energy, with a learned log-normaliser c, is the classifier
// D = p_θ/(p_θ + q_α) of data against as many flow draws, and the two play
//
//	max_{θ,c} min_α V,  V = E_data log D + E_q log(1 − D),
//
// a game whose fixed point is p_θ = q_α = the data density: the energy's
// best reply to any flow is the data (NCE is consistent for any noise), and
// the flow's best reply to the data is the data (V is then 2·JS − log 4).
// As the flow approaches the data, telling them apart forces the energy to
// learn finer detail than a fixed noise would.
//
// The loss is NCE's, −V, with log q the flow's log density (recorded, so
// that α gets gradients through it and, by reparameterisation, through the
// draws). The paper alternates a step of θ with a step of α; here one step
// moves both (simultaneous gradient descent–ascent): every path from α
// into the loss passes a gradient reversal (2·stop(u) − u: the value u,
// the gradient −1), so that the trainer's one descent step on −V descends
// on V for the flow. Near the fixed point V is concave in (θ, c) and
// convex in α, where simultaneous steps converge for a small enough step.
//
// FCE is State: Start clones Flow, and the run's Params are the learned c
// ("fce.logZ") and the clone's parameters ("fce.flow.…"), which a trainer
// optimises with the network's. The flow itself is not part of the trained
// model; only the energy is.
type FCE struct {
	// Flow is the flow each run starts from (normflow.NewRealNVP fitted
	// to the data, say); runs train clones and leave it unchanged.
	Flow *normflow.Flow
}

// Start returns the loss of a fresh run, whose state holds c, at 0, and a
// clone of the flow.
func (l FCE) Start() (EnergyLoss, State) {
	r := &fceRun{logZ: tensor.Zeros(1)}
	if l.Flow != nil {
		r.flow = l.Flow.Clone()
	}
	return r, r
}

// Loss returns the FCE loss of net on x with c = 0 and the flow as set, the
// first step of a fresh run.
func (l FCE) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	return firstStep(l.Start, tp, net, x, rng)
}

// fceRun is an FCE run: the learned log-normaliser and the run's flow.
type fceRun struct {
	logZ *tensor.Tensor
	flow *normflow.Flow
}

// Params returns c ("fce.logZ") and the flow's parameters ("fce.flow.…").
func (r *fceRun) Params() []nn.Param {
	ps := []nn.Param{{Name: "fce.logZ", Value: r.logZ}}
	if r.flow != nil {
		for _, p := range r.flow.Params() {
			ps = append(ps, nn.Param{Name: "fce.flow." + p.Name, Value: p.Value})
		}
	}
	return ps
}

// Save returns nil: c and the flow are saved with the parameters.
func (r *fceRun) Save() []nn.Param { return nil }

// Restore accepts only an empty state.
func (r *fceRun) Restore(saved []nn.Param) error {
	if len(saved) > 0 {
		return fmt.Errorf("loss: FCE state %v: want none: %w", names(saved), ErrInvalid)
	}
	return nil
}

func (r *fceRun) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	if r.flow == nil {
		return nil, fmt.Errorf("loss: FCE without a flow: %w", ErrInvalid)
	}
	if r.flow.Dim() != x.Dim(1) {
		return nil, fmt.Errorf("loss: FCE flow of dimension %d for data of dimension %d: %w", r.flow.Dim(), x.Dim(1), ErrInvalid)
	}
	qx, err := r.flow.LogDensity(tp, x)
	if err != nil {
		return nil, fmt.Errorf("loss: FCE: %w", err)
	}
	y, qy := r.flow.Sample(tp, rng, x.Dim(0))
	return contrast(tp, net, x, reversed(tp, y), r.logZ, reversed(tp, qx), reversed(tp, qy))
}

// reversed returns u with its gradient negated: 2·stop(u) − u, whose value
// is u's (2u − u is exact) and whose derivative is −1. With no tape it
// returns u.
func reversed(tp *tensor.Tape, u *tensor.Tensor) *tensor.Tensor {
	if tp == nil {
		return u
	}
	return tp.Sub(tp.Scale(u.Detach(), 2), u)
}
