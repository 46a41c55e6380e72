package integrate

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// ou is the Ornstein–Uhlenbeck SDE dx = −θx dt + σ dW used by the
// stochastic Heun tests.
const ouTheta, ouSigma = 1.0, math.Sqrt2

func ouDrift(dst []float64, _ float64, x []float64) {
	for i, v := range x {
		dst[i] = -ouTheta * v
	}
}

func ouNoise(dst []float64, _ float64, _ []float64) {
	for i := range dst {
		dst[i] = ouSigma
	}
}

// brownian is a batch of Brownian paths on a fine grid of fine steps over
// [0, T], with each fine step's increment ΔW and the exact OU noise
// I = ∫ e^{−θ(t_{k+1} − s)} dW_s over it, drawn jointly: (ΔW, I) is
// Gaussian with variances h and (1 − e^{−2θh})/(2θ) and covariance
// (1 − e^{−θh})/θ. The OU solution driven by the path is then exact at the
// grid points: x_{k+1} = e^{−θh}x_k + σI_k.
type brownian struct {
	paths, fine int
	T           float64
	dw, in      [][]float64 // [fine step][path]
}

func newBrownian(paths, fine int, T float64, rng *rand.Rand) *brownian {
	b := &brownian{paths: paths, fine: fine, T: T}
	h := T / float64(fine)
	vi := -math.Expm1(-2*ouTheta*h) / (2 * ouTheta)
	c := -math.Expm1(-ouTheta*h) / ouTheta
	rest := math.Sqrt(math.Max(0, vi-c*c/h))
	for range fine {
		dw, in := make([]float64, paths), make([]float64, paths)
		for p := range paths {
			dw[p] = math.Sqrt(h) * rng.NormFloat64()
			in[p] = c/h*dw[p] + rest*rng.NormFloat64()
		}
		b.dw, b.in = append(b.dw, dw), append(b.in, in)
	}
	return b
}

// exact is the OU solution at T along each path from x0.
func (b *brownian) exact(x0 float64) []float64 {
	h := b.T / float64(b.fine)
	x := make([]float64, b.paths)
	for p := range x {
		x[p] = x0
		for k := range b.fine {
			x[p] = math.Exp(-ouTheta*h)*x[p] + ouSigma*b.in[k][p]
		}
	}
	return x
}

// normals returns a noise source for n coarse steps (n divides fine): the
// standard normals z = ΔW/√h of each coarse step, ΔW summing the fine ones.
func (b *brownian) normals(n int) func(z []float64) {
	per, step := b.fine/n, 0
	sq := math.Sqrt(b.T / float64(n))
	return func(z []float64) {
		clear(z)
		for k := step * per; k < (step+1)*per; k++ {
			for p := range z {
				z[p] += b.dw[k][p]
			}
		}
		for p := range z {
			z[p] /= sq
		}
		step++
	}
}

// strongError is the root-mean-square error at T of the stochastic Heun
// solution in n steps against the exact one along the same paths.
func (b *brownian) strongError(t *testing.T, x0 float64, n int) float64 {
	x := make([]float64, b.paths)
	for p := range x {
		x[p] = x0
	}
	if _, err := stochasticHeun(ouDrift, ouNoise, x, 0, b.T, n, b.normals(n)); err != nil {
		t.Fatal(err)
	}
	e := 0.0
	for p, v := range b.exact(x0) {
		e += (x[p] - v) * (x[p] - v)
	}
	return math.Sqrt(e / float64(b.paths))
}

// TestStochasticHeunStrongOrder: driven by the same Brownian paths as the
// exact OU solution, the root-mean-square error at T = 1 halves with the
// step (measured strong order within 0.2 of 1 from 8 to 64 steps, 2000
// paths).
func TestStochasticHeunStrongOrder(t *testing.T) {
	b := newBrownian(2000, 128, 1, rand.New(rand.NewPCG(3, 4)))
	prev := 0.0
	for _, n := range []int{8, 16, 32, 64} {
		e := b.strongError(t, 1, n)
		if prev > 0 {
			order := math.Log2(prev / e)
			t.Logf("%d → %d steps: errors %.4g → %.4g, strong order %.3f", n/2, n, prev, e, order)
			if math.Abs(order-1) > 0.2 {
				t.Errorf("%d → %d steps: strong order %.3f (errors %.4g, %.4g), want 1", n/2, n, order, prev, e)
			}
		}
		prev = e
	}
}

