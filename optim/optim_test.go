package optim

import (
	"errors"
	"math"
	"testing"

	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// TestMatchesPyTorch runs three steps on fixed gradients and compares with
// torch.optim (PyTorch 1.13, float64) given the same settings. The reference
// values were printed by PyTorch; see the comment on each case.
func TestMatchesPyTorch(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  Optimizer
		want []float64
	}{
		// SGD(lr=0.1)
		{"sgd", &SGD{LR: 0.1}, []float64{0.87999999999999989, -1.9550000000000001, 0.31666666666666671}},
		// SGD(lr=0.1, momentum=0.9, weight_decay=0.01)
		{"sgd-momentum", &SGD{LR: 0.1, Momentum: 0.9, WeightDecay: 0.01},
			[]float64{0.78724876899999996, -1.8961805780000001, 0.098293966166666677}},
		// SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)
		{"sgd-nesterov", &SGD{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 0.01},
			[]float64{0.68584803537100003, -1.8557597751019999, -0.045541268662833374}},
		// Adam(lr=0.01)
		{"adam", &Adam{LR: 0.01}, []float64{0.97005867326568096, -1.9707487864994389, 0.47194661867609117}},
		// Adam(lr=0.01, weight_decay=0.1)
		{"adam-l2", &Adam{LR: 0.01, WeightDecay: 0.1},
			[]float64{0.96999568290946347, -1.9702297229356514, 0.47174825779714968}},
		// AdamW(lr=0.01, weight_decay=0.1)
		{"adamw", &Adam{LR: 0.01, WeightDecay: 0.1, Decoupled: true},
			[]float64{0.96709163549351118, -1.9647846002486982, 0.47047742997216146}},
	} {
		p := tensor.New([]float64{1, -2, 0.5}, 3)
		for s := range 3 {
			g := tensor.New([]float64{0.1*float64(s) + 0.3, -0.2 + 0.05*float64(s), 1 / float64(s+1)}, 3)
			if err := c.opt.Step([]*tensor.Tensor{p}, []*tensor.Tensor{g}); err != nil {
				t.Fatal(err)
			}
		}
		for i, w := range c.want {
			if got := p.Data()[i]; math.Abs(got-w) > 1e-14 {
				t.Errorf("%s: p[%d] = %.17g, PyTorch %.17g", c.name, i, got, w)
			}
		}
		if c.opt.Steps() != 3 {
			t.Errorf("%s: Steps() = %d, want 3", c.name, c.opt.Steps())
		}
	}
}

func TestNewAdamWDefaults(t *testing.T) {
	o := NewAdamW(0.01)
	if !o.Decoupled || o.WeightDecay != 0.01 || o.LR != 0.01 {
		t.Fatalf("NewAdamW(0.01) = %+v", o)
	}
}

