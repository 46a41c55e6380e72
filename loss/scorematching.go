package loss

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// TraceMethod says how ScoreMatching computes tr ∇²ₓE.
type TraceMethod int

const (
	// Exact takes the diagonal of the Hessian with one extra backward pass
	// per dimension: exact, and d times the cost of one.
	Exact TraceMethod = iota
	// Hutchinson averages vᵀ∇ₓ(vᵀ∇ₓE) over Probes random probes: unbiased,
	// one extra backward pass per probe.
	Hutchinson
	// FiniteDifference averages vᵀ(∇E(x + εv) − ∇E(x − εv))/(2ε) over
	// Probes probes: only first derivatives of E, bias O(ε²).
	FiniteDifference
)

// ScoreMatching is Hyvärinen's objective E[½‖∇ₓE‖² − tr ∇²ₓE], which equals
// ½E‖∇ₓE + ∇ₓ log p‖² up to a constant: it fits the model's score to the
// data's without samples from the model.
type ScoreMatching struct {
	// Method computes the Hessian trace; the zero value is Exact.
	Method TraceMethod
	// Probes for Hutchinson and FiniteDifference; 0 means 1.
	Probes int
	// ProbeType is Rademacher (the default), Gaussian or Sphere.
	ProbeType Probe
	// Epsilon is the finite-difference step; 0 means 1e-3.
	Epsilon float64
	// Penalty λ adds λ·mean ‖∇ₓE(x)‖² over the data (TorchEBM's default
	// regularizer, its regularization_strength); 0, the default, means none.
	Penalty float64
	// PenaltySchedule, when set, gives λ at each training step instead
	// (see Scheduled); Penalty must then be 0.
	PenaltySchedule schedule.Schedule
}

// Start returns the loss of a fresh run, which reads PenaltySchedule at
// the step SetStep gives it, and its state: none to save.
func (s ScoreMatching) Start() (EnergyLoss, State) {
	r := &stepRun{at: s.lossAt}
	return r, r
}

// Loss returns the score-matching loss of net on x, with the settings of
// step 0.
func (s ScoreMatching) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	return s.lossAt(0, tp, net, x, rng)
}

func (s ScoreMatching) lossAt(step int, tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	tp, err := scoreInput(tp, x)
	if err != nil {
		return nil, err
	}
	if s.Probes < 0 || s.Epsilon < 0 {
		return nil, fmt.Errorf("loss: score matching with %d probes and step %g: %w", s.Probes, s.Epsilon, ErrInvalid)
	}
	lambda, err := penaltyAt(s.Penalty, s.PenaltySchedule, step)
	if err != nil {
		return nil, err
	}
	probes := max(s.Probes, 1)
	_, g, xl, err := score(tp, net, x)
	if err != nil {
		return nil, err
	}
	n, d := x.Dim(0), x.Dim(1)
	half := tp.Scale(rowDot(tp, g, g), 0.5) // ½‖∇E‖² per row
	var trace *tensor.Tensor
	switch s.Method {
	case Exact:
		for j := range d {
			gj := tp.SliceCols(g, j, j+1)
			hj := tp.Grad([]*tensor.Tensor{gj}, []*tensor.Tensor{xl}, tensor.GradOptions{CreateGraph: true})[0]
			trace = addOr(tp, trace, tp.Reshape(tp.SliceCols(hj, j, j+1), n))
		}
	case Hutchinson:
		for range probes {
			v := probe(tp, rng, s.ProbeType, n, d)
			hv := tp.Grad([]*tensor.Tensor{tp.Sum(tp.Mul(g, v))}, []*tensor.Tensor{xl}, tensor.GradOptions{CreateGraph: true})[0]
			trace = addOr(tp, trace, rowDot(tp, hv, v))
		}
		trace = tp.Scale(trace, 1/float64(probes))
	case FiniteDifference:
		eps := cmp.Or(s.Epsilon, 1e-3)
		for range probes {
			v := probe(tp, rng, s.ProbeType, n, d)
			xp, xm := fdPoints(tp, x, v, eps)
			_, gp, _, err := score(tp, net, xp)
			if err != nil {
				return nil, err
			}
			_, gm, _, err := score(tp, net, xm)
			if err != nil {
				return nil, err
			}
			trace = addOr(tp, trace, tp.Scale(rowDot(tp, tp.Sub(gp, gm), v), 1/(2*eps)))
		}
		trace = tp.Scale(trace, 1/float64(probes))
	default:
		return nil, fmt.Errorf("loss: unknown trace method %d: %w", s.Method, ErrInvalid)
	}
	return withPenalty(tp, tp.Mean(tp.Sub(half, trace)), g, lambda), nil
}

