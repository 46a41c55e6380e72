package normflow

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

func rngOf(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }

// randomise gives every coupling's last layer random weights, so that the
// couplings are not the identity they start as.
func randomise(f *Flow, rng *rand.Rand) {
	for _, l := range f.layers {
		if c, ok := l.(*Coupling); ok {
			last := c.Net.Layers[len(c.Net.Layers)-1].(*nn.Linear)
			for _, v := range [][]float64{last.W.Data(), last.B.Data()} {
				for i := range v {
					v[i] = 0.5 * rng.NormFloat64()
				}
			}
		}
	}
}

// gaussLogPdf is log N(x; mean, cov), written out with gonum.
func gaussLogPdf(x, mean, cov []float64) float64 {
	d := len(mean)
	var ch mat.Cholesky
	ch.Factorize(mat.NewSymDense(d, append([]float64(nil), cov...)))
	r := mat.NewVecDense(d, nil)
	r.SubVec(mat.NewVecDense(d, append([]float64(nil), x...)), mat.NewVecDense(d, append([]float64(nil), mean...)))
	var w mat.VecDense
	if err := ch.SolveVecTo(&w, r); err != nil {
		panic(err)
	}
	return -0.5*mat.Dot(r, &w) - 0.5*ch.LogDet() - 0.5*float64(d)*math.Log(2*math.Pi)
}

var (
	mean3 = []float64{0.3, -1, 2}
	cov3  = []float64{2, 0.6, -0.3, 0.6, 1, 0.2, -0.3, 0.2, 0.5}
)

// TestGaussianLogDensity: the one-layer flow's log density is the
// closed-form Gaussian's, at fixed points and at its own draws, and the
// log density that Sample returns beside its draws is the same number.
func TestGaussianLogDensity(t *testing.T) {
	f, err := NewGaussian(mean3, cov3)
	if err != nil {
		t.Fatal(err)
	}
	x, logQ := f.Sample(nil, rngOf(1), 50)
	lq, err := f.LogDensity(nil, x)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		want := gaussLogPdf(x.Data()[3*i:3*i+3], mean3, cov3)
		if math.Abs(lq.Data()[i]-want) > 1e-10 || math.Abs(logQ.Data()[i]-want) > 1e-10 {
			t.Fatalf("row %d: LogDensity %.12f, Sample's %.12f, closed form %.12f", i, lq.Data()[i], logQ.Data()[i], want)
		}
	}
	// The draws have the Gaussian's moments: mean within 5 standard errors.
	n := 20000
	x, _ = f.Sample(nil, rngOf(2), n)
	for j := range 3 {
		m := 0.0
		for i := range n {
			m += x.Data()[3*i+j] / float64(n)
		}
		if se := math.Sqrt(cov3[4*j] / float64(n)); math.Abs(m-mean3[j]) > 5*se {
			t.Errorf("coordinate %d: mean of draws %.4f, want %.4f ± %.4f", j, m, mean3[j], 5*se)
		}
	}
}

// jacobianLogDet returns log |det ∂f/∂z| at z by central differences of the
// forward map.
func jacobianLogDet(f *Flow, z []float64) float64 {
	d := len(z)
	fwd := func(z []float64) []float64 {
		x := tensor.New(append([]float64(nil), z...), 1, d)
		for _, l := range f.layers {
			x, _ = l.Forward(nil, x)
		}
		return x.Data()
	}
	const h = 1e-6
	j := mat.NewDense(d, d, nil)
	for c := range d {
		zp, zm := append([]float64(nil), z...), append([]float64(nil), z...)
		zp[c] += h
		zm[c] -= h
		fp, fm := fwd(zp), fwd(zm)
		for r := range d {
			j.Set(r, c, (fp[r]-fm[r])/(2*h))
		}
	}
	var lu mat.LU
	lu.Factorize(j)
	ld, _ := lu.LogDet()
	return ld
}

