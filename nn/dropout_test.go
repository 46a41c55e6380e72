package nn

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/goebm/goebm/tensor"
)

// TestDropoutSwitch: SetTrain reaches a Dropout inside a Sequential; in
// evaluation the input passes through, in training the same seed gives the
// same mask.
func TestDropoutSwitch(t *testing.T) {
	d := &Dropout{P: 0.5, Rng: rand.New(rand.NewPCG(1, 1))}
	net := &Sequential{Layers: []Module{d}}
	x := tensor.Ones(4, 8)
	SetTrain(net, false)
	if y := net.Forward(nil, x); y != x {
		t.Error("Dropout in evaluation changed its input")
	}
	SetTrain(net, true)
	y1 := slices.Clone(net.Forward(nil, x).Data())
	d.Rng = rand.New(rand.NewPCG(1, 1))
	y2 := net.Forward(nil, x).Data()
	if !slices.Equal(y1, y2) {
		t.Error("the same seed gave different masks")
	}
	if !slices.Contains(y1, 0) || !slices.Contains(y1, 2) {
		t.Errorf("training output %v, want zeros and twos", y1)
	}
	if len(d.Params()) != 0 {
		t.Error("Dropout has parameters")
	}
}
