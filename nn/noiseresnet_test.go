package nn_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

func newTestNoiseResNet(t testing.TB, seed uint64, c, h, w int, s nn.ResNetSettings) *nn.NoiseResNet {
	t.Helper()
	r, err := nn.NewNoiseResNetEnergy(rand.New(rand.NewPCG(seed, 7)), c, h, w, s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestNoiseResNetGradCheck checks the first and second derivatives of
// E(x, t) with respect to the input, the time and every parameter against
// central differences (CheckGrad's tolerances: 1e-6 + 1e-5·|d| at order 1,
// 1e-5 + 1e-4·|d| at order 2), with two blocks per stage so that the shifts
// of every block are on the path, and with GroupNorm.
func TestNoiseResNetGradCheck(t *testing.T) {
	for _, c := range []struct {
		name    string
		c, h, w int
		s       nn.ResNetSettings
	}{
		{"plain", 1, 4, 4, nn.ResNetSettings{Channels: []int{2, 3}, Blocks: 2}},
		{"groupnorm", 2, 4, 4, nn.ResNetSettings{Channels: []int{2}, Groups: 1}},
	} {
		r := newTestNoiseResNet(t, 3, c.c, c.h, c.w, c.s)
		rng := rand.New(rand.NewPCG(4, 4))
		x := tensor.Randn(rng, 2, c.c*c.h*c.w)
		tt := tensor.New([]float64{0.25, 0.8}, 2, 1)
		xs := append([]*tensor.Tensor{x, tt}, nn.Values(r.Params())...)
		f := func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor { return r.ForwardT(tp, xs[0], xs[1]) }
		for order := 1; order <= 2; order++ {
			if err := tensor.CheckGrad(f, xs, tensor.CheckOptions{Order: order, Seed: uint64(order)}); err != nil {
				t.Errorf("%s, order %d: %v", c.name, order, err)
			}
		}
	}
}

// TestNoiseResNetConditioning: energies are [n, 1]; Forward is the network
// at t = 0, bit for bit; the time changes the energy (the shifts reach the
// head); each row's energy depends on its own time only; parameter names
// are unique; and a class head is refused.
func TestNoiseResNetConditioning(t *testing.T) {
	r := newTestNoiseResNet(t, 5, 1, 8, 8, nn.ResNetSettings{Channels: []int{4, 4}})
	x := tensor.Randn(rand.New(rand.NewPCG(6, 6)), 3, 64)
	e0 := r.Forward(nil, x)
	if s := e0.Shape(); len(s) != 2 || s[0] != 3 || s[1] != 1 {
		t.Fatalf("energies of shape %v, want [3 1]", s)
	}
	at := func(ts ...float64) []float64 { return r.ForwardT(nil, x, tensor.New(ts, 3, 1)).Data() }
	zero := at(0, 0, 0)
	for i, v := range e0.Data() {
		if v != zero[i] {
			t.Errorf("row %d: Forward %v, ForwardT at 0 %v", i, v, zero[i])
		}
	}
	mixed := at(0, 1, 0)
	if mixed[0] != zero[0] || mixed[2] != zero[2] {
		t.Errorf("rows 0 and 2 changed with row 1's time: %v, %v", mixed, zero)
	}
	if mixed[1] == zero[1] {
		t.Errorf("row 1's energy %v does not depend on its time", mixed[1])
	}
	seen := map[string]bool{}
	for _, p := range r.Params() {
		if seen[p.Name] {
			t.Errorf("parameter %s twice", p.Name)
		}
		seen[p.Name] = true
	}
	if !seen["stage1.block0.shift.weight"] || !seen["embed2.bias"] || !seen["head.weight"] {
		t.Errorf("parameters %v", seen)
	}
	if _, err := nn.NewNoiseResNetEnergy(rand.New(rand.NewPCG(1, 1)), 1, 8, 8, nn.ResNetSettings{Classes: 3}); !errors.Is(err, nn.ErrInvalid) {
		t.Errorf("class head: error %v, want ErrInvalid", err)
	}
}
