package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/tensor"
	"gonum.org/v1/gonum/mat"
)

// TestSpectralNormSigma: after enough power iterations σ = uᵀWv is the
// largest singular value from gonum's SVD, for a Linear-shaped and a
// convolution-shaped weight.
func TestSpectralNormSigma(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, shape := range [][]int{{5, 3}, {3, 7}, {4, 2, 3, 3}} {
		w := tensor.Randn(rng, shape...)
		s := NewSpectralNorm(rng, w)
		s.PowerIteration(500)
		rows := shape[0]
		var svd mat.SVD
		if !svd.Factorize(mat.NewDense(rows, w.Len()/rows, w.Data()), mat.SVDNone) {
			t.Fatal("SVD failed")
		}
		want := svd.Values(nil)[0]
		if got := s.Sigma(); math.Abs(got-want) > 1e-9*want {
			t.Errorf("shape %v: σ %.15g, want %.15g", shape, got, want)
		}
		// The normalised weight has spectral norm 1.
		wn := s.Weight(nil, false)
		svd.Factorize(mat.NewDense(rows, w.Len()/rows, wn.Data()), mat.SVDNone)
		if got := svd.Values(nil)[0]; math.Abs(got-1) > 1e-9 {
			t.Errorf("shape %v: ‖W/σ‖₂ = %v, want 1", shape, got)
		}
	}
}

// TestSpectralNormGradient: with u and v fixed (evaluation), the derivatives
// of W/σ(W) = W/(uᵀWv) match finite differences at orders 1 and 2.
func TestSpectralNormGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	w := tensor.Randn(rng, 4, 3)
	s := NewSpectralNorm(rng, w)
	f := func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor { return s.Weight(tp, false) }
	for order := 1; order <= 2; order++ {
		if err := tensor.CheckGrad(f, []*tensor.Tensor{w}, tensor.CheckOptions{Order: order}); err != nil {
			t.Error(err)
		}
	}
}

// TestSpectralLinear: a training Forward runs one power iteration (u moves),
// an evaluation Forward none; the output is x·(W/σ) + B with σ from the
// vectors the call used.
func TestSpectralLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	l := NewSpectralLinear(rng, NewLinear(rng, 3, 4, nil))
	l.SN.U = []float64{1, 0, 0} // a poor estimate, so an iteration visibly moves it
	l.SN.V = []float64{1, 0, 0, 0}
	x := tensor.Randn(rng, 2, 3)
	SetTrain(l, false)
	l.Forward(nil, x)
	if l.SN.U[0] != 1 || l.SN.U[1] != 0 {
		t.Fatalf("evaluation changed u to %v", l.SN.U)
	}
	SetTrain(l, true)
	y := l.Forward(nil, x)
	if l.SN.U[0] == 1 {
		t.Fatal("training did not run a power iteration")
	}
	sigma := l.SN.Sigma()
	want := (*tensor.Tape)(nil).Linear(x, (*tensor.Tape)(nil).Scale(l.Linear.W, 1/sigma), l.Linear.B)
	for i, v := range want.Data() {
		if math.Abs(y.Data()[i]-v) > 1e-14 {
			t.Fatalf("output %v, want %v", y.Data(), want.Data())
		}
	}
	if paramNames(l) != "weight bias" {
		t.Errorf("params %q", paramNames(l))
	}
}
