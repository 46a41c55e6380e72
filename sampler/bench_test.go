package sampler_test

import (
	"testing"

	"github.com/goebm/goebm/bench"
)

// BenchmarkTorchEBM runs TorchEBM's sampler workloads from the registry in
// package bench (Langevin and HMC on DoubleWell at its three scales),
// reporting chain-gradient evaluations per second as TorchEBM counts them.
func BenchmarkTorchEBM(b *testing.B) { bench.Benchmark(b, "langevin_*,hmc_*") }

// BenchmarkScaling runs the large sampler workloads on 1 worker and on 2:
// the ratio of their times is the speed-up from the second core.
func BenchmarkScaling(b *testing.B) { bench.Run(b, bench.Scaling()) }
