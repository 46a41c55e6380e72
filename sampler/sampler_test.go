package sampler

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/limit"
	"github.com/goebm/goebm/schedule"
	"gonum.org/v1/gonum/mat"
)

// checkMoments compares the draws' means, standard deviations and
// covariances with the target's. A mean passes within k Monte Carlo standard
// errors (from the ESS, diag.MCSEMean, but never below sd/√N: HMC's draws can
// be antithetic, ESS > N, and ESS estimates over-credit those, measured at
// |z| up to 4.1 over 100 means of an unbiased sampler); a standard deviation within k of its
// MCSE plus rel·σ (the bias an unadjusted sampler is allowed); a covariance
// through the quantity (xᵢ−μᵢ)(xⱼ−μⱼ), whose mean is Σᵢⱼ, within k of its
// MCSE plus rel·√(ΣᵢᵢΣⱼⱼ).
func checkMoments(t *testing.T, name string, r *Result, mean, cov []float64, k, rel float64) {
	t.Helper()
	d := r.Dim
	for i := range d {
		ch := r.Chain(i)
		s := diag.Summarize(ch)
		sd := math.Sqrt(cov[i*d+i])
		se := math.Max(s.MCSEMean, s.SD/math.Sqrt(float64(len(ch)*len(ch[0]))))
		if math.Abs(s.Mean-mean[i]) > k*se+rel*sd {
			t.Errorf("%s: mean[%d] = %.4g, want %.4g ± %.2g (ESS %.0f)", name, i, s.Mean, mean[i], k*se+rel*sd, s.ESSBulk)
		}
		if math.Abs(s.SD-sd) > k*s.MCSESD+rel*sd {
			t.Errorf("%s: sd[%d] = %.4g, want %.4g ± %.2g", name, i, s.SD, sd, k*s.MCSESD+rel*sd)
		}
		if s.Rhat > 1.05 {
			t.Errorf("%s: R-hat[%d] = %.3f: chains disagree", name, i, s.Rhat)
		}
		for j := i + 1; j < d; j++ {
			cj := r.Chain(j)
			prod := make([][]float64, len(ch))
			for c := range ch {
				prod[c] = make([]float64, len(ch[c]))
				for n := range ch[c] {
					prod[c][n] = (ch[c][n] - mean[i]) * (cj[c][n] - mean[j])
				}
			}
			got, se := meanOf(prod), diag.MCSEMean(prod)
			scale := math.Sqrt(cov[i*d+i] * cov[j*d+j])
			if math.Abs(got-cov[i*d+j]) > k*se+rel*scale {
				t.Errorf("%s: cov[%d][%d] = %.4g, want %.4g ± %.2g", name, i, j, got, cov[i*d+j], k*se+rel*scale)
			}
		}
	}
}

// precisionMetric returns the constant metric Σ⁻¹ for covariance cov.
func precisionMetric(cov []float64) constMetric {
	d := int(math.Sqrt(float64(len(cov))))
	var ch mat.Cholesky
	ch.Factorize(mat.NewSymDense(d, append([]float64(nil), cov...)))
	var inv mat.SymDense
	ch.InverseTo(&inv)
	m := make(constMetric, d*d)
	for i := range d {
		for j := range d {
			m[i*d+j] = inv.At(i, j)
		}
	}
	return m
}

func meanOf(chains [][]float64) float64 {
	s, n := 0.0, 0
	for _, c := range chains {
		for _, v := range c {
			s += v
			n++
		}
	}
	return s / float64(n)
}

func gaussian2D(t *testing.T) (*energy.Gaussian, []float64, []float64) {
	mean := []float64{1, -2}
	cov := []float64{2, 0.9, 0.9, 1}
	g, err := energy.NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	return g, mean, cov
}

// illConditioned returns a 10-d Gaussian with standard deviations from 0.1
// to 1 (condition number 100) and correlation 0.5 between neighbours.
func illConditioned(t *testing.T) (*energy.Gaussian, []float64, []float64) {
	const d = 10
	mean := make([]float64, d)
	sd := make([]float64, d)
	for i := range d {
		mean[i] = float64(i) / 3
		sd[i] = math.Pow(10, -1+float64(i)/float64(d-1))
	}
	cov := make([]float64, d*d)
	for i := range d {
		cov[i*d+i] = sd[i] * sd[i]
		if i+1 < d {
			cov[i*d+i+1] = 0.5 * sd[i] * sd[i+1]
			cov[(i+1)*d+i] = cov[i*d+i+1]
		}
	}
	g, err := energy.NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	return g, mean, cov
}

