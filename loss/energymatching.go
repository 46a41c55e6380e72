package loss

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// EnergyMatching trains one time-independent scalar potential V(x) that
// both transports noise to data and, near the data, is an energy whose
// Boltzmann density exp(−V/ε_max) matches it (Balcerak et al. 2025;
// TorchEBM's EnergyMatchingLoss). The loss is a flow term plus a contrastive
// one:
//
//	flow  mean over pairs of w(t)·mean_j(−∂V/∂x_j(x̃_t) − u_t,j)²,
//	      x₀, x₁ paired by Coupling, x̃_t = x_t + σξ on the Interpolant,
//	      w(t) = clamp((1 − t)/(1 − a), 0, 1) fading the flow out near the data
//	cd    λ·(mean V(data) − trimmed mean V(negatives)), floored at −Clamp
//
// A NoiseFraction of the negatives start from N(0, I), the rest at data
// rows. By default they are Langevin chains x ← x − h∇V + √(2hε)ξ: the
// noise-started ones sweep the temperature ε(s) = ε_max·clamp((s − τ*)/(1 − τ*), 0, 1)
// over s = k/K (transport, then diffusion), the data-started ones stay at
// ε_max. With a Sampler, both run K steps of it on V/ε_max instead. The
// trimmed mean drops the highest TrimFraction of negative energies, so that
// a few chains stranded far away do not dominate.
//
// Training is two-phase: for the first CDWarmup steps the CD term is off and
// no chain is run, which is plain OT flow matching of −∇V. The step count is
// the State of a run (see Start), which a trainer checkpoints. Generation
// runs the same noise-started chain (sampler.Langevin with Temperature the
// Sweep schedule).
type EnergyMatching struct {
	// Interpolant is the path; nil means the straight one.
	Interpolant interpolant.Interpolant
	// Coupling pairs noise with data; nil means exact optimal transport.
	Coupling coupling.Coupling
	// Sigma is the smoothing noise on x_t; 0 means 0.1, negative none.
	Sigma float64
	// FlowCutoff a of the time gate; 0 means 0.8, ≥ 1 no gate.
	FlowCutoff float64
	// LambdaCD λ weights the contrastive term; 0 means 2, negative turns it
	// off.
	LambdaCD float64
	// CDWarmup is the number of steps before the contrastive term starts.
	CDWarmup int
	// EpsMax ε_max and TauStar τ* shape the temperature; 0 means 0.15 and
	// 0.8.
	EpsMax, TauStar float64
	// LangevinSteps K and LangevinStep h of the negative chains; 0 means
	// 200 and 0.01. K is the chain length with a Sampler too.
	LangevinSteps int
	LangevinStep  float64
	// Sampler draws the negatives from exp(−V/ε_max); nil means the
	// Langevin chains above, with the temperature sweep.
	Sampler sampler.Sampler
	// NoiseFraction of the negatives start from noise; 0 means ½, negative
	// none.
	NoiseFraction float64
	// TrimFraction of the highest negative energies is dropped; 0 means
	// 0.1, negative none.
	TrimFraction float64
	// Clamp floors the contrastive term at −Clamp; 0 means 0.02, negative
	// no floor.
	Clamp float64
}

type emSettings struct {
	sigma, cutoff, lambda, epsMax, tauStar, h, frac, trim, clamp float64
	k                                                            int
}

