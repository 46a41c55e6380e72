package flow

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/tensor"
)

// gauss is data N(μ, s²I): along a path x_t is N(αμ, V), V = α²s² + σ²,
// whose predictions are closed form (r = x − αμ):
//
//	score     −r/V
//	noise     σr/V
//	velocity  α′μ + (α′αs² + σ′σ)r/V
//	data      μ + αs²r/V
type gauss struct {
	mu []float64
	s  float64
}

// at returns α(t)·μ_j's factor α and the variance V of x_t.
func (g gauss) at(p interpolant.Interpolant, t float64) (alpha, v float64) {
	alpha, sigma, _, _ := p.Coefficients(t)
	return alpha, alpha*alpha*g.s*g.s + sigma*sigma
}

// exact is the exact network of kind k on the path p.
func (g gauss) exact(p interpolant.Interpolant, k interpolant.Prediction) integrate.Drift {
	d := len(g.mu)
	return func(dst []float64, t float64, x []float64) {
		alpha, sigma, dAlpha, dSigma := p.Coefficients(t)
		v := alpha*alpha*g.s*g.s + sigma*sigma
		for i := range x {
			m := g.mu[i%d]
			r := x[i] - alpha*m
			switch k {
			case interpolant.Score:
				dst[i] = -r / v
			case interpolant.Noise:
				dst[i] = sigma * r / v
			case interpolant.Velocity:
				dst[i] = dAlpha*m + (dAlpha*alpha*g.s*g.s+dSigma*sigma)*r/v
			case interpolant.Data:
				dst[i] = m + alpha*g.s*g.s*r/v
			}
		}
	}
}

// transport returns the mean and sd of coordinate j at tb of points
// N(m, sd²) at ta carried by the exact probability-flow ODE, whose map is
// x_b = α_b μ + √(V_b/V_a)(x_a − α_a μ).
func (g gauss) transport(p interpolant.Interpolant, ta, tb, m, sd float64, j int) (float64, float64) {
	aa, va := g.at(p, ta)
	ab, vb := g.at(p, tb)
	k := math.Sqrt(vb / va)
	return ab*g.mu[j] + k*(m-aa*g.mu[j]), k * sd
}

// moments returns coordinate j's mean and sd over the rows of x.
func moments(x []float64, d, j int) (mean, sd float64) {
	n := len(x) / d
	for i := range n {
		mean += x[i*d+j]
	}
	mean /= float64(n)
	for i := range n {
		sd += (x[i*d+j] - mean) * (x[i*d+j] - mean)
	}
	return mean, math.Sqrt(sd / float64(n-1))
}

// points is the number of points the moment tests draw: 20000, or 2000
// under -short (-race runs).
func points() int {
	if testing.Short() {
		return 2000
	}
	return 20000
}

var (
	paths = map[string]interpolant.Interpolant{"linear": interpolant.Linear{}, "cosine": interpolant.Cosine{}, "vp": interpolant.VariancePreserving{}}
	preds = []interpolant.Prediction{interpolant.Velocity, interpolant.Score, interpolant.Noise}
)

// TestGeneratePredictionsODE: the exact velocity, score and noise networks
// of N(μ, s²I) data, on the linear, cosine and VP paths, generate by the
// probability-flow ODE (RK4, 100 steps) the Gaussian that the exact flow
// carries N(0, I) at the span's start to: means and sds of 20000 points
// (2000 under -short) within 5 standard errors plus 1e-4. The span starts at 0 but for the
// score and noise on the paths with α(0) = 0, which start at Eps.
func TestGeneratePredictionsODE(t *testing.T) {
	g := gauss{mu: []float64{2, -1}, s: 0.5}
	n := points()
	for name, p := range paths {
		for _, k := range preds {
			gen := Generator{Field: g.exact(p, k), Prediction: k, Interpolant: p, Steps: 100}
			t0, t1, err := gen.Span()
			if err != nil {
				t.Fatalf("%s, %v: %v", name, k, err)
			}
			wantT0 := 0.0
			if k != interpolant.Velocity && name != "vp" {
				wantT0 = 1e-3
			}
			// The score is undefined where σ = 0: at t = 1 of the linear and
			// VP paths (the cosine's σ(1) is cos(π/2) in floating point).
			wantT1 := 1.0
			if k == interpolant.Score && name != "cosine" {
				wantT1 = 1 - 1e-3
			}
			if t0 != wantT0 || t1 != wantT1 {
				t.Errorf("%s, %v: span [%g, %g]", name, k, t0, t1)
			}
			x, _, err := gen.Generate(context.Background(), n, 2, 1)
			if err != nil {
				t.Fatalf("%s, %v: %v", name, k, err)
			}
			for j := range 2 {
				m, sd := moments(x, 2, j)
				wm, wsd := g.transport(p, t0, t1, 0, 1, j)
				if se := wsd / math.Sqrt(float64(n)); math.Abs(m-wm) > 5*se+1e-4 || math.Abs(sd-wsd) > 5*se/math.Sqrt2+1e-4 {
					t.Errorf("%s, %v, coordinate %d: mean %.4f sd %.4f, want %.4f and %.4f", name, k, j, m, sd, wm, wsd)
				}
			}
		}
	}
}

