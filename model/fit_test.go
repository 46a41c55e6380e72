package model

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/goebm/goebm/loss"
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

// TestTrainEMA: with Config.EMA the model Train returns holds the moving
// average, the weights Load reads back from model_ema.params, which differ
// from the last step's in model.params; without it there is no average.
func TestTrainEMA(t *testing.T) {
	ctx := context.Background()
	data, _, err := Data("twomoons", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	weights := func(ps []nn.Param) []byte {
		var b bytes.Buffer
		if err := nn.WriteParams(&b, ps); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, decay := range []float64{0, 0.9} {
		c := Config{Data: "twomoons", Loss: "dsm", Dim: 2, Hidden: 8, Layers: 1, Activation: "silu", Steps: 20, Batch: 32, LR: 1e-2, Seed: 2, EMA: decay}
		dir := filepath.Join(t.TempDir(), "m")
		m, _, err := Fit(ctx, c, data, TrainOptions{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		back, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		last, err := c.Network(KindOf(Objective{Energy: loss.DenoisingScoreMatching{}}), 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := nn.Load(filepath.Join(dir, "model.params"), last); err != nil {
			t.Fatal(err)
		}
		_, statErr := os.Stat(filepath.Join(dir, "model_ema.params"))
		got, loaded, raw := weights(m.Net().Params()), weights(back.Net().Params()), weights(last.Params())
		switch {
		case !bytes.Equal(got, loaded):
			t.Errorf("EMA %g: the trained model's weights are not those Load reads", decay)
		case decay == 0 && (statErr == nil || !bytes.Equal(got, raw)):
			t.Errorf("no EMA: model_ema.params written (%v), or the weights are not the last step's", statErr)
		case decay > 0 && (statErr != nil || bytes.Equal(got, raw)):
			t.Errorf("EMA %g: model_ema.params missing (%v), or the weights are the last step's", decay, statErr)
		}
	}
}
