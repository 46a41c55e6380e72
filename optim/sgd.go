package optim

import (
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// SGD is stochastic gradient descent with optional momentum, Nesterov
// momentum and L2 weight decay (see the package doc for the rule).
type SGD struct {
	// LR is the learning rate; 0 means 0.01. Ignored when Schedule is set.
	LR float64
	// Schedule, if set, gives the learning rate at each step.
	Schedule schedule.Schedule
	// Momentum μ in [0, 1); 0 is plain SGD.
	Momentum float64
	// Nesterov uses Nesterov momentum (needs Momentum > 0).
	Nesterov bool
	// WeightDecay λ adds λp to each gradient.
	WeightDecay float64

	velocity [][]float64
	steps    int
}

var _ Optimizer = (*SGD)(nil)

// Step applies one update.
func (o *SGD) Step(params, grads []*tensor.Tensor) error {
	if err := checkState(params, o.velocity); err != nil {
		return err
	}
	if err := checkGrads(params, grads, o.velocity); err != nil {
		return err
	}
	lr := rate(o.Schedule, o.LR, 0.01, o.steps)
	if o.velocity == nil && o.Momentum != 0 {
		o.velocity = zerosLike(params)
	}
	for i, p := range params {
		pd, gd := p.Data(), grads[i].Data()
		for j := range pd {
			g := gd[j] + o.WeightDecay*pd[j]
			if o.Momentum != 0 {
				v := o.Momentum*o.velocity[i][j] + g
				o.velocity[i][j] = v
				if o.Nesterov {
					g += o.Momentum * v
				} else {
					g = v
				}
			}
			pd[j] -= lr * g
		}
	}
	o.steps++
	return nil
}

// Steps returns the number of updates applied.
func (o *SGD) Steps() int { return o.steps }

// Rate returns the learning rate of the last step taken (of the first,
// before any).
func (o *SGD) Rate() float64 { return rate(o.Schedule, o.LR, 0.01, max(o.steps-1, 0)) }