// TestGeneratePredictionsSDE: the same networks generate by the SDE with
// four of the diffusion forms (Euler–Maruyama, 400 steps, no last step):
// the SDE keeps the path's marginals, so the points at 1 − Eps are
// N(α₁μ, V₁) within 5 standard errors plus 0.015 for the steps and the
// start's N(0, I) in place of the marginal at t0.
func TestGeneratePredictionsSDE(t *testing.T) {
	if testing.Short() {
		t.Skip("48 SDE generations; -short skips them")
	}
	g := gauss{mu: []float64{2, -1}, s: 0.5}
	const n = 10000
	forms := []interpolant.Diffusion{interpolant.DiffusionConstant, interpolant.DiffusionSBDM, interpolant.DiffusionSigma, interpolant.DiffusionIncreasingDecreasing}
	for _, name := range []string{"linear", "cosine", "vp"} {
		p := paths[name]
		for _, k := range preds {
			for _, w := range forms {
				gen := Generator{Field: g.exact(p, k), Prediction: k, Interpolant: p, Steps: 400,
					SDE: &SDE{Diffusion: w, Last: LastNone}}
				_, t1, err := gen.Span()
				if err != nil {
					t.Fatalf("%s, %v, %v: %v", name, k, w, err)
				}
				x, _, err := gen.Generate(context.Background(), n, 2, 7)
				if err != nil {
					t.Fatalf("%s, %v, %v: %v", name, k, w, err)
				}
				alpha, v := g.at(p, t1)
				for j := range 2 {
					m, sd := moments(x, 2, j)
					wm, wsd := alpha*g.mu[j], math.Sqrt(v)
					if math.Abs(m-wm) > 5*wsd/math.Sqrt(n)+0.015 || math.Abs(sd-wsd) > 5*wsd/math.Sqrt(2*n)+0.015 {
						t.Errorf("%s, %v, %v, coordinate %d: mean %.4f sd %.4f, want %.4f and %.4f", name, k, w, j, m, sd, wm, wsd)
					}
				}
			}
		}
	}
}

