package nn

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/goebm/goebm/tensor"
)

func TestNewNormRejectsBadSizes(t *testing.T) {
	for _, s := range [][]int{nil, {}, {3, 0}, {-1}} {
		if _, err := NewLayerNorm(s, true); !errors.Is(err, ErrInvalid) {
			t.Errorf("LayerNorm shape %v: error %v, want ErrInvalid", s, err)
		}
	}
	for _, gc := range [][2]int{{0, 4}, {3, 4}, {2, 0}, {-2, 4}} {
		if _, err := NewGroupNorm(gc[0], gc[1], true); !errors.Is(err, ErrInvalid) {
			t.Errorf("GroupNorm %d groups %d channels: error %v, want ErrInvalid", gc[0], gc[1], err)
		}
	}
}

// TestNormLayersStandardise: at initialisation (weight 1, bias 0) each
// normalised group has mean 0 and variance σ²/(σ² + eps) ≈ 1.
func TestNormLayersStandardise(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := tensor.Randn(rng, 4, 6, 3, 3)
	ln, _ := NewLayerNorm([]int{6, 3, 3}, true)
	gn, _ := NewGroupNorm(3, 6, true)
	for _, c := range []struct {
		name   string
		m      Module
		groups int // contiguous groups per sample
	}{{"LayerNorm", ln, 1}, {"GroupNorm", gn, 3}} {
		y := c.m.Forward(nil, x).Data()
		per := len(y) / (4 * c.groups)
		for g := range 4 * c.groups {
			var s, s2 float64
			for _, v := range y[g*per : (g+1)*per] {
				s += v
				s2 += v * v
			}
			if mean, v := s/float64(per), s2/float64(per); math.Abs(mean) > 1e-12 || math.Abs(v-1) > 1e-4 {
				t.Errorf("%s group %d: mean %v variance %v, want 0 and 1", c.name, g, mean, v)
			}
		}
	}
	// GroupNorm is LayerNorm over each [C/G, H, W] block of a sample.
	var tp *tensor.Tape
	ref := tp.LayerNorm(tp.Reshape(x, 4, 3, 18), 1, nil, nil, 1e-5).Data()
	for i, v := range gn.Forward(nil, x).Data() {
		if math.Abs(v-ref[i]) > 1e-14 {
			t.Fatalf("GroupNorm element %d: %v, want %v (LayerNorm per group)", i, v, ref[i])
		}
	}
	if names := paramNames(gn); names != "weight bias" {
		t.Errorf("GroupNorm params %q", names)
	}
	plain, _ := NewGroupNorm(2, 6, false)
	if len(plain.Params()) != 0 {
		t.Error("a GroupNorm without affine part has parameters")
	}
}

func paramNames(m Module) string {
	var s []string
	for _, p := range m.Params() {
		s = append(s, p.Name)
	}
	return strings.Join(s, " ")
}

// TestNormLayerGradients checks a small norm network's derivatives with
// respect to its input and every parameter, at orders 1 to 3 (the orders
// exact score matching needs).
func TestNormLayerGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	gn, _ := NewGroupNorm(2, 4, true)
	ln, _ := NewLayerNorm([]int{4, 3}, true)
	fillNormal(rng, gn.Weight.Data(), 1)
	fillNormal(rng, gn.Bias.Data(), 1)
	fillNormal(rng, ln.Weight.Data(), 1)
	fillNormal(rng, ln.Bias.Data(), 1)
	net := &Sequential{Layers: []Module{gn, SiLU(), ln}}
	ps := Values(net.Params())
	x := tensor.Randn(rng, 2, 4, 3)
	f := func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor { return net.Forward(tp, xs[0]) }
	for order := 1; order <= 3; order++ {
		if err := tensor.CheckGrad(f, append([]*tensor.Tensor{x}, ps...), tensor.CheckOptions{Order: order}); err != nil {
			t.Error(err)
		}
	}
}

func TestNormLayerShapePanics(t *testing.T) {
	ln, _ := NewLayerNorm([]int{3}, false)
	gn, _ := NewGroupNorm(1, 3, false)
	for name, f := range map[string]func(){
		"LayerNorm": func() { ln.Forward(nil, tensor.Zeros(3, 4)) },
		"GroupNorm": func() { gn.Forward(nil, tensor.Zeros(3, 4)) },
	} {
		func() {
			defer func() {
				if r, _ := recover().(string); !strings.Contains(r, name) {
					t.Errorf("%s: panic %q, want one naming the layer", name, r)
				}
			}()
			f()
		}()
	}
}
