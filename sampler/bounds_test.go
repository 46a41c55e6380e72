package sampler

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// truncated is a 3-d Gaussian with independent coordinates, N(0.2, 0.5²),
// N(1.5, 1) and N(−0.5, 1), truncated to [0, 1] × [0, 1] × [0, ∞): one
// mean inside the box, one past a face, one past the open side's face. It
// returns the energy, the bounds, and the truncated density's mean and
// (diagonal) covariance in closed form: with α = (lo − μ)/σ,
// β = (hi − μ)/σ and Z = Φ(β) − Φ(α), the mean is μ + σ(φ(α) − φ(β))/Z and
// the variance σ²(1 + (αφ(α) − βφ(β))/Z − ((φ(α) − φ(β))/Z)²).
func truncated(t *testing.T, mode BoundMode) (energy.Energy, *Bounds, []float64, []float64) {
	mu, sd := []float64{0.2, 1.5, -0.5}, []float64{0.5, 1, 1}
	b := &Bounds{Lo: []float64{0, 0, 0}, Hi: []float64{1, 1, math.Inf(1)}, Mode: mode}
	d := len(mu)
	cov := make([]float64, d*d)
	for j := range d {
		cov[j*d+j] = sd[j] * sd[j]
	}
	g, err := energy.NewGaussian(mu, cov)
	if err != nil {
		t.Fatal(err)
	}
	phi := func(z float64) float64 {
		if math.IsInf(z, 0) {
			return 0
		}
		return math.Exp(-z*z/2) / math.Sqrt(2*math.Pi)
	}
	zphi := func(z float64) float64 {
		if math.IsInf(z, 0) {
			return 0
		}
		return z * phi(z)
	}
	cdf := func(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
	mean := make([]float64, d)
	tcov := make([]float64, d*d)
	for j := range d {
		a, bb := (b.Lo[j]-mu[j])/sd[j], (b.Hi[j]-mu[j])/sd[j]
		z := cdf(bb) - cdf(a)
		r := (phi(a) - phi(bb)) / z
		mean[j] = mu[j] + sd[j]*r
		tcov[j*d+j] = sd[j] * sd[j] * (1 + (zphi(a)-zphi(bb))/z - r*r)
	}
	return g, b, mean, tcov
}

// TestReflectionExact: MALA (adapted, with its folded proposal density),
// HMC and NUTS (reflecting inside the leapfrog), parallel tempering (its
// MALA moves) and RMHMC (rejecting proposals outside the box) match the truncated Gaussian's closed-form mean, standard
// deviation and covariance within 4 MCSE, and never leave the box.
func TestReflectionExact(t *testing.T) {
	g, b, mean, cov := truncated(t, Reflect)
	for _, c := range []struct {
		name string
		s    sampleFunc
	}{
		{"mala", MALA{Adapt: true, AdaptMass: true}.Sample},
		{"rwm", RWM{Adapt: true, AdaptMass: true}.Sample},
		{"slice", Slice{}.Sample},
		{"hmc", HMC{Adapt: true, LeapfrogSteps: 5}.Sample},
		{"nuts", NUTS{}.Sample},
		{"tempering", ParallelTempering{StepSize: schedule.Constant(0.1), Replicas: 3, MaxTemperature: 3}.Sample},
		{"rmhmc", RMHMC{Metric: precisionMetric([]float64{0.25, 0, 0, 0, 1, 0, 0, 0, 1}), StepSize: schedule.Constant(0.3), LeapfrogSteps: 3}.Sample},
	} {
		r, err := c.s(context.Background(), g, Options{Chains: 8, Warmup: 500, Steps: 3000, Seed: 3, Bounds: b, Trajectory: true})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for i, v := range r.Draws {
			if j := i % 3; v < b.Lo[j] || v > b.Hi[j] {
				t.Fatalf("%s: draw %d coordinate %d at %g, outside the box", c.name, i/3, j, v)
			}
		}
		checkMoments(t, c.name, r, mean, cov, 4, 0)
	}
}

// TestClampedLangevinBias: unadjusted Langevin clamped at the faces puts
// atoms on them (a fraction of its draws sits exactly on a face), and so
// overstates the spread of the coordinate truncated on both sides: its sd
// exceeds the truncated density's by more than 4 MCSE. Reflected at the
// same step it has no atoms and an sd within 4 MCSE plus the O(η) bias of
// any unadjusted sampler.
func TestClampedLangevinBias(t *testing.T) {
	for _, mode := range []BoundMode{Clamp, Reflect} {
		g, b, mean, cov := truncated(t, mode)
		r, err := Langevin{StepSize: schedule.Constant(0.02)}.Sample(context.Background(), g,
			Options{Chains: 8, Warmup: 200, Steps: 4000, Seed: 5, Bounds: b, Trajectory: true})
		if err != nil {
			t.Fatal(err)
		}
		ch := r.Chain(0)
		s := diag.Summarize(ch)
		onFace := 0
		for _, c := range ch {
			for _, v := range c {
				if v == 0 || v == 1 {
					onFace++
				}
			}
		}
		frac := float64(onFace) / float64(r.Chains*r.Kept)
		sd := math.Sqrt(cov[0])
		t.Logf("%v: mean %.4f (want %.4f), sd %.4f ± %.4f (want %.4f), on a face %.3f", mode, s.Mean, mean[0], s.SD, s.MCSESD, sd, frac)
		switch {
		case mode == Clamp && (frac < 0.05 || s.SD-sd < 4*s.MCSESD):
			t.Errorf("clamped: %.3f of the draws on a face, sd %.4f ± %.4f against %.4f: want atoms and an overstated sd", frac, s.SD, s.MCSESD, sd)
		case mode == Reflect && (frac != 0 || math.Abs(s.SD-sd) > 4*s.MCSESD+0.05*sd):
			t.Errorf("reflected: %.3f of the draws on a face, sd %.4f ± %.4f against %.4f", frac, s.SD, s.MCSESD, sd)
		}
	}
}

// TestLogFolded: the folded Gaussian's density integrates to 1 over the
// box, by Simpson's rule, and agrees with a brute-force sum over 4001
// images, on both sides of the switch to Poisson summation (s = w) and with
// one face open.
func TestLogFolded(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct{ m, s, lo, hi float64 }{
		{0.3, 0.05, 0, 1}, {0.9, 0.4, 0, 1}, {-0.7, 0.99, 0, 1}, {0.2, 1.01, 0, 1}, {3, 6, -1, 1}, {1.5, 0.3, 0, 1},
		{0.5, 0.7, 0, inf}, {-0.5, 0.7, -inf, 0}, {0.5, 0.01, 0, 1}, {0.45, 0.002, 0, 1},
	} {
		lo, hi := c.lo, c.hi
		if math.IsInf(lo, -1) {
			lo = -60
		}
		if math.IsInf(hi, 1) {
			hi = 60
		}
		const n = 20000
		h := (hi - lo) / n
		total := 0.0
		for i := 0; i <= n; i++ {
			w := 2.0 + 2*float64(i%2)
			if i == 0 || i == n {
				w = 1
			}
			total += w * math.Exp(logFolded(lo+float64(i)*h, c.m, c.s, c.lo, c.hi))
		}
		total *= h / 3
		if math.Abs(total-1) > 1e-6 {
			t.Errorf("%+v: integrates to %.9f", c, total)
		}
		if math.IsInf(c.lo, 0) || math.IsInf(c.hi, 0) {
			continue
		}
		for _, y := range []float64{c.lo, c.lo + 0.1*(c.hi-c.lo), (c.lo + c.hi) / 2, c.hi} {
			w := c.hi - c.lo
			sum := 0.0
			for k := -2000.0; k <= 2000; k++ {
				for _, z := range []float64{y + 2*k*w, 2*c.lo - y + 2*k*w} {
					u := (z - c.m) / c.s
					sum += math.Exp(-u*u/2) / (c.s * math.Sqrt(2*math.Pi))
				}
			}
			if got := math.Exp(logFolded(y, c.m, c.s, c.lo, c.hi)); math.Abs(got-sum) > 1e-9*sum {
				t.Errorf("%+v at %g: %.12g, by brute force %.12g", c, y, got, sum)
			}
		}
	}
}

// TestBoundsOf takes the box of points, and refuses points that give none.
func TestBoundsOf(t *testing.T) {
	b, err := BoundsOf([]float64{1, -2, 3, 0, -1, 5}, 2, Clamp)
	if err != nil {
		t.Fatal(err)
	}
	if b.Lo[0] != -1 || b.Lo[1] != -2 || b.Hi[0] != 3 || b.Hi[1] != 5 || b.Mode != Clamp {
		t.Errorf("box %+v", b)
	}
	for _, x := range [][]float64{{1, 2, 1, 3}, {1, math.NaN(), 0, 0}, {1, 2, 3}} {
		if _, err := BoundsOf(x, 2, Reflect); !errors.Is(err, ErrInvalid) {
			t.Errorf("BoundsOf(%v): %v, want ErrInvalid", x, err)
		}
	}
}

// TestBoundsInvalid: faces out of order or of the wrong length, an unknown
// mode, reflection with a dense metric, and AIS with bounds are refused.
func TestBoundsInvalid(t *testing.T) {
	g, _, _ := gaussian2D(t)
	ctx := context.Background()
	for name, c := range map[string]struct {
		s sampleFunc
		b *Bounds
	}{
		"lo = hi":         {MALA{}.Sample, &Bounds{Lo: []float64{0}, Hi: []float64{0}}},
		"lo > hi":         {MALA{}.Sample, &Bounds{Lo: []float64{0, 2}, Hi: []float64{1, 1}}},
		"three faces":     {MALA{}.Sample, &Bounds{Lo: []float64{0, 0, 0}, Hi: []float64{1}}},
		"NaN":             {MALA{}.Sample, &Bounds{Lo: []float64{math.NaN()}, Hi: []float64{1}}},
		"lo +Inf":         {MALA{}.Sample, &Bounds{Lo: []float64{math.Inf(1)}, Hi: []float64{math.Inf(1)}}},
		"mode 7":          {MALA{}.Sample, &Bounds{Lo: []float64{0}, Hi: []float64{1}, Mode: 7}},
		"dense reflected": {NUTS{DenseMass: []float64{1, 0, 0, 1}}.Sample, &Bounds{Lo: []float64{0}, Hi: []float64{1}}},
		"dense HMC":       {HMC{MassDense: []float64{1, 0, 0, 1}}.Sample, &Bounds{Lo: []float64{0}, Hi: []float64{1}}},
		"AIS":             {AIS{}.Sample, &Bounds{Lo: []float64{0}, Hi: []float64{1}}},
	} {
		if _, err := c.s(ctx, g, Options{Chains: 2, Steps: 3, Bounds: c.b}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	// Clamping a dense metric's chains is allowed (and biased).
	if _, err := (HMC{MassDense: []float64{1, 0, 0, 1}}).Sample(ctx, g, Options{Chains: 2, Steps: 3,
		Bounds: &Bounds{Lo: []float64{0}, Hi: []float64{1}, Mode: Clamp}}); err != nil {
		t.Error(err)
	}
}

// flat is E = 0 in any dimension: restricted to a box, the uniform density.
type flat struct{}

func (flat) Dim() int                      { return 0 }
func (flat) Energy(e, x []float64, d int)  { clear(e) }
func (flat) Grad(e, g, x []float64, d int) { clear(e); clear(g) }

// TestFlatBoxUniform: on a target flat in the box every proposal is
// accepted whatever the step, so adaptation would push the step without
// end until the fold, in floating point, collapsed every chain onto a
// corner. With the step capped at a spread of 4 box widths, adapted MALA,
// HMC and NUTS draw the uniform density on [0, 1]³ (mean ½, variance 1/12)
// within 4 MCSE, at finite step sizes.
func TestFlatBoxUniform(t *testing.T) {
	b := &Bounds{Lo: []float64{0}, Hi: []float64{1}}
	cov := []float64{1.0 / 12, 0, 0, 0, 1.0 / 12, 0, 0, 0, 1.0 / 12}
	for name, s := range map[string]sampleFunc{
		"mala":  MALA{Adapt: true, AdaptMass: true}.Sample,
		"rwm":   RWM{Adapt: true, AdaptMass: true}.Sample,
		"slice": Slice{}.Sample,
		"hmc":   HMC{Adapt: true, AdaptMass: true, LeapfrogSteps: 3}.Sample,
		"nuts":  NUTS{MaxDepth: 4}.Sample,
	} {
		r, err := s(context.Background(), flat{}, Options{Dim: 3, Chains: 4, Warmup: 1000, Steps: 1000, Seed: 8, Bounds: b, Trajectory: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range r.Info.StepSize {
			if !(h < 1e3) {
				t.Errorf("%s: step size %g", name, h)
			}
		}
		checkMoments(t, name, r, []float64{0.5, 0.5, 0.5}, cov, 4, 0)
	}
}