// TestMinimisesQuadratic: each optimizer drives f(p) = Σ (p − c)² to its
// minimum c from a distance.
func TestMinimisesQuadratic(t *testing.T) {
	target := []float64{3, -1, 0.5}
	for name, opt := range map[string]Optimizer{
		"sgd":      &SGD{LR: 0.1},
		"momentum": &SGD{LR: 0.05, Momentum: 0.9},
		"nesterov": &SGD{LR: 0.05, Momentum: 0.9, Nesterov: true},
		"adam":     &Adam{LR: 0.05},
		"adamw":    &Adam{LR: 0.05, Decoupled: true, WeightDecay: 1e-6},
		"cosine":   &Adam{Schedule: schedule.Cosine{Start: 0.1, End: 0.001, Steps: 1000}},
	} {
		p := tensor.Zeros(3)
		for range 1000 {
			g := tensor.Zeros(3)
			for i := range target {
				g.Data()[i] = 2 * (p.Data()[i] - target[i])
			}
			if err := opt.Step([]*tensor.Tensor{p}, []*tensor.Tensor{g}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range target {
			if math.Abs(p.Data()[i]-target[i]) > 1e-3 {
				t.Errorf("%s: p = %v, want %v", name, p.Data(), target)
				break
			}
		}
	}
}

func TestScheduleSetsRate(t *testing.T) {
	// Plain SGD moves by lr·g; with g = 1 the moves are the schedule's values.
	o := &SGD{Schedule: schedule.MultiStep{Start: 1, Milestones: []int{2}, Gamma: 0.5}}
	p := tensor.Zeros(1)
	var moves []float64
	for range 4 {
		before := p.Data()[0]
		o.Step([]*tensor.Tensor{p}, []*tensor.Tensor{tensor.Ones(1)})
		moves = append(moves, before-p.Data()[0])
	}
	want := []float64{1, 1, 0.5, 0.5}
	for i := range want {
		if moves[i] != want[i] {
			t.Fatalf("moves %v, want %v", moves, want)
		}
	}
}

func TestNonFiniteGradientChangesNothing(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		for name, opt := range map[string]Optimizer{"sgd": &SGD{Momentum: 0.9}, "adam": &Adam{}} {
			p := tensor.New([]float64{1, 2}, 2)
			opt.Step([]*tensor.Tensor{p}, []*tensor.Tensor{tensor.New([]float64{0.1, 0.1}, 2)})
			before := append([]float64(nil), p.Data()...)
			err := opt.Step([]*tensor.Tensor{p}, []*tensor.Tensor{tensor.New([]float64{0.1, bad}, 2)})
			if !errors.Is(err, ErrNonFinite) {
				t.Errorf("%s with %g: error %v, want ErrNonFinite", name, bad, err)
			}
			if p.Data()[0] != before[0] || p.Data()[1] != before[1] || opt.Steps() != 1 {
				t.Errorf("%s with %g: parameters or step count changed", name, bad)
			}
		}
	}
}

func TestClipGradNorm(t *testing.T) {
	a, b := tensor.New([]float64{3}, 1), tensor.New([]float64{0, 4}, 2)
	if n := ClipGradNorm([]*tensor.Tensor{a, b}, 1); n != 5 {
		t.Fatalf("norm %g, want 5", n)
	}
	if math.Abs(a.Data()[0]-0.6) > 1e-15 || math.Abs(b.Data()[1]-0.8) > 1e-15 {
		t.Fatalf("clipped to %v %v, want [0.6] [0 0.8]", a, b)
	}
	c := tensor.New([]float64{0.3, 0.4}, 2)
	if n := ClipGradNorm([]*tensor.Tensor{c}, 1); n != 0.5 || c.Data()[0] != 0.3 {
		t.Fatalf("under the limit: norm %g, grads %v; want 0.5 and unchanged", n, c)
	}
	d := tensor.New([]float64{math.NaN(), 1}, 2)
	if n := ClipGradNorm([]*tensor.Tensor{d}, 1); !math.IsNaN(n) || d.Data()[1] != 1 {
		t.Fatalf("NaN: norm %g, grads %v; want NaN and unchanged", n, d)
	}
}

// TestStateRoundTrip: an optimizer restored from another's state takes the
// same next step; a state that does not fit the parameters is refused.
func TestStateRoundTrip(t *testing.T) {
	for name, mk := range map[string]func() Stateful{
		"adam": func() Stateful { return &Adam{LR: 0.01} },
		"sgd":  func() Stateful { return &SGD{LR: 0.1, Momentum: 0.9} },
	} {
		a, b := mk(), mk()
		pa, pb := tensor.New([]float64{1, 2}, 2), tensor.New([]float64{1, 2}, 2)
		g := tensor.New([]float64{0.3, -0.1}, 2)
		for range 3 {
			a.Step([]*tensor.Tensor{pa}, []*tensor.Tensor{g})
		}
		copy(pb.Data(), pa.Data())
		if err := b.SetState(a.State()); err != nil {
			t.Fatal(err)
		}
		a.Step([]*tensor.Tensor{pa}, []*tensor.Tensor{g})
		b.Step([]*tensor.Tensor{pb}, []*tensor.Tensor{g})
		if pa.Data()[0] != pb.Data()[0] || pa.Data()[1] != pb.Data()[1] || b.Steps() != 4 {
			t.Errorf("%s: restored optimizer diverged: %v vs %v", name, pa, pb)
		}
		c := mk()
		c.SetState(a.State())
		if err := c.Step([]*tensor.Tensor{tensor.Zeros(3)}, []*tensor.Tensor{tensor.Zeros(3)}); err == nil {
			t.Errorf("%s: state for 2 values accepted for 3", name)
		}
	}
}
