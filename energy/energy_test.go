package energy

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"
)

func mustGaussian(t *testing.T, mean, cov []float64) *Gaussian {
	t.Helper()
	g, err := NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// testEnergies lists every energy with a dimension and a point scale.
func testEnergies(t *testing.T) map[string]struct {
	e     Energy
	d     int
	scale float64
} {
	gauss := mustGaussian(t, []float64{1, -2, 0.5}, []float64{2, 0.6, 0.1, 0.6, 1, -0.3, 0.1, -0.3, 0.5})
	mix, err := NewMixture([]Component{{1, []float64{1, 1}, 0.5}, {2, []float64{-1, 0.5}, 0.8}, {0.5, []float64{0, -2}, 0.3}})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := NewSum([]Energy{DoubleWell{}, Harmonic{K: 3}}, []float64{0.5, 2})
	if err != nil {
		t.Fatal(err)
	}
	net, _ := nn.NewMLP(rand.New(rand.NewPCG(1, 1)), []int{3, 8, 1}, nn.SiLU(), nil)
	model, err := NewModel(net, 3)
	if err != nil {
		t.Fatal(err)
	}
	quad, err := NewQuadratic([]float64{2, 0.5, -0.3, 0.5, 1, 0.2, -0.3, 0.2, 3})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]struct {
		e     Energy
		d     int
		scale float64
	}{
		"gaussian":       {gauss, 3, 1},
		"doublewell":     {DoubleWell{}, 4, 1},
		"harmonic":       {Harmonic{K: 2.5}, 3, 1},
		"rosenbrock":     {Rosenbrock{}, 4, 1},
		"ackley":         {Ackley{}, 3, 1},
		"rastrigin":      {Rastrigin{}, 3, 1},
		"mixture":        {mix, 2, 1.5},
		"funnel":         {Funnel{}, 4, 1},
		"quadratic":      {quad, 3, 1},
		"quadratic I":    {Quadratic{}, 4, 1},
		"himmelblau":     {Himmelblau{}, 2, 3},
		"booth":          {Booth{}, 2, 2},
		"styblinskitang": {StyblinskiTang{}, 4, 2},
		"sum":            {sum, 3, 1},
		"tempered":       {Tempered{E: Rosenbrock{}, T: 4}, 3, 1},
		"model":          {model, 3, 1},
		"gmm40":          {mustGMM40(t), 2, 30},
		"manywell":       {ManyWell{Wells: 2}, 4, 1.5},
	}
}

// TestGradientsMatchFiniteDifferences: every energy's gradient against
// central differences (step 1e-6, tolerance 1e-6 + 1e-6·|g|), and Energy
// against Grad's energies.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for name, c := range testEnergies(t) {
		const n = 5
		x := make([]float64, n*c.d)
		for i := range x {
			x[i] = c.scale * rng.NormFloat64()
		}
		e, g, e2 := make([]float64, n), make([]float64, n*c.d), make([]float64, n)
		c.e.Grad(e, g, x, c.d)
		c.e.Energy(e2, x, c.d)
		for i := range e {
			if math.Abs(e[i]-e2[i]) > 1e-12*math.Max(1, math.Abs(e[i])) {
				t.Errorf("%s: Energy %g, Grad's energy %g", name, e2[i], e[i])
			}
		}
		const h = 1e-6
		ep, em := make([]float64, n), make([]float64, n)
		for j := range x {
			v := x[j]
			x[j] = v + h
			c.e.Energy(ep, x, c.d)
			x[j] = v - h
			c.e.Energy(em, x, c.d)
			x[j] = v
			i := j / c.d
			num := (ep[i] - em[i]) / (2 * h)
			if math.Abs(num-g[j]) > 1e-6+1e-6*math.Abs(num) {
				t.Errorf("%s: ∂E/∂x[%d] = %.9g, finite difference %.9g", name, j, g[j], num)
			}
		}
	}
}

