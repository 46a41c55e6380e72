package eval

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/tensor"
)

// TestCancelled checks that the quadratic MMD and the quadrature return
// context.Canceled on a cancelled context.
func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := tensor.Randn(rng, 3000, 2), tensor.Randn(rng, 3000, 2)
	if _, _, err := MMD(ctx, x, y); !errors.Is(err, context.Canceled) {
		t.Errorf("MMD: %v, want context.Canceled", err)
	}
	box := Box{Lo: [2]float64{-3, -3}, Hi: [2]float64{3, 3}}
	if _, err := LogZ(ctx, energy.Harmonic{}, box, 4000); !errors.Is(err, context.Canceled) {
		t.Errorf("LogZ: %v, want context.Canceled", err)
	}
}
