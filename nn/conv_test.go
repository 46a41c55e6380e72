package nn_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// TestConvLayerInit compares the layers' initial weights and biases with
// PyTorch's U(−b, b), b = 1/√fanIn: every draw inside, the variance b²/3
// within five standard errors (the variance of U² is 4b⁴/45).
func TestConvLayerInit(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, c := range []struct {
		name  string
		m     nn.Module
		fanIn int
	}{
		{"Conv2d", nn.NewConv2d(rng, 16, 96, 3, tensor.ConvOptions{}), 16 * 9},
		{"Conv2d/groups", nn.NewConv2d(rng, 16, 96, 3, tensor.ConvOptions{Groups: 4}), 4 * 9},
		// PyTorch takes the fan-in of [in, out/groups, k, k] from its second axis.
		{"ConvTranspose2d", nn.NewConvTranspose2d(rng, 96, 16, 3, tensor.ConvOptions{Groups: 2}), 8 * 9},
	} {
		ps := c.m.Params()
		if len(ps) != 2 || ps[0].Name != "weight" || ps[1].Name != "bias" {
			t.Fatalf("%s: params %v, want weight and bias", c.name, ps)
		}
		b := 1 / math.Sqrt(float64(c.fanIn))
		w := ps[0].Value.Data()
		m2 := 0.0
		for _, v := range w {
			if math.Abs(v) > b {
				t.Fatalf("%s: weight %g outside ±%g", c.name, v, b)
			}
			m2 += v * v / float64(len(w))
		}
		if se := math.Sqrt(4 * b * b * b * b / 45 / float64(len(w))); math.Abs(m2-b*b/3) > 5*se {
			t.Errorf("%s: weight variance %g, want %g within %g", c.name, m2, b*b/3, 5*se)
		}
		for _, v := range ps[1].Value.Data() {
			if math.Abs(v) > b {
				t.Fatalf("%s: bias %g outside ±%g", c.name, v, b)
			}
		}
	}
}

// TestConvTranspose2dLayerUndoesShape: a stride-2 transposed layer with
// output padding 1 maps a 7×7 Conv2d output back to 14×14 channels.
func TestConvTranspose2dLayerUndoesShape(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	o := tensor.ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}
	down := nn.NewConv2d(rng, 3, 8, 3, o)
	o.OutputPadding = [2]int{1, 1}
	up := nn.NewConvTranspose2d(rng, 8, 3, 3, o)
	x := tensor.Randn(rng, 2, 3, 14, 14)
	y := down.Forward(nil, x)
	if got := up.Forward(nil, y).Shape(); !slices.Equal(got, x.Shape()) || !slices.Equal(y.Shape(), []int{2, 8, 7, 7}) {
		t.Fatalf("shapes %v → %v → %v", x.Shape(), y.Shape(), got)
	}
}

func smallConvEnergy(t *testing.T, rng *rand.Rand, channels ...int) *nn.Sequential {
	t.Helper()
	m, err := nn.NewConvEnergy(rng, 1, 8, 8, channels, nn.SiLU())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestConvEnergyStructure(t *testing.T) {
	m := smallConvEnergy(t, rand.New(rand.NewPCG(5, 7)), 4, 8)
	var names []string
	for _, p := range m.Params() {
		names = append(names, p.Name)
	}
	if got, want := strings.Join(names, " "), "1.weight 1.bias 3.weight 3.bias 6.weight 6.bias"; got != want {
		t.Errorf("params %q, want %q", got, want)
	}
	if got, want := nn.NumParams(m), (1*4*9+4)+(4*8*16+8)+(8*4*4+1); got != want {
		t.Errorf("NumParams %d, want %d", got, want)
	}
	if got := m.Forward(nil, tensor.Zeros(3, 64)).Shape(); !slices.Equal(got, []int{3, 1}) {
		t.Errorf("energies of shape %v, want [3 1]", got)
	}
	for _, ch := range [][]int{nil, {4, 0}, {1, 1, 1, 1, 1}} {
		if _, err := nn.NewConvEnergy(rand.New(rand.NewPCG(1, 1)), 1, 8, 8, ch, nn.SiLU()); err == nil {
			t.Errorf("channels %v accepted", ch)
		}
	}
}

// TestScoreMatchingThroughConvEnergy: the parameter gradients of sliced
// score matching (vᵀ∇ₓ(vᵀ∇ₓE), third derivatives through every conv op) and
// of exact score matching (tr ∇²ₓE over all 64 pixels) on the 8×8 conv
// energy match central differences of the losses, and so does the second
// derivative of the energy itself with respect to the input and the
// parameters.
func TestScoreMatchingThroughConvEnergy(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	m := smallConvEnergy(t, rng, 2, 2)
	x := tensor.Randn(rng, 2, 64)
	params := nn.Values(m.Params())
	for _, c := range []struct {
		name string
		l    loss.EnergyLoss
	}{
		{"sliced", loss.SlicedScoreMatching{Projections: 2}},
		{"exact", loss.ScoreMatching{}},
	} {
		f := func(tp *tensor.Tape, _ []*tensor.Tensor) *tensor.Tensor {
			v, err := c.l.Loss(tp, m, x, rand.New(rand.NewPCG(9, 9))) // the same probes at every evaluation
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if err := tensor.CheckGrad(f, params, tensor.CheckOptions{}); err != nil {
			t.Errorf("%s score matching: %v", c.name, err)
		}
	}
	e := func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor { return m.Forward(tp, xs[0]) }
	if err := tensor.CheckGrad(e, append([]*tensor.Tensor{x}, params...), tensor.CheckOptions{Order: 2}); err != nil {
		t.Errorf("energy at order 2: %v", err)
	}
}
