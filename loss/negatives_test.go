package loss

import (
	"context"
	"math"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
)

// recorder is an adaptive sampler that remembers the options of each run.
type recorder struct {
	sampler.MALA
	runs []sampler.Options
}

func (r *recorder) Sample(ctx context.Context, e energy.Energy, o sampler.Options) (*sampler.Result, error) {
	r.runs = append(r.runs, o)
	return r.MALA.Sample(ctx, e, o)
}

// TestPersistentCDAdaptsOnce: with an adaptive sampler, persistent CD
// adapts while it fills its buffer (the warm steps are the warm-up), then
// every draw continues from the pooled tuning, which survives Save and
// Restore; a sampler that does not adapt runs as before, without tuning.
func TestPersistentCDAdaptsOnce(t *testing.T) {
	net, _ := nn.NewMLP(rngOf(1), []int{2, 6, 1}, nn.SiLU(), nil)
	x := gaussianData(rngOf(2), 8, [2][2]float64{{1, 0}, {0.2, 0.7}})
	for _, adapt := range []bool{true, false} {
		rec := &recorder{MALA: sampler.MALA{StepSize: schedule.Constant(0.01), Adapt: adapt, AdaptMass: adapt}}
		cd := pcdSettings()
		cd.InitSteps, cd.Sampler = 120, rec
		l, st := cd.Start()
		rng := rngOf(3)
		for range 2 {
			if _, err := l.Loss(nil, net, x, rng); err != nil {
				t.Fatal(err)
			}
		}
		saved := st.Save()
		if !adapt {
			if len(rec.runs) != 3 || rec.runs[0].Warmup != 0 || rec.runs[0].Steps != 120 || rec.runs[1].Tuned != nil || len(saved) != 1 {
				t.Fatalf("without adaptation: runs %+v, state %v", rec.runs, names(saved))
			}
			continue
		}
		if len(rec.runs) != 3 || rec.runs[0].Warmup != 120 || rec.runs[0].Steps != 0 || rec.runs[0].Tuned != nil {
			t.Fatalf("the buffer's fill is not a warm-up of 120 steps: %+v", rec.runs[0])
		}
		if len(saved) != 3 || saved[1].Name != "step_size" || saved[2].Name != "inv_mass" {
			t.Fatalf("state %v: want buffer, step_size, inv_mass", names(saved))
		}
		step := saved[1].Value.Item()
		if step == 0.01 || !(step > 0) {
			t.Fatalf("adapted step size %g: not tuned", step)
		}
		for _, o := range rec.runs[1:] {
			if o.Warmup != 0 || o.Tuned == nil || len(o.Tuned.StepSize) != 8 || o.Tuned.StepSize[7] != step || len(o.Tuned.InvMass) != 16 {
				t.Fatalf("a draw after the fill does not continue from step %g: %+v", step, o)
			}
		}
		l2, st2 := cd.Start()
		if err := st2.Restore(saved); err != nil {
			t.Fatal(err)
		}
		if _, err := l2.Loss(nil, net, x, rng); err != nil {
			t.Fatal(err)
		}
		if o := rec.runs[len(rec.runs)-1]; len(rec.runs) != 4 || o.Warmup != 0 || o.Tuned == nil || o.Tuned.StepSize[0] != step {
			t.Fatalf("a restored run does not continue from step %g: %+v", step, o)
		}
	}
}

// TestPool: the pooled tuning is the median step size and the mean inverse
// mass per coordinate.
func TestPool(t *testing.T) {
	p := pool(sampler.Tuning{StepSize: []float64{0.3, 0.1, 0.2, 0.4}, InvMass: []float64{1, 2, 3, 4, 5, 6, 7, 8}}, 2)
	if math.Abs(p.step-0.25) > 1e-15 || p.invMass[0] != 4 || p.invMass[1] != 5 {
		t.Fatalf("pool = %g, %v; want 0.25, [4 5]", p.step, p.invMass)
	}
	if p := pool(sampler.Tuning{StepSize: []float64{0.3, 0.1, 0.2}}, 2); p.step != 0.2 || p.invMass != nil {
		t.Fatalf("pool = %g, %v; want 0.2, none", p.step, p.invMass)
	}
}
