package sampler

import (
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// AIS is annealed importance sampling (Neal 2001): it estimates
// log Z = log ∫exp(−E) and draws weighted samples. Each chain starts from the
// base density N(0, σ²I), whose log Z₀ = (d/2)·log 2πσ² is known, and moves
// through the energies E_β = (1−β)·‖x‖²/(2σ²) + β·E(x) for
// β₀ = 0 < β₁ < … < β_K = 1 (K = Options.Steps, βₖ = (k/K)^Power), adding
// (βₖ₊₁ − βₖ)(E₀(x) − E(x)) to its log weight before each MALA move that
// leaves E_βₖ₊₁ invariant. Then Z ≈ Z₀·mean(exp(log w)) over chains:
// AISResult.LogZ, with its standard error by the delta method in
// AISResult.LogZSE (reliable only when the weights are not dominated by a few
// chains: more steps, or a base closer to the target, help).
type AIS struct {
	// BaseScale σ of the base density; 0 means 1.
	BaseScale float64
	// Power shapes the annealing schedule βₖ = (k/K)^Power; 0 means 1
	// (linear). Larger values spend more steps near the base.
	Power float64
	// StepSize η of the MALA moves; nil means 0.05.
	StepSize schedule.Schedule
	// MoveSteps is the number of MALA moves per temperature; 0 means 1.
	MoveSteps int
}

// AISResult is an annealed-importance-sampling run: the chains' final
// points and the estimate of log Z.
type AISResult struct {
	Result
	// LogZ and LogZSE are the estimate of log ∫exp(−E) and its standard
	// error.
	LogZ, LogZSE float64
	// LogWeights holds each chain's log importance weight, log Z₀ included.
	LogWeights []float64
}

// Sample anneals the chains as Anneal does, and returns their draws.
func (s AIS) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	r, err := s.Anneal(ctx, e, o)
	if r == nil {
		return nil, err
	}
	return &r.Result, err
}

// Anneal anneals the chains and estimates log Z. Options.Init must be nil
// (chains start from the base density) and Options.Warmup 0; Options.Steps
// is K.
func (s AIS) Anneal(ctx context.Context, e energy.Energy, o Options) (*AISResult, error) {
	sigma, power, moves := s.BaseScale, s.Power, s.MoveSteps
	if sigma == 0 {
		sigma = 1
	}
	if power == 0 {
		power = 1
	}
	if moves == 0 {
		moves = 1
	}
	switch {
	case o.Init != nil || o.Warmup != 0:
		return nil, fmt.Errorf("sampler: AIS starts from its base density: no Init or Warmup: %w", ErrInvalid)
	case o.Steps < 1:
		return nil, fmt.Errorf("sampler: AIS needs Steps ≥ 1 annealing steps: %w", ErrInvalid)
	case !(sigma > 0) || !(power > 0) || moves < 0:
		return nil, fmt.Errorf("sampler: AIS base scale %g, power %g and moves %d must be positive: %w", sigma, power, moves, ErrInvalid)
	}
	h0, err := stepSize(s.StepSize, 0.05, 0, "step size")
	if err != nil {
		return nil, err
	}
	var weights perBlock[[]float64]
	res, err := Run(ctx, e, o, func() Kernel {
		return &aisKernel{schedule: s.StepSize, step0: h0, sigma: sigma, power: power, moves: moves, k: o.Steps, weights: &weights}
	})
	if res == nil {
		return nil, err
	}
	out := &AISResult{Result: *res}
	for _, w := range weights.inOrder() {
		out.LogWeights = append(out.LogWeights, w...)
	}
	out.LogZ, out.LogZSE = logMeanExp(out.LogWeights)
	return out, err
}

// annealed is the energy E_β = (1−β)·E₀ + β·E between the base
// E₀(x) = ‖x‖²/(2σ²) and the target, computed from E and ∇E.
type annealed struct{ beta, sigma float64 }

