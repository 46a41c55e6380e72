package sampler

import (
	"context"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/schedule"
)

// TestBlockSize: independent chains are cut into ⌈chains/workers⌉ per
// block, between 1 and BlockSize; other kernels keep BlockSize.
func TestBlockSize(t *testing.T) {
	for _, c := range []struct {
		chains, workers int
		independent     bool
		want            int
	}{
		{4, 1, true, 4}, {4, 2, true, 2}, {4, 4, true, 1}, {4, 16, true, 1},
		{5, 2, true, 3}, {70, 4, true, 18}, {200, 4, true, 48}, {64, 2, true, 32},
		{4, 4, false, 48}, {70, 4, false, 48},
	} {
		if got := blockSize(c.chains, c.workers, c.independent); got != c.want {
			t.Errorf("blockSize(%d chains, %d workers, independent %v) = %d, want %d", c.chains, c.workers, c.independent, got, c.want)
		}
	}
}

// TestFewChainsUseEveryWorker: 4 chains of an independent kernel on 4
// workers make 4 blocks (4 kernels, each Init once), on 1 worker one
// block; parallel tempering's chains, which share swap counts, stay in one.
func TestFewChainsUseEveryWorker(t *testing.T) {
	count := func(workers int, k func() Kernel, e energy.Energy) int64 {
		var n atomic.Int64
		_, err := Run(context.Background(), e, Options{Chains: 4, Dim: 3, Steps: 2, Workers: workers}, func() Kernel {
			n.Add(1)
			return k()
		})
		if err != nil {
			t.Fatal(err)
		}
		return n.Load()
	}
	nuts := func() Kernel { return withAdaptation(&nutsKernel{step0: 0.1, maxDepth: 10}, true, 0.8, true) }
	pt := func() Kernel {
		return &ptKernel{temps: []float64{1, 2}, step0: 0.01, blocks: &perBlock[*ptKernel]{}}
	}
	var plain energy.Energy = energy.Harmonic{}
	dependent := batchDependent{}
	for _, c := range []struct {
		name    string
		workers int
		k       func() Kernel
		e       energy.Energy
		want    int64
	}{
		{"nuts", 1, nuts, plain, 1}, {"nuts", 2, nuts, plain, 2}, {"nuts", 4, nuts, plain, 4}, {"nuts", 8, nuts, plain, 4},
		{"tempering", 4, pt, plain, 1},
		{"nuts on a batch-dependent energy", 4, nuts, dependent, 1},
		{"nuts on a sum with a batch-dependent term", 4, nuts, sumOf(t, plain, dependent), 1},
	} {
		if got := count(c.workers, c.k, c.e); got != c.want {
			t.Errorf("%s on %d workers: %d blocks, want %d", c.name, c.workers, got, c.want)
		}
	}
}

// batchDependent is an energy that says its values depend on the batch, as
// a network on OpenBLAS's products does.
type batchDependent struct{ energy.Harmonic }

func (batchDependent) BatchDependent() bool { return true }

func sumOf(t *testing.T, terms ...energy.Energy) energy.Energy {
	s, err := energy.NewSum(terms, []float64{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestFewChainsSameDrawsOnAnyWorkerCount: 4 chains on 1, 2 and 4 workers
// (blocks of 4, 2 and 1 chains) give the same bits: draws, energies, per-draw
// reports, tuned step sizes and metrics, and gradient counts. On a Gaussian
// for every kernel, and on a neural energy (energy.Model) for the batched
// kernels, whose energy calls then hold fewer points.
func TestFewChainsSameDrawsOnAnyWorkerCount(t *testing.T) {
	g, _, _ := illConditioned(t)
	net, err := nn.NewMLP(rand.New(rand.NewPCG(1, 2)), []int{10, 32, 32, 1}, nn.SiLU(), nil)
	if err != nil {
		t.Fatal(err)
	}
	model, err := energy.NewModel(net, 10)
	if err != nil {
		t.Fatal(err)
	}
	// A bowl around the network, so that the chains stay put.
	neural, err := energy.NewSum([]energy.Energy{model, energy.Harmonic{}}, []float64{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		e    energy.Energy
		s    sampleFunc
	}{
		{"nuts", g, NUTS{}.Sample},
		{"hmc", g, HMC{Adapt: true, AdaptMass: true}.Sample},
		{"mala", g, MALA{Adapt: true, AdaptMass: true}.Sample},
		{"rwm", g, RWM{Adapt: true, AdaptMass: true}.Sample},
		{"slice", g, Slice{}.Sample},
		{"langevin", g, Langevin{}.Sample},
		{"nesterov", g, Nesterov{StepSize: schedule.Constant(1e-3)}.Sample},
		{"rmhmc", g, RMHMC{Metric: diagMetric{c: 0.5}}.Sample},
		{"tempering", g, ParallelTempering{Replicas: 3}.Sample},
		{"hmc/model", neural, HMC{Adapt: true, AdaptMass: true}.Sample},
		{"mala/model", neural, MALA{Adapt: true}.Sample},
		{"nuts/model", neural, NUTS{}.Sample},
	} {
		var ref *Result
		for _, workers := range []int{1, 2, 4} {
			o := Options{Chains: 4, Warmup: 150, Steps: 40, Seed: 3, Trajectory: true, Workers: workers}
			r, err := c.s(context.Background(), c.e, o)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if ref == nil {
				ref = r
				continue
			}
			if diff := firstDiff(ref, r); diff != "" {
				t.Errorf("%s: %s differs between 1 and %d workers", c.name, diff, workers)
			}
		}
	}
}

// firstDiff names the first value in which two runs differ, bit for bit.
func firstDiff(a, b *Result) string {
	same := func(x, y []float64) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
				return false
			}
		}
		return true
	}
	switch {
	case !same(a.Draws, b.Draws):
		return "draws"
	case !same(a.Energies, b.Energies):
		return "energies"
	case !same(a.Final, b.Final):
		return "final points"
	case !same(a.Tuned.StepSize, b.Tuned.StepSize) || !same(a.Tuned.InvMass, b.Tuned.InvMass):
		return "tuning"
	case !same(a.Info.AcceptRate, b.Info.AcceptRate):
		return "acceptance"
	case a.Info.GradEvals != b.Info.GradEvals || a.Info.EnergyEvals != b.Info.EnergyEvals:
		return "evaluation counts"
	}
	for i := range a.StepInfo {
		if a.StepInfo[i] != b.StepInfo[i] && !(math.IsNaN(a.StepInfo[i].Energy) && math.IsNaN(b.StepInfo[i].Energy)) {
			return "step reports"
		}
	}
	return ""
}
