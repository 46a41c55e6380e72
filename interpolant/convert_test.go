package interpolant

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/integrate"
)

var paths = map[string]Interpolant{"linear": Linear{}, "cosine": Cosine{}, "vp": VariancePreserving{}}

// TestConvertRoundTrips: on random points, predictions and times in
// [0.05, 0.95], velocity → score → velocity, noise → score → noise and
// every other pair there and back return the start to 1e-12 (relative to
// the values' size), on every path.
func TestConvertRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, d = 200, 3
	x, src, mid, back, ts := make([]float64, n*d), make([]float64, n*d), make([]float64, n*d), make([]float64, n*d), make([]float64, n)
	for i := range x {
		x[i], src[i] = 3*rng.NormFloat64(), 3*rng.NormFloat64()
	}
	for i := range ts {
		ts[i] = 0.05 + 0.9*rng.Float64()
	}
	kinds := []Prediction{Velocity, Score, Noise, Data}
	for name, p := range paths {
		for _, from := range kinds {
			for _, to := range kinds {
				if err := Convert(p, from, to, mid, src, x, ts, d); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if err := Convert(p, to, from, back, mid, x, ts, d); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				worst := 0.0
				for i := range src {
					scale := math.Max(1, math.Max(math.Abs(mid[i]), math.Abs(x[i])))
					worst = math.Max(worst, math.Abs(back[i]-src[i])/scale)
				}
				if worst > 1e-12 {
					t.Errorf("%s: %v → %v → %v: relative error %.3g", name, from, to, from, worst)
				}
			}
		}
	}
}

// gaussian is data N(m, s²) in each coordinate: along a path x_t is
// N(αm, V), V = α²s² + σ², whose score, expected noise and velocity are
// known in closed form.
type gaussian struct{ m, s float64 }

func (g gaussian) exact(p Interpolant, t, x float64) (velocity, score, noise, data float64) {
	alpha, sigma, dAlpha, dSigma := p.Coefficients(t)
	v := alpha*alpha*g.s*g.s + sigma*sigma
	r := x - alpha*g.m
	score = -r / v
	noise = sigma * r / v
	data = g.m + alpha*g.s*g.s*r/v
	velocity = dAlpha*g.m + (dAlpha*alpha*g.s*g.s+dSigma*sigma)/v*r
	return
}

