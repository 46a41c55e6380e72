package model

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/dataset"
)

// Evaluate scores m with the default Scoring (see Scoring.Evaluate).
func Evaluate(ctx context.Context, m Model, data string, n int, seed uint64) (Assessment, error) {
	return Scoring{}.Evaluate(ctx, m, data, n, seed)
}

// Evaluate scores m (see Scoring.Score) on the dataset named data, ""
// meaning the one it was trained on (with its DataNoise): on n fresh points of a built-in
// dataset drawn with seed, or on the held-out points of an image set or a
// data file, those that training left out (an image set's fixed split, a
// file's tenth split by the model's seed, as Train's caller split it with
// Data; the model's seed also dequantises an image set's training split as
// in training). The points m generates for the MMD are drawn with seed
// too. n must be 2 or more.
func (s Scoring) Evaluate(ctx context.Context, m Model, data string, n int, seed uint64) (Assessment, error) {
	if n < 2 {
		return Assessment{}, fmt.Errorf("model: %d test points; the scores need 2 or more: %w", n, ErrInvalid)
	}
	var noise *float64
	if data == "" {
		data, noise = m.Config().Data, m.Config().DataNoise
	}
	split := seed
	if _, err := dataset.ByName(data); err != nil {
		split = m.Config().Seed
	}
	ref, test, err := Config{Data: data, Seed: split, DataNoise: noise}.Points(n)
	if err != nil {
		return Assessment{}, err
	}
	if d := test.Dim(1); d != m.Config().Dim {
		return Assessment{}, fmt.Errorf("model: %s has %d columns; the model takes %d: %w", data, d, m.Config().Dim, ErrInvalid)
	}
	return s.Score(ctx, m, data, ref, test, rand.New(rand.NewPCG(seed, 3)))
}