// e0 is the base energy ‖x‖²/(2σ²).
func (a annealed) e0(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v * v
	}
	return s / (2 * a.sigma * a.sigma)
}

// energy returns E_β at x, where the target's energy is e.
func (a annealed) energy(x []float64, e float64) float64 { return (1-a.beta)*a.e0(x) + a.beta*e }

// grad writes ∇E_β = (1−β)x/σ² + β∇E at x into dst, where ∇E is g.
func (a annealed) grad(dst, x, g []float64) {
	s2 := a.sigma * a.sigma
	for j := range dst {
		dst[j] = (1-a.beta)*x[j]/s2 + a.beta*g[j]
	}
}

// aisKernel takes one annealing step: the weight update, then MALA moves
// leaving the next annealed energy invariant.
type aisKernel struct {
	schedule     schedule.Schedule
	step0        float64
	sigma, power float64
	moves, k     int
	weights      *perBlock[[]float64]
	logW         []float64
	ones         []float64 // the identity metric of the moves
	y, ey, gy    []float64
	gbx, gby     []float64 // ∇E_β at x and y, one chain's
}

var _ Kernel = (*aisKernel)(nil)

func (a *aisKernel) beta(k int) float64 { return math.Pow(float64(k)/float64(a.k), a.power) }

func (a *aisKernel) Init(s *State, tune *Tuning) error {
	for j := range s.X {
		s.X[j] *= a.sigma
	}
	s.Grad(s.E, s.G, s.X)
	if err := s.check(0); err != nil {
		return err
	}
	fill(tune.StepSize, a.step0)
	d := s.Dim
	a.logW = make([]float64, s.N)
	fill(a.logW, 0.5*float64(d)*math.Log(2*math.Pi*a.sigma*a.sigma))
	a.weights.put(s.First, a.logW)
	a.ones = make([]float64, d)
	fill(a.ones, 1)
	a.y, a.ey, a.gy = make([]float64, len(s.X)), make([]float64, s.N), make([]float64, len(s.X))
	a.gbx, a.gby = make([]float64, d), make([]float64, d)
	return nil
}

func (a *aisKernel) Step(s *State, tune *Tuning, info []StepInfo) error {
	h, err := stepSize(a.schedule, 0.05, s.T, "step size")
	if err != nil {
		return err
	}
	fill(tune.StepSize, h)
	d := s.Dim
	b0, b1 := a.beta(s.T), a.beta(s.T+1)
	base := annealed{sigma: a.sigma}
	for i := range s.N {
		a.logW[i] += (b1 - b0) * (base.e0(s.X[i*d:(i+1)*d]) - s.E[i])
	}
	eb := annealed{beta: b1, sigma: a.sigma}
	for range a.moves {
		for i := range s.N {
			r := i * d
			eb.grad(a.gbx, s.X[r:r+d], s.G[r:r+d])
			langevinProposal(a.y[r:r+d], s.X[r:r+d], a.gbx, a.ones, h, 1, s.RNG[i])
		}
		s.Grad(a.ey, a.gy, a.y)
		for i := range s.N {
			r := i * d
			x, y, gy := s.X[r:r+d], a.y[r:r+d], a.gy[r:r+d]
			eb.grad(a.gbx, x, s.G[r:r+d])
			eb.grad(a.gby, y, gy)
			acc := langevinAccept(x, y, a.gbx, a.gby, a.ones, eb.energy(x, s.E[i]), eb.energy(y, a.ey[i]), h, 1)
			var move StepInfo
			s.Accept(i, acc, !finite(a.ey[i]) || !finiteSlice(gy), y, gy, a.ey[i], &move)
			info[i].AcceptStat += move.AcceptStat / float64(a.moves)
			info[i].Divergent = info[i].Divergent || move.Divergent
		}
	}
	for i := range s.N {
		info[i].Leapfrog, info[i].Energy = a.moves, s.E[i]
	}
	return nil
}