type sampleFunc func(ctx context.Context, e energy.Energy, o Options) (*Result, error)

func TestGaussianMoments(t *testing.T) {
	g2, m2, c2 := gaussian2D(t)
	g10, m10, c10 := illConditioned(t)
	for _, c := range []struct {
		name      string
		sample    sampleFunc
		e         energy.Energy
		mean, cov []float64
		o         Options
		rel       float64
	}{
		// Unadjusted Langevin is biased by O(η): here about 1% of σ.
		{"langevin/2d", Langevin{StepSize: schedule.Constant(0.01)}.Sample, g2, m2, c2,
			Options{Chains: 8, Warmup: 2000, Steps: 20000, Seed: 1}, 0.03},
		{"mala/2d", MALA{StepSize: schedule.Constant(0.3), Adapt: true}.Sample, g2, m2, c2,
			Options{Chains: 8, Warmup: 1000, Steps: 5000, Seed: 2}, 0},
		{"hmc/2d", HMC{Adapt: true, LeapfrogSteps: 8}.Sample, g2, m2, c2,
			Options{Chains: 8, Warmup: 500, Steps: 2000, Seed: 3}, 0},
		{"hmc/2d-dense-mass", HMC{MassDense: []float64{2, 0.9, 0.9, 1}, StepSize: schedule.Constant(0.1)}.Sample, g2, m2, c2,
			Options{Chains: 8, Warmup: 200, Steps: 2000, Seed: 4}, 0},
		{"mala/10d-ill-conditioned", MALA{StepSize: schedule.Constant(0.01), Adapt: true, AdaptMass: true}.Sample, g10, m10, c10,
			Options{Chains: 8, Warmup: 2000, Steps: 10000, Seed: 5}, 0},
		{"hmc/10d-ill-conditioned", HMC{Adapt: true, AdaptMass: true, LeapfrogSteps: 16}.Sample, g10, m10, c10,
			Options{Chains: 8, Warmup: 1000, Steps: 2000, Seed: 6}, 0},
		// η = 0.002 against the narrowest variance 0.01: an O(η/σ²) = 10%
		// bias for that coordinate's sd, allowed by rel; the widest mixes
		// over about 1/η steps, hence the length.
		{"langevin/10d-ill-conditioned", Langevin{StepSize: schedule.Constant(0.002)}.Sample, g10, m10, c10,
			Options{Chains: 8, Warmup: 5000, Steps: 100000, Thin: 10, Seed: 7}, 0.12},
		{"tempering/2d", ParallelTempering{Replicas: 4, MaxTemperature: 4, StepSize: schedule.Constant(0.3)}.Sample, g2, m2, c2,
			Options{Chains: 8, Warmup: 1000, Steps: 5000, Seed: 8}, 0},
		{"tempering/10d-ill-conditioned", ParallelTempering{Replicas: 4, MaxTemperature: 4, StepSize: schedule.Constant(0.003)}.Sample, g10, m10, c10,
			Options{Chains: 8, Warmup: 5000, Steps: 50000, Thin: 5, Seed: 9}, 0},
		{"rmhmc/10d-ill-conditioned", RMHMC{Metric: precisionMetric(c10), LeapfrogSteps: 7, StepSize: schedule.Constant(0.35)}.Sample, g10, m10, c10,
			Options{Chains: 4, Warmup: 100, Steps: 1000, Seed: 10}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() && !strings.HasSuffix(c.name, "/2d") {
				t.Skip("long statistical run; -short (the race-detector pass) keeps only the 2D cases")
			}
			c.o.Trajectory = true
			r, err := c.sample(context.Background(), c.e, c.o)
			if err != nil {
				t.Fatal(err)
			}
			checkMoments(t, c.name, r, c.mean, c.cov, 4, c.rel)
			for ch, a := range r.Info.AcceptRate {
				if !(a > 0.2 && a <= 1) {
					t.Errorf("chain %d: acceptance rate %g", ch, a)
				}
			}
		})
	}
}

