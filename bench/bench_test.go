package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestTorchEBMSuite checks the registry's TorchEBM cases against the rows
// of TorchEBM's CPU figures (../shared/benchmarks/torchebm-cpu.md): the
// same cases, in the same order, with the same shapes.
func TestTorchEBMSuite(t *testing.T) {
	cs, err := Select(Cases(), "all", "torchebm")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, fmt.Sprintf("%s %s %d %d %d", c.Name, c.Scale, c.Batch, c.Dim, c.Steps))
	}
	want := []string{
		"langevin_doublewell small 64 8 50", "hmc_doublewell small 64 8 50",
		"loss_cd10 small 64 8 0", "loss_sm_exact small 64 8 0", "loss_sm_approx small 64 8 0", "loss_ssm5 small 64 8 0", "loss_dsm small 64 8 0",
		"langevin_doublewell medium 256 32 100", "hmc_doublewell medium 256 32 100",
		"loss_cd10 medium 256 32 0", "loss_sm_exact medium 128 16 0", "loss_sm_approx medium 256 32 0", "loss_ssm5 medium 256 32 0", "loss_dsm medium 256 32 0",
		"langevin_doublewell large 1024 128 200", "hmc_doublewell large 1024 128 200",
		"loss_cd10 large 1024 128 0", "loss_sm_exact large 128 16 0", "loss_sm_approx large 1024 128 0", "loss_ssm5 large 1024 128 0", "loss_dsm large 1024 128 0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("TorchEBM suite:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	seen := map[string]bool{}
	for _, c := range append(Cases(), Scaling()...) {
		if seen[c.ID()] {
			t.Errorf("two cases named %s", c.ID())
		}
		seen[c.ID()] = true
	}
}

// TestWork runs every small case once and checks the work counted:
// TorchEBM's chain-gradient count (batch × steps, × (L+1) for HMC) and
// Euler's one field evaluation per step.
func TestWork(t *testing.T) {
	cs, err := Select(Cases(), "small", "*")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"langevin_doublewell": 64 * 50, "hmc_doublewell": 64 * 50 * 11, "flow_euler": 50}
	for _, c := range cs {
		f, err := c.Setup(c)
		if err != nil {
			t.Fatalf("%s: %v", c.ID(), err)
		}
		work, err := f(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", c.ID(), err)
		}
		if w, ok := want[c.Name]; ok && work != w || c.Unit == "" && work != 0 || c.Name == "flow_dopri5" && work == 0 {
			t.Errorf("%s: work %d, want %d", c.ID(), work, w)
		}
	}
}

func TestSelect(t *testing.T) {
	ids := func(cs []Case) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.ID())
		}
		return strings.Join(s, " ")
	}
	for _, c := range []struct{ scale, patterns, want string }{
		{"large", "hmc_doublewell", "hmc_doublewell/scale=large"},
		{"small", "eqm*,flow_dopri5", "eqm/scale=small eqm_explicit/scale=small flow_dopri5/scale=small"},
		{"all", "mlp_score", "mlp_score/dim=2 mlp_score/dim=128"},
		{"medium", "mlp_score,loss_sm_exact", "loss_sm_exact/scale=medium"},
	} {
		got, err := Select(Cases(), c.scale, c.patterns)
		if err != nil || ids(got) != c.want {
			t.Errorf("Select(%s, %s) = %s, %v; want %s", c.scale, c.patterns, ids(got), err, c.want)
		}
	}
	for _, c := range []struct{ scale, patterns, want string }{
		{"huge", "*", "valid: small, medium, large, all"},
		{"all", "[", "pattern"},
		{"small", "mlp_*", "cases: torchebm, langevin_doublewell"},
	} {
		if _, err := Select(Cases(), c.scale, c.patterns); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Select(%s, %s): error %v, want ErrInvalid mentioning %q", c.scale, c.patterns, err, c.want)
		}
	}
}

// TestMeasure checks the protocol on a fake case: one warm-up call, then
// reps timed ones, and the rate from the work of a call over the median.
func TestMeasure(t *testing.T) {
	calls := 0
	c := Case{Name: "fake", Scale: "small", Batch: 2, Dim: 3, Steps: 4, Unit: Grads, Setup: func(Case) (Func, error) {
		return func(context.Context) (int, error) {
			calls++
			return 1000, nil
		}, nil
	}}
	r, err := Measure(context.Background(), c, 3)
	if err != nil || calls != 4 || r.Case != "fake" || r.Batch != 2 || r.Dim != 3 || r.Steps != 4 || r.GradEvalsPerS == nil {
		t.Fatalf("Measure = %+v, %v after %d calls; want 4 calls and the case's fields", r, err, calls)
	}
	if got := *r.GradEvalsPerS * r.MedianSeconds; got < 999.999 || got > 1000.001 {
		t.Errorf("rate × median = %g, want the work of a call, 1000", got)
	}
	boom := errors.New("boom")
	c.Setup = func(Case) (Func, error) { return func(context.Context) (int, error) { return 0, boom }, nil }
	if _, err := Measure(context.Background(), c, 3); !errors.Is(err, boom) {
		t.Errorf("a failing call: %v, want it passed on", err)
	}
	if _, err := Measure(context.Background(), c, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("0 reps: %v, want ErrInvalid", err)
	}
}

// TestTimingCores checks the protocol at several core counts: Warmup
// untimed calls at each count, then the timed calls interleaved, the order
// reversed every other round, GOMAXPROCS restored, and each result with its
// count and its speed-up over the first.
func TestTimingCores(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	var seen []int
	c := Case{Name: "fake", Setup: func(Case) (Func, error) {
		return func(context.Context) (int, error) {
			seen = append(seen, runtime.GOMAXPROCS(0))
			return 0, nil
		}, nil
	}}
	rs, err := Timing{Reps: 3, Warmup: 2, Cores: []int{1, 3}}.Measure(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 1, 3, 3, 1, 3, 3, 1, 1, 3}; !slices.Equal(seen, want) {
		t.Errorf("GOMAXPROCS at each call %v, want %v", seen, want)
	}
	if runtime.GOMAXPROCS(0) != before {
		t.Errorf("GOMAXPROCS %d after, want %d restored", runtime.GOMAXPROCS(0), before)
	}
	if len(rs) != 2 || rs[0].Cores != 1 || rs[1].Cores != 3 || rs[0].Speedup != nil || rs[1].Speedup == nil ||
		*rs[1].Speedup != rs[0].MedianSeconds/rs[1].MedianSeconds {
		t.Errorf("results %+v", rs)
	}
	for _, bad := range []Timing{{Reps: 0}, {Reps: 1, Warmup: -1}, {Reps: 1, Cores: []int{1, 0}}} {
		if _, err := bad.Measure(context.Background(), c); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", bad, err)
		}
	}
}
