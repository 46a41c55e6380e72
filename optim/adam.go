package optim

import (
	"cmp"
	"math"

	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// Adam is the Adam optimizer (see the package doc for the rule). With
// Decoupled set it is AdamW; NewAdamW sets the usual defaults for that.
type Adam struct {
	// LR is the learning rate; 0 means 0.001. Ignored when Schedule is set.
	LR float64
	// Schedule, if set, gives the learning rate at each step.
	Schedule schedule.Schedule
	// Beta1 and Beta2 are the moment decay rates; 0 means 0.9 and 0.999.
	Beta1, Beta2 float64
	// Eps guards the division; 0 means 1e-8.
	Eps float64
	// WeightDecay λ: added to the gradient as λp, or, with Decoupled,
	// applied to the parameter as p ← p − η·λ·p.
	WeightDecay float64
	// Decoupled makes this AdamW.
	Decoupled bool

	m, v  [][]float64
	steps int
}

var _ Optimizer = (*Adam)(nil)

// NewAdamW returns AdamW with learning rate lr and PyTorch's default weight
// decay of 0.01.
func NewAdamW(lr float64) *Adam { return &Adam{LR: lr, WeightDecay: 0.01, Decoupled: true} }

// Step applies one update.
func (o *Adam) Step(params, grads []*tensor.Tensor) error {
	if err := checkState(params, o.m, o.v); err != nil {
		return err
	}
	if err := checkGrads(params, grads, o.m); err != nil {
		return err
	}
	if o.m == nil {
		o.m, o.v = zerosLike(params), zerosLike(params)
	}
	lr := rate(o.Schedule, o.LR, 1e-3, o.steps)
	b1, b2, eps := cmp.Or(o.Beta1, 0.9), cmp.Or(o.Beta2, 0.999), cmp.Or(o.Eps, 1e-8)
	t := float64(o.steps + 1)
	c1, c2 := 1-math.Pow(b1, t), 1-math.Pow(b2, t)
	for i, p := range params {
		pd, gd, m, v := p.Data(), grads[i].Data(), o.m[i], o.v[i]
		for j := range pd {
			g := gd[j]
			if o.Decoupled {
				pd[j] -= lr * o.WeightDecay * pd[j]
			} else {
				g += o.WeightDecay * pd[j]
			}
			m[j] = b1*m[j] + (1-b1)*g
			v[j] = b2*v[j] + (1-b2)*g*g
			pd[j] -= lr * (m[j] / c1) / (math.Sqrt(v[j]/c2) + eps)
		}
	}
	o.steps++
	return nil
}

// Steps returns the number of updates applied.
func (o *Adam) Steps() int { return o.steps }

// Rate returns the learning rate of the last step taken (of the first,
// before any).
func (o *Adam) Rate() float64 { return rate(o.Schedule, o.LR, 1e-3, max(o.steps-1, 0)) }