// defaultOrOff reads a setting where 0 means def and a negative value
// turns the feature off (0).
func defaultOrOff[T int | float64](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

func (e EnergyMatching) settings() (emSettings, error) {
	s := emSettings{
		sigma: defaultOrOff(e.Sigma, 0.1), cutoff: cmp.Or(e.FlowCutoff, 0.8), lambda: defaultOrOff(e.LambdaCD, 2),
		epsMax: cmp.Or(e.EpsMax, 0.15), tauStar: cmp.Or(e.TauStar, 0.8), h: cmp.Or(e.LangevinStep, 0.01), k: cmp.Or(e.LangevinSteps, 200),
		frac: defaultOrOff(e.NoiseFraction, 0.5), trim: defaultOrOff(e.TrimFraction, 0.1), clamp: cmp.Or(e.Clamp, 0.02),
	}
	if s.clamp < 0 {
		s.clamp = math.Inf(1) // off: no clamp
	}
	if !(s.cutoff > 0) || !(s.epsMax > 0) || !(s.tauStar >= 0 && s.tauStar < 1) || !(s.h > 0) || s.k < 1 ||
		s.frac > 1 || s.trim >= 1 || e.CDWarmup < 0 || math.IsNaN(s.sigma+s.lambda+s.clamp) {
		return s, fmt.Errorf("loss: energy matching with cutoff %g, ε_max %g, τ* %g, Langevin step %g × %d, noise fraction %g, trim %g, warm-up %d: %w",
			s.cutoff, s.epsMax, s.tauStar, s.h, s.k, s.frac, s.trim, e.CDWarmup, ErrInvalid)
	}
	return s, nil
}

// Sweep returns the temperature schedule of a noise-started chain of k
// steps: ε(s) = ε_max·clamp((s − τ*)/(1 − τ*), 0, 1) at s = step/k
// (schedule.Temperature from 0 to 1).
func Sweep(epsMax, tauStar float64, k int) schedule.Schedule {
	return schedule.Temperature{Max: epsMax, Switch: tauStar, Steps: k, To: 1}
}

// Loss returns the energy-matching loss of the potential net on x, as the
// first step of a fresh run.
func (e EnergyMatching) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	return firstStep(e.Start, tp, net, x, rng)
}

// Start returns the loss of a fresh run, whose state counts the steps
// taken.
func (e EnergyMatching) Start() (EnergyLoss, State) {
	r := &emRun{e: e}
	return r, r
}

// emRun is an energy-matching run: the settings and the number of steps
// taken, which decides the phase.
type emRun struct {
	e     EnergyMatching
	steps int
}

// Params returns nil: energy matching learns nothing besides the network.
func (r *emRun) Params() []nn.Param { return nil }

// Save returns the number of steps taken, named "steps".
func (r *emRun) Save() []nn.Param {
	return []nn.Param{stepsParam(r.steps)}
}

// Restore takes a saved step count.
func (r *emRun) Restore(saved []nn.Param) error {
	if len(saved) != 1 || !isSteps(saved[0]) {
		return fmt.Errorf("loss: energy-matching state %v: want one step count: %w", names(saved), ErrInvalid)
	}
	n, err := readSteps(saved[0], "energy-matching")
	if err != nil {
		return err
	}
	r.steps = n
	return nil
}

// stepsParam is a loss's count of the steps it has taken, as its state
// saves it: one value named "steps".
func stepsParam(n int) nn.Param {
	return nn.Param{Name: "steps", Value: tensor.New([]float64{float64(n)}, 1)}
}

// isSteps reports whether p has the form of a saved step count.
func isSteps(p nn.Param) bool { return p.Name == "steps" && p.Value.Len() == 1 }

// readSteps returns the step count p saves, refusing a value that is not a
// count; what names the loss in the error.
func readSteps(p nn.Param, what string) (int, error) {
	v := p.Value.Data()[0]
	if !(v >= 0 && v <= 1<<53) || v != math.Trunc(v) {
		return 0, fmt.Errorf("loss: %s step count %g: %w", what, v, ErrInvalid)
	}
	return int(v), nil
}