// TestRealNVPLogDet: for a RealNVP flow with random couplings (odd and even
// dimension), log q(f(z)) = log N(z) − log |det ∂f/∂z| with the Jacobian
// taken by finite differences, LogDensity agrees with Sample's log density,
// and Inverse undoes Forward.
func TestRealNVPLogDet(t *testing.T) {
	for _, tc := range []struct {
		mean, cov []float64
	}{{mean3, cov3}, {[]float64{0.5, -0.2}, []float64{1, 0.3, 0.3, 0.5}}} {
		d := len(tc.mean)
		f, err := NewRealNVP(rngOf(3), tc.mean, tc.cov, 4, []int{16, 16})
		if err != nil {
			t.Fatal(err)
		}
		randomise(f, rngOf(4))
		rng := rngOf(5)
		x, logQ := f.Sample(nil, rng, 20)
		lq, err := f.LogDensity(nil, x)
		if err != nil {
			t.Fatal(err)
		}
		// Redraw the same z to compare with the finite-difference Jacobian.
		zs := rngOf(5)
		for i := range 20 {
			z := make([]float64, d)
			for j := range z {
				z[j] = zs.NormFloat64()
			}
			lz := 0.0
			for _, v := range z {
				lz += -0.5*v*v - 0.5*math.Log(2*math.Pi)
			}
			want := lz - jacobianLogDet(f, z)
			if math.Abs(logQ.Data()[i]-want) > 1e-6 || math.Abs(lq.Data()[i]-want) > 1e-6 {
				t.Fatalf("d = %d, row %d: Sample's log q %.9f, LogDensity %.9f, log N(z) − log|det J| by differences %.9f", d, i, logQ.Data()[i], lq.Data()[i], want)
			}
			// Inverse ∘ Forward = identity.
			back := x.Detach()
			back = tensor.New(append([]float64(nil), back.Data()[i*d:(i+1)*d]...), 1, d)
			for k := len(f.layers) - 1; k >= 0; k-- {
				back, _ = f.layers[k].Inverse(nil, back)
			}
			for j := range d {
				if math.Abs(back.Data()[j]-z[j]) > 1e-10 {
					t.Fatalf("d = %d, row %d: f⁻¹(f(z)) = %v, want %v", d, i, back.Data(), z)
				}
			}
		}
	}
}

// TestGradients checks the gradients of LogDensity and of Sample's draws
// and log density with respect to the flow's parameters (and LogDensity's
// with respect to x) against central differences.
func TestGradients(t *testing.T) {
	f, err := NewRealNVP(rngOf(6), []float64{0.5, -0.2}, []float64{1, 0.3, 0.3, 0.5}, 2, []int{8})
	if err != nil {
		t.Fatal(err)
	}
	randomise(f, rngOf(7))
	x := tensor.New([]float64{0.1, 0.4, -1, 0.3, 1.5, -0.7}, 3, 2)
	params := nn.Values(f.Params())
	xs := append([]*tensor.Tensor{x}, params...)
	opts := tensor.CheckOptions{Atol: 1e-5, Rtol: 1e-4}
	if err := tensor.CheckGrad(func(tp *tensor.Tape, _ []*tensor.Tensor) *tensor.Tensor {
		lq, err := f.LogDensity(tp, x)
		if err != nil {
			t.Fatal(err)
		}
		return lq
	}, xs, opts); err != nil {
		t.Errorf("LogDensity: %v", err)
	}
	if err := tensor.CheckGrad(func(tp *tensor.Tape, _ []*tensor.Tensor) *tensor.Tensor {
		y, lq := f.Sample(tp, rngOf(8), 3)
		return tp.Concat(1, y, tp.Reshape(lq, 3, 1))
	}, params, opts); err != nil {
		t.Errorf("Sample: %v", err)
	}
}

// TestCloneIndependent: a clone draws the same points, and training it
// leaves the original untouched.
func TestCloneIndependent(t *testing.T) {
	f, err := NewRealNVP(rngOf(9), []float64{0, 0}, []float64{1, 0, 0, 1}, 2, []int{8})
	if err != nil {
		t.Fatal(err)
	}
	randomise(f, rngOf(10))
	c := f.Clone()
	a, _ := f.Sample(nil, rngOf(11), 5)
	b, _ := c.Sample(nil, rngOf(11), 5)
	for i := range a.Data() {
		if a.Data()[i] != b.Data()[i] {
			t.Fatalf("clone draws %v, original %v", b.Data(), a.Data())
		}
	}
	for _, p := range c.Params() {
		p.Value.Data()[0] += 1
	}
	for i, p := range f.Params() {
		if p.Value.Data()[0] == c.Params()[i].Value.Data()[0] {
			t.Fatalf("parameter %s shared with the clone", p.Name)
		}
	}
}

func TestRefuses(t *testing.T) {
	for name, f := range map[string]func() error{
		"not definite": func() error { _, err := NewGaussian([]float64{0, 0}, []float64{1, 2, 2, 1}); return err },
		"not symmetric": func() error {
			_, err := NewGaussian([]float64{0, 0}, []float64{1, 0.5, 0, 1})
			return err
		},
		"shape":      func() error { _, err := NewGaussian([]float64{0, 0}, []float64{1}); return err },
		"not finite": func() error { _, err := NewGaussian([]float64{math.NaN(), 0}, []float64{1, 0, 0, 1}); return err },
		"coupling of 1-D": func() error {
			_, err := NewRealNVP(rngOf(1), []float64{0}, []float64{1}, 1, []int{4})
			return err
		},
		"wrong dimension": func() error {
			g, _ := NewGaussian([]float64{0, 0}, []float64{1, 0, 0, 1})
			_, err := g.LogDensity(nil, tensor.Zeros(3, 3))
			return err
		},
	} {
		if err := f(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}
