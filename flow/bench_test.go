package flow_test

import (
	"testing"

	"github.com/goebm/goebm/bench"
)

// BenchmarkFlow times generation by integrating a velocity MLP at
// TorchEBM's scales, by Euler and by adaptive Dormand–Prince (the flow_*
// cases of package bench), reporting the field evaluations per call.
func BenchmarkFlow(b *testing.B) { bench.Benchmark(b, "flow_*") }
