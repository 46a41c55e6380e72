package model

import (
	"bytes"
	"context"
	"testing"

	"github.com/goebm/goebm/nn"
)

// TestFitIsNewLossThenTrain checks that Fit gives the weights that
// building the config's loss and calling Train give, bit for bit.
func TestFitIsNewLossThenTrain(t *testing.T) {
	ctx := context.Background()
	train, _, err := Data("twomoons", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := Config{Data: "twomoons", Loss: "nce", Dim: 2, Hidden: 8, Layers: 1, Activation: "silu", Steps: 5, Batch: 32, LR: 1e-3, Seed: 2}
	weights := func(m Model) []byte {
		var b bytes.Buffer
		if err := nn.WriteParams(&b, m.Net().Params()); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	fitted, _, err := Fit(ctx, c, train, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.NewLoss(train)
	if err != nil {
		t.Fatal(err)
	}
	trained, _, err := Train(ctx, c, l, train, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(weights(fitted), weights(trained)) {
		t.Error("Fit and NewLoss then Train give different weights")
	}
}
