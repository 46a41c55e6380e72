package eval

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/goebm/goebm/tensor"
)

// TestFrechetClosedForms checks FrechetDistance against closed forms on
// samples whose sample moments are exact by construction, to 1e-9
// relative: in 1-D (μ1 − μ2)² + (σ1 − σ2)²; for diagonal covariances
// Σ (√a_i − √b_i)² plus the means' distance; for a pair that does not
// commute, the value from the 2×2 closed form tr √M = √(tr M + 2√det M)
// of M = Σa Σb.
func TestFrechetClosedForms(t *testing.T) {
	// Two points ±s around m have mean m and unbiased variance 2s².
	pairs := func(mean []float64, sd []float64) *tensor.Tensor {
		k := len(mean)
		x := make([]float64, 0, 2*k*k)
		for j := range k { // 2k rows: ± along each axis, scaled so that var_j = sd_j²
			for _, sign := range []float64{-1, 1} {
				row := append([]float64(nil), mean...)
				row[j] += sign * sd[j] * math.Sqrt(float64(2*k-1)/2)
				x = append(x, row...)
			}
		}
		return tensor.New(x, 2*k, k)
	}
	oneD := func(m, s float64) *tensor.Tensor { return pairs([]float64{m}, []float64{s}) }
	cases := []struct {
		name string
		a, b *tensor.Tensor
		want float64
	}{
		{"1-D", oneD(1, 2), oneD(-0.5, 0.5), 1.5*1.5 + 1.5*1.5},
		{"1-D same", oneD(3, 0.7), oneD(3, 0.7), 0},
		{"diagonal", pairs([]float64{0, 1, 2}, []float64{1, 2, 3}), pairs([]float64{1, 1, 0}, []float64{2, 2, 1}), 1 + 0 + 4 + 1 + 0 + 4},
	}
	for _, c := range cases {
		got, err := FrechetDistance(c.a, c.b)
		if err != nil || math.Abs(got-c.want) > 1e-9*math.Max(1, c.want) {
			t.Errorf("%s: %g, %v; want %g", c.name, got, err, c.want)
		}
	}
	// Non-commuting 2×2 covariances, through the moments.
	s1 := mat.NewSymDense(2, []float64{2, 1, 1, 2})
	s2 := mat.NewSymDense(2, []float64{1, 0, 0, 3})
	var m mat.Dense
	m.Mul(s1, s2)
	trM := m.At(0, 0) + m.At(1, 1)
	det := m.At(0, 0)*m.At(1, 1) - m.At(0, 1)*m.At(1, 0)
	want := 1.0 + (2 + 2 + 1 + 3) - 2*math.Sqrt(trM+2*math.Sqrt(det)) // ‖(1, 0)‖² + traces
	got, err := FrechetFromMoments([]float64{1, 0}, s1, []float64{0, 0}, s2)
	if err != nil || math.Abs(got-want) > 1e-12 {
		t.Errorf("non-commuting: %g, %v; want %g", got, err, want)
	}
}

// TestFrechetInvariances: the distance is symmetric, zero between a set
// and itself, and unchanged by one rotation of both sets (to 1e-9
// relative), on random features.
func TestFrechetInvariances(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, k = 300, 4
	gen := func(shift float64) *tensor.Tensor {
		x := make([]float64, n*k)
		for i := range x {
			x[i] = rng.NormFloat64()*(1+float64(i%k)) + shift*float64(i%k)
		}
		return tensor.New(x, n, k)
	}
	a, b := gen(0), gen(0.3)
	ab, _ := FrechetDistance(a, b)
	ba, _ := FrechetDistance(b, a)
	aa, _ := FrechetDistance(a, a)
	// A rotation by a random orthogonal matrix (QR of a Gaussian one).
	q := mat.NewDense(k, k, nil)
	for i := range k {
		for j := range k {
			q.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(q)
	var o mat.Dense
	qr.QTo(&o)
	rot := func(x *tensor.Tensor) *tensor.Tensor {
		var r mat.Dense
		r.Mul(mat.NewDense(n, k, x.Data()), &o)
		return tensor.New(r.RawMatrix().Data, n, k)
	}
	rotated, _ := FrechetDistance(rot(a), rot(b))
	if !(ab > 0) || math.Abs(ab-ba) > 1e-9*ab || aa > 1e-9*ab || math.Abs(rotated-ab) > 1e-9*ab {
		t.Errorf("d(a,b) %g, d(b,a) %g, d(a,a) %g, rotated %g", ab, ba, aa, rotated)
	}
}

// TestFrechetRefuses: too few rows, mismatched widths and NaN features
// are errors wrapping ErrInvalid.
func TestFrechetRefuses(t *testing.T) {
	ok := tensor.New([]float64{0, 1, 2, 3, 4, 5}, 3, 2)
	for name, b := range map[string]*tensor.Tensor{
		"one row":  tensor.New([]float64{0, 1}, 1, 2),
		"width":    tensor.New([]float64{0, 1, 2, 3, 4, 5}, 2, 3),
		"NaN":      tensor.New([]float64{0, math.NaN(), 2, 3}, 2, 2),
		"rank one": tensor.New([]float64{0, 1, 2}, 3),
	} {
		if _, err := FrechetDistance(ok, b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
