package model

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"time"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
)

// Completion are the settings of Inpaint and Denoise; the zero value
// means the defaults.
type Completion struct {
	// Sampler draws the completions; nil means MALA adapting its step and
	// diagonal metric (one gradient a step, whatever the energy).
	Sampler sampler.Sampler
	// Completions is the number of chains, and so of completions, per
	// image; 0 means 4.
	Completions int
	// Warmup and Steps are each chain's warm-up and kept steps; 0 means 500
	// each, and a negative Warmup none.
	Warmup, Steps int
	// Seed fixes the draws. Image i's completion k draws from the stream
	// (FirstImage + i)·Completions + k, so that images completed in several
	// calls, each with FirstImage its first image's index, get the draws of
	// one call.
	Seed       uint64
	FirstImage int
	// Bounds keeps the chains inside a box (DataBounds gives the training
	// data's); nil means none.
	Bounds *sampler.Bounds
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
}

// Completed is what Inpaint and Denoise return.
type Completed struct {
	// Images and Completions are the number of images and of completions
	// per image, Dim their dimension.
	Images, Completions, Dim int
	// Final holds the completions: Final[((i·Completions + k)·Dim + j]
	// is coordinate j of image i's completion k, the last state of its
	// chain. Observed coordinates hold their values.
	Final []float64
	// Mean holds each image's posterior mean, over its chains and kept
	// steps (Images×Dim): the least-squares estimate, and a denoiser's.
	Mean []float64
	// Run is the sampler's run, with its diagnostics (one chain per
	// completion, in the order of Final).
	Run *sampler.Result
	// Seconds is the run's wall-clock time.
	Seconds float64
}

// Inpaint samples, for each of the n images (the rows of images, of
// dimension d), its missing coordinates given its observed ones, from
// p(x_missing | x_observed) ∝ exp(−E(x)): one sampler call for all images.
// observed marks the observed coordinates, n×d values or d shared by every
// image; images may hold NaN where a coordinate is missing. Each chain
// starts from its image with the missing coordinates at the mean of the
// observed ones.
func Inpaint(ctx context.Context, e energy.Energy, images []float64, observed []bool, d int, s Completion) (*Completed, error) {
	n, err := imageRows(images, d)
	if err != nil {
		return nil, err
	}
	if len(observed) != n*d && len(observed) != d {
		return nil, fmt.Errorf("model: inpainting mask of %d values for %d images of dimension %d (give %d or %d): %w", len(observed), n, d, n*d, d, ErrInvalid)
	}
	mask := func(i, j int) bool { return observed[(i*d+j)%len(observed)] }
	start := make([]float64, n*d)
	for i := range n {
		sum, count := 0.0, 0
		for j := range d {
			if v := images[i*d+j]; mask(i, j) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("model: image %d, observed coordinate %d is %g: %w", i, j, v, ErrInvalid)
				}
				sum += v
				count++
			}
		}
		fillIn := 0.0
		if count > 0 {
			fillIn = sum / float64(count)
		}
		for j := range d {
			start[i*d+j] = fillIn
			if mask(i, j) {
				start[i*d+j] = images[i*d+j]
			}
		}
	}
	mk := make([]bool, n*d)
	for i := range mk {
		mk[i] = mask(i/d, i%d)
	}
	return complete(ctx, e, start, &sampler.Condition{Observed: mk, Values: start}, n, d, s)
}

// Denoise samples, for each of the n noisy images y (the rows of noisy, of
// dimension d), clean images from p(x | y) ∝ exp(−E(x) − ‖x − y‖²/(2σ²)),
// σ = sigma: one sampler call for all images, each chain starting at its y.
// Completed.Mean is then the posterior-mean denoiser.
func Denoise(ctx context.Context, e energy.Energy, noisy []float64, sigma float64, d int, s Completion) (*Completed, error) {
	n, err := imageRows(noisy, d)
	if err != nil {
		return nil, err
	}
	if !(sigma > 0) || math.IsInf(sigma, 0) {
		return nil, fmt.Errorf("model: denoising noise level %g must be positive and finite: %w", sigma, ErrInvalid)
	}
	for i, v := range noisy {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("model: noisy image %d, coordinate %d is %g: %w", i/d, i%d, v, ErrInvalid)
		}
	}
	return complete(ctx, e, noisy, &sampler.Condition{Values: noisy, Noise: sigma}, n, d, s)
}

// imageRows returns the number of rows of dimension d in x.
func imageRows(x []float64, d int) (int, error) {
	if d < 1 || len(x) == 0 || len(x)%d != 0 {
		return 0, fmt.Errorf("model: %d values are not images of dimension %d: %w", len(x), d, ErrInvalid)
	}
	return len(x) / d, nil
}

// complete runs s's sampler on the n images' chains, each starting at its
// image's row of start, conditioned by c (one row per image, repeated for
// each completion).
func complete(ctx context.Context, e energy.Energy, start []float64, c *sampler.Condition, n, d int, s Completion) (*Completed, error) {
	k := cmp.Or(s.Completions, 4)
	warm, steps := max(cmp.Or(s.Warmup, 500), 0), cmp.Or(s.Steps, 500)
	if k < 1 || steps < 0 || s.FirstImage < 0 {
		return nil, fmt.Errorf("model: %d completions, %d steps, first image %d: %w", k, steps, s.FirstImage, ErrInvalid)
	}
	smp := s.Sampler
	if smp == nil {
		smp = sampler.MALA{Adapt: true, AdaptMass: true}
	}
	// One chain per completion: image i's rows repeated k times.
	rep := func(x []float64) []float64 {
		if x == nil {
			return nil
		}
		out := make([]float64, 0, n*k*d)
		for i := range n {
			for range k {
				out = append(out, x[i*d:(i+1)*d]...)
			}
		}
		return out
	}
	cond := &sampler.Condition{Values: rep(c.Values), Noise: c.Noise}
	if c.Observed != nil {
		for i := range n {
			for range k {
				cond.Observed = append(cond.Observed, c.Observed[i*d:(i+1)*d]...)
			}
		}
	}
	o := sampler.Options{Chains: n * k, Dim: d, Init: rep(start), Warmup: warm, Steps: steps, Trajectory: true,
		Seed: s.Seed, FirstStream: uint64(s.FirstImage) * uint64(k), Workers: s.Workers, Bounds: s.Bounds, Condition: cond}
	t0 := time.Now()
	r, err := smp.Sample(ctx, e, o)
	if err != nil {
		return nil, err
	}
	out := &Completed{Images: n, Completions: k, Dim: d, Final: r.Final, Mean: make([]float64, n*d), Run: r,
		Seconds: time.Since(t0).Seconds()}
	if r.Kept > 0 {
		for c := range r.Chains {
			i := c / k
			for t := range r.Kept {
				row := r.Draws[(c*r.Kept+t)*d : (c*r.Kept+t+1)*d]
				for j, v := range row {
					out.Mean[i*d+j] += v / float64(k*r.Kept)
				}
			}
		}
	}
	return out, nil
}

// DataBounds returns the box of the data c trained on (Data's training
// points), each coordinate's minimum and maximum, with mode: the box to keep
// chains of a model of bounded data (pixels) in.
func DataBounds(c Config, mode sampler.BoundMode) (*sampler.Bounds, error) {
	train, _, err := c.Points(0)
	if err != nil {
		return nil, err
	}
	return sampler.BoundsOf(train.Data(), train.Dim(1), mode)
}
