package sampler

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// MALA is the Metropolis-adjusted Langevin algorithm: a Langevin proposal,
// preconditioned by a diagonal mass matrix M (identity unless adapted),
//
//	y = x − ηM⁻¹∇E(x) + √(2η)·M^(−1/2)ξ
//
// accepted with probability min(1, exp(E(x) − E(y) + log q(x|y) − log q(y|x))),
// q(y|x) = N(y; x − ηM⁻¹∇E(x), 2ηM⁻¹), so its draws are exact for exp(−E).
// With Adapt set, warm-up tunes η by dual averaging towards TargetAccept;
// with AdaptMass too, it estimates M⁻¹ from the draws as HMC does, which
// ill-conditioned targets need (without it the step follows the narrowest
// scale and the widest mixes slowly).
type MALA struct {
	// StepSize η (the initial one when adapting); nil means 0.01.
	StepSize schedule.Schedule
	// Adapt tunes the step size during warm-up.
	Adapt bool
	// AdaptMass also adapts a diagonal mass matrix (with Adapt).
	AdaptMass bool
	// TargetAccept is the acceptance rate adaptation aims at; 0 means
	// 0.574, optimal for MALA in high dimension (Roberts and Rosenthal 1998).
	TargetAccept float64
}

// Sample runs the chains. Every step costs one gradient per chain.
func (m MALA) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	h0, err := stepSize(m.StepSize, 0.01, 0, "step size")
	if err != nil {
		return nil, err
	}
	target := cmp.Or(m.TargetAccept, 0.574)
	sched := ownSchedule(m.StepSize, m.Adapt, o)
	return Run(ctx, e, o, func() Kernel {
		return withAdaptation(&malaKernel{step0: h0, schedule: sched}, m.Adapt, target, m.AdaptMass)
	})
}

// malaKernel is MALA with a diagonal metric, tuned by its caller, at
// temperature 1 or, for parallel tempering, at a temperature per chain.
type malaKernel struct {
	chainwise
	step0    float64
	schedule schedule.Schedule // nil: the step sizes are the caller's
	temp     []float64         // per chain; nil means 1
	y, ey    []float64
	gy       []float64
}

var _ Kernel = (*malaKernel)(nil)

func (k *malaKernel) Init(s *State, tune *Tuning) error {
	fill(tune.StepSize, k.step0)
	m, err := newMetric(s.N, s.Dim, nil, nil, false)
	if err != nil {
		return err
	}
	tune.InvMass = m.invDiag
	k.y, k.ey, k.gy = make([]float64, s.N*s.Dim), make([]float64, s.N), make([]float64, s.N*s.Dim)
	return nil
}

func (k *malaKernel) Step(s *State, tune *Tuning, info []StepInfo) error {
	if err := followSchedule(tune, k.schedule, s.T); err != nil {
		return err
	}
	d, minv := s.Dim, tune.InvMass
	temp := func(i int) float64 {
		if k.temp == nil {
			return 1
		}
		return k.temp[i]
	}
	for i := range s.N {
		r := i * d
		tune.StepSize[i] = s.Bounds.capStep(tune.StepSize[i], minv[r:r+d], temp(i), true)
		langevinProposal(k.y[r:r+d], s.X[r:r+d], s.G[r:r+d], minv[r:r+d], tune.StepSize[i], temp(i), s.RNG[i])
	}
	s.Bounds.Keep(k.y, nil)
	s.Grad(k.ey, k.gy, k.y)
	for i := range s.N {
		r := i * d
		y, gy := k.y[r:r+d], k.gy[r:r+d]
		var a float64
		if s.Bounds.reflects() {
			// The folded proposal's density, so that the test stays exact.
			a = math.Min(1, math.Exp((s.E[i]-k.ey[i])/temp(i)+
				reflectedLogRatio(s.Bounds, s.X[r:r+d], y, s.G[r:r+d], gy, minv[r:r+d], tune.StepSize[i], temp(i))))
		} else {
			a = langevinAccept(s.X[r:r+d], y, s.G[r:r+d], gy, minv[r:r+d], s.E[i], k.ey[i], tune.StepSize[i], temp(i))
		}
		bad := !finite(k.ey[i]) || !finiteSlice(gy)
		s.Accept(i, a, bad, y, gy, k.ey[i], &info[i])
		info[i].Leapfrog = 1
		info[i].Energy = s.E[i]
	}
	return nil
}

// langevinProposal writes MALA's proposal from x (energy gradient g) at
// temperature T into y: y = x − hM⁻¹g + √(2hT)·M^(−1/2)ξ, the Langevin step
// for exp(−E/T) with step hT.
func langevinProposal(y, x, g, minv []float64, h, temp float64, rng *rand.Rand) {
	noise := math.Sqrt(2 * h * temp)
	for j := range y {
		y[j] = x[j] - h*minv[j]*g[j] + noise*math.Sqrt(minv[j])*rng.NormFloat64()
	}
}

// langevinAccept returns MALA's acceptance probability for the move from x
// to y: min(1, exp((E(x) − E(y))/T + log q(x|y) − log q(y|x))), where
// log q(x|y) − log q(y|x) = (‖u‖²_M − ‖v‖²_M)/(4hT) with
// u = y − x + hM⁻¹∇E(x), v = x − y + hM⁻¹∇E(y), ‖u‖²_M = uᵀMu.
func langevinAccept(x, y, gx, gy, minv []float64, ex, ey, h, temp float64) float64 {
	fwd, rev := 0.0, 0.0
	for j := range x {
		u := y[j] - x[j] + h*minv[j]*gx[j]
		v := x[j] - y[j] + h*minv[j]*gy[j]
		fwd += u * u / minv[j]
		rev += v * v / minv[j]
	}
	return math.Min(1, math.Exp((ex-ey)/temp+(fwd-rev)/(4*h*temp)))
}
