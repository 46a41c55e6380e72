package nn_test

import (
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/tensor"
)

// TestConditionalTransformerFlowMatching trains the transformer as a
// TimeModule with loss.FlowMatching on 4×4 images (two fixed patterns plus
// a little noise) and checks that the loss, on the same fixed draws of noise
// and time before and after, falls well below its value at initialisation,
// where the network outputs 0 and the loss is E‖x₁ − x₀‖².
func TestConditionalTransformerFlowMatching(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	net, err := nn.NewConditionalTransformer(rng, nn.TransformerConfig{Channels: 1, Height: 4, Width: 4, Patch: 2, Dim: 16, Depth: 1, Heads: 2, FreqDim: 16})
	if err != nil {
		t.Fatal(err)
	}
	data := tensor.Zeros(64, 16)
	for i := range 64 {
		for j := range 16 {
			v := 2.0
			if (j%4+j/4+i)%2 == 0 {
				v = -2
			}
			data.Data()[i*16+j] = v + 0.1*rng.NormFloat64()
		}
	}
	fm := loss.FlowMatching{}
	eval := func() float64 {
		l, err := fm.Loss(nil, net, data, rand.New(rand.NewPCG(5, 5)))
		if err != nil {
			t.Fatal(err)
		}
		return l.Item()
	}
	before := eval()
	params := nn.Values(net.Params())
	opt := &optim.Adam{LR: 3e-3}
	tp := tensor.NewTape()
	for range 200 {
		l, err := fm.Loss(tp, net, data, rng)
		if err != nil {
			t.Fatal(err)
		}
		if err := opt.Step(params, tp.Grad([]*tensor.Tensor{l}, params, tensor.GradOptions{})); err != nil {
			t.Fatal(err)
		}
		tp.Reset()
	}
	if after := eval(); after > 0.6*before {
		t.Errorf("flow-matching loss %.3f after training, %.3f at initialisation: want at most 60%%", after, before)
	} else {
		t.Logf("flow-matching loss %.3f → %.3f", before, after)
	}
}
