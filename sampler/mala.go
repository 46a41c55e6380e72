package sampler

import (
	"context"
	"math"

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
	target := m.TargetAccept
	if target == 0 {
		target = 0.574
	}
	return run(ctx, e, o, h0, func(b *block) (kernel, error) {
		met, err := newMetric(b.n, b.d, nil, nil)
		if err != nil {
			return nil, err
		}
		k := &malaKernel{s: m, warmup: o.Warmup, m: met, y: make([]float64, b.n*b.d), ey: make([]float64, b.n),
			gy: make([]float64, b.n*b.d), a: make([]float64, b.n)}
		if m.Adapt {
			for range b.n {
				k.da = append(k.da, newDualAveraging(h0, target))
			}
			if m.AdaptMass {
				k.win = newWindows(o.Warmup)
				k.acc = make([]welford, b.n)
			}
		}
		return k, nil
	})
}

type malaKernel struct {
	s         MALA
	warmup    int
	m         *metric // diagonal: m.invDiag holds M⁻¹ per chain
	win       *windows
	acc       []welford
	y, ey, gy []float64
	a         []float64 // acceptance probabilities of this step
	da        []*dualAveraging
}

func (k *malaKernel) step(b *block, t int, warm bool) error {
	d := b.d
	if k.da == nil {
		h, err := stepSize(k.s.StepSize, 0.01, t, "step size")
		if err != nil {
			return err
		}
		fill(b.step, h)
	}
	minv := k.m.invDiag
	for i := range b.n {
		h, r := b.step[i], b.rng[i]
		noise := math.Sqrt(2 * h)
		for j := i * d; j < (i+1)*d; j++ {
			k.y[j] = b.x[j] - h*minv[j]*b.g[j] + noise*math.Sqrt(minv[j])*r.NormFloat64()
		}
	}
	b.grad(k.ey, k.gy, k.y)
	for i := range b.n {
		h := b.step[i]
		// log q(x|y) − log q(y|x) = (‖u‖²_M − ‖v‖²_M)/(4η) with
		// u = y − x + ηM⁻¹∇E(x), v = x − y + ηM⁻¹∇E(y), ‖u‖²_M = uᵀMu.
		fwd, rev := 0.0, 0.0
		for j := i * d; j < (i+1)*d; j++ {
			u := k.y[j] - b.x[j] + h*minv[j]*b.g[j]
			v := b.x[j] - k.y[j] + h*minv[j]*k.gy[j]
			fwd += u * u / minv[j]
			rev += v * v / minv[j]
		}
		a := math.Min(1, math.Exp(b.en[i]-k.ey[i]+(fwd-rev)/(4*h)))
		bad := !finite(k.ey[i]) || !finiteSlice(k.gy[i*d:(i+1)*d])
		k.a[i] = b.metropolis(i, a, bad, warm, k.y, k.ey, k.gy)
	}
	adaptStep(b, k.da, k.a, t, warm, k.warmup)
	if warm && k.win != nil {
		adaptMass(b, k.m, k.win, k.acc, k.da, t)
	}
	return nil
}

// adaptStep records acceptance after warm-up and, with dual averaging,
// tunes each chain's step size during warm-up, fixing it to the averaged
// value at warm-up's last step.
func adaptStep(b *block, da []*dualAveraging, a []float64, t int, warm bool, warmup int) {
	for i := range b.n {
		switch {
		case !warm:
			b.accept[i] += a[i]
		case da != nil:
			b.step[i] = da[i].update(a[i])
			if t == warmup-1 {
				b.step[i] = da[i].final()
			}
		}
	}
}
