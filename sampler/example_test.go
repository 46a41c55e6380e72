package sampler_test

import (
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
)

// Draw from a correlated Gaussian with NUTS and summarise the draws.
func ExampleNUTS() {
	target, err := energy.NewGaussian([]float64{1, -2}, []float64{2, 0.9, 0.9, 1})
	if err != nil {
		panic(err)
	}
	r, err := sampler.NUTS{}.Sample(context.Background(), target, sampler.Options{
		Chains: 4, Warmup: 500, Steps: 1000, Seed: 7, Trajectory: true,
	})
	if err != nil {
		panic(err)
	}
	sums := []diag.Summary{diag.Summarize(r.Chain(0)), diag.Summarize(r.Chain(1))}
	fmt.Printf("means %.1f %.1f, sds %.1f %.1f, R-hat below 1.01: %v\n",
		sums[0].Mean, sums[1].Mean, sums[0].SD, sums[1].SD, sums[0].Rhat < 1.01 && sums[1].Rhat < 1.01)
	// Output:
	// means 1.0 -2.0, sds 1.4 1.0, R-hat below 1.01: true
}

// Draw from a correlated Gaussian without gradients: random-walk Metropolis
// with its scale adapted, and slice sampling.
func ExampleRWM() {
	target, err := energy.NewGaussian([]float64{1, -2}, []float64{2, 0.9, 0.9, 1})
	if err != nil {
		panic(err)
	}
	o := sampler.Options{Chains: 8, Warmup: 1000, Steps: 4000, Seed: 7, Trajectory: true}
	for _, s := range []sampler.Sampler{sampler.RWM{Adapt: true}, sampler.Slice{}} {
		r, err := s.Sample(context.Background(), target, o)
		if err != nil {
			panic(err)
		}
		sums := []diag.Summary{diag.Summarize(r.Chain(0)), diag.Summarize(r.Chain(1))}
		fmt.Printf("%T: means %.1f %.1f, sds %.1f %.1f, gradients %d\n",
			s, sums[0].Mean, sums[1].Mean, sums[0].SD, sums[1].SD, r.Info.GradEvals)
	}
	// Output:
	// sampler.RWM: means 1.0 -2.0, sds 1.4 1.0, gradients 0
	// sampler.Slice: means 1.0 -2.0, sds 1.4 1.0, gradients 0
}

// rwm is random-walk Metropolis, y = x + h·√(M⁻¹)⊙ξ accepted with
// probability min(1, exp(E(x) − E(y))), written against the exported seam:
// Run gives it chains and reproducibility, Adaptation tunes its scale h and
// its metric M⁻¹. It is a sketch of how a kernel is written; the package's
// own, sampler.RWM, is the same move without gradients (GradientFree,
// through State.EnergyChains).
type rwm struct{ y, ey, gy []float64 }

func (k *rwm) Init(s *sampler.State, tune *sampler.Tuning) error {
	tune.InvMass = make([]float64, s.N*s.Dim) // a metric, so Adaptation estimates it
	for j := range tune.InvMass {
		tune.InvMass[j] = 1
	}
	for i := range tune.StepSize {
		tune.StepSize[i] = 1
	}
	k.y, k.ey, k.gy = make([]float64, s.N*s.Dim), make([]float64, s.N), make([]float64, s.N*s.Dim)
	return nil
}

func (k *rwm) Step(s *sampler.State, tune *sampler.Tuning, info []sampler.StepInfo) error {
	d := s.Dim
	for j := range k.y {
		i := j / d
		k.y[j] = s.X[j] + tune.StepSize[i]*math.Sqrt(tune.InvMass[j])*s.RNG[i].NormFloat64()
	}
	s.Grad(k.ey, k.gy, k.y) // the state carries ∇E for the kernels that need it
	for i := range s.N {
		a := math.Min(1, math.Exp(s.E[i]-k.ey[i]))
		s.Accept(i, a, math.IsNaN(k.ey[i]), k.y[i*d:(i+1)*d], k.gy[i*d:(i+1)*d], k.ey[i], &info[i])
		info[i].Energy = s.E[i]
	}
	return nil
}

var _ sampler.Kernel = (*rwm)(nil)

// newRWM makes the kernel of one block of chains, wrapped in Stan's warm-up:
// dual averaging of the scale towards an acceptance of 0.3, and the metric.
func newRWM() sampler.Kernel {
	return &sampler.Adaptation{Kernel: &rwm{}, TargetAccept: 0.3, Mass: true}
}

// A kernel of one's own, here random-walk Metropolis, gets chains, warm-up
// and diagnostics from Run.
func Example_kernel() {
	target, err := energy.NewGaussian([]float64{1, -2}, []float64{4, 0, 0, 0.25})
	if err != nil {
		panic(err)
	}
	r, err := sampler.Run(context.Background(), target, sampler.Options{
		Chains: 8, Warmup: 1000, Steps: 4000, Seed: 3, Trajectory: true,
	}, newRWM)
	if err != nil {
		panic(err)
	}
	sums := []diag.Summary{diag.Summarize(r.Chain(0)), diag.Summarize(r.Chain(1))}
	fmt.Printf("means %.1f %.1f, sds %.1f %.1f, inverse masses near the variances: %v\n",
		sums[0].Mean, sums[1].Mean, sums[0].SD, sums[1].SD, r.Tuned.InvMass[0] > 2 && r.Tuned.InvMass[1] < 0.5)
	// Output:
	// means 1.0 -2.0, sds 2.0 0.5, inverse masses near the variances: true
}
