package sampler

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/limit"
)

// TestKernelSizesBounded: sizes the kernels allocate beyond Run's (the
// tempering ladder and its replicas, RMHMC's d³ metric derivatives, a
// dense metric's d×d) are refused with an error naming them, not a panic
// in make or an exhausted machine.
func TestKernelSizesBounded(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		run  func() error
		msg  string
	}{
		{"replicas", func() error {
			_, err := ParallelTempering{Replicas: 1 << 62}.Sample(ctx, energy.Harmonic{}, Options{Chains: 1, Dim: 2, Steps: 1})
			return err
		}, "replicas"},
		{"chains × replicas", func() error {
			_, err := ParallelTempering{Replicas: 1 << 30}.Sample(ctx, energy.Harmonic{}, Options{Chains: 1 << 10, Dim: 1 << 10, Steps: 1})
			return err
		}, "chains × replicas × dim"},
		{"RMHMC", func() error {
			g, err := energy.NewGaussian(make([]float64, 2), []float64{1, 0, 0, 1})
			if err != nil {
				return err
			}
			_, err = RMHMC{Metric: g}.Sample(ctx, energy.Harmonic{}, Options{Chains: 1, Dim: 1 << 22, Steps: 1})
			return err
		}, "RMHMC's metric derivatives"},
		{"dense metric", func() error {
			_, err := newMetric(1, 1<<32, nil, []float64{}, false)
			return err
		}, "dense metric"},
		{"adapted dense metrics", func() error {
			_, err := NUTS{Metric: MetricDense}.Sample(ctx, energy.Harmonic{}, Options{Chains: 1 << 10, Dim: 1 << 14, Steps: 1})
			return err
		}, "chains × dim × dim"},
	} {
		err := c.run()
		if !errors.Is(err, ErrInvalid) || !errors.Is(err, limit.ErrSize) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v; want ErrInvalid and ErrSize naming %q", c.name, err, c.msg)
		}
	}
}