// TestLastSteps: each last step against its formula, at random points,
// with the exact score network on the cosine path at t₁ = 0.96, written
// out here from the closed-form velocity v, score s and w:
//
//	mean     x + h·(v + w·s)
//	euler    x + h·v
//	tweedie  x/α + (σ²/α)·s
//	none     x
//
// and, run after the SDE, each carries the marginal N(α₁μ, V₁) at t₁ to
// the Gaussian its affine map gives (within 5 standard errors plus 0.015).
func TestLastSteps(t *testing.T) {
	g := gauss{mu: []float64{2, -1}, s: 0.5}
	p := interpolant.Cosine{}
	const t1, h, norm = 0.96, 0.04, 0.7
	alpha, sigma, _, _ := p.Coefficients(t1)
	w := interpolant.DiffusionSigma.At(p, t1, norm)
	rng := rand.New(rand.NewPCG(5, 5))
	x := make([]float64, 40)
	for i := range x {
		x[i] = 3 * rng.NormFloat64()
	}
	v, s := make([]float64, len(x)), make([]float64, len(x))
	g.exact(p, interpolant.Velocity)(v, t1, x)
	g.exact(p, interpolant.Score)(s, t1, x)
	formula := map[LastStep]func(i int) float64{
		LastMean:    func(i int) float64 { return x[i] + h*(v[i]+w*s[i]) },
		LastEuler:   func(i int) float64 { return x[i] + h*v[i] },
		LastTweedie: func(i int) float64 { return x[i]/alpha + sigma*sigma/alpha*s[i] },
		LastNone:    func(i int) float64 { return x[i] },
	}
	for last, want := range formula {
		for _, k := range preds {
			gen := Generator{Field: g.exact(p, k), Prediction: k, Interpolant: p, SDE: &SDE{Diffusion: interpolant.DiffusionSigma, Norm: norm, Last: last}}
			if _, got, err := gen.Span(); err != nil || (last != LastNone && got != t1) {
				t.Fatalf("%v: span ends at %g, %v; want %g", last, got, err, t1)
			}
			y := append([]float64(nil), x...)
			var bad error
			gen.lastStep(y, t1, &bad)
			for i := range y {
				if math.Abs(y[i]-want(i)) > 1e-12*math.Max(1, math.Abs(want(i))) || bad != nil {
					t.Fatalf("%v from the %v network: %.15g at x = %g, want %.15g (%v)", last, k, y[i], x[i], want(i), bad)
				}
			}
		}
		// Each step is affine in x on the Gaussian: out = c·x + e.
		y0, y1 := []float64{0, 0}, []float64{1, 1}
		for _, z := range [][]float64{y0, y1} {
			var bad error
			Generator{Field: g.exact(p, interpolant.Score), Prediction: interpolant.Score, Interpolant: p,
				SDE: &SDE{Diffusion: interpolant.DiffusionSigma, Norm: norm, Last: last}}.lastStep(z, t1, &bad)
		}
		n := points()
		gen := Generator{Field: g.exact(p, interpolant.Score), Prediction: interpolant.Score, Interpolant: p, Steps: 400,
			SDE: &SDE{Diffusion: interpolant.DiffusionSigma, Norm: norm, Last: last}}
		pts, _, err := gen.Generate(context.Background(), n, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		end := t1
		if last == LastNone {
			end = 1 - 1e-3
		}
		a1, v1 := g.at(p, end)
		for j := range 2 {
			c, e := y1[j]-y0[j], y0[j]
			if last == LastNone {
				c, e = 1, 0
			}
			wm, wsd := c*a1*g.mu[j]+e, math.Abs(c)*math.Sqrt(v1)
			m, sd := moments(pts, 2, j)
			if se := wsd / math.Sqrt(float64(n)); math.Abs(m-wm) > 5*se+0.015 || math.Abs(sd-wsd) > 5*se/math.Sqrt2+0.015 {
				t.Errorf("%v after the SDE, coordinate %d: mean %.4f sd %.4f, want %.4f and %.4f", last, j, m, sd, wm, wsd)
			}
		}
	}
}

// TestEncode: the reverse ODE of the exact networks carries exact draws of
// N(μ, s²I) to the Gaussian the exact flow carries them to at the span's
// start (N(0, I) where it starts at 0), within 5 standard errors plus
// 1e-4; and Decode∘Encode is the identity to 1e-6 with fixed RK4 steps and
// with Dormand–Prince's error control.
func TestEncode(t *testing.T) {
	g := gauss{mu: []float64{2, -1}, s: 0.5}
	n := points()
	rng := rand.New(rand.NewPCG(9, 9))
	data := make([]float64, 2*n)
	for i := range data {
		data[i] = g.mu[i%2] + g.s*rng.NormFloat64()
	}
	for name, p := range paths {
		for _, k := range preds {
			for _, adaptive := range []*integrate.Adaptive{nil, {RTol: 1e-10, ATol: 1e-12}} {
				gen := Generator{Field: g.exact(p, k), Prediction: k, Interpolant: p, Steps: 200, Adaptive: adaptive}
				t0, t1, _ := gen.Span()
				z, _, err := gen.Encode(context.Background(), data, 2)
				if err != nil {
					t.Fatalf("%s, %v: %v", name, k, err)
				}
				if adaptive == nil {
					for j := range 2 {
						m, sd := moments(z, 2, j)
						// The data stand for the marginal at t1.
						wm, wsd := g.transport(p, t1, t0, g.mu[j], g.s, j)
						if se := wsd / math.Sqrt(float64(n)); math.Abs(m-wm) > 5*se+1e-4 || math.Abs(sd-wsd) > 5*se/math.Sqrt2+1e-4 {
							t.Errorf("%s, %v, coordinate %d: encoded mean %.4f sd %.4f, want %.4f and %.4f", name, k, j, m, sd, wm, wsd)
						}
					}
				}
				back, _, err := gen.Decode(context.Background(), z, 2, 0)
				if err != nil {
					t.Fatal(err)
				}
				worst := 0.0
				for i := range back {
					worst = math.Max(worst, math.Abs(back[i]-data[i]))
				}
				if worst > 1e-6 {
					t.Errorf("%s, %v, adaptive %v: Decode(Encode(x)) off x by %.3g", name, k, adaptive != nil, worst)
				}
			}
		}
	}
}

func TestGeneratorInvalid(t *testing.T) {
	f := gauss{mu: []float64{0}, s: 1}.exact(interpolant.Linear{}, interpolant.Velocity)
	ctx := context.Background()
	for name, g := range map[string]Generator{
		"eps":            {Field: f, Eps: 0.7},
		"last step size": {Field: f, SDE: &SDE{LastSize: -0.1}},
		"last step":      {Field: f, SDE: &SDE{Last: LastStep(9)}},
		"form":           {Field: f, SDE: &SDE{Diffusion: interpolant.Diffusion(9)}},
		"norm":           {Field: f, SDE: &SDE{Norm: math.Inf(1)}},
		"prediction":     {Field: f, Prediction: interpolant.Prediction(9)},
		"adaptive SDE":   {Field: f, SDE: &SDE{}, Adaptive: &integrate.Adaptive{}},
	} {
		if _, _, err := g.Generate(ctx, 4, 1, 1); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if _, _, err := (Generator{Field: f, SDE: &SDE{}}).Encode(ctx, []float64{1, 2}, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("Encode by the SDE: %v, want ErrInvalid", err)
	}
	if _, _, err := (Generator{Field: f}).Encode(ctx, []float64{1, 2, 3}, 2); !errors.Is(err, ErrInvalid) {
		t.Errorf("Encode of a partial row: %v, want ErrInvalid", err)
	}
	for _, nd := range LastStepNames() {
		l, err := LastStepByName(nd[0])
		if err != nil || l.String() != nd[0] || nd[1] == "" {
			t.Errorf("listed %q: %v, %v", nd[0], l, err)
		}
	}
	if _, err := LastStepByName("midpoint"); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown last step: %v", err)
	}
}

// TestVelocityFieldDensity: LogDensity of the exact score and noise
// networks' VelocityField over the ODE's span is the density of the
// Gaussian the exact flow carries N(0, I) at t0 to, to 1e-6, on the linear
// and cosine paths.
func TestVelocityFieldDensity(t *testing.T) {
	g := gauss{mu: []float64{2, -1}, s: 0.5}
	x := tensor.Randn(rand.New(rand.NewPCG(2, 2)), 300, 2)
	mu := tensor.New([]float64{2, -1}, 1, 2)
	for _, name := range []string{"linear", "cosine"} {
		p := paths[name]
		for _, k := range []interpolant.Prediction{interpolant.Score, interpolant.Noise} {
			net := func(tp *tensor.Tape, x *tensor.Tensor, t float64) *tensor.Tensor {
				alpha, sigma, _, _ := p.Coefficients(t)
				v := alpha*alpha*g.s*g.s + sigma*sigma
				r := tp.Sub(x, tp.Scale(mu, alpha))
				if k == interpolant.Score {
					return tp.Scale(r, -1/v)
				}
				return tp.Scale(r, sigma/v)
			}
			t0, t1, err := Generator{Prediction: k, Interpolant: p}.Span()
			if err != nil {
				t.Fatal(err)
			}
			lp, err := LogDensity(context.Background(), VelocityField(net, p, k), x, t0, t1, 100)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for i, got := range lp {
				want := 0.0
				for j := range 2 {
					m, sd := g.transport(p, t0, t1, 0, 1, j)
					z := (x.Data()[2*i+j] - m) / sd
					want += -0.5*math.Log(2*math.Pi) - math.Log(sd) - 0.5*z*z
				}
				worst = math.Max(worst, math.Abs(got-want))
			}
			if worst > 1e-6 {
				t.Errorf("%s, %v: log density off by up to %.3g", name, k, worst)
			}
		}
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("VelocityField of a score at α = 0 did not panic")
		}
	}()
	VelocityField(func(tp *tensor.Tape, x *tensor.Tensor, _ float64) *tensor.Tensor { return x }, nil, interpolant.Score)(nil, tensor.Zeros(1, 1), 0)
}
