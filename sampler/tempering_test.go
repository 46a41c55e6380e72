package sampler

import (
	"context"
	"math"
	"testing"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// leftFraction returns the chains' indicators of x₀ < 0 and their mean.
func leftFraction(r *Result) ([][]float64, float64) {
	ch := r.Chain(0)
	ind := make([][]float64, len(ch))
	sum, n := 0.0, 0
	for c := range ch {
		ind[c] = make([]float64, len(ch[c]))
		for k, v := range ch[c] {
			if v < 0 {
				ind[c][k] = 1
				sum++
			}
			n++
		}
	}
	return ind, sum / float64(n)
}

// TestTemperingCrossesBarrier: a double well with barrier 16 (h = 16, b = 1),
// every chain started in the right well. Parallel tempering spends half its
// draws in each well (within 4 MCSE of the indicator's mean); unadjusted
// Langevin with the same budget stays where it started (Kramers' rate,
// about 13·e⁻¹⁶ per unit time, gives 3·10⁻⁴ crossings per chain).
func TestTemperingCrossesBarrier(t *testing.T) {
	well := energy.DoubleWell{BarrierHeight: 16}
	init := make([]float64, 16)
	fill(init, 1)
	o := Options{Dim: 1, Init: init, Warmup: 1000, Steps: 20000, Seed: 21, Trajectory: true}
	pt, err := ParallelTempering{Replicas: 10, MaxTemperature: 20, StepSize: schedule.Constant(0.005)}.Temper(context.Background(), well, o)
	if err != nil {
		t.Fatal(err)
	}
	ind, frac := leftFraction(&pt.Result)
	if se := diag.MCSEMean(ind); math.Abs(frac-0.5) > 4*se {
		t.Errorf("parallel tempering: %.3f of draws in the left well, want 0.5 ± %.3f", frac, 4*se)
	}
	// The T = 1 replica must follow exp(−E) itself, not only its symmetry:
	// E[x²] by quadrature of exp(−E) on a fine grid.
	num, den := 0.0, 0.0
	for x := -2.5; x <= 2.5; x += 1e-4 {
		e := make([]float64, 1)
		well.Energy(e, []float64{x}, 1)
		num += x * x * math.Exp(-e[0])
		den += math.Exp(-e[0])
	}
	sq := pt.Chain(0)
	for c := range sq {
		for k, v := range sq[c] {
			sq[c][k] = v * v
		}
	}
	if got, se, want := meanOf(sq), diag.MCSEMean(sq), num/den; math.Abs(got-want) > 4*se {
		t.Errorf("parallel tempering: E[x²] = %.4f, want %.4f ± %.4f", got, want, 4*se)
	}
	for r, s := range pt.SwapRate {
		if s < 0.2 || s > 0.99 {
			t.Errorf("swap rate %d↔%d is %.3f", r, r+1, s)
		}
	}
	lg, err := Langevin{StepSize: schedule.Constant(0.005)}.Sample(context.Background(), well, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, frac := leftFraction(lg); frac > 0.05 {
		t.Errorf("plain Langevin: %.3f of draws in the left well; expected it to stay right of the barrier", frac)
	}
}

func TestLadder(t *testing.T) {
	ts, err := ParallelTempering{Replicas: 3, MaxTemperature: 9}.Ladder()
	if err != nil || len(ts) != 3 || ts[0] != 1 || math.Abs(ts[1]-3) > 1e-12 || math.Abs(ts[2]-9) > 1e-12 {
		t.Fatalf("ladder %v, %v; want [1 3 9]", ts, err)
	}
	for _, bad := range []ParallelTempering{{Temperatures: []float64{2, 3}}, {Temperatures: []float64{1, 1}}, {Replicas: 1}, {MaxTemperature: 0.5}} {
		if _, err := bad.Ladder(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// TestAISLogZ: log Z of a correlated Gaussian, (d/2)·log 2π + ½·log|Σ|,
// within 4 of the reported standard errors.
func TestAISLogZ(t *testing.T) {
	g, err := energy.NewGaussian([]float64{1, -1}, []float64{2, 0.5, 0.5, 1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := AIS{StepSize: schedule.Constant(0.1), MoveSteps: 2}.Anneal(context.Background(), g,
		Options{Chains: 256, Steps: 500, Seed: 31})
	if err != nil {
		t.Fatal(err)
	}
	want := g.LogZ()
	if se := r.LogZSE; !(se > 0 && se < 0.05) || math.Abs(r.LogZ-want) > 4*se {
		t.Fatalf("log Z = %.4f ± %.4f, want %.4f", r.LogZ, se, want)
	}
	if _, err := (AIS{}).Sample(context.Background(), g, Options{Chains: 2, Steps: 10, Warmup: 5}); err == nil {
		t.Error("AIS accepted a warm-up")
	}
}
