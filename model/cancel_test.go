package model

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/tensor"
)

// TestScoreCancelled checks that the final scoring of an energy and of a
// flow returns context.Canceled on a cancelled context.
func TestScoreCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	flow := mustLoad(t, "testdata/twomoons-fm")
	cfg := Config{Data: "twomoons", Loss: "dsm", Dim: 2, Hidden: 4, Layers: 1, Activation: "tanh"}
	l, err := NewLoss("dsm", LossSettings{Steps: 1})
	if err != nil {
		t.Fatal(err)
	}
	net, err := cfg.Network(KindOf(l), 1)
	if err != nil {
		t.Fatal(err)
	}
	en, err := New(cfg, net, l)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	ref, test := tensor.Randn(rng, 500, 2), tensor.Randn(rng, 200, 2)
	for _, m := range []Model{flow, en} {
		if _, err := Score(ctx, m, "twomoons", ref, test, rng); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v, want context.Canceled", m.Kind(), err)
		}
	}
}
