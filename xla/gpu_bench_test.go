package xla

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
)

// The GPU benchmarks (bench/gpu/run.sh): -xla.bench=gpu runs the issue's
// sizes, the default "tiny" ones a CPU can check in seconds. Each op is one
// step: a Langevin step of every chain, or a training step (loss, its
// parameter gradient, Adam) on a fixed batch and fixed noise; the device is
// read back once, after the timed steps. bench/gpu/torch_peer.py times the
// same workloads in PyTorch. On a backend of several devices each case runs
// again spread over all of them, or those -xla.devices names ("/devices=N":
// chains in blocks, training data-parallel), whose time against the case's
// on one device is the scaling.
var (
	benchSizes   = flag.String("xla.bench", "tiny", "sizes of the benchmarks: tiny or gpu")
	benchSpreads = flag.String("xla.devices", "all", "devices the spread cases run on: all, or their numbers (0,0 checks them on one device)")
)

// benchShapes are the sizes of one -xla.bench setting.
type benchShapes struct {
	chains       []int // Langevin chains
	samplerDim   int   // the sampled energies' dimension
	samplerWidth int   // the sampled MLP's hidden width
	batches      []int // training batches
	dim, width   int   // the trained MLP: dim → width → width → 1
}

func shapesFor(b *testing.B) benchShapes {
	switch *benchSizes {
	case "tiny":
		return benchShapes{chains: []int{100, 1000}, samplerDim: 2, samplerWidth: 16, batches: []int{64, 256}, dim: 8, width: 32}
	case "gpu":
		return benchShapes{chains: []int{10_000, 100_000, 1_000_000}, samplerDim: 2, samplerWidth: 128, batches: []int{1024, 65_536}, dim: 64, width: 256}
	}
	b.Fatalf("-xla.bench=%q: want tiny or gpu", *benchSizes)
	return benchShapes{}
}

// benchMLP returns an xla MLP of goebm's default initialisation.
func benchMLP(b *testing.B, d, width int) *MLP {
	net, err := nn.NewMLP(rand.New(rand.NewPCG(1, 1)), []int{d, width, width, 1}, nn.SiLU(), nil)
	if err != nil {
		b.Fatal(err)
	}
	m, err := FromMLP(net)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkLangevin times a Langevin step (step 1e-3) of every chain on
// DoubleWell and on an MLP energy d → w → w → 1, chains from N(0, I), one
// compiled step per call and, "/unroll=10", ten.
func BenchmarkLangevin(b *testing.B) {
	s := shapesFor(b)
	for _, name := range []string{"doublewell", "mlp"} {
		var en Energy = DoubleWell{}
		if name == "mlp" {
			en = benchMLP(b, s.samplerDim, s.samplerWidth)
		}
		for _, n := range s.chains {
			for _, unroll := range []int{1, 10} {
				for _, devs := range benchDevices(b) {
					id := fmt.Sprintf("energy=%s/chains=%d", name, n)
					if unroll > 1 {
						id += fmt.Sprintf("/unroll=%d", unroll)
					}
					b.Run(id+devicesID(devs), func(b *testing.B) { benchLangevin(b, en, n, s.samplerDim, unroll, devs) })
				}
			}
		}
	}
}

// benchDevices returns the device lists a case runs on: device 0, and
// those of -xla.devices when they are several.
func benchDevices(b *testing.B) [][]compute.DeviceNum {
	devs, err := ParseDevices(testBackend(b), *benchSpreads)
	if err != nil {
		b.Fatal(err)
	}
	one := [][]compute.DeviceNum{{0}}
	if len(devs) == 1 {
		return one
	}
	return append(one, devs)
}

// devicesID names a spread case; "" for one device.
func devicesID(devs []compute.DeviceNum) string {
	if len(devs) == 1 {
		return ""
	}
	return fmt.Sprintf("/devices=%d", len(devs))
}

func benchLangevin(b *testing.B, en Energy, n, d, unroll int, devs []compute.DeviceNum) {
	x0 := Tensor(randn(rand.New(rand.NewPCG(2, 2)), n*d), n, d)
	c, err := NewChains(testBackend(b), en, Langevin{StepSize: 1e-3}, x0, 1)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Spread(devs); err != nil {
		b.Fatal(err)
	}
	if err := c.Unroll(unroll); err != nil {
		b.Fatal(err)
	}
	if err := c.Run(unroll + 1); err != nil { // compile and warm up
		b.Fatal(err)
	}
	Float64s(c.Energies())
	b.ResetTimer()
	if err := c.Run(b.N); err != nil {
		b.Fatal(err)
	}
	Float64s(c.Energies())
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "chain-steps/s")
}

// BenchmarkTrainStep times a DSM (σ = 0.1) and an SSM (one Gaussian probe)
// training step of an MLP dim → w → w → 1.
func BenchmarkTrainStep(b *testing.B) {
	s := shapesFor(b)
	for _, name := range []string{"dsm", "ssm"} {
		for _, n := range s.batches {
			for _, devs := range benchDevices(b) {
				benchTrainStep(b, s, name, n, devs)
			}
		}
	}
}

// benchTrainStep is one case of BenchmarkTrainStep.
func benchTrainStep(b *testing.B, s benchShapes, name string, n int, devs []compute.DeviceNum) {
	b.Run(fmt.Sprintf("loss=%s/batch=%d", name, n)+devicesID(devs), func(b *testing.B) {
		rng := rand.New(rand.NewPCG(3, 3))
		m := benchMLP(b, s.dim, s.width)
		x := Tensor(randn(rng, n*s.dim), n, s.dim)
		var l Loss = DSM{Sigma: 0.1}
		noise := Tensor(randn(rng, n*s.dim), n, s.dim)
		if name == "ssm" {
			l, noise = SSM{}, Tensor(randn(rng, n*s.dim), 1, n, s.dim)
		}
		tr, err := NewTrainer(testBackend(b), l, m, Adam{LR: 1e-3})
		if err != nil {
			b.Fatal(err)
		}
		if err := tr.Spread(devs); err != nil {
			b.Fatal(err)
		}
		in := []*tensors.Tensor{x, noise}
		if _, err := tr.Run(2, in...); err != nil { // compile and warm up
			b.Fatal(err)
		}
		b.ResetTimer()
		if _, err := tr.Run(b.N, in...); err != nil {
			b.Fatal(err)
		}
	})
}