func TestKnownValues(t *testing.T) {
	one := func(en Energy, x ...float64) (float64, []float64) {
		e, g := make([]float64, 1), make([]float64, len(x))
		en.Grad(e, g, x, len(x))
		return e[0], g
	}
	for _, c := range []struct {
		name string
		e    Energy
		x    []float64
		want float64
	}{
		{"doublewell at 0: h·d·b⁴", DoubleWell{}, []float64{0, 0, 0}, 6},
		{"doublewell at a well", DoubleWell{BarrierHeight: 5, B: 2}, []float64{2, -2}, 0},
		{"harmonic", Harmonic{}, []float64{3, 4}, 12.5},
		{"rosenbrock minimum", Rosenbrock{}, []float64{1, 1, 1}, 0},
		{"rastrigin minimum", Rastrigin{}, []float64{0, 0}, 0},
		{"ackley minimum", Ackley{}, []float64{0, 0, 0}, 0},
		{"funnel at 0", Funnel{}, []float64{0, 0, 0}, 0},
		{"booth minimum", Booth{}, []float64{1, 3}, 0},
		{"booth at 0: 49 + 25", Booth{}, []float64{0, 0}, 74},
		{"himmelblau minimum (3, 2)", Himmelblau{}, []float64{3, 2}, 0},
		{"himmelblau at 0: 121 + 49", Himmelblau{}, []float64{0, 0}, 170},
		{"styblinskitang at 1: ½(1 − 16 + 5) per axis", StyblinskiTang{}, []float64{1, 1, 1}, -15},
		{"quadratic I", Quadratic{}, []float64{3, 4}, 12.5},
	} {
		got, g := one(c.e, c.x...)
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: E = %g, want %g", c.name, got, c.want)
		}
		if c.want == 0 && c.name != "funnel at 0" {
			for _, v := range g {
				if math.Abs(v) > 1e-12 || math.IsNaN(v) {
					t.Errorf("%s: gradient %v at the minimum, want 0", c.name, g)
				}
			}
		}
	}
}