// TestSameDrawsOnAnyWorkerCount: 1 worker and 4 give identical bits.
func TestSameDrawsOnAnyWorkerCount(t *testing.T) {
	g, _, _ := illConditioned(t)
	for name, s := range map[string]sampleFunc{
		"langevin": Langevin{}.Sample,
		"mala":     MALA{Adapt: true, AdaptMass: true}.Sample,
		"rwm":      RWM{Adapt: true, AdaptMass: true}.Sample,
		"slice":    Slice{}.Sample,
		"hmc":      HMC{Adapt: true, AdaptMass: true}.Sample,
		"nesterov": Nesterov{}.Sample,
		"nuts":     NUTS{}.Sample,
	} {
		o := Options{Chains: 70, Warmup: 60, Steps: 30, Seed: 9, Trajectory: true, Workers: 1}
		a, err := s(context.Background(), g, o)
		if err != nil {
			t.Fatal(err)
		}
		o.Workers = 4
		b, err := s(context.Background(), g, o)
		if err != nil {
			t.Fatal(err)
		}
		for i := range a.Draws {
			if math.Float64bits(a.Draws[i]) != math.Float64bits(b.Draws[i]) {
				t.Fatalf("%s: draw %d differs between 1 and 4 workers", name, i)
			}
		}
	}
}

// TestDescentFindsMinimum: gradient descent and Nesterov reach the
// Rosenbrock valley's minimum (1, 1) from nearby starts.
func TestDescentFindsMinimum(t *testing.T) {
	init := []float64{0.5, 0.5, 1.2, 1.3, 0.8, 0.7}
	for name, s := range map[string]sampleFunc{
		"gd":       GradientDescent{StepSize: schedule.Constant(1e-3)}.Sample,
		"nesterov": Nesterov{StepSize: schedule.Constant(1e-4)}.Sample,
	} {
		r, err := s(context.Background(), energy.Rosenbrock{}, Options{Dim: 2, Init: init, Steps: 30000})
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range r.Final {
			if math.Abs(v-1) > 1e-3 {
				t.Errorf("%s: final point %v, want all 1", name, r.Final)
				break
			}
			_ = i
		}
	}
}

func TestGradEvalCounts(t *testing.T) {
	o := Options{Chains: 5, Dim: 3, Warmup: 7, Steps: 11}
	for name, c := range map[string]struct {
		s    sampleFunc
		want int64
	}{
		"langevin": {Langevin{}.Sample, 5 * (1 + 18)},
		"mala":     {MALA{}.Sample, 5 * (1 + 18)},
		"hmc":      {HMC{LeapfrogSteps: 4}.Sample, 5 * (1 + 18*4)},
		"nesterov": {Nesterov{}.Sample, 5 * (1 + 18*2)},
	} {
		r, err := c.s(context.Background(), energy.Harmonic{}, o)
		if err != nil {
			t.Fatal(err)
		}
		if r.Info.GradEvals != c.want {
			t.Errorf("%s: %d gradient evaluations, want %d", name, r.Info.GradEvals, c.want)
		}
	}
}

// nanAt is an energy that turns NaN beyond x₀ = 3.
type nanAt struct{}