// TestConvertGaussian: for Gaussian data N(m, s²) the exact velocity
// (E[α′x₁ + σ′x₀ | x_t] by Gaussian conditioning) converts to the exact
// score, noise and data predictions, and the score back to the velocity,
// to 1e-12, at times across (0, 1) (and at the linear path's ends: at t = 0,
// α = 0, the score and noise but not the data; at t = 1, σ = 0, all but the
// score); and the velocity is the one of the
// flow that moves N(αm, V) along its mean and variance, μ′ + V′/(2V)·(x − μ).
func TestConvertGaussian(t *testing.T) {
	g := gaussian{m: 1.5, s: 0.7}
	for name, p := range paths {
		times := []float64{0.02, 0.3, 0.5, 0.77, 0.99}
		if name == "linear" {
			times = append(times, 0, 1) // α = 0 and σ = 0 exactly
		}
		for _, tt := range times {
			for _, x := range []float64{-2, 0.1, 3.3} {
				v, s, e, x1 := g.exact(p, tt, x)
				for _, c := range []struct {
					to   Prediction
					want float64
				}{{Score, s}, {Noise, e}, {Data, x1}, {Velocity, v}} {
					a, b, err := Conversion(p, tt, Velocity, c.to)
					if (c.to == Score && tt == 1) || (c.to == Data && tt == 0) {
						if !errors.Is(err, ErrInvalid) {
							t.Errorf("%s: velocity to %v at t = %g: %v, want ErrInvalid", name, c.to, tt, err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%s at %g: %v", name, tt, err)
					}
					if got := a*x + b*v; math.Abs(got-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
						t.Errorf("%s at t = %g, x = %g: velocity → %v %.15g, exact %.15g", name, tt, x, c.to, got, c.want)
					}
				}
				if tt > 0 && tt < 1 {
					a, b := Drift(p, tt)
					if got := a*x + b*s; math.Abs(got-v) > 1e-12*math.Max(1, math.Abs(v)) {
						t.Errorf("%s at t = %g: drift from the exact score %.15g, exact velocity %.15g", name, tt, got, v)
					}
				}
				alpha, sigma, dAlpha, dSigma := p.Coefficients(tt)
				vr := alpha*alpha*g.s*g.s + sigma*sigma
				dv := 2*alpha*dAlpha*g.s*g.s + 2*sigma*dSigma
				if flow := dAlpha*g.m + dv/(2*vr)*(x-alpha*g.m); math.Abs(flow-v) > 1e-12*math.Max(1, math.Abs(v)) {
					t.Errorf("%s at t = %g: velocity %.15g, the Gaussian's flow %.15g", name, tt, v, flow)
				}
			}
		}
	}
}

func TestConvertInvalid(t *testing.T) {
	// Velocity and data as targets need α ≠ 0: the linear path's noise end.
	if _, _, err := Conversion(Linear{}, 0, Score, Velocity); !errors.Is(err, ErrInvalid) {
		t.Errorf("score to velocity at α = 0: %v", err)
	}
	if _, _, err := Conversion(Cosine{}, 0, Noise, Data); !errors.Is(err, ErrInvalid) {
		t.Errorf("noise to data at α = 0: %v", err)
	}
	// From velocity at α = 0, x_t = σx₀ alone gives the score −x_t/σ²
	// (σ = 1 there); the velocity adds nothing.
	if a, b, err := Conversion(Linear{}, 0, Velocity, Score); err != nil || a != -1 || b != 0 {
		t.Errorf("velocity to score at α = 0: %g, %g, %v; want −1, 0", a, b, err)
	}
	if _, _, err := Conversion(Linear{}, 1, Score, Noise); !errors.Is(err, ErrInvalid) {
		t.Errorf("score at σ = 0: %v", err)
	}
	if _, _, err := Conversion(Linear{}, 0.5, Prediction(9), Noise); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown prediction: %v", err)
	}
	// Noise ↔ score is defined wherever σ ≠ 0, α = 0 included.
	if a, b, err := Conversion(Linear{}, 0, Noise, Score); err != nil || a != 0 || b != -1 {
		t.Errorf("noise to score at t = 0: %g, %g, %v", a, b, err)
	}
	buf := make([]float64, 4)
	if err := Convert(Linear{}, Velocity, Score, buf, buf, buf[:2], []float64{0.5, 0.5}, 2); !errors.Is(err, ErrInvalid) {
		t.Errorf("short buffer: %v", err)
	}
	if err := Convert(Linear{}, Score, Velocity, buf, buf, buf, []float64{0.5, 0}, 2); !errors.Is(err, ErrInvalid) {
		t.Errorf("t = 0 row: %v", err)
	}
	if Velocity.String() != "velocity" || Data.String() != "data" || Prediction(9).String() != "Prediction(9)" {
		t.Error("Prediction.String")
	}
}

// TestDiffusionForms: each form against its formula, written out here per
// path (SBDM on the linear path is 1/t, on the VP path β(t)/(2σ)).
func TestDiffusionForms(t *testing.T) {
	const norm = 1.7
	for _, tt := range []float64{0.1, 0.5, 0.8} {
		_, sigmaC, _, _ := Cosine{}.Coefficients(tt)
		want := map[Diffusion]float64{
			DiffusionConstant:             norm,
			DiffusionSigma:                norm * sigmaC,
			DiffusionLinear:               norm * (1 - tt),
			DiffusionDecreasing:           norm * (1 - tt) * (1 - tt),
			DiffusionIncreasingDecreasing: norm * 4 * tt * (1 - tt),
		}
		for w, v := range want {
			if got := w.At(Cosine{}, tt, norm); math.Abs(got-v) > 1e-15 {
				t.Errorf("%v at %g: %g, want %g", w, tt, got, v)
			}
		}
		if got := DiffusionSBDM.At(Linear{}, tt, norm); math.Abs(got-norm/tt) > 1e-13 {
			t.Errorf("SBDM on the linear path at %g: %g, want %g", tt, got, norm/tt)
		}
		_, sigmaV, _, _ := VariancePreserving{}.Coefficients(tt)
		beta := 0.1 + (1-tt)*(20-0.1)
		if got := DiffusionSBDM.At(VariancePreserving{}, tt, norm); math.Abs(got-norm*beta/(2*sigmaV)) > 1e-12*got {
			t.Errorf("SBDM on the VP path at %g: %g, want %g", tt, got, norm*beta/(2*sigmaV))
		}
	}
	for _, nd := range DiffusionNames() {
		w, err := DiffusionByName(nd[0])
		if err != nil || w.String() != nd[0] || nd[1] == "" {
			t.Errorf("listed %q (%q): %v, %v", nd[0], nd[1], w, err)
		}
	}
	if w, err := DiffusionByName("sbdm"); err != nil || w != DiffusionSBDM {
		t.Errorf("sbdm: %v, %v", w, err)
	}
	if _, err := DiffusionByName("cosine"); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown form: %v", err)
	}
}

// TestDiffusionKeepsMarginals: for Gaussian data N(m, s²) and the exact
// velocity and score, the SDE dx = [v + w·s]dt + √(2w)dW started from the
// path's marginal at t₀ = 0.05 ends at t = 1 in the data distribution, for
// each form on each path: mean and variance of 20000 paths (stochastic
// Heun, 200 steps) within 4 standard errors plus 0.01 for the steps.
func TestDiffusionKeepsMarginals(t *testing.T) {
	g := gaussian{m: 1.5, s: 0.7}
	const n, t0, steps = 20000, 0.05, 200
	for name, p := range paths {
		for _, w := range []Diffusion{DiffusionConstant, DiffusionSBDM, DiffusionSigma, DiffusionIncreasingDecreasing} {
			rng := rand.New(rand.NewPCG(3, uint64(w)))
			alpha, sigma, _, _ := p.Coefficients(t0)
			x := make([]float64, n)
			for i := range x {
				x[i] = alpha*(g.m+g.s*rng.NormFloat64()) + sigma*rng.NormFloat64()
			}
			drift := func(dst []float64, t float64, x []float64) {
				wt := w.At(p, t, 1)
				for i, xi := range x {
					v, s, _, _ := g.exact(p, t, xi)
					dst[i] = v + wt*s
				}
			}
			noise := func(dst []float64, t float64, _ []float64) {
				wt := math.Sqrt(2 * w.At(p, t, 1))
				for i := range dst {
					dst[i] = wt
				}
			}
			if _, err := integrate.StochasticHeun(drift, noise, x, t0, 1, steps, rng); err != nil {
				t.Fatal(err)
			}
			mean, vr := 0.0, 0.0
			for _, v := range x {
				mean += v
			}
			mean /= n
			for _, v := range x {
				vr += (v - mean) * (v - mean)
			}
			vr /= n - 1
			s2 := g.s * g.s
			if math.Abs(mean-g.m) > 4*math.Sqrt(s2/n)+0.01 || math.Abs(vr-s2) > 4*s2*math.Sqrt(2.0/n)+0.01 {
				t.Errorf("%s, %v: mean %.4f, variance %.4f; want %.4f, %.4f", name, w, mean, vr, g.m, s2)
			}
		}
	}
}
