package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/tensor"
)

// scripted is an energy loss whose value at its k-th call is vals[k] (0
// times the network's output keeps the network in the graph).
type scripted struct {
	vals []float64
	k    *int
}

func (s scripted) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, _ *rand.Rand) (*tensor.Tensor, error) {
	v := s.vals[min(*s.k, len(s.vals)-1)]
	*s.k++
	return tp.AddScalar(tp.Scale(tp.Sum(net.Forward(tp, x)), 0), v), nil
}

// TestEarlyStopScripted: on scripted loss sequences the run stops at the
// step worked out by hand, returns no error but Summary.Stopped, and
// writes the weights as at a normal end.
func TestEarlyStopScripted(t *testing.T) {
	seq := []float64{5, 4, 3, 3.5, 3.2, 3.1, 3.05, 3, 2, 1, 0.5, 0.4}
	for _, c := range []struct {
		name   string
		vals   []float64
		e      EarlyStop
		stopAt int // 0: runs to the end
	}{
		// best 3 at step 3; steps 4, 5, 6 do not beat it.
		{"patience 3", seq, EarlyStop{Patience: 3}, 6},
		// 3 again at step 8 is no improvement: 8 − 3 = 5.
		{"patience 5", seq, EarlyStop{Patience: 5}, 8},
		// the fall to 2 at step 9 comes in time.
		{"patience 6", seq, EarlyStop{Patience: 6}, 0},
		// with min-delta 0.6: 4 (best 4, step 2), 3 (best 3, step 3), then
		// nothing below 2.4 until step 9: stop at step 3 + 4 = 7.
		{"min-delta", seq, EarlyStop{Patience: 4, MinDelta: 0.6}, 7},
		// raw: best 0 at step 2, stops at 4; smoothed (β = ½): 4, 2, 1,
		// 0.5, 4.25, 6.125: best 0.5 at step 4, stops at 6.
		{"raw", []float64{4, 0, 0, 0, 8, 8, 8, 8}, EarlyStop{Patience: 2}, 4},
		{"smoothed", []float64{4, 0, 0, 0, 8, 8, 8, 8}, EarlyStop{Patience: 2, Smooth: 0.5}, 6},
	} {
		k := 0
		dir := t.TempDir()
		e := c.e
		tr, err := New(mlp(t, 1), scripted{c.vals, &k}, &optim.Adam{LR: 1e-3}, moons(64), Config{Steps: 12, BatchSize: 16, Dir: dir, Hooks: []Hook{&e}})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := tr.Run(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := c.stopAt
		if want == 0 {
			want = 12
			if sum.Stopped != nil {
				t.Errorf("%s: stopped: %v", c.name, sum.Stopped)
			}
		} else if !errors.Is(sum.Stopped, ErrStop) {
			t.Errorf("%s: Stopped = %v", c.name, sum.Stopped)
		}
		if sum.Steps != want || tr.Step() != want {
			t.Errorf("%s: stopped after %d steps (trainer %d), want %d", c.name, sum.Steps, tr.Step(), want)
		}
		if _, err := os.Stat(filepath.Join(dir, "model.params")); err != nil {
			t.Errorf("%s: no weights after the run: %v", c.name, err)
		}
		// metrics.jsonl (every 10 steps) ends with the last step's line.
		b, err := os.ReadFile(filepath.Join(dir, "metrics.jsonl"))
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if err != nil || !strings.HasPrefix(lines[len(lines)-1], fmt.Sprintf(`{"step":%d,`, want)) {
			t.Errorf("%s: metrics %q, %v; want a last line for step %d", c.name, b, err, want)
		}
	}
}

// TestParseCallbacks: names and settings parse to the hooks they say,
// defaults fill the rest, zero is a value, and mistakes are errors.
func TestParseCallbacks(t *testing.T) {
	var w bytes.Buffer
	hs, err := ParseCallbacks("early-stop:patience=5,min-delta=0.01,smooth=0,log:every=10", &w)
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 2 {
		t.Fatalf("%d hooks", len(hs))
	}
	if e, ok := hs[0].(*EarlyStop); !ok || e.Patience != 5 || e.MinDelta != 0.01 || e.Smooth != 0 || e.Metric != "loss" {
		t.Errorf("early stop: %+v", hs[0])
	}
	if l, ok := hs[1].(Log); !ok || l.Every != 10 || l.W != &w {
		t.Errorf("log: %+v", hs[1])
	}
	hs, err = ParseCallbacks("Early_Stop", nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := hs[0].(*EarlyStop); e.Patience != 200 || e.MinDelta != 0 || e.Smooth != 0.9 || e.Metric != "loss" {
		t.Errorf("defaults: %+v", e)
	}
	if hs, err := ParseCallbacks("", nil); err != nil || len(hs) != 0 {
		t.Errorf("empty: %v, %v", hs, err)
	}
	for _, bad := range []string{"patience=5", "nope", "early-stop:wait=3", "early-stop:patience=x", "early-stop:patience=0",
		"early-stop:smooth=1", "early-stop:metric=accuracy", "log:every=0", "log:every", "early-stop:min-delta=-1"} {
		if _, err := ParseCallbacks(bad, &w); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestLogCallback: the log writes a line every so many steps and at the
// last, with the loss, the gradient norm and Adam's learning rate.
func TestLogCallback(t *testing.T) {
	var w bytes.Buffer
	k := 0
	tr, err := New(mlp(t, 1), scripted{[]float64{1.5}, &k}, &optim.Adam{LR: 0.02}, moons(64), Config{Steps: 7, BatchSize: 16, Hooks: []Hook{Log{Every: 3, W: &w}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "step 3/7  loss 1.5  grad-norm 0  lr 0.02\nstep 6/7  loss 1.5  grad-norm 0  lr 0.02\nstep 7/7  loss 1.5  grad-norm 0  lr 0.02\n"
	if w.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", w.String(), want)
	}
	if !strings.Contains(Callbacks()[0].Name+Callbacks()[1].Name, "early-stop") {
		t.Errorf("callbacks %v", Callbacks())
	}
}