func (nanAt) Dim() int                       { return 1 }
func (n nanAt) Energy(e, x []float64, d int) { n.Grad(e, make([]float64, len(x)), x, d) }
func (nanAt) Grad(e, g, x []float64, d int) {
	for i := range e {
		e[i], g[i] = x[i]*x[i]/2, x[i]
		if x[i] > 3 {
			e[i], g[i] = math.NaN(), math.NaN()
		}
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	g2, _, _ := gaussian2D(t)
	for name, c := range map[string]struct {
		err  error
		want error
		text string
	}{
		"zero chains":       {run2(Langevin{}.Sample(ctx, g2, Options{Steps: 1})), ErrInvalid, "0 chains"},
		"dimension":         {run2(Langevin{}.Sample(ctx, g2, Options{Chains: 2, Dim: 3, Steps: 1})), ErrInvalid, "dimension"},
		"no dimension":      {run2(Langevin{}.Sample(ctx, energy.Harmonic{}, Options{Chains: 2, Steps: 1})), ErrInvalid, "Options.Dim"},
		"init length":       {run2(Langevin{}.Sample(ctx, g2, Options{Chains: 2, Init: []float64{1, 2, 3}, Steps: 1})), ErrInvalid, "initial values"},
		"init NaN":          {run2(Langevin{}.Sample(ctx, g2, Options{Init: []float64{1, math.NaN()}, Steps: 1})), ErrInvalid, "NaN"},
		"step size":         {run2(Langevin{StepSize: schedule.Constant(-1)}.Sample(ctx, g2, Options{Chains: 1, Steps: 1})), ErrInvalid, "step size -1"},
		"scheduled to zero": {run2(MALA{StepSize: schedule.Linear{Start: 0.1, End: 0, Steps: 5}}.Sample(ctx, g2, Options{Chains: 1, Steps: 10})), ErrInvalid, "at step 5"},
		"negative steps":    {run2(HMC{}.Sample(ctx, g2, Options{Chains: 1, Steps: -1})), ErrInvalid, "negative"},
		"steps overflow": {run2(Langevin{}.Sample(ctx, g2, Options{Chains: 4, Steps: 1 << 62})), ErrInvalid,
			"chains × kept steps (steps / thin): shape [4 4611686018427387904] overflows"},
		"warmup + steps": {run2(Langevin{}.Sample(ctx, g2, Options{Chains: 4, Warmup: 1, Steps: math.MaxInt, Thin: math.MaxInt})), ErrInvalid,
			"warmup + steps: [1 9223372036854775807] overflows"},
		"chains × dim": {run2(Langevin{}.Sample(ctx, g2, Options{Chains: 1 << 62, Steps: 1})), ErrInvalid, "chains × dim: shape [4611686018427387904 2]"},
		"trajectory": {run2(Langevin{}.Sample(ctx, g2, Options{Chains: 1, Steps: int(limit.Memory()/16) + 1, Trajectory: true})), ErrInvalid,
			"chains × kept steps (steps / thin) × dim"},
		"thin above steps": {run2(Langevin{}.Sample(ctx, g2, Options{Chains: 1, Steps: 10, Thin: 11})), ErrInvalid, "thinning 11 above steps 10"},
		"thin, no steps":   {run2(Langevin{}.Sample(ctx, g2, Options{Chains: 1, Thin: 2})), ErrInvalid, "thinning 2 above steps 0"},
		"mass":             {run2(HMC{MassDense: []float64{1, 2, 2, 1}}.Sample(ctx, g2, Options{Chains: 1, Steps: 1})), ErrInvalid, "positive-definite"},
		"momentum":         {run2(Nesterov{Momentum: 1.5}.Sample(ctx, g2, Options{Chains: 1, Steps: 1})), ErrInvalid, "momentum"},
		"nan energy": {run2(GradientDescent{StepSize: schedule.Constant(-0.5)}.Sample(ctx, nanAt{}, Options{Init: []float64{0, 1, 2}, Steps: 10})),
			ErrInvalid, ""},
		"nan state": {run2(Langevin{StepSize: schedule.Constant(0.5)}.Sample(ctx, nanAt{}, Options{Init: []float64{0, 2.9}, Steps: 1000, Seed: 1})),
			ErrNonFinite, ", step "},
	} {
		if !errors.Is(c.err, c.want) || !strings.Contains(c.err.Error(), c.text) {
			t.Errorf("%s: error %v, want %v mentioning %q", name, c.err, c.want, c.text)
		}
	}
}

func run2(_ *Result, err error) error { return err }

// TestRejectsNonFiniteProposals: MALA and HMC near a NaN region reject the
// proposals that land there, count them, and keep going.
func TestRejectsNonFiniteProposals(t *testing.T) {
	for name, s := range map[string]sampleFunc{
		"mala": MALA{StepSize: schedule.Constant(0.5)}.Sample,
		"hmc":  HMC{StepSize: schedule.Constant(0.5)}.Sample,
	} {
		r, err := s(context.Background(), nanAt{}, Options{Init: []float64{2.5, 2.8}, Steps: 500, Seed: 1, Trajectory: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Info.Divergences[0]+r.Info.Divergences[1] == 0 {
			t.Errorf("%s: no divergences counted near a NaN region", name)
		}
		for _, v := range r.Draws {
			if v > 3 {
				t.Fatalf("%s: a draw at %g, inside the NaN region", name, v)
			}
		}
	}
	_ = rand.New
}

func TestContextCancels(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Langevin{}.Sample(ctx, energy.Harmonic{}, Options{Chains: 4, Dim: 2, Steps: 100000})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// TestLangevinZeroTemperature checks that at T = 0 a Langevin step is
// gradient descent (on ½‖x‖²: x_k = (1 − h)ᵏx₀ exactly) and that a negative
// temperature is refused.
func TestLangevinZeroTemperature(t *testing.T) {
	init := []float64{1, -2, 0.5, 3}
	l := Langevin{StepSize: schedule.Constant(0.1), Temperature: schedule.Constant(0)}
	r, err := l.Sample(context.Background(), energy.Harmonic{}, Options{Dim: 2, Init: slices.Clone(init), Steps: 7, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range r.Final {
		if want := init[i] * math.Pow(0.9, 7); math.Abs(x-want) > 1e-14 {
			t.Errorf("coordinate %d: %g, want %g", i, x, want)
		}
	}
	l.Temperature = schedule.Constant(-0.1)
	if _, err := l.Sample(context.Background(), energy.Harmonic{}, Options{Dim: 2, Init: init, Steps: 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative temperature: error %v", err)
	}
}

// TestLangevinNoise checks Langevin with its noise scale set apart from its
// step. On E = ½‖x‖² the chain is x' = (1 − η)x + σξ, an AR(1) whose
// stationary law is exactly N(0, σ²/(1 − (1 − η)²)·I) at any η in (0, 2):
// no discretisation bias, so the moments must match within 4 MCSE (rel 0),
// including at η > 1 where successive draws are anticorrelated. Noise
// √(2ηT) draws what Temperature T draws, bit for bit; Noise with
// Temperature, and a negative or NaN noise scale, are refused.
func TestLangevinNoise(t *testing.T) {
	for _, c := range []struct {
		name         string
		step, sigma  float64
		dim, chains  int
		warmup, keep int
	}{
		{"η 0.3 σ 0.5", 0.3, 0.5, 3, 8, 200, 20000},
		{"η 1.5 σ 0.1", 1.5, 0.1, 2, 8, 200, 20000},
		{"IGEBM-like η 0.01 σ 0.005", 0.01, 0.005, 2, 8, 2000, 50000},
	} {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() && c.step != 0.3 {
				t.Skip("long statistical run; -short (the race-detector pass) keeps the first case")
			}
			l := Langevin{StepSize: schedule.Constant(c.step), Noise: schedule.Constant(c.sigma)}
			r, err := l.Sample(context.Background(), energy.Harmonic{}, Options{Chains: c.chains, Dim: c.dim,
				Warmup: c.warmup, Steps: c.keep, Trajectory: true, Seed: 11})
			if err != nil {
				t.Fatal(err)
			}
			v := c.sigma * c.sigma / (1 - (1-c.step)*(1-c.step))
			mean := make([]float64, c.dim)
			cov := make([]float64, c.dim*c.dim)
			for i := range c.dim {
				cov[i*c.dim+i] = v
			}
			checkMoments(t, c.name, r, mean, cov, 4, 0)
		})
	}

	const h, temp = 0.1, 0.5
	o := Options{Chains: 3, Dim: 2, Steps: 50, Seed: 4}
	byT, err := Langevin{StepSize: schedule.Constant(h), Temperature: schedule.Constant(temp)}.Sample(context.Background(), energy.Harmonic{}, o)
	if err != nil {
		t.Fatal(err)
	}
	byNoise, err := Langevin{StepSize: schedule.Constant(h), Noise: schedule.Constant(math.Sqrt(2 * h * temp))}.Sample(context.Background(), energy.Harmonic{}, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(byT.Final, byNoise.Final) {
		t.Errorf("Noise √(2ηT) drew %v, Temperature T %v", byNoise.Final, byT.Final)
	}

	for name, l := range map[string]Langevin{
		"noise and temperature": {Noise: schedule.Constant(0.1), Temperature: schedule.Constant(1)},
		"negative noise":        {Noise: schedule.Constant(-0.1)},
		"NaN noise":             {Noise: schedule.Func(func(s int) float64 { return math.NaN() })},
	} {
		if _, err := l.Sample(context.Background(), energy.Harmonic{}, o); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}

// TestProbe: State.check's probe is 0 over finite values (the largest,
// subnormals, −0) and NaN as soon as one value anywhere is NaN or ±Inf; a
// gradient whose sum overflows, all finite, passes check.
func TestProbe(t *testing.T) {
	s := State{N: 1, Dim: 3, X: make([]float64, 3), E: []float64{1}, G: []float64{math.MaxFloat64, math.MaxFloat64, 1}}
	if err := s.check(0); err != nil {
		t.Errorf("check of finite values whose sum overflows: %v", err)
	}
	s.G[2] = math.Inf(-1)
	if err := s.check(0); !errors.Is(err, ErrNonFinite) {
		t.Errorf("check with −Inf in the gradient: %v, want ErrNonFinite", err)
	}
	finite := []float64{0, math.Copysign(0, -1), 1, -2.5, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 1e-310, 3}
	if p := probe(finite); p != 0 {
		t.Errorf("probe of finite values = %v, want 0", p)
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		for at := range finite {
			v := slices.Clone(finite)
			v[at] = bad
			if p := probe(v); !math.IsNaN(p) {
				t.Errorf("probe with %v at %d = %v, want NaN", bad, at, p)
			}
		}
	}
}
