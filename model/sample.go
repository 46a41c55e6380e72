package model

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
)

// Sampled is a sampler's run with what its kind of sampler adds.
type Sampled struct {
	*sampler.Result
	// SwapRates are parallel tempering's swap rates between neighbouring
	// temperatures (nil for other samplers).
	SwapRates []float64
	// LogZ and LogZSE are AIS's or SMC's estimate of log Z and its
	// standard error (nil for other samplers).
	LogZ, LogZSE *float64
	// Seconds is the run's wall-clock time.
	Seconds float64
}

// Sample runs s on e, through Temper or Anneal where s is parallel
// tempering, AIS or SMC so that their swap rates or log Z are kept.
func Sample(ctx context.Context, s sampler.Sampler, e energy.Energy, o sampler.Options) (*Sampled, error) {
	start := time.Now()
	r, err := run(ctx, s, e, o)
	if err != nil {
		return nil, err
	}
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

func run(ctx context.Context, s sampler.Sampler, e energy.Energy, o sampler.Options) (*Sampled, error) {
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
	case sampler.SMC:
		r, err := s.Temper(ctx, e, o)
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

// SampleSummary is what a run says about its draws and how they were
// made; it marshals to the JSON object ebm sample prints.
type SampleSummary struct {
	Chains    int     `json:"chains"`
	Draws     int     `json:"draws_per_chain"`
	Seconds   float64 `json:"seconds"`
	GradEvals int64   `json:"gradient_evaluations"`
	// SamplingGradEvals counts the gradients after warm-up: what an ESS per
	// gradient divides by.
	SamplingGradEvals int64 `json:"sampling_gradient_evaluations"`
	// EnergyEvals counts the energies evaluated without gradients (by the
	// gradient-free samplers, rwm and slice), and SamplingEnergyEvals those
	// after warm-up.
	EnergyEvals         int64      `json:"energy_evaluations,omitempty"`
	SamplingEnergyEvals int64      `json:"sampling_energy_evaluations,omitempty"`
	Acceptance          float64    `json:"acceptance"`
	Divergences         int        `json:"divergences"`
	SwapRates           []float64  `json:"swap_rates,omitempty"`
	LogZ                *float64   `json:"log_z,omitempty"`
	LogZSE              *float64   `json:"log_z_se,omitempty"`
	Dims                diag.Table `json:"dims"`
}

// Summary summarises the run, each coordinate by diag.SummarizeDraws (the
// run must have kept its trajectory).
func (s *Sampled) Summary() SampleSummary {
	return SampleSummary{Chains: s.Chains, Draws: s.Kept, Seconds: s.Seconds, GradEvals: s.Info.GradEvals, SamplingGradEvals: s.Info.SamplingGradEvals,
		EnergyEvals: s.Info.EnergyEvals, SamplingEnergyEvals: s.Info.SamplingEnergyEvals,
		Acceptance: s.Acceptance(), Divergences: s.Divergences(), SwapRates: s.SwapRates, LogZ: s.LogZ, LogZSE: s.LogZSE,
		Dims: diag.SummarizeDraws(s.Draws, s.Chains, s.Kept, s.Dim)}
}

// Print writes the summary's table of coordinates, then a line with the
// acceptance rate, the divergences, and the swap rates or log Z where the
// sampler gives them.
func (s SampleSummary) Print(w io.Writer) error {
	if err := s.Dims.Print(w); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nacceptance %.3f, divergences %d", s.Acceptance, s.Divergences)
	if s.SwapRates != nil {
		fmt.Fprintf(w, ", swap rates %.2f", s.SwapRates)
	}
	if s.LogZ != nil {
		fmt.Fprintf(w, ", log Z %.4f ± %.4f", *s.LogZ, *s.LogZSE)
	}
	_, err := fmt.Fprintln(w)
	return err
}
