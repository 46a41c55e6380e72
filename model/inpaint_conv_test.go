package model

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/nn"
)

// TestInpaintConvEnergy: conditioning lives in the sampler, so it works
// for a network energy as for an analytic one. Three 4×4 images with their
// bottom half missing, completed by a small convolutional energy in one
// call: the observed pixels never move, every draw is finite, and each
// image completed alone (FirstImage) gives the batched draws bit for bit.
func TestInpaintConvEnergy(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	net, err := nn.NewConvEnergy(rng, 1, 4, 4, []int{3, 4}, nn.SiLU())
	if err != nil {
		t.Fatal(err)
	}
	e, err := energy.NewModel(net, 16)
	if err != nil {
		t.Fatal(err)
	}
	const n, d = 3, 16
	images := make([]float64, n*d)
	mask := make([]bool, d)
	for j := range d {
		mask[j] = j < d/2
	}
	for i := range images {
		if mask[i%d] {
			images[i] = rng.Float64()*2 - 1
		} else {
			images[i] = math.NaN()
		}
	}
	s := Completion{Completions: 4, Warmup: 50, Steps: 20, Seed: 9}
	c, err := Inpaint(context.Background(), e, images, mask, d, s)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.Final {
		i, j := k/d/s.Completions, k%d
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("draw value %d is %g", k, v)
		}
		if mask[j] && v != images[i*d+j] {
			t.Fatalf("completion row %d moved observed pixel %d: %g, was %g", k/d, j, v, images[i*d+j])
		}
	}
	for i := range n {
		s.FirstImage = i
		one, err := Inpaint(context.Background(), e, images[i*d:(i+1)*d], mask, d, s)
		if err != nil {
			t.Fatal(err)
		}
		for m, v := range one.Run.Draws {
			if w := c.Run.Draws[i*len(one.Run.Draws)+m]; math.Float64bits(v) != math.Float64bits(w) {
				t.Fatalf("image %d alone: draw value %d is %g, batched %g", i, m, v, w)
			}
		}
	}
}
