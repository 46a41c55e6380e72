package sampler

import (
	"context"

	"github.com/goebm/goebm/energy"
)

// Sampler is what every sampler here is: settings with a Sample method.
// Losses that need model samples (contrastive divergence) take any Sampler.
type Sampler interface {
	Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error)
}

var (
	_ Sampler = Langevin{}
	_ Sampler = MALA{}
	_ Sampler = RWM{}
	_ Sampler = Slice{}
	_ Sampler = HMC{}
	_ Sampler = NUTS{}
	_ Sampler = RMHMC{}
	_ Sampler = ParallelTempering{}
	_ Sampler = AIS{}
	_ Sampler = GradientDescent{}
	_ Sampler = Nesterov{}
)
