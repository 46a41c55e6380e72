package model

import (
	"context"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
)

// Sampled is a sampler's run with what its kind of sampler adds.
type Sampled struct {
	*sampler.Result
	// SwapRates are parallel tempering's swap rates between neighbouring
	// temperatures (nil for other samplers).
	SwapRates []float64
	// LogZ and LogZSE are AIS's estimate of log Z and its standard error
	// (nil for other samplers).
	LogZ, LogZSE *float64
}

// Sample runs s on e, through Temper or Anneal where s is parallel
// tempering or AIS so that their swap rates or log Z are kept.
func Sample(ctx context.Context, s sampler.Sampler, e energy.Energy, o sampler.Options) (*Sampled, error) {
	switch s := s.(type) {
	case sampler.ParallelTempering:
		r, err := s.Temper(ctx, e, o)
		if err != nil {
			return nil, err
		}
		return &Sampled{Result: &r.Result, SwapRates: r.SwapRate}, nil
	case sampler.AIS:
		r, err := s.Anneal(ctx, e, o)
		if err != nil {
			return nil, err
		}
		return &Sampled{Result: &r.Result, LogZ: &r.LogZ, LogZSE: &r.LogZSE}, nil
	}
	r, err := s.Sample(ctx, e, o)
	if err != nil {
		return nil, err
	}
	return &Sampled{Result: r}, nil
}

// Acceptance returns the mean over chains of the acceptance rate after
// warm-up.
func (s *Sampled) Acceptance() float64 {
	a := 0.0
	for _, r := range s.Info.AcceptRate {
		a += r / float64(s.Chains)
	}
	return a
}

// Divergences returns the number of divergent transitions after warm-up,
// over all chains.
func (s *Sampled) Divergences() int {
	n := 0
	for _, d := range s.Info.Divergences {
		n += d
	}
	return n
}