// fdPoints returns the leaves x + εv and x − εv, stored on the tape.
func fdPoints(tp *tensor.Tape, x, v *tensor.Tensor, eps float64) (xp, xm *tensor.Tensor) {
	xp, xm = tp.Zeros(x.Shape()...), tp.Zeros(x.Shape()...)
	p, m := xp.Data(), xm.Data()
	for i, xi := range x.Data() {
		sh := v.Data()[i] * eps
		p[i], m[i] = xi+sh, xi-sh
	}
	return xp, xm
}

// penaltyAt returns the weight of the score penalty at a step: the
// schedule's value there when one is set, or the constant.
func penaltyAt(lambda float64, sched schedule.Schedule, step int) (float64, error) {
	if sched != nil {
		if lambda != 0 {
			return 0, fmt.Errorf("loss: score penalty %g and a penalty schedule: set one: %w", lambda, ErrInvalid)
		}
		lambda = sched.At(step)
	}
	if !(lambda >= 0) || math.IsInf(lambda, 0) {
		return 0, fmt.Errorf("loss: score penalty %g at step %d; want a finite λ ≥ 0: %w", lambda, step, ErrInvalid)
	}
	return lambda, nil
}

// withPenalty returns l + λ·mean ‖g‖² over the rows of g, the scores ∇ₓE of
// the data: the penalty of ScoreMatching.Penalty. With λ = 0 it is l.
func withPenalty(tp *tensor.Tape, l, g *tensor.Tensor, lambda float64) *tensor.Tensor {
	if lambda == 0 {
		return l
	}
	return tp.Add(l, tp.Scale(tp.Mean(rowDot(tp, g, g)), lambda))
}

func addOr(tp *tensor.Tape, acc, t *tensor.Tensor) *tensor.Tensor {
	if acc == nil {
		return t
	}
	return tp.Add(acc, t)
}

// SlicedScoreMatching is E_v[½(vᵀ∇ₓE)² − vᵀ∇ₓ(vᵀ∇ₓE)] over random
// projections v: score matching along Projections random directions per
// point, one extra backward pass each.
type SlicedScoreMatching struct {
	// Projections per point; 0 means 5 (TorchEBM's default).
	Projections int
	// ProbeType is Rademacher (the default), Gaussian or Sphere.
	ProbeType Probe
	// Penalty λ adds λ·mean ‖∇ₓE(x)‖², and PenaltySchedule schedules it,
	// as ScoreMatching's do.
	Penalty         float64
	PenaltySchedule schedule.Schedule
}

// Start returns the loss of a fresh run, which reads PenaltySchedule at
// the step SetStep gives it, and its state: none to save.
func (s SlicedScoreMatching) Start() (EnergyLoss, State) {
	r := &stepRun{at: s.lossAt}
	return r, r
}

// Loss returns the sliced score-matching loss of net on x, with the
// settings of step 0.
func (s SlicedScoreMatching) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	return s.lossAt(0, tp, net, x, rng)
}

func (s SlicedScoreMatching) lossAt(step int, tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	tp, err := scoreInput(tp, x)
	if err != nil {
		return nil, err
	}
	k := s.Projections
	if k < 0 {
		return nil, fmt.Errorf("loss: %d projections: %w", k, ErrInvalid)
	}
	if k == 0 {
		k = 5
	}
	lambda, err := penaltyAt(s.Penalty, s.PenaltySchedule, step)
	if err != nil {
		return nil, err
	}
	_, g, xl, err := score(tp, net, x)
	if err != nil {
		return nil, err
	}
	n, d := x.Dim(0), x.Dim(1)
	var total *tensor.Tensor
	for range k {
		v := probe(tp, rng, s.ProbeType, n, d)
		gv := rowDot(tp, g, v) // vᵀ∇E per row
		hv := tp.Grad([]*tensor.Tensor{tp.Sum(gv)}, []*tensor.Tensor{xl}, tensor.GradOptions{CreateGraph: true})[0]
		term := tp.Sub(tp.Scale(tp.Square(gv), 0.5), rowDot(tp, hv, v))
		total = addOr(tp, total, term)
	}
	return withPenalty(tp, tp.Scale(tp.Mean(total), 1/float64(k)), g, lambda), nil
}
