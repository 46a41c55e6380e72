package nn_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// randomUNet returns a UNet whose parameters are all drawn N(0, 0.5²), so
// that no path is zero (the head starts at zero).
func randomUNet(t testing.TB, seed uint64, c, h, w int, s nn.UNetSettings) *nn.UNet {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	u, err := nn.NewUNet(rng, c, h, w, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range nn.Values(u.Params()) {
		for i := range v.Data() {
			v.Data()[i] = 0.5 * rng.NormFloat64()
		}
	}
	return u
}

// TestUNetGradCheck checks the first and second derivatives of a labelled
// UNet of three levels with respect to the input, the times and every
// parameter against central differences (CheckGrad's tolerances: 1e-6 +
// 1e-5·|d| at order 1, 1e-5 + 1e-4·|d| at order 2). The order-2 step is
// 1e-5, not 1e-4: the time's highest frequency, 32π, makes the third
// derivative in t large enough that 1e-4 leaves a truncation error of
// 0.2%; a difference of exact first derivatives at 1e-5 rounds to about
// 1e-11.
func TestUNetGradCheck(t *testing.T) {
	u := randomUNet(t, 1, 1, 4, 4, nn.UNetSettings{Channels: []int{2, 2, 4}, Classes: 2, Groups: 2})
	rng := rand.New(rand.NewPCG(2, 2))
	x := tensor.Randn(rng, 2, 16)
	ts := tensor.New([]float64{0.2, 0.7}, 2, 1)
	labels := []int{1, 2} // a class and the null label
	f := func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor {
		return u.ForwardTY(tp, xs[0], xs[1], labels)
	}
	inputs := append([]*tensor.Tensor{x, ts}, nn.Values(u.Params())...)
	for order := 1; order <= 2; order++ {
		if order == 2 && testing.Short() {
			break
		}
		o := tensor.CheckOptions{Order: order, Seed: uint64(order)}
		if order == 2 {
			o.Step = 1e-5
		}
		if err := tensor.CheckGrad(f, inputs, o); err != nil {
			t.Errorf("order %d: %v", order, err)
		}
	}
}

// TestUNetConditioning: the output has the image's shape; a new UNet's
// field is zero (its head starts at zero); Forward is ForwardT at t = 0
// and ForwardT is the null label, bit for bit; a row's output depends on
// its own time and label only, and does depend on them; parameter names
// are unique.
func TestUNetConditioning(t *testing.T) {
	fresh, err := nn.NewUNet(rand.New(rand.NewPCG(4, 4)), 1, 8, 8, nn.UNetSettings{Channels: []int{4, 8}, Classes: 3})
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Randn(rand.New(rand.NewPCG(5, 5)), 3, 64)
	for i, v := range fresh.ForwardT(nil, x, tensor.New([]float64{0.1, 0.5, 0.9}, 3, 1)).Data() {
		if v != 0 {
			t.Fatalf("a fresh UNet's field is %g at %d, want 0", v, i)
		}
	}
	u := randomUNet(t, 6, 1, 8, 8, nn.UNetSettings{Channels: []int{4, 8}, Classes: 3})
	at := func(labels []int, ts ...float64) []float64 {
		out := u.ForwardTY(nil, x, tensor.New(ts, 3, 1), labels)
		if s := out.Shape(); len(s) != 2 || s[0] != 3 || s[1] != 64 {
			t.Fatalf("output of shape %v, want [3 64]", s)
		}
		return out.Data()
	}
	null := at([]int{3, 3, 3}, 0, 0, 0)
	same := func(a, b []float64, row int) bool {
		for j := range 64 {
			if a[row*64+j] != b[row*64+j] {
				return false
			}
		}
		return true
	}
	for _, c := range []struct {
		name string
		got  []float64
	}{{"Forward", u.Forward(nil, x).Data()}, {"nil labels", at(nil, 0, 0, 0)}} {
		for row := range 3 {
			if !same(c.got, null, row) {
				t.Errorf("%s differs from the null label at t = 0 in row %d", c.name, row)
			}
		}
	}
	for _, c := range []struct {
		name   string
		labels []int
		ts     []float64
	}{{"time", []int{3, 3, 3}, []float64{0, 0.6, 0}}, {"label", []int{3, 0, 3}, []float64{0, 0, 0}}} {
		got := at(c.labels, c.ts...)
		if !same(got, null, 0) || !same(got, null, 2) {
			t.Errorf("rows 0 and 2 changed with row 1's %s", c.name)
		}
		if same(got, null, 1) {
			t.Errorf("row 1 does not depend on its %s", c.name)
		}
	}
	seen := map[string]bool{}
	for _, p := range u.Params() {
		if seen[p.Name] {
			t.Errorf("parameter %s twice", p.Name)
		}
		seen[p.Name] = true
	}
}

// TestUNetInvalid refuses settings that do not fit the image.
func TestUNetInvalid(t *testing.T) {
	for name, c := range map[string]struct {
		c, h, w int
		s       nn.UNetSettings
	}{
		"odd side":     {1, 6, 8, nn.UNetSettings{Channels: []int{4, 4, 4}}},
		"zero width":   {1, 8, 8, nn.UNetSettings{Channels: []int{4, 0}}},
		"groups":       {1, 8, 8, nn.UNetSettings{Channels: []int{4, 6}, Groups: 4}},
		"no channels":  {0, 8, 8, nn.UNetSettings{}},
		"classes < 0":  {1, 8, 8, nn.UNetSettings{Classes: -1}},
		"empty widths": {1, 8, 8, nn.UNetSettings{Channels: []int{}}},
	} {
		if _, err := nn.NewUNet(rand.New(rand.NewPCG(1, 1)), c.c, c.h, c.w, c.s); !errors.Is(err, nn.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}
