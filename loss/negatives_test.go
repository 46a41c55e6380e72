package loss

import (
	"context"
	"math"
	"slices"
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
	if p := pool(sampler.Tuning{StepSize: []float64{0.3, 0.1, 0.2}}, 2); p.step != 0.2 || p.invMass != nil || p.dense != nil {
		t.Fatalf("pool = %g, %v, %v; want 0.2, none", p.step, p.invMass, p.dense)
	}
	dense := pool(sampler.Tuning{StepSize: []float64{1, 1}, InvMassDense: []float64{2, 1, 1, 2, 4, -1, -1, 2}}, 2)
	if !slices.Equal(dense.dense, []float64{3, 0, 0, 2}) || dense.invMass != nil {
		t.Fatalf("pooled dense inverse mass %v, want [3 0 0 2]", dense.dense)
	}
	if got := dense.forChains(2).InvMassDense; !slices.Equal(got, []float64{3, 0, 0, 2, 3, 0, 0, 2}) {
		t.Fatalf("dense inverse mass for 2 chains %v, want the pooled one twice", got)
	}
}

// TestPersistentCDBounds: with Bounds, the replay buffer starts uniform in
// the box (mean 0 and variance 1/3 on [−1, 1], within 4 standard errors),
// and after steps of a Langevin whose steps leave the box (a large step
// against a steep energy), every chain is back inside: clamped.
func TestPersistentCDBounds(t *testing.T) {
	const size, d = 4000, 2
	net, _ := nn.NewMLP(rngOf(1), []int{d, 6, 1}, nn.SiLU(), nil)
	x := gaussianData(rngOf(2), 64, [2][2]float64{{1, 0}, {0.2, 0.7}})
	box := &sampler.Bounds{Lo: []float64{-1}, Hi: []float64{1}, Mode: sampler.Clamp}
	cd := ContrastiveDivergence{K: 3, Persistent: true, BufferSize: size, InitSteps: -1, NewSampleRatio: 1,
		Sampler: sampler.Langevin{StepSize: schedule.Constant(5)}, Bounds: box}
	l, st := cd.Start()
	rng := rngOf(3)
	// Fill the buffer only: a loss with a batch restarts 64 chains, which
	// the statistics below allow for by using only the untouched rows.
	if _, err := l.Loss(nil, net, x, rng); err != nil {
		t.Fatal(err)
	}
	buf := st.Save()[0].Value.Data()
	var sum, sq float64
	inside := 0
	for _, v := range buf {
		if v >= -1 && v <= 1 {
			inside++
		}
		sum += v
		sq += v * v
	}
	if inside != len(buf) {
		t.Fatalf("%d of %d buffer values outside [-1, 1]", len(buf)-inside, len(buf))
	}
	n := float64(len(buf))
	mean, vr := sum/n, sq/n-(sum/n)*(sum/n)
	// Most rows are untouched uniform draws; the 64 moved ones are clamped
	// into the box. Uniform[−1, 1]: mean 0 (se √(1/3/n)), variance 1/3 (se
	// √(1/45·4/n) ≈ 0.3/√n·…), both well inside 4 se plus the moved rows' share.
	moved := 64 * d / n
	if math.Abs(mean) > 4*math.Sqrt(1.0/3/n)+moved || math.Abs(vr-1.0/3) > 4*math.Sqrt(4.0/45/n)+moved {
		t.Fatalf("buffer mean %g variance %g: want uniform on [-1, 1] (0, 1/3)", mean, vr)
	}
	// Without the box (and with steps too small to move the chains) the
	// start is N(0, I): its second moment is 1 within 4 se (√(2/n)).
	cd.Bounds, cd.Sampler = nil, sampler.Langevin{StepSize: schedule.Constant(1e-6)}
	l, st = cd.Start()
	if _, err := l.Loss(nil, net, x, rngOf(3)); err != nil {
		t.Fatal(err)
	}
	free := st.Save()[0].Value.Data()
	sq = 0
	for _, v := range free {
		sq += v * v
	}
	if v := sq / n; math.Abs(v-1) > 4*math.Sqrt(2/n) {
		t.Fatalf("unbounded buffer's second moment %g: want about 1 (N(0, I) starts)", v)
	}
}
