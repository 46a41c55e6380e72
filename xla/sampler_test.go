package xla

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
)

// The Gaussian target of the sampler tests: N(μ, diag(1/P)).
var (
	gaussMean = []float64{1, -2}
	gaussPrec = []float64{1, 4}
	gauss     = Quadratic{Mean: gaussMean, Precision: gaussPrec}
)

// checkMoments checks the per-coordinate mean and variance of n
// independent draws (the rows of x) against mean and variance, within
// 4 Monte Carlo standard errors: √(V/n) for the mean, V·√(2/(n − 1)) for
// the variance.
func checkMoments(t *testing.T, name string, x []float64, d int, mean, variance []float64) {
	t.Helper()
	n := len(x) / d
	for j := range d {
		m, v := 0.0, 0.0
		for i := range n {
			m += x[i*d+j]
		}
		m /= float64(n)
		for i := range n {
			v += (x[i*d+j] - m) * (x[i*d+j] - m)
		}
		v /= float64(n - 1)
		seM, seV := math.Sqrt(variance[j]/float64(n)), variance[j]*math.Sqrt(2/float64(n-1))
		t.Logf("%s coordinate %d: mean %.4f (want %.4f ± %.4f), variance %.4f (want %.4f ± %.4f)", name, j, m, mean[j], seM, v, variance[j], seV)
		if math.Abs(m-mean[j]) > 4*seM || math.Abs(v-variance[j]) > 4*seV {
			t.Errorf("%s coordinate %d: mean %.4f, variance %.4f; want %.4f, %.4f within 4 MCSE (%.4f, %.4f)", name, j, m, v, mean[j], variance[j], seM, seV)
		}
	}
}

// runChains runs n chains of k on gauss from the origin and returns their
// final points.
func runChains(t *testing.T, k Kernel, n, steps int, seed int64) ([]float64, *Chains) {
	t.Helper()
	c, err := NewChains(testBackend(t), gauss, k, Tensor(make([]float64, n*2), n, 2), seed)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(steps); err != nil {
		t.Fatal(err)
	}
	return Float64s(c.X()), c
}

// TestLangevinMoments checks that unadjusted Langevin on a Gaussian reaches
// the stationary law of its linear recursion x ← (1 − ηp)x + √(2η)ξ, per
// coordinate: mean μ and variance 2/(p(2 − ηp)) (η's bias included), and
// that the same seed gives the same chains.
func TestLangevinMoments(t *testing.T) {
	const eta, n = 0.05, 4000
	x, _ := runChains(t, Langevin{StepSize: eta}, n, 300, 1)
	want := make([]float64, 2)
	for j, p := range gaussPrec {
		want[j] = 2 / (p * (2 - eta*p))
	}
	checkMoments(t, "Langevin", x, 2, gaussMean, want)

	a, _ := runChains(t, Langevin{StepSize: eta}, 8, 5, 9)
	b, _ := runChains(t, Langevin{StepSize: eta}, 8, 5, 9)
	c, _ := runChains(t, Langevin{StepSize: eta}, 8, 5, 10)
	near(t, "same seed", a, b, 0)
	if a[0] == c[0] {
		t.Errorf("seeds 9 and 10 give the same chain: %v", a[0])
	}
}

// TestUnroll checks that chains run 4 steps at a time (then 3 one by one)
// end where the same chains run step by step do, within float32Tol.
func TestUnroll(t *testing.T) {
	for _, k := range []Kernel{Langevin{StepSize: 0.05}, MALA{StepSize: 0.3}, HMC{StepSize: 0.2, LeapfrogSteps: 3}} {
		one, _ := runChains(t, k, 16, 11, 4)
		c, err := NewChains(testBackend(t), gauss, k, Tensor(make([]float64, 16*2), 16, 2), 4)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Unroll(4); err != nil {
			t.Fatal(err)
		}
		if err := c.Run(11); err != nil {
			t.Fatal(err)
		}
		near(t, fmt.Sprintf("%T unrolled", k), Float64s(c.X()), one, float32Tol)
	}
}

// TestMALAAndHMCMoments checks that MALA and HMC, at step sizes where
// unadjusted Langevin is visibly biased, have the Gaussian's exact moments.
func TestMALAAndHMCMoments(t *testing.T) {
	const n = 3000
	want := []float64{1 / gaussPrec[0], 1 / gaussPrec[1]}
	x, c := runChains(t, MALA{StepSize: 0.2}, n, 200, 2)
	t.Logf("MALA acceptance %.3f", c.AcceptRate())
	checkMoments(t, "MALA", x, 2, gaussMean, want)
	x, c = runChains(t, HMC{StepSize: 0.25, LeapfrogSteps: 3}, n, 60, 3)
	t.Logf("HMC acceptance %.3f", c.AcceptRate())
	checkMoments(t, "HMC", x, 2, gaussMean, want)
}

