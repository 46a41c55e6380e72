package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/goebm/goebm/tensor"
)

// TestSequentialDepthFirst: a batch run in chunks of samples through every
// layer (a tape that does not record) gives the same bits as the layers
// run on the whole batch, in both precisions, with chunks that do not
// divide the batch (8, then about 20 a chunk: the conv energy writes
// 25,088 values a sample), on one core and on several, each then taking
// its own chunks. A layer that mixes samples is not split. Planted bugs
// caught: the outputs gathered one sample off; the chunk's input taken
// from the batch's start; a worker's chunk started a sample late.
func TestSequentialDepthFirst(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	rng := rand.New(rand.NewPCG(5, 6))
	net, err := NewConvEnergy(rng, 1, 28, 28, []int{32, 32, 64, 64}, SiLU())
	if err != nil {
		t.Fatal(err)
	}
	if !net.sampleWise() {
		t.Fatal("the conv energy is not taken as sample-wise")
	}
	x := tensor.Randn(rng, 90, 28*28) // 70,560 values: past depthFirstInput
	for _, prec := range []tensor.Precision{tensor.Float64, tensor.Float32} {
		SetPrecision(net, prec)
		want, _ := net.forward(tensor.NewTape(), x)
		tapes := []*tensor.Tape{nil, tensor.NewNoGradTape(), tensor.NewNoGradTape().SetCores(1), tensor.NewNoGradTape().SetCores(3)}
		for _, tp := range tapes {
			got := net.Forward(tp, x)
			if got.Precision() != want.Precision() {
				t.Fatalf("%v, %d cores: output in %v, want %v", prec, tp.Cores(), got.Precision(), want.Precision())
			}
			for i, v := range got.Data() {
				if math.Float64bits(v) != math.Float64bits(want.Data()[i]) {
					t.Fatalf("%v, %d cores: energy %d is %v, want %v", prec, tp.Cores(), i, v, want.Data()[i])
				}
			}
		}
	}
	bn, err := NewBatchNorm(1, false)
	if err != nil {
		t.Fatal(err)
	}
	if (&Sequential{Layers: []Module{net, bn}}).sampleWise() {
		t.Fatal("a Sequential with BatchNorm is taken as sample-wise")
	}
}
