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
	if s.Method == FiniteDifference {
		return s.finiteDifference(tp, net, x, rng, probes, lambda)
	}
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
	default:
		return nil, fmt.Errorf("loss: unknown trace method %d: %w", s.Method, ErrInvalid)
	}
	return withPenalty(tp, tp.Mean(tp.Sub(half, trace)), g, lambda), nil
}

// stackRows is the most rows finiteDifference stacks into one pass: past
// it the stacked activations leave the cache, and at 3×1024 rows of the
// benchmark MLP the stacked pass was 7% slower than three.
const stackRows = 1024

// finiteDifference is the loss with FiniteDifference's trace. The scores
// at x and at x ± εv for every probe v come from one pass over all those
// points stacked, when the network's rows do not meet (nn.Coupled) and
// they are at most stackRows: one product of (1+2·probes)·n rows costs less
// than as many of n (1.35× on 3×64 rows), and each row's score is the same.
func (s ScoreMatching) finiteDifference(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand, probes int, lambda float64) (*tensor.Tensor, error) {
	n, d := x.Dim(0), x.Dim(1)
	eps := cmp.Or(s.Epsilon, 1e-3)
	vs := make([]*tensor.Tensor, probes)
	for j := range vs {
		vs[j] = probe(tp, rng, s.ProbeType, n, d)
	}
	// gs holds the scores at x, then at x + εv and x − εv for each probe.
	gs := make([]*tensor.Tensor, 0, 1+2*probes)
	if nn.Coupled(net) || (1+2*probes)*n > stackRows {
		for i := range 1 + 2*probes {
			pt := x
			if i > 0 {
				pt = fdPoint(tp, x, vs[(i-1)/2], eps, i%2 == 1)
			}
			_, g, _, err := score(tp, net, pt)
			if err != nil {
				return nil, err
			}
			gs = append(gs, g)
		}
	} else {
		all := tp.Zeros((1+2*probes)*n, d)
		copy(all.Data(), x.Data())
		for i := 1; i <= 2*probes; i++ {
			fdShift(all.Data()[i*n*d:(i+1)*n*d], x.Data(), vs[(i-1)/2].Data(), eps, i%2 == 1)
		}
		_, g, _, err := score(tp, net, all)
		if err != nil {
			return nil, err
		}
		sizes := make([]int, 1+2*probes)
		for i := range sizes {
			sizes[i] = n
		}
		gs = tp.Split(g, 0, sizes...)
	}
	var trace *tensor.Tensor
	for j, v := range vs {
		trace = addOr(tp, trace, tp.Scale(rowDot(tp, tp.Sub(gs[1+2*j], gs[2+2*j]), v), 1/(2*eps)))
	}
	trace = tp.Scale(trace, 1/float64(probes))
	g := gs[0]
	half := tp.Scale(rowDot(tp, g, g), 0.5) // ½‖∇E‖² per row
	return withPenalty(tp, tp.Mean(tp.Sub(half, trace)), g, lambda), nil
}

// fdPoint returns the leaf x + εv (plus) or x − εv, stored on the tape.
func fdPoint(tp *tensor.Tape, x, v *tensor.Tensor, eps float64, plus bool) *tensor.Tensor {
	p := tp.Zeros(x.Shape()...)
	fdShift(p.Data(), x.Data(), v.Data(), eps, plus)
	return p
}

// fdShift sets dst to x + εv (plus) or x − εv.
func fdShift(dst, x, v []float64, eps float64, plus bool) {
	if !plus {
		eps = -eps
	}
	for i, xi := range x {
		dst[i] = xi + v[i]*eps
	}
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
