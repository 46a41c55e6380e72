package flow

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// TestEvaluatorRecycles checks that the pooled no-grad tapes give the
// field a nil tape gives, bit for bit, on the image networks, evaluation
// after evaluation: a tape hands an op storage that an earlier evaluation
// wrote, so an op that assumes fresh (zeroed) storage shows here, where a
// nil tape's would not.
func TestEvaluatorRecycles(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	unet, err := nn.NewUNet(rng, 1, 8, 8, nn.UNetSettings{Channels: []int{8, 16}, Classes: 3})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := nn.NewConditionalTransformer(rng, nn.TransformerConfig{Channels: 1, Height: 8, Width: 8, Patch: 2, Dim: 16, Depth: 2, Heads: 2, FreqDim: 8, Classes: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		net  nn.TimeModule
	}{{"unet", unet}, {"transformer", tr}} {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range nn.Values(tc.net.Params()) { // the heads start at zero
				for i := range p.Data() {
					p.Data()[i] = 0.3 * rng.NormFloat64()
				}
			}
			const n, d = 5, 64
			field := func(tp *tensor.Tape, x *tensor.Tensor, s float64) *tensor.Tensor {
				return tc.net.ForwardT(tp, x, tensor.Full(s, x.Dim(0), 1))
			}
			ev := Evaluator(field, d)
			x := tensor.Randn(rng, n, d)
			got := make([]float64, n*d)
			for _, s := range []float64{0.1, 0.5, 0.1, 0.9} {
				want := field(nil, x, s).Data()
				ev(got, s, x.Data())
				if !slices.Equal(got, want) {
					t.Fatalf("t = %g: the pooled tapes' field differs from a nil tape's", s)
				}
			}
		})
	}
}
