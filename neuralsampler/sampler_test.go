package neuralsampler

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/tensor"
)

// TestGeometricRate: g² = dσ²/dt against central differences, σ²(0) = 0
// and σ²(1) = σmin²((σmax/σmin)² − 1).
func TestGeometricRate(t *testing.T) {
	g := Geometric{SigmaMin: 1e-3, SigmaMax: 2}
	for _, tt := range []float64{0.05, 0.3, 0.7, 0.95} {
		const h = 1e-6
		num := (g.Var(tt+h) - g.Var(tt-h)) / (2 * h)
		if math.Abs(num-g.Rate(tt)) > 1e-6*math.Abs(num) {
			t.Errorf("t %g: rate %g, finite difference %g", tt, g.Rate(tt), num)
		}
	}
	if g.Var(0) != 0 || math.Abs(g.Var(1)-(4-1e-6)) > 1e-12 {
		t.Errorf("σ²(0) = %g, σ²(1) = %g", g.Var(0), g.Var(1))
	}
}

// TestLogDensityNormalisedAndMatchesSamples: for an untrained network in
// 1-D (Scale 1.5, so that the scaling's Jacobian counts), the ODE density
// integrates to 1 on a grid, and its mean and variance are those of the
// ODE's samples within 4 MCSE: LogDensity and Sample describe one flow.
func TestLogDensityNormalisedAndMatchesSamples(t *testing.T) {
	for _, m := range []Method{IDEM, IEFM} {
		s, err := New(energy.Harmonic{}, 1, Config{Method: m, Scale: 1.5, Schedule: Geometric{SigmaMin: 1e-3, SigmaMax: 1}, Hidden: []int{16, 16}, Steps: 40, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		const cells, lo, hi = 600, -12.0, 12.0
		w := (hi - lo) / cells
		x := make([]float64, cells)
		for i := range x {
			x[i] = lo + (float64(i)+0.5)*w
		}
		lq, err := s.LogDensity(context.Background(), x, 40)
		if err != nil {
			t.Fatal(err)
		}
		mass, mean, m2 := 0.0, 0.0, 0.0
		for i, l := range lq {
			p := math.Exp(l) * w
			mass += p
			mean += p * x[i]
			m2 += p * x[i] * x[i]
		}
		if math.Abs(mass-1) > 1e-3 {
			t.Errorf("%s: the density's mass on the grid is %.5f", m, mass)
		}
		variance := m2 - mean*mean
		n := 20000.0
		if testing.Short() {
			n = 3000
		}
		draws, err := s.Sample(context.Background(), int(n), 5, false)
		if err != nil {
			t.Fatal(err)
		}
		sm, sv := 0.0, 0.0
		for _, v := range draws {
			sm += v / n
		}
		for _, v := range draws {
			sv += (v - sm) * (v - sm) / (n - 1)
		}
		if se := math.Sqrt(variance / n); math.Abs(sm-mean) > 4*se {
			t.Errorf("%s: samples' mean %.4f, density's %.4f ± %.4f", m, sm, mean, se)
		}
		if se := variance * math.Sqrt(2.0/n); math.Abs(sv-variance) > 4*se+1e-3 {
			t.Errorf("%s: samples' variance %.4f, density's %.4f ± %.4f", m, sv, variance, se)
		}
	}
}

// twoModes is a 2-D mixture of two Gaussians at (±1.5, 0), sd 0.4, the
// first twice as heavy.
func twoModes(t *testing.T) *energy.Mixture {
	t.Helper()
	m, err := energy.NewMixture([]energy.Component{
		{Weight: 2, Mean: []float64{-1.5, 0}, Sigma: 0.4},
		{Weight: 1, Mean: []float64{1.5, 0}, Sigma: 0.4},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// smallConfig is a training short enough for a unit test.
func smallConfig(m Method) Config {
	return Config{
		Method: m, Schedule: Geometric{SigmaMin: 0.01, SigmaMax: 3}, K: 128, MaxScore: 20, Batch: 128,
		Outer: 10, Inner: 50, Refill: 500, Buffer: 2000, Steps: 40, LR: 2e-3, Hidden: []int{48, 48}, Seed: 11,
	}
}

// TestTrainingLearnsMixture: a short iDEM or iEFM training (550 regression
// steps) from the energy of a two-mode 2-D mixture alone brings MMD²
// against 1000 exact draws from above 0.15 (untrained) to below 0.1 (two
// exact sets: 0.0002; what is left is modes about twice as wide as they
// should be, which longer training narrows), and the IS estimate of
// log Z (= 0) within 0.4 (measured: iDEM −0.19, iEFM 0.003).
func TestTrainingLearnsMixture(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two networks; -short skips it")
	}
	target := twoModes(t)
	exact := tensor.New(target.Draw(1000, rand.New(rand.NewPCG(1, 9))), 1000, 2)
	ctx := context.Background()
	for _, m := range []Method{IDEM, IEFM} {
		s, err := New(target, 2, smallConfig(m))
		if err != nil {
			t.Fatal(err)
		}
		score := func() float64 {
			x, err := s.Sample(ctx, 1000, 2, m == IDEM)
			if err != nil {
				t.Fatal(err)
			}
			mmd, _, err := eval.MMD(ctx, tensor.New(x, 1000, 2), exact)
			if err != nil {
				t.Fatal(err)
			}
			return mmd
		}
		before := score()
		if err := s.Train(ctx, nil); err != nil {
			t.Fatal(err)
		}
		after := score()
		lz, ess, err := s.LogZ(ctx, target, 1000, 4, 40)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: MMD² %.4f → %.4f; log Ẑ %.4f, ESS/n %.3f", m, before, after, lz, ess)
		if before < 0.15 || after > 0.1 {
			t.Errorf("%s: MMD² %.4f untrained, %.4f trained: want above 0.15, then below 0.1", m, before, after)
		}
		if math.Abs(lz) > 0.4 {
			t.Errorf("%s: log Ẑ %.4f, want 0 ± 0.4", m, lz)
		}
	}
}

// TestTrainSameOnAnyCores: one seed trains the same network on one core and
// on two.
func TestTrainSameOnAnyCores(t *testing.T) {
	run := func(procs int) []float64 {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		cfg := smallConfig(IDEM)
		cfg.Outer, cfg.Inner, cfg.Refill, cfg.Batch, cfg.Steps = 1, 3, 50, 32, 5
		s, err := New(twoModes(t), 2, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Train(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		var out []float64
		for _, p := range s.Net.Params() {
			out = append(out, p.Value.Data()...)
		}
		return out
	}
	a, b := run(1), run(2)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("parameter %d: %g on one core, %g on two", i, a[i], b[i])
		}
	}
}

// TestInvalidSettings: bad settings and a cancelled context are errors.
func TestInvalidSettings(t *testing.T) {
	for name, cfg := range map[string]Config{
		"σmax ≤ σmin":     {Schedule: Geometric{SigmaMin: 1, SigmaMax: 0.5}},
		"negative scale":  {Scale: -1},
		"buffer < refill": {Buffer: 10, Refill: 20},
		"method":          {Method: Method(7)},
		"negative clip":   {MaxScore: -1},
	} {
		if _, err := New(twoModes(t), 2, cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := New(twoModes(t), 3, Config{}); err == nil {
		t.Error("dimension 3 for a 2-D energy: no error")
	}
	if _, err := MethodByName("dem"); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown method: %v", err)
	}
	if m, err := MethodByName("iEFM"); err != nil || m != IEFM {
		t.Errorf("iEFM: %v, %v", m, err)
	}
	s, err := New(twoModes(t), 2, smallConfig(IDEM))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Train(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled training: %v", err)
	}
}

// TestTargetsMatchClosedForm: the regression targets at (y, t) against the
// closed forms for a Gaussian N(μ, s²I) noised to σ²(t): iDEM's is the
// score −(y − μ)/(s² + σ²) with weight σ² + 10⁻³, iEFM's the velocity
// −½g²(t) times that score with weight 1; K = 10⁵, within 5% of the
// score's RMS.
func TestTargetsMatchClosedForm(t *testing.T) {
	mu, sd := []float64{0.4, -0.3}, 0.5
	g, err := energy.NewMixture([]energy.Component{{Weight: 1, Mean: mu, Sigma: sd}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Method{IDEM, IEFM} {
		cfg := smallConfig(m)
		cfg.K, cfg.MaxScore = 100000, 0
		s, err := New(g, 2, cfg)
		if err != nil {
			t.Fatal(err)
		}
		// Times where neither form is too noisy to check: the gradient form's
		// variance grows with σ, the Tweedie form's as σ → 0 (it divides
		// by σ²).
		ts := []float64{0.5, 0.6, 0.7, 0.8}
		y := []float64{1, 0.2, -0.2, 0.2, 0.3, -0.9, 1.2, 0.5}
		tgt, w := s.target(y, ts, rand.New(rand.NewPCG(8, 8)))
		for i, ti := range ts {
			h := cfg.Schedule.Var(ti)
			c, wantW := 1.0, h+1e-3
			if m == IEFM {
				c, wantW = -0.5*cfg.Schedule.Rate(ti), 1
			}
			if math.Abs(w[i]-wantW) > 1e-12 {
				t.Errorf("%s t %g: weight %g, want %g", m, ti, w[i], wantW)
			}
			size, diff := 0.0, 0.0
			for j := range 2 {
				want := -c * (y[2*i+j] - mu[j]) / (sd*sd + h)
				size += want * want
				diff += (tgt[2*i+j] - want) * (tgt[2*i+j] - want)
			}
			if math.Sqrt(diff/size) > 0.05 {
				t.Errorf("%s t %g: target %v, want %v times the score", m, ti, tgt[2*i:2*i+2], c)
			}
		}
	}
}
