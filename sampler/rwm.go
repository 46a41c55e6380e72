package sampler

import (
	"cmp"
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// RWM is random-walk Metropolis: a Gaussian step from the current point,
// scaled by s and, per coordinate, by a diagonal metric M⁻¹ (identity unless
// adapted),
//
//	y = x + s·√(M⁻¹)⊙ξ,  ξ ~ N(0, I)
//
// accepted with probability min(1, exp(E(x) − E(y))): the proposal is
// symmetric, so no proposal density enters the test. It needs no gradients,
// only one energy per chain and step, so it suits energies whose gradient is
// unavailable or costly, at the price of mixing in O(d) steps where MALA
// takes O(d^(1/3)). With Adapt set, warm-up tunes s by dual averaging
// towards TargetAccept, and with AdaptMass too estimates M⁻¹ from the draws
// as HMC does. Under reflecting Bounds the folded Gaussian step is still
// symmetric, so the test is unchanged and stays exact.
type RWM struct {
	// StepSize is the scale s (the initial one when adapting); nil means
	// 2.38/√d, optimal for a standard normal target in high dimension.
	StepSize schedule.Schedule
	// Adapt tunes the scale during warm-up.
	Adapt bool
	// AdaptMass also adapts a diagonal metric (with Adapt). It needs a long
	// warm-up: random-walk draws are so correlated that Stan's windows
	// estimate the variances from few effective draws, and the 50 steps of
	// dual averaging after the last window leave the scale too large
	// (measured acceptance 0.13 to 0.19 against 0.234 after 1000 warm-up
	// steps on 2- to 50-d Gaussians, 0.21 to 0.22 without it).
	AdaptMass bool
	// TargetAccept is the acceptance rate adaptation aims at; 0 means 0.234,
	// optimal in high dimension (Roberts, Gelman and Gilks 1997); in one
	// dimension about 0.44 is.
	TargetAccept float64
}

// Adapts reports whether warm-up tunes the scale (Adapt).
func (r RWM) Adapts() bool { return r.Adapt }

// Sample runs the chains. Every step costs one energy per chain and no
// gradient (Result.Info.EnergyEvals counts them).
func (r RWM) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	var h0 float64 // 0: 2.38/√d, set by Init
	if r.StepSize != nil {
		var err error
		if h0, err = stepSize(r.StepSize, 0, 0, "step size"); err != nil {
			return nil, err
		}
	}
	target := cmp.Or(r.TargetAccept, 0.234)
	if !(target > 0 && target < 1) {
		return nil, fmt.Errorf("sampler: target acceptance %g must be in (0, 1): %w", target, ErrInvalid)
	}
	sched := ownSchedule(r.StepSize, r.Adapt, o)
	return Run(ctx, e, o, func() Kernel {
		return withAdaptation(&rwmKernel{step0: h0, schedule: sched}, r.Adapt, target, r.AdaptMass)
	})
}

// rwmKernel is random-walk Metropolis with a diagonal metric, tuned by its
// caller.
type rwmKernel struct {
	chainwise
	step0    float64           // 0: 2.38/√d
	schedule schedule.Schedule // nil: the step sizes are the caller's
	y, ey    []float64
}

var _ GradientFree = (*rwmKernel)(nil)

// GradientFree reports that the kernel reads no gradients.
func (k *rwmKernel) GradientFree() bool { return true }

func (k *rwmKernel) Init(s *State, tune *Tuning) error {
	h := k.step0
	if h == 0 {
		h = 2.38 / math.Sqrt(float64(s.Dim))
	}
	fill(tune.StepSize, h)
	m, err := newMetric(s.N, s.Dim, nil, nil, false)
	if err != nil {
		return err
	}
	tune.InvMass = m.invDiag
	k.y, k.ey = make([]float64, s.N*s.Dim), make([]float64, s.N)
	return nil
}

func (k *rwmKernel) Step(s *State, tune *Tuning, info []StepInfo) error {
	if err := followSchedule(tune, k.schedule, s.T); err != nil {
		return err
	}
	d, minv := s.Dim, tune.InvMass
	for i := range s.N {
		r := i * d
		// Past 4 box widths a reflected step is uniform over the box: a
		// larger scale gains nothing and would let adaptation run off on a
		// target flat in the box.
		h := s.Bounds.capStep(tune.StepSize[i], minv[r:r+d], 1, false)
		tune.StepSize[i] = h
		for j := r; j < r+d; j++ {
			k.y[j] = s.X[j] + h*math.Sqrt(minv[j])*s.RNG[i].NormFloat64()
		}
	}
	s.Bounds.Keep(k.y, nil)
	s.EnergyChains(0, k.ey, k.y)
	for i := range s.N {
		r := i * d
		a := math.Min(1, math.Exp(s.E[i]-k.ey[i]))
		s.Accept(i, a, !finite(k.ey[i]), k.y[r:r+d], s.G[r:r+d], k.ey[i], &info[i])
		info[i].EnergyEvals = 1
		info[i].Energy = s.E[i]
	}
	return nil
}
