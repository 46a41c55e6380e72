package nn_test

import (
	"testing"

	"github.com/goebm/goebm/bench"
)

// BenchmarkMLP times the three gradient shapes of EBM training on
// TorchEBM's benchmark network (the mlp_* cases of package bench);
// bench/peer/torch_mlp.py times the same in PyTorch.
func BenchmarkMLP(b *testing.B) { bench.Benchmark(b, "mlp_*") }
