package model

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
)

// bivariate is N(0, [[1, ρ], [ρ, 1]]), ρ = 0.8: given x₀ = v, x₁ is
// N(ρv, 1 − ρ²); given a noisy y of both with noise σ, the posterior mean is
// (Σ⁻¹ + I/σ²)⁻¹y/σ² = Σ(Σ + σ²I)⁻¹y.
func bivariate(t *testing.T) energy.Energy {
	g, err := energy.NewGaussian([]float64{0, 0}, []float64{1, 0.8, 0.8, 1})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// checkMean compares image i's posterior mean of coordinate j with want,
// within 4 MCSE of its chains' draws.
func checkMean(t *testing.T, what string, c *Completed, i, j int, want float64) {
	t.Helper()
	chains := c.Run.Chain(j)[i*c.Completions : (i+1)*c.Completions]
	se := diag.MCSEMean(chains)
	if got := c.Mean[i*c.Dim+j]; math.Abs(got-want) > 4*se {
		t.Errorf("%s: image %d, coordinate %d: mean %.4f, want %.4f ± %.4f", what, i, j, got, want, 4*se)
	}
}

// TestInpaint: two images, each with one coordinate observed (the other
// NaN), completed in one call: their means match the exact conditional
// ones, the observed coordinates are kept, and completing them one call
// each (FirstImage) gives the same draws bit for bit.
func TestInpaint(t *testing.T) {
	e := bivariate(t)
	images := []float64{1.5, math.NaN(), math.NaN(), -1}
	mask := []bool{true, false, false, true}
	s := Completion{Completions: 8, Warmup: 300, Steps: 1500, Seed: 3}
	c, err := Inpaint(context.Background(), e, images, mask, 2, s)
	if err != nil {
		t.Fatal(err)
	}
	checkMean(t, "inpaint", c, 0, 1, 0.8*1.5)
	checkMean(t, "inpaint", c, 1, 0, 0.8*-1)
	for k := range c.Completions {
		if c.Final[k*2] != 1.5 || c.Final[(8+k)*2+1] != -1 {
			t.Fatalf("completion %d moved an observed coordinate: %v", k, c.Final)
		}
	}
	for i := range 2 {
		s.FirstImage = i
		one, err := Inpaint(context.Background(), e, images[i*2:(i+1)*2], mask[i*2:(i+1)*2], 2, s)
		if err != nil {
			t.Fatal(err)
		}
		for n, v := range one.Run.Draws {
			if w := c.Run.Draws[i*len(one.Run.Draws)+n]; math.Float64bits(v) != math.Float64bits(w) {
				t.Fatalf("image %d alone: draw value %d is %g, batched %g", i, n, v, w)
			}
		}
	}
}

// TestDenoise: the posterior mean of a noisy pair matches Σ(Σ + σ²I)⁻¹y,
// and, with bounds, every draw stays in the box.
func TestDenoise(t *testing.T) {
	e := bivariate(t)
	y := []float64{1, -0.5}
	const sigma = 0.5
	c, err := Denoise(context.Background(), e, y, sigma, 2, Completion{Completions: 8, Warmup: 300, Steps: 1500, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	// Σ + σ²I = [[1.25, 0.8], [0.8, 1.25]]; its inverse times y, then Σ.
	det := 1.25*1.25 - 0.64
	u := []float64{(1.25*y[0] - 0.8*y[1]) / det, (-0.8*y[0] + 1.25*y[1]) / det}
	checkMean(t, "denoise", c, 0, 0, u[0]+0.8*u[1])
	checkMean(t, "denoise", c, 0, 1, 0.8*u[0]+u[1])

	b := &sampler.Bounds{Lo: []float64{-0.2}, Hi: []float64{0.9}}
	c, err = Denoise(context.Background(), e, y, sigma, 2, Completion{Completions: 2, Warmup: 50, Steps: 200, Bounds: b})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range c.Run.Draws {
		if v < -0.2 || v > 0.9 {
			t.Fatalf("draw %g outside the box [−0.2, 0.9]", v)
		}
	}
}

// TestCompletionInvalid: a mask of the wrong length, a NaN observed value,
// a noise level that is not positive, and rows that do not divide are
// refused.
func TestCompletionInvalid(t *testing.T) {
	e := bivariate(t)
	ctx := context.Background()
	for name, err := range map[string]error{
		"mask length":  completionErr(Inpaint(ctx, e, []float64{1, 2}, []bool{true}, 2, Completion{})),
		"NaN observed": completionErr(Inpaint(ctx, e, []float64{math.NaN(), 2}, []bool{true, false}, 2, Completion{})),
		"rows":         completionErr(Inpaint(ctx, e, []float64{1, 2, 3}, []bool{true, false}, 2, Completion{})),
		"sigma 0":      completionErr(Denoise(ctx, e, []float64{1, 2}, 0, 2, Completion{})),
		"NaN noisy":    completionErr(Denoise(ctx, e, []float64{1, math.NaN()}, 1, 2, Completion{})),
		"completions":  completionErr(Denoise(ctx, e, []float64{1, 2}, 1, 2, Completion{Completions: -1})),
	} {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func completionErr[T any](_ T, err error) error { return err }
