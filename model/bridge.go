package model

import (
	"fmt"

	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// newBridge wraps an [SF]²M network of 2d outputs as a Flow whose field is
// the velocity (the first d outputs) and whose score head (the last d) the
// bridge's SDE reads: dx = [v + (σ²/2)s]dt + σ dW, the constant diffusion
// form of norm σ²/2, ended by an Euler step of the ODE (a last step by the
// SDE's mean would drop its noise σ²h and end too narrow). The density
// is the velocity's ODE, the bridge's probability flow.
func newBridge(b base, l loss.SF2M) (*Flow, error) {
	tn, ok := b.net.(nn.TimeModule)
	if !ok {
		return nil, fmt.Errorf("model: %s needs a network of (x, t), not a %T: %w", KindBridge.Describe(), b.net, ErrInvalid)
	}
	d := b.cfg.Dim
	head := func(lo int) flow.Field {
		return func(tp *tensor.Tape, x *tensor.Tensor, t float64) *tensor.Tensor {
			return tp.SliceCols(tn.ForwardT(tp, x, tensor.Full(t, x.Dim(0), 1)), lo, lo+d)
		}
	}
	m := &Flow{base: b, field: head(0), score: head(d), Solver: flow.Generator{Interpolant: interpolant.Linear{}}}
	m.Solver.SDE = bridgeSDE(l)
	return m, nil
}

// bridgeSDE is the SDE an [SF]²M bridge generates by.
func bridgeSDE(l loss.SF2M) *flow.SDE {
	sig := l.Sig()
	return &flow.SDE{Diffusion: interpolant.DiffusionConstant, Norm: sig * sig / 2, Last: flow.LastEuler}
}