// ouMoments runs n steps of an SDE method on paths copies of the OU
// process from x0 = 1 to T = 1 and returns the sample mean and variance.
func ouMoments(t *testing.T, method func(f, g Drift, x []float64, t0, t1 float64, n int, rng *rand.Rand) (Stats, error), paths, n int, seed uint64) (mean, variance float64) {
	x := make([]float64, paths)
	for i := range x {
		x[i] = 1
	}
	if _, err := method(ouDrift, ouNoise, x, 0, 1, n, rand.New(rand.NewPCG(seed, 1))); err != nil {
		t.Fatal(err)
	}
	for _, v := range x {
		mean += v
	}
	mean /= float64(paths)
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(paths-1)
}

// TestStochasticHeunWeak: the OU process from x₀ = 1 has mean e^{−θT}x₀
// and variance σ²(1 − e^{−2θT})/(2θ) at T = 1. With 64 steps over 20000
// paths both moments match within 4 standard errors. The variance's bias
// shrinks with the square of the step: from 2 to 4 steps over 10⁶ paths
// (drawn with the same seed) its measured weak order is within 0.4 of 2,
// where Euler–Maruyama's is near 1.
func TestStochasticHeunWeak(t *testing.T) {
	wantMean := math.Exp(-ouTheta)
	wantVar := ouSigma * ouSigma * -math.Expm1(-2*ouTheta) / (2 * ouTheta)
	const paths = 20000
	m, v := ouMoments(t, StochasticHeun, paths, 64, 7)
	seMean, seVar := math.Sqrt(wantVar/paths), wantVar*math.Sqrt(2.0/(paths-1))
	if math.Abs(m-wantMean) > 4*seMean || math.Abs(v-wantVar) > 4*seVar {
		t.Errorf("64 steps: mean %.4f (want %.4f ± %.4f), variance %.4f (want %.4f ± %.4f)", m, wantMean, seMean, v, wantVar, seVar)
	}
	order := func(method func(f, g Drift, x []float64, t0, t1 float64, n int, rng *rand.Rand) (Stats, error)) float64 {
		_, v2 := ouMoments(t, method, 1_000_000, 2, 11)
		_, v4 := ouMoments(t, method, 1_000_000, 4, 11)
		t.Logf("variance bias %.4g (2 steps), %.4g (4 steps)", v2-wantVar, v4-wantVar)
		return math.Log2((v2 - wantVar) / (v4 - wantVar))
	}
	heun, em := order(StochasticHeun), order(EulerMaruyama)
	t.Logf("weak order of the variance: stochastic Heun %.3f, Euler–Maruyama %.3f", heun, em)
	if math.Abs(heun-2) > 0.4 {
		t.Errorf("stochastic Heun: weak order %.3f, want 2", heun)
	}
	if em > 1.5 {
		t.Errorf("Euler–Maruyama: weak order %.3f; the test cannot tell order 2 from 1", em)
	}
}

// TestStochasticHeunNoNoise: with g = 0 it is Heun's method, of order 2 on
// growth, and draws nothing that changes the result.
func TestStochasticHeunNoNoise(t *testing.T) {
	zero := func(dst []float64, _ float64, _ []float64) { clear(dst) }
	errAt := func(n int) float64 {
		x := []float64{1, -0.5, 2}
		if _, err := StochasticHeun(growth, zero, x, 0, 2, n, rand.New(rand.NewPCG(1, 2))); err != nil {
			t.Fatal(err)
		}
		y := []float64{1, -0.5, 2}
		Solve(Heun, growth, y, 0, 2, n)
		for i := range x {
			if math.Abs(x[i]-y[i]) > 1e-13 {
				t.Fatalf("%d steps: %v, Heun's method %v", n, x, y)
			}
		}
		return math.Abs(x[0] - math.Exp(math.Sin(2)))
	}
	if got := math.Log2(errAt(32) / errAt(64)); math.Abs(got-2) > 0.35 {
		t.Errorf("measured order %.2f, want 2", got)
	}
}

func TestStochasticHeunInvalid(t *testing.T) {
	x := []float64{1}
	if _, err := StochasticHeun(ouDrift, ouNoise, x, 0, 1, 0, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, ErrInvalid) {
		t.Errorf("0 steps: %v", err)
	}
	if _, err := StochasticHeun(ouDrift, ouNoise, x, 0, 1, 4, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("no rng: %v", err)
	}
	// Same seed, same numbers.
	a, b := []float64{1, 2}, []float64{1, 2}
	StochasticHeun(ouDrift, ouNoise, a, 0, 1, 5, rand.New(rand.NewPCG(9, 9)))
	StochasticHeun(ouDrift, ouNoise, b, 0, 1, 5, rand.New(rand.NewPCG(9, 9)))
	if a[0] != b[0] || a[1] != b[1] {
		t.Errorf("same seed: %v and %v", a, b)
	}
}
