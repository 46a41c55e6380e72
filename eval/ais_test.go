package eval

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/tensor"
)

// digits returns the dequantised digits' training and test splits.
func digits(t *testing.T) (train, test *tensor.Tensor, classes [][]int) {
	im, err := dataset.Digits()
	if err != nil {
		t.Fatal(err)
	}
	tr, te := im.Split()
	classes = make([][]int, 10)
	for i, y := range tr.Labels {
		classes[y] = append(classes[y], i)
	}
	return tr.Scaled(rand.New(rand.NewPCG(1, 1))), te.Scaled(rand.New(rand.NewPCG(1, 2))), classes
}

// fitGaussian returns the Gaussian fitted to x (mean, covariance).
func fitGaussian(t *testing.T, x *tensor.Tensor) *energy.Gaussian {
	n, d := x.Dim(0), x.Dim(1)
	mean := make([]float64, d)
	for i := range n {
		for j := range d {
			mean[j] += x.Data()[i*d+j] / float64(n)
		}
	}
	cov := make([]float64, d*d)
	for i := range n {
		for a := range d {
			for b := range d {
				cov[a*d+b] += (x.Data()[i*d+a] - mean[a]) * (x.Data()[i*d+b] - mean[b]) / float64(n)
			}
		}
	}
	g, err := energy.NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestAISCheck64: at the default settings, the check's estimate of log Z of
// 64-d targets shaped like the digits is within 4 standard errors of the
// truth and declared converged: the Gaussian fitted to them (correlated,
// log Z = (d/2)·log 2π + ½·log|Σ|) and a mixture of ten isotropic
// Gaussians at the class means (normalised: log Z = 0).
// It takes 12 s on 2 cores (the rest of the package 1 s): set GOEBM_LONG=1
// to run it.
// TestAISCheckFast is its quick version.
func TestAISCheck64(t *testing.T) {
	if os.Getenv("GOEBM_LONG") == "" {
		t.Skip("12 s of 64-d AIS: set GOEBM_LONG=1")
	}
	checkKnown(t, AISCheck{Seed: 1})
}

// checkKnown runs c on the targets of targets64 and wants each estimate
// converged and within 4 standard errors of its known log Z; it returns
// the mixture and the test points.
func checkKnown(t *testing.T, c AISCheck) (*energy.Mixture, *tensor.Tensor) {
	t.Helper()
	g, mix, test := targets64(t)
	for _, k := range []struct {
		name string
		e    energy.Energy
		logZ float64
	}{{"gaussian", g, g.LogZ()}, {"mixture", mix, 0}} {
		r, err := c.Run(context.Background(), k.e, 64, test)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: log Z %.3f ± %.3f (true %.3f), gap %.3f, converged %v, η %v, %.1fs", k.name, r.LogZ, r.SE, k.logZ, r.Gap, r.Converged, r.StepSize, r.Seconds)
		if !r.Converged || math.Abs(r.LogZ-k.logZ) > 4*r.SE || len(r.Runs) != 4 || !r.Runs[3].Reverse || r.Runs[3].Steps != r.Runs[2].Steps {
			t.Errorf("%s: log Z %.3f ± %.3f (gap %.3f), converged %v; want %.3f (runs %+v)", k.name, r.LogZ, r.SE, r.Gap, r.Converged, k.logZ, r.Runs)
		}
	}
	return mix, test
}

// TestAISCheckFast: the digit-shaped targets of TestAISCheck64 with fewer
// chains and steps, still within 4 SE and converged; and annealings too
// short to trust are refused, by the gap between the runs even when every
// run's standard error is small.
func TestAISCheckFast(t *testing.T) {
	mix, test := checkKnown(t, AISCheck{Chains: 32, Steps: 100, Factor: 2, PilotSteps: 200, Seed: 2})
	// 10 and 20 steps with 128 chains: standard errors small enough to pass
	// (≤ 0.5), so only the gap between the runs refuses them (forward 10
	// steps −2.98, 20 steps −0.39, reverse 20 steps +0.40; the truth is 0).
	short, err := AISCheck{Chains: 128, Steps: 10, Factor: 2, PilotSteps: 200, Seed: 2}.Run(context.Background(), mix, 64, test)
	if err != nil {
		t.Fatal(err)
	}
	if short.Converged || short.Gap <= short.Tolerance || short.Runs[2].SE > short.Tolerance/2 || short.Runs[3].SE > short.Tolerance/2 {
		t.Errorf("10 and 20 steps: log Z %.3f ± %.3f, gap %.3f, converged %v; want refused by the gap alone (runs %+v)", short.LogZ, short.SE, short.Gap, short.Converged, short.Runs)
	}
	// Fewer chains and steps: refused.
	tiny, err := AISCheck{Chains: 32, Steps: 5, Factor: 2, PilotSteps: 200, Seed: 2}.Run(context.Background(), mix, 64, test)
	if err != nil {
		t.Fatal(err)
	}
	if tiny.Converged {
		t.Errorf("5 and 10 steps: log Z %.3f ± %.3f, gap %.3f, declared converged", tiny.LogZ, tiny.SE, tiny.Gap)
	}
	if _, err := (AISCheck{}).Run(context.Background(), mix, 64, tensor.New(test.Data(), 359*8, 8)); !errors.Is(err, ErrInvalid) {
		t.Errorf("points of the wrong dimension: %v", err)
	}
}

// targets64 returns a Gaussian fitted to the dequantised digits' training
// split, a mixture of ten isotropic Gaussians (σ = 0.3) at its class means
// weighted by the class sizes, and the test split.
func targets64(t *testing.T) (g *energy.Gaussian, mix *energy.Mixture, test *tensor.Tensor) {
	train, test, classes := digits(t)
	g = fitGaussian(t, train)
	var comps []energy.Component
	for _, idx := range classes {
		m := make([]float64, 64)
		for _, i := range idx {
			for j := range 64 {
				m[j] += train.Data()[i*64+j] / float64(len(idx))
			}
		}
		comps = append(comps, energy.Component{Weight: float64(len(idx)), Mean: m, Sigma: 0.3})
	}
	var err error
	mix, err = energy.NewMixture(comps)
	if err != nil {
		t.Fatal(err)
	}
	return g, mix, test
}

// upsideDown is E(x) = −|x|²/2, unbounded below: exp(−E) has no finite
// integral.
type upsideDown struct{ d int }

func (u upsideDown) Dim() int { return u.d }

func (u upsideDown) Energy(e, x []float64, d int) {
	for i := range e {
		e[i] = 0
		for _, v := range x[i*d : (i+1)*d] {
			e[i] -= v * v / 2
		}
	}
}

func (u upsideDown) Grad(e, g, x []float64, d int) {
	u.Energy(e, x, d)
	for j, v := range x {
		g[j] = -v
	}
}

// TestAISCheckDiverged: on an energy that is not normalisable the check
// returns ErrDiverged (chains at ±Inf, or collapsed) or an estimate it does
// not call converged, never a converged one.
func TestAISCheckDiverged(t *testing.T) {
	start := tensor.New(make([]float64, 20*4), 20, 4)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range start.Data() {
		start.Data()[i] = rng.NormFloat64()
	}
	r, err := AISCheck{Chains: 8, Steps: 10, PilotSteps: 200, Seed: 1}.Run(context.Background(), upsideDown{4}, 4, start)
	if (err != nil && !errors.Is(err, ErrDiverged)) || (err == nil && r.Converged) {
		t.Errorf("E = −|x|²/2: %v, log Z %g, converged %v", err, r.LogZ, r.Converged)
	}
	t.Logf("%v; log Z %g, gap %g", err, r.LogZ, r.Gap)
}
