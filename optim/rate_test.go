package optim

import (
	"testing"

	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// TestRate: Rate is the learning rate of the last step taken, the
// schedule's value at that step's index, and the first step's before any;
// without a schedule the fixed rate or the default.
func TestRate(t *testing.T) {
	sched := schedule.Cosine{Start: 1, End: 0, Steps: 4} // 1, 0.8535…, 0.5, 0.1464…
	adam := &Adam{Schedule: sched}
	sgd := &SGD{Schedule: sched}
	p := []*tensor.Tensor{tensor.New([]float64{1, 2}, 2)}
	g := []*tensor.Tensor{tensor.New([]float64{0.1, -0.1}, 2)}
	for _, o := range []interface {
		Optimizer
		Rater
	}{adam, sgd} {
		if r := o.Rate(); r != 1 {
			t.Errorf("%T before a step: %g", o, r)
		}
		for k := range 3 {
			if err := o.Step(p, g); err != nil {
				t.Fatal(err)
			}
			if r, want := o.Rate(), sched.At(k); r != want {
				t.Errorf("%T after step %d: %g, want %g", o, k+1, r, want)
			}
		}
	}
	if r := (&Adam{}).Rate(); r != 1e-3 {
		t.Errorf("Adam's default: %g", r)
	}
	if r := (&SGD{LR: 0.3}).Rate(); r != 0.3 {
		t.Errorf("SGD's fixed rate: %g", r)
	}
}
