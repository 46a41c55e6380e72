package eval

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/tensor"
)

// TestLogZGaussian: quadrature of a correlated Gaussian's exp(−E) against
// its closed form (the midpoint rule on a smooth integrand converges fast).
func TestLogZGaussian(t *testing.T) {
	g, _ := energy.NewGaussian([]float64{0.5, -1}, []float64{2, 0.6, 0.6, 1})
	got, err := LogZ(context.Background(), g, Box{Lo: [2]float64{-9, -9}, Hi: [2]float64{9, 9}}, 400)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-g.LogZ()) > 1e-6 {
		t.Fatalf("log Z = %.8f, want %.8f", got, g.LogZ())
	}
}

// TestNLLOfTrueDensity: the NLL of fresh data under the generating
// mixture (a normalised density) approaches its entropy; the reference
// value for TorchEBM's GaussianMixture is −1.079 nats
// (../shared/benchmarks/entropies-2d.md), within 5 standard errors.
func TestNLLOfTrueDensity(t *testing.T) {
	var comps []energy.Component
	for k := range 8 {
		a := 2 * math.Pi * float64(k) / 8
		comps = append(comps, energy.Component{Weight: 1, Mean: []float64{math.Cos(a), math.Sin(a)}, Sigma: 0.05})
	}
	mix, _ := energy.NewMixture(comps)
	const n = 20000
	x := dataset.GaussianMixture{}.Sample(rand.New(rand.NewPCG(1, 1)), n)
	box, _ := BoxFor(x, 0.2)
	lz, err := LogZ(context.Background(), mix, box, 800)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(lz) > 1e-4 {
		t.Errorf("log Z of a normalised mixture = %g, want 0", lz)
	}
	// The NLL per point has sd about 1 here: standard error 1/√n.
	if nll := NLL(mix, x, lz); math.Abs(nll-(-1.079)) > 5/math.Sqrt(n)+0.004 {
		t.Errorf("NLL = %.4f, want the entropy −1.079", nll)
	}
	base, err := GaussianNLL(x, x)
	if err != nil || base < 1 {
		t.Errorf("a single Gaussian should fit the ring badly: NLL %.3f, %v", base, err)
	}
}

func TestMMD(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	a := dataset.TwoMoons{}.Sample(rng, 500)
	b := dataset.TwoMoons{}.Sample(rng, 500)
	c := dataset.Circle{}.Sample(rng, 500)
	same, _, err := MMD(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	diff, _, _ := MMD(context.Background(), a, c)
	// Same distribution: the unbiased estimate is centred on 0 with sd of
	// order 1/n = 0.002; moons against a circle: more than 10 times that.
	if math.Abs(same) > 0.01 || diff < 0.05 {
		t.Errorf("MMD² same %.4f (want ≈ 0), different %.4f (want ≫ 0)", same, diff)
	}
	if _, _, err := MMD(context.Background(), a, tensor.Zeros(3, 3)); !errors.Is(err, ErrInvalid) {
		t.Errorf("mismatched dimensions: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	if _, err := LogZ(context.Background(), energy.Harmonic{}, Box{}, 10); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty box: %v", err)
	}
	g3, _ := energy.NewGaussian([]float64{0, 0, 0}, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1})
	if _, err := LogZ(context.Background(), g3, Box{Hi: [2]float64{1, 1}}, 10); err == nil {
		t.Error("3-D energy accepted for 2-D quadrature")
	}
	if _, err := BoxFor(tensor.Zeros(4, 3), 0.1); !errors.Is(err, ErrInvalid) {
		t.Errorf("3-D box: %v", err)
	}
}

// TestGridSample: grid samples of a Gaussian have its mean and covariance
// within 5 standard errors of 20000 draws.
func TestGridSample(t *testing.T) {
	g, _ := energy.NewGaussian([]float64{1, -1}, []float64{1, 0.5, 0.5, 2})
	x, err := GridSample(g, Box{Lo: [2]float64{-7, -9}, Hi: [2]float64{9, 7}}, 400, 20000, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	var m [2]float64
	var c [3]float64
	n := float64(x.Dim(0))
	d := x.Data()
	for i := range x.Dim(0) {
		m[0] += d[2*i] / n
		m[1] += d[2*i+1] / n
	}
	for i := range x.Dim(0) {
		a, b := d[2*i]-m[0], d[2*i+1]-m[1]
		c[0] += a * a / n
		c[1] += a * b / n
		c[2] += b * b / n
	}
	for k, want := range []float64{1, -1} {
		if math.Abs(m[k]-want) > 5*math.Sqrt([]float64{1, 2}[k]/n) {
			t.Errorf("mean[%d] = %.4f, want %g", k, m[k], want)
		}
	}
	for k, want := range []float64{1, 0.5, 2} {
		if math.Abs(c[k]-want) > 0.05 {
			t.Errorf("covariance entry %d = %.4f, want %g", k, c[k], want)
		}
	}
}

// TestAISLogZ: a 5-d correlated Gaussian's log Z within 4 reported
// standard errors.
func TestAISLogZ(t *testing.T) {
	const d = 5
	cov := make([]float64, d*d)
	for i := range d {
		for j := range d {
			cov[i*d+j] = 0.3
		}
		cov[i*d+i] = 1 + 0.2*float64(i)
	}
	g, _ := energy.NewGaussian([]float64{0.5, 0, -0.5, 1, 0}, cov)
	lz, se, err := AISLogZ(context.Background(), g, d, 256, 400, 1.5, 0.1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !(se > 0 && se < 0.1) || math.Abs(lz-g.LogZ()) > 4*se {
		t.Fatalf("log Z = %.4f ± %.4f, want %.4f", lz, se, g.LogZ())
	}
}

// TestGridSampleSizesBounded: a grid or a draw count beyond memory is an
// error wrapping ErrInvalid, not an allocation that kills the process.
func TestGridSampleSizesBounded(t *testing.T) {
	box := Box{Lo: [2]float64{-1, -1}, Hi: [2]float64{1, 1}}
	for _, c := range []struct{ m, n int }{{1 << 40, 10}, {400, 1 << 62}, {3, -1}} {
		if _, err := GridSample(energy.Harmonic{}, box, c.m, c.n, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, ErrInvalid) {
			t.Errorf("GridSample(m %d, n %d): %v; want ErrInvalid", c.m, c.n, err)
		}
	}
}
