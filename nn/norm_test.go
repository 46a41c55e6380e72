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

// TestBatchNorm: in training each channel of the output is standardised over
// batch and space and the running statistics move only on UpdateRunning, by
// the momentum rule with the unbiased variance; in evaluation the running
// statistics are used; derivatives through the batch statistics are right at
// orders 1 and 2.
func TestBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	bn, err := NewBatchNorm(3, true)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Randn(rng, 4, 3, 2, 2)
	y := bn.Forward(nil, x)
	if rm := bn.RunningMean.Data(); rm[0] != 0 || bn.RunningVar.Data()[0] != 1 {
		t.Fatal("Forward changed the running statistics")
	}
	var tp *tensor.Tape
	m, v := tp.Moments(y, 0, 2, 3)
	for c := range 3 {
		if math.Abs(m.Data()[c]) > 1e-12 || math.Abs(v.Data()[c]-1) > 1e-3 {
			t.Errorf("channel %d: mean %v variance %v, want 0 and 1", c, m.Data()[c], v.Data()[c])
		}
	}
	xm, xv := tp.Moments(x, 0, 2, 3)
	bn.UpdateRunning()
	for c := range 3 {
		wantM, wantV := 0.1*xm.Data()[c], 0.9+0.1*xv.Data()[c]*16/15
		if math.Abs(bn.RunningMean.Data()[c]-wantM) > 1e-15 || math.Abs(bn.RunningVar.Data()[c]-wantV) > 1e-15 {
			t.Errorf("channel %d: running %v %v, want %v %v", c, bn.RunningMean.Data()[c], bn.RunningVar.Data()[c], wantM, wantV)
		}
	}
	SetTrain(bn, false)
	ye := bn.Forward(nil, x).Data()
	for i, want := range tp.Normalize(x, tp.Reshape(bn.RunningMean, 1, 3, 1, 1), tp.Reshape(bn.RunningVar, 1, 3, 1, 1), 1e-5).Data() {
		if math.Abs(ye[i]-want) > 1e-15 {
			t.Fatalf("evaluation output %d: %v, want %v", i, ye[i], want)
		}
	}
	SetTrain(bn, true)
	fillNormal(rng, bn.Weight.Data(), 1)
	fillNormal(rng, bn.Bias.Data(), 1)
	f := func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor { return tp.Square(bn.Forward(tp, xs[0])) }
	for order := 1; order <= 2; order++ {
		if err := tensor.CheckGrad(f, []*tensor.Tensor{x, bn.Weight, bn.Bias}, tensor.CheckOptions{Order: order}); err != nil {
			t.Error(err)
		}
	}
}