func (r *emRun) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	// Every call is a step, failed or not, so the count stays the trainer's.
	step := r.steps
	r.steps++
	e := r.e
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	s, err := e.settings()
	if err != nil {
		return nil, err
	}
	pair := e.Coupling
	if pair == nil {
		pair = coupling.ExactOT{}
	}
	tp = scoreTape(tp)
	n, d := x.Dim(0), x.Dim(1)
	xt, ut, ts, pw, err := samplePath(e.Interpolant, pair, x, false, rng)
	if err != nil {
		return nil, err
	}
	if s.sigma > 0 {
		for i := range xt {
			xt[i] += s.sigma * rng.NormFloat64()
		}
	}
	_, g, _, err := score(tp, net, tensor.New(xt, n, d))
	if err != nil {
		return nil, err
	}
	// −∇V − u = −(∇V + u); the square does not mind the sign. The gate and
	// the mean over coordinates and pairs fold into one weight per row.
	w := tensor.Zeros(n, 1)
	for i, t := range ts {
		gate := 1.0
		if s.cutoff < 1 {
			gate = math.Min(1, math.Max(0, (1-t)/(1-s.cutoff)))
		}
		w.Data()[i] = gate / float64(n*d)
	}
	if pw != nil { // pair weights over their mean
		mean := 0.0
		for _, v := range pw {
			mean += v / float64(n)
		}
		for i, v := range pw {
			w.Data()[i] *= v / mean
		}
	}
	res := tp.Add(g, tensor.New(ut, n, d))
	l := tp.Sum(tp.Mul(tp.Mul(res, res), w))
	if s.lambda == 0 || step < e.CDWarmup {
		return l, nil
	}
	neg, err := e.negatives(net, x, s, rng)
	if err != nil {
		return nil, err
	}
	pos, err := energies(tp, net, x)
	if err != nil {
		return nil, err
	}
	en, err := energies(tp, net, tensor.New(neg, n, d))
	if err != nil {
		return nil, err
	}
	cd := tp.Scale(tp.Sub(tp.Mean(pos), trimmedMean(tp, en, s.trim)), s.lambda)
	if cd.Item() < -s.clamp {
		// torch.clamp's gradient below the floor is zero: the term is a
		// constant there.
		cd = tensor.Scalar(-s.clamp)
	}
	return tp.Add(l, cd), nil
}

// chainSamplers returns the samplers of the negatives from noise and from
// data, and the temperature at which they sample V: by default Langevin
// chains whose schedules carry the temperature (the sweep, and ε_max), so 1;
// with a Sampler, that sampler at ε_max.
func (e EnergyMatching) chainSamplers(s emSettings) (fromNoise, fromData sampler.Sampler, temp float64) {
	if e.Sampler != nil {
		return e.Sampler, e.Sampler, s.epsMax
	}
	langevin := func(temp schedule.Schedule) sampler.Sampler {
		return sampler.Langevin{StepSize: schedule.Constant(s.h), Temperature: temp}
	}
	return langevin(Sweep(s.epsMax, s.tauStar, s.k)), langevin(schedule.Constant(s.epsMax)), 1
}

// negatives runs the chains: the first round(n·frac) from noise, the rest
// from random data rows; by default Langevin through the temperature sweep
// and at ε_max, with a Sampler that sampler on V/ε_max.
func (e EnergyMatching) negatives(net nn.Module, x *tensor.Tensor, s emSettings, rng *rand.Rand) ([]float64, error) {
	n, d := x.Dim(0), x.Dim(1)
	nNoise := int(math.Round(float64(n) * s.frac))
	fromNoise, fromData, temp := e.chainSamplers(s)
	ch, err := newChains(nil, net, d, nil)
	if err != nil {
		return nil, err
	}
	if temp != 1 {
		ch.e = energy.Tempered{E: ch.e, T: temp}
	}
	out := make([]float64, 0, n*d)
	if nNoise > 0 {
		ch.s = fromNoise
		neg, err := ch.run(gaussianRows(rng, nNoise, d), s.k, rng)
		if err != nil {
			return nil, err
		}
		out = append(out, neg...)
	}
	if n > nNoise {
		ch.s = fromData
		neg, err := ch.run(rowsOf(x, rng.Perm(n)[:n-nNoise]), s.k, rng)
		if err != nil {
			return nil, err
		}
		out = append(out, neg...)
	}
	return out, nil
}

// trimmedMean returns the mean of v ([n]) without its int(trim·n) largest
// entries.
func trimmedMean(tp *tensor.Tape, v *tensor.Tensor, trim float64) *tensor.Tensor {
	n := v.Len()
	k := int(trim * float64(n))
	if k == 0 {
		return tp.Mean(v)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	vals := v.Data()
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(vals[a], vals[b]) })
	mask := tensor.Zeros(n)
	for _, i := range order[:n-k] {
		mask.Data()[i] = 1 / float64(n-k)
	}
	return tp.Sum(tp.Mul(v, mask))
}