// TestGaussianMatchesGonum: E(x) + log Z = −log N(x; μ, Σ) by gonum's distmv.
func TestGaussianMatchesGonum(t *testing.T) {
	mean := []float64{1, -2, 0.5}
	cov := []float64{2, 0.6, 0.1, 0.6, 1, -0.3, 0.1, -0.3, 0.5}
	g := mustGaussian(t, mean, cov)
	ref, ok := distmv.NewNormal(mean, mat.NewSymDense(3, cov), nil)
	if !ok {
		t.Fatal("gonum refused the covariance")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 20 {
		x := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		e := make([]float64, 1)
		g.Energy(e, x, 3)
		if got, want := e[0]+g.LogZ(), -ref.LogProb(x); math.Abs(got-want) > 1e-12 {
			t.Fatalf("E + log Z = %g, −log p = %g", got, want)
		}
	}
}

// TestMixtureIsNormalised: ∫exp(−E) = 1, by the midpoint rule on a grid
// wide enough to hold every component (error far below the tolerance).
func TestMixtureIsNormalised(t *testing.T) {
	mix, _ := NewMixture([]Component{{1, []float64{1, 1}, 0.5}, {2, []float64{-1, 0.5}, 0.8}})
	const lo, hi, n = -6.0, 6.0, 400
	h := (hi - lo) / n
	x := make([]float64, 2*n*n)
	for i := range n {
		for j := range n {
			x[2*(i*n+j)] = lo + (float64(i)+0.5)*h
			x[2*(i*n+j)+1] = lo + (float64(j)+0.5)*h
		}
	}
	e := make([]float64, n*n)
	mix.Energy(e, x, 2)
	z := 0.0
	for _, v := range e {
		z += math.Exp(-v) * h * h
	}
	if math.Abs(z-1) > 1e-6 {
		t.Fatalf("∫exp(−E) = %.9f, want 1", z)
	}
}

func TestInvalidSettings(t *testing.T) {
	for name, err := range map[string]error{
		"not positive-definite": func() error { _, err := NewGaussian([]float64{0, 0}, []float64{1, 2, 2, 1}); return err }(),
		"not symmetric":         func() error { _, err := NewGaussian([]float64{0, 0}, []float64{1, 0.5, 0.2, 1}); return err }(),
		"NaN mean":              func() error { _, err := NewGaussian([]float64{math.NaN()}, []float64{1}); return err }(),
		"size mismatch":         func() error { _, err := NewGaussian([]float64{0, 0}, []float64{1}); return err }(),
		"zero weight":           func() error { _, err := NewMixture([]Component{{0, []float64{0}, 1}}); return err }(),
		"negative sigma":        func() error { _, err := NewMixture([]Component{{1, []float64{0}, -1}}); return err }(),
		"mixed dimensions": func() error {
			_, err := NewMixture([]Component{{1, []float64{0}, 1}, {1, []float64{0, 0}, 1}})
			return err
		}(),
		"sum lengths": func() error { _, err := NewSum([]Energy{Harmonic{}}, nil); return err }(),
		"sum dimensions": func() error {
			a, _ := NewGaussian([]float64{0}, []float64{1})
			b, _ := NewGaussian([]float64{0, 0}, []float64{1, 0, 0, 1})
			_, err := NewSum([]Energy{a, b}, []float64{1, 1})
			return err
		}(),
		"model dimension": func() error {
			net, _ := nn.NewMLP(rand.New(rand.NewPCG(1, 1)), []int{3, 4, 1}, nn.SiLU(), nil)
			_, err := NewModel(net, 2)
			return err
		}(),
		"model outputs": func() error {
			net, _ := nn.NewMLP(rand.New(rand.NewPCG(1, 1)), []int{2, 4, 2}, nn.SiLU(), nil)
			_, err := NewModel(net, 2)
			return err
		}(),
		"quadratic not square": func() error { _, err := NewQuadratic([]float64{1, 0, 0}); return err }(),
		"quadratic empty":      func() error { _, err := NewQuadratic(nil); return err }(),
		"quadratic not symmetric": func() error {
			_, err := NewQuadratic([]float64{1, 0.5, 0.2, 1})
			return err
		}(),
		"quadratic Inf":     func() error { _, err := NewQuadratic([]float64{math.Inf(1)}); return err }(),
		"himmelblau in 3-D": CheckDim(Himmelblau{}, 3),
		"booth in 1-D":      CheckDim(Booth{}, 1),
		"check dim":         CheckDim(mustGaussian(t, []float64{0}, []float64{1}), 2),
	} {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}

// TestModelConcurrent evaluates a Model from several goroutines at once
// (run under -race in CI) and requires the same numbers as one call.
func TestModelConcurrent(t *testing.T) {
	net, _ := nn.NewMLP(rand.New(rand.NewPCG(1, 1)), []int{2, 16, 1}, nn.SiLU(), nil)
	m, err := NewModel(net, 2)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, 2*64)
	for i := range x {
		x[i] = float64(i%7) - 3
	}
	we, wg := make([]float64, 64), make([]float64, 128)
	m.Grad(we, wg, x, 2)
	var wgp sync.WaitGroup
	for range 4 {
		wgp.Add(1)
		go func() {
			defer wgp.Done()
			e, g := make([]float64, 64), make([]float64, 128)
			for range 10 {
				m.Grad(e, g, x, 2)
				for i := range g {
					if g[i] != wg[i] {
						t.Error("concurrent gradient differs")
						return
					}
				}
			}
		}()
	}
	wgp.Wait()
}

// TestQuadraticIsGaussian: with A positive-definite, ½xᵀAx is the energy of
// N(0, A⁻¹), computed by another route (Cholesky solves); tolerance 1e-12
// relative.
func TestQuadraticIsGaussian(t *testing.T) {
	a := []float64{2, 0.5, -0.3, 0.5, 1, 0.2, -0.3, 0.2, 3}
	q, err := NewQuadratic(a)
	if err != nil {
		t.Fatal(err)
	}
	var inv mat.Dense
	if err := inv.Inverse(mat.NewDense(3, 3, a)); err != nil {
		t.Fatal(err)
	}
	cov := inv.RawMatrix().Data
	for i := range 3 { // symmetrise the inverse's round-off
		for j := range i {
			m := 0.5 * (cov[i*3+j] + cov[j*3+i])
			cov[i*3+j], cov[j*3+i] = m, m
		}
	}
	g := mustGaussian(t, make([]float64, 3), cov)
	compareEnergies(t, "quadratic", q, g, 3, 1e-12)
	if q.Dim() != 3 || (Quadratic{}).Dim() != 0 {
		t.Errorf("Dim: %d and %d, want 3 and 0", q.Dim(), Quadratic{}.Dim())
	}
}

// TestBoothIsGaussian: Booth's function is exactly the energy of a Gaussian
// at (1, 3) with precision [[10, 8], [8, 10]], covariance
// [[10, −8], [−8, 10]]/36, so its density exp(−E) is proper with those
// moments; tolerance 1e-12 relative.
func TestBoothIsGaussian(t *testing.T) {
	g := mustGaussian(t, []float64{1, 3}, []float64{10.0 / 36, -8.0 / 36, -8.0 / 36, 10.0 / 36})
	compareEnergies(t, "booth", Booth{}, g, 2, 1e-12)
}

// compareEnergies requires energies and gradients of a and b to agree at 20
// random points within tol relative (absolute below 1).
func compareEnergies(t *testing.T, name string, a, b Energy, d int, tol float64) {
	t.Helper()
	const n = 20
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = 3 * rng.NormFloat64()
	}
	ea, ga, eb, gb := make([]float64, n), make([]float64, n*d), make([]float64, n), make([]float64, n*d)
	a.Grad(ea, ga, x, d)
	b.Grad(eb, gb, x, d)
	for i := range ea {
		if math.Abs(ea[i]-eb[i]) > tol*math.Max(1, math.Abs(eb[i])) {
			t.Errorf("%s: E = %.15g, reference %.15g", name, ea[i], eb[i])
		}
	}
	for j := range ga {
		if math.Abs(ga[j]-gb[j]) > tol*math.Max(1, math.Abs(gb[j])) {
			t.Errorf("%s: ∂E/∂x[%d] = %.15g, reference %.15g", name, j, ga[j], gb[j])
		}
	}
}