// gaussEnergyGrad returns E and ∇E of gauss at the point x (d = 2), in float64.
func gaussEnergyGrad(x []float64) (float64, []float64) {
	e, g := 0.0, make([]float64, len(x))
	for j := range x {
		r := x[j] - gaussMean[j]
		e += 0.5 * gaussPrec[j] * r * r
		g[j] = gaussPrec[j] * r
	}
	return e, g
}

// TestMetropolisRules checks MALA's and HMC's accept/reject decisions and
// moves, given their noise, against a float64 implementation of the rules on
// the Gaussian, chain by chain (chains whose log-uniform lies within 1e-3
// of log α, where float32 may decide otherwise, are skipped).
func TestMetropolisRules(t *testing.T) {
	b := testBackend(t)
	const n, d, eta, eps, leap = 64, 2, 0.6, 0.5, 4
	rng := rand.New(rand.NewPCG(5, 5))
	x, xi := randn(rng, n*d), randn(rng, n*d)
	logu := make([]float64, n)
	for i := range logu {
		logu[i] = math.Log(rng.Float64())
	}
	exec, err := NewExec(b, func(in []*Node) []*Node {
		x, xi, logu := in[0], in[1], in[2]
		e, g := energyGrad(gauss, nil, x)
		xm, _, _, am := malaMove(gauss, nil, x, e, g, xi, logu, eta)
		xh, _, _, ah := hmcMove(gauss, nil, x, e, g, xi, logu, eps, leap)
		return []*Node{xm, am, xh, ah}
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := call(exec, nil, Tensor(x, n, d), Tensor(xi, n, d), Tensor(logu, n))
	if err != nil {
		t.Fatal(err)
	}
	xm, am, xh, ah := Float64s(out[0]), Float64s(out[1]), Float64s(out[2]), Float64s(out[3])

	// The float64 rules.
	mala := func(x, xi []float64) ([]float64, float64) {
		e, g := gaussEnergyGrad(x)
		y := make([]float64, d)
		for j := range y {
			y[j] = x[j] - eta*g[j] + math.Sqrt(2*eta)*xi[j]
		}
		ey, gy := gaussEnergyGrad(y)
		logq := func(a, b, gb []float64) float64 {
			s := 0.0
			for j := range a {
				r := a[j] - b[j] + eta*gb[j]
				s += r * r
			}
			return -s / (4 * eta)
		}
		return y, e - ey + logq(x, y, gy) - logq(y, x, g)
	}
	hmc := func(x, p0 []float64) ([]float64, float64) {
		e, g := gaussEnergyGrad(x)
		y, p := append([]float64(nil), x...), append([]float64(nil), p0...)
		k0 := 0.0
		for j := range p {
			k0 += p[j] * p[j] / 2
		}
		for range leap {
			for j := range p {
				p[j] -= eps / 2 * g[j]
				y[j] += eps * p[j]
			}
			_, g = gaussEnergyGrad(y)
			for j := range p {
				p[j] -= eps / 2 * g[j]
			}
		}
		e1, _ := gaussEnergyGrad(y)
		k1 := 0.0
		for j := range p {
			k1 += p[j] * p[j] / 2
		}
		return y, e + k0 - e1 - k1
	}
	check := func(name string, rule func(x, noise []float64) ([]float64, float64), got, acc []float64) {
		checked, accepted := 0, 0
		for i := range n {
			xr := x[i*d : (i+1)*d]
			y, logA := rule(xr, xi[i*d:(i+1)*d])
			if math.Abs(logu[i]-logA) < 1e-3 {
				continue
			}
			checked++
			want := xr
			if logu[i] < logA {
				want, accepted = y, accepted+1
				if acc[i] != 1 {
					t.Errorf("%s chain %d: rejected with log u %.4f < log α %.4f", name, i, logu[i], logA)
				}
			} else if acc[i] != 0 {
				t.Errorf("%s chain %d: accepted with log u %.4f ≥ log α %.4f", name, i, logu[i], logA)
			}
			near(t, name+" move", got[i*d:(i+1)*d], want, float32Tol)
		}
		t.Logf("%s: %d chains checked, %d accepted", name, checked, accepted)
		if accepted == 0 || accepted == checked {
			t.Errorf("%s: %d of %d accepted; the test needs both outcomes", name, accepted, checked)
		}
	}
	check("MALA", mala, xm, am)
	check("HMC", hmc, xh, ah)
}
