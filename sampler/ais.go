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
// Info.LogZ, with its standard error by the delta method in Info.LogZSE
// (reliable only when the weights are not dominated by a few chains: more
// steps, or a base closer to the target, help).
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

// Sample anneals the chains. Options.Init must be nil (chains start from the
// base density) and Options.Warmup 0; Options.Steps is K.
func (s AIS) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
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
	return run(ctx, e, o, h0, func(b *block) (kernel, error) {
		for j := range b.x {
			b.x[j] *= sigma
		}
		b.grad(b.en, b.g, b.x)
		if err := b.checkState(0); err != nil {
			return nil, err
		}
		logZ0 := 0.5 * float64(b.d) * math.Log(2*math.Pi*sigma*sigma)
		b.logW = make([]float64, b.n)
		fill(b.logW, logZ0)
		return &aisKernel{s: s, sigma: sigma, power: power, moves: moves, k: o.Steps,
			y: make([]float64, len(b.x)), ey: make([]float64, b.n), gy: make([]float64, len(b.x))}, nil
	})
}

type aisKernel struct {
	s            AIS
	sigma, power float64
	moves, k     int
	y, ey, gy    []float64
}

func (a *aisKernel) beta(k int) float64 { return math.Pow(float64(k)/float64(a.k), a.power) }

// e0 is the base energy ‖x‖²/(2σ²).
func (a *aisKernel) e0(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v * v
	}
	return s / (2 * a.sigma * a.sigma)
}

func (a *aisKernel) step(b *block, t int, warm bool) error {
	h, err := stepSize(a.s.StepSize, 0.05, t, "step size")
	if err != nil {
		return err
	}
	fill(b.step, h)
	d := b.d
	b0, b1 := a.beta(t), a.beta(t+1)
	for i := range b.n {
		b.logW[i] += (b1 - b0) * (a.e0(b.x[i*d:(i+1)*d]) - b.en[i])
	}
	// MALA moves leaving E_β (β = b1) invariant; its gradient is
	// (1−β)x/σ² + β∇E.
	s2 := a.sigma * a.sigma
	gb := func(x, g []float64, j int) float64 { return (1-b1)*x[j]/s2 + b1*g[j] }
	for range a.moves {
		for i := range b.n {
			noise := math.Sqrt(2 * h)
			for j := i * d; j < (i+1)*d; j++ {
				a.y[j] = b.x[j] - h*gb(b.x, b.g, j) + noise*b.rng[i].NormFloat64()
			}
		}
		b.grad(a.ey, a.gy, a.y)
		for i := range b.n {
			ex := (1-b1)*a.e0(b.x[i*d:(i+1)*d]) + b1*b.en[i]
			ey := (1-b1)*a.e0(a.y[i*d:(i+1)*d]) + b1*a.ey[i]
			fwd, rev := 0.0, 0.0
			for j := i * d; j < (i+1)*d; j++ {
				u := a.y[j] - b.x[j] + h*gb(b.x, b.g, j)
				v := b.x[j] - a.y[j] + h*gb(a.y, a.gy, j)
				fwd += u * u
				rev += v * v
			}
			acc := math.Min(1, math.Exp(ex-ey+(fwd-rev)/(4*h)))
			bad := !finite(a.ey[i]) || !finiteSlice(a.gy[i*d:(i+1)*d])
			b.accept[i] += b.metropolis(i, acc, bad, false, a.y, a.ey, a.gy) / float64(a.moves)
		}
	}
	return nil
}
