package nn

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/goebm/goebm/tensor"
)

func TestLinearForward(t *testing.T) {
	l := &Linear{W: tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3), B: tensor.New([]float64{0.5, -1, 0}, 3)}
	x := tensor.New([]float64{1, 1, 2, -1}, 2, 2)
	got := l.Forward(nil, x).Data()
	want := []float64{5.5, 6, 9, -1.5, -2, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestMLPStructure(t *testing.T) {
	m, err := NewMLP(rand.New(rand.NewPCG(1, 1)), []int{2, 16, 8, 1}, SiLU(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range m.Params() {
		names = append(names, p.Name)
	}
	if got, want := strings.Join(names, " "), "0.weight 0.bias 2.weight 2.bias 4.weight 4.bias"; got != want {
		t.Errorf("param names %q, want %q", got, want)
	}
	if got, want := NumParams(m), 2*16+16+16*8+8+8+1; got != want {
		t.Errorf("NumParams %d, want %d", got, want)
	}
	if out := m.Forward(nil, tensor.Zeros(5, 2)); !slices.Equal(out.Shape(), []int{5, 1}) {
		t.Errorf("output shape %v, want [5 1]", out.Shape())
	}
}

func TestNewMLPRejectsBadSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sizes := range [][]int{nil, {3}, {2, 0, 1}, {2, -4, 1}} {
		if _, err := NewMLP(rng, sizes, SiLU(), nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("sizes %v: error %v, want ErrInvalid", sizes, err)
		}
	}
	if _, err := NewMLP(rng, []int{2, 1}, Activation{}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("zero activation: error %v, want ErrInvalid", err)
	}
}

// TestMLPGradients checks first and second derivatives through a whole MLP,
// with respect to its input and every parameter, for each smooth activation.
func TestMLPGradients(t *testing.T) {
	for _, name := range []string{"silu", "gelu", "tanh", "softplus", "sigmoid", "elu"} {
		t.Run(name, func(t *testing.T) {
			act, err := ActivationByName(name)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(2, 3))
			m, _ := NewMLP(rng, []int{3, 5, 4, 1}, act, XavierNormal)
			for _, p := range m.Params() { // non-zero biases, so that no term vanishes
				if strings.HasSuffix(p.Name, "bias") {
					fillNormal(rng, p.Value.Data(), 0.3)
				}
			}
			x := tensor.Randn(rng, 4, 3)
			inputs := append([]*tensor.Tensor{x}, Values(m.Params())...)
			f := func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor { return m.Forward(tp, xs[0]) }
			for _, order := range []int{1, 2} {
				if err := tensor.CheckGrad(f, inputs, tensor.CheckOptions{Order: order}); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestInitMoments compares each initialiser's sample mean and variance with
// its definition. With n draws the standard error of the mean is σ/√n and of
// the variance about σ²√(2/n); the tolerance is five of each.
func TestInitMoments(t *testing.T) {
	const fanIn, fanOut = 200, 300
	n := float64(fanIn * fanOut)
	for _, c := range []struct {
		name    string
		init    Init
		wantVar float64
		bound   float64 // 0: unbounded
	}{
		{"KaimingUniform", KaimingUniform, 2.0 / fanIn, math.Sqrt(6.0 / fanIn)},
		{"KaimingNormal", KaimingNormal, 2.0 / fanIn, 0},
		{"XavierUniform", XavierUniform, 2.0 / (fanIn + fanOut), math.Sqrt(6.0 / (fanIn + fanOut))},
		{"XavierNormal", XavierNormal, 2.0 / (fanIn + fanOut), 0},
	} {
		w := tensor.Zeros(fanIn, fanOut)
		c.init(rand.New(rand.NewPCG(4, 5)), w, fanIn, fanOut)
		mean, m2, peak := 0.0, 0.0, 0.0
		for _, v := range w.Data() {
			mean += v / n
			m2 += v * v / n
			peak = math.Max(peak, math.Abs(v))
		}
		variance := m2 - mean*mean
		sd := math.Sqrt(c.wantVar)
		if math.Abs(mean) > 5*sd/math.Sqrt(n) {
			t.Errorf("%s: mean %g, want 0 within %g", c.name, mean, 5*sd/math.Sqrt(n))
		}
		if tol := 5 * c.wantVar * math.Sqrt(2/n); math.Abs(variance-c.wantVar) > tol {
			t.Errorf("%s: variance %g, want %g within %g", c.name, variance, c.wantVar, tol)
		}
		if c.bound > 0 && peak > c.bound {
			t.Errorf("%s: |w| reaches %g beyond the bound %g", c.name, peak, c.bound)
		}
	}
}

func TestSameSeedSameWeights(t *testing.T) {
	a, _ := NewMLP(rand.New(rand.NewPCG(9, 9)), []int{2, 8, 1}, SiLU(), nil)
	b, _ := NewMLP(rand.New(rand.NewPCG(9, 9)), []int{2, 8, 1}, SiLU(), nil)
	c, _ := NewMLP(rand.New(rand.NewPCG(9, 10)), []int{2, 8, 1}, SiLU(), nil)
	pa, pb, pc := a.Params()[0].Value.Data(), b.Params()[0].Value.Data(), c.Params()[0].Value.Data()
	for i := range pa {
		if pa[i] != pb[i] {
			t.Fatal("same seed gave different weights")
		}
	}
	if pa[0] == pc[0] && pa[1] == pc[1] {
		t.Fatal("different seeds gave the same weights")
	}
}

func TestActivationByName(t *testing.T) {
	for _, nd := range ActivationNames() {
		a, err := ActivationByName(strings.ToUpper(nd[0]))
		if err != nil || a.Name != nd[0] {
			t.Errorf("ActivationByName(%q) = %q, %v", nd[0], a.Name, err)
		}
	}
	_, err := ActivationByName("swishy")
	if err == nil || !strings.Contains(err.Error(), "silu") {
		t.Fatalf("error %v, want one listing the valid names", err)
	}
}