// TestHimmelblauMinima: Newton's method on the gradient (finite-difference
// Jacobian) from each of the four published minima, rounded to 6 decimals,
// converges within 1e-6 of it to a point where E < 1e-20: the gradient's
// zeros are the energy's zeros.
func TestHimmelblauMinima(t *testing.T) {
	for _, m := range [][2]float64{{3, 2}, {-2.805118, 3.131313}, {-3.779310, -3.283186}, {3.584428, -1.848127}} {
		x := m[:]
		x = append([]float64(nil), x...)
		e, g := make([]float64, 1), make([]float64, 2)
		for range 20 {
			Himmelblau{}.Grad(e, g, x, 2)
			var jac [2][2]float64
			const h = 1e-6
			for k := range 2 {
				gp, gm := make([]float64, 2), make([]float64, 2)
				v := x[k]
				x[k] = v + h
				Himmelblau{}.Grad(e, gp, x, 2)
				x[k] = v - h
				Himmelblau{}.Grad(e, gm, x, 2)
				x[k] = v
				jac[0][k], jac[1][k] = (gp[0]-gm[0])/(2*h), (gp[1]-gm[1])/(2*h)
			}
			det := jac[0][0]*jac[1][1] - jac[0][1]*jac[1][0]
			x[0] -= (jac[1][1]*g[0] - jac[0][1]*g[1]) / det
			x[1] -= (-jac[1][0]*g[0] + jac[0][0]*g[1]) / det
		}
		Himmelblau{}.Grad(e, g, x, 2)
		if e[0] > 1e-20 || math.Hypot(g[0], g[1]) > 1e-9 {
			t.Errorf("from %v: Newton reached %v with E = %g, ∇E = %v; want E < 1e-20, ∇E ≈ 0", m, x, e[0], g)
		}
		if math.Abs(x[0]-m[0]) > 1e-6 || math.Abs(x[1]-m[1]) > 1e-6 {
			t.Errorf("minimum %v, published %v", x, m)
		}
	}
}

// TestStyblinskiTangMinimum: the global minimum in d = 1 … 5 is at xᵢ = x*,
// the root of 2x³ − 16x + 5/2 near −2.903534, with value −39.16617·d. x*
// and ½(x*⁴ − 16x*² + 5x*) were computed to 30 digits with mpmath (the
// 16-digit x* some references print, −2.9035340311, is off by 3e-9; its
// value agrees). Tolerances: E within 1e-12 relative, gradient below
// 1e-12; nudging any coordinate by ±1e-3 raises E.
func TestStyblinskiTangMinimum(t *testing.T) {
	const xs, fs = -2.90353402777117709511891759551, -39.1661657037714154638931697395
	for d := 1; d <= 5; d++ {
		x := make([]float64, d)
		for i := range x {
			x[i] = xs
		}
		e, g := make([]float64, 1), make([]float64, d)
		StyblinskiTang{}.Grad(e, g, x, d)
		if want := fs * float64(d); math.Abs(e[0]-want) > 1e-12*math.Abs(want) {
			t.Errorf("d = %d: E = %.15g, want %.15g", d, e[0], want)
		}
		for j, v := range g {
			if math.Abs(v) > 1e-12 {
				t.Errorf("d = %d: ∂E/∂x[%d] = %g at the minimum", d, j, v)
			}
		}
		for j := range x {
			for _, h := range []float64{-1e-3, 1e-3} {
				x[j] += h
				e2 := make([]float64, 1)
				StyblinskiTang{}.Energy(e2, x, d)
				x[j] -= h
				if e2[0] <= e[0] {
					t.Errorf("d = %d: E rose not at x[%d] %+g: %.15g ≤ %.15g", d, j, h, e2[0], e[0])
				}
			}
		}
	}
}

// TestBatchDependent: a network is batch-dependent exactly when the build's
// matrix products are (OpenBLAS), and Sum and Tempered say what their
// parts say; the analytic energies say nothing.
func TestBatchDependent(t *testing.T) {
	net, err := nn.NewMLP(rand.New(rand.NewPCG(1, 2)), []int{2, 8, 1}, nn.SiLU(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewModel(net, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := !tensor.BatchInvariant()
	sum, err := NewSum([]Energy{Harmonic{}, m}, []float64{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		e    Energy
		want bool
	}{
		{"model", m, want}, {"tempered model", Tempered{E: m, T: 2}, want}, {"sum with a model", sum, want},
		{"harmonic", Harmonic{}, false}, {"tempered harmonic", Tempered{E: Harmonic{}, T: 2}, false},
	} {
		if got := IsBatchDependent(c.e); got != c.want {
			t.Errorf("%s: batch-dependent %v, want %v (BLAS %s)", c.name, got, c.want, tensor.BLAS)
		}
	}
}
