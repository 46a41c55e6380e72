package loss_test

import (
	"testing"

	"github.com/goebm/goebm/bench"
)

// BenchmarkTorchEBM times one forward and backward pass (∇θ) of each of
// TorchEBM's loss workloads from the registry in package bench.
func BenchmarkTorchEBM(b *testing.B) { bench.Benchmark(b, "loss_*") }

// BenchmarkEquilibriumMatching times one forward and backward pass of the
// EqM loss, implicit and explicit, at TorchEBM's scales.
func BenchmarkEquilibriumMatching(b *testing.B) { bench.Benchmark(b, "eqm*") }
