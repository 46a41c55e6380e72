package model

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/goebm/goebm/dataset"
)

// TestGuidanceZeroIsUnconditional: generating by label with guidance
// w = 0 gives, bit for bit, what the unconditional model generates from
// the same stream, for a JEM energy and for a label-conditional
// transformer flow; w = 1 (the label's own model) gives something else.
func TestGuidanceZeroIsUnconditional(t *testing.T) {
	for _, c := range []Config{
		{Data: "digits", Loss: "jem", Arch: ArchConv, Widths: []int{4}, CDStep: 1, CDNoise: dataset.Float(0.01)},
		{Data: "digits", Loss: "fm", Arch: ArchTransformer, Hidden: 8, Layers: 1, Heads: 2, Patch: 4},
	} {
		c.Image, c.Dim, c.Classes, c.Activation, c.Steps, c.Batch, c.LR = []int{1, 8, 8}, 64, 10, "silu", 1, 1, 1
		o, err := c.NewLoss(nil)
		if err != nil {
			t.Fatal(err)
		}
		net, err := c.Network(KindOf(o), 1)
		if err != nil {
			t.Fatal(err)
		}
		// adaLN-Zero starts the transformer at a zero output, whatever the
		// label: give every weight a value.
		r := rand.New(rand.NewPCG(3, 3))
		for _, p := range net.Params() {
			for i := range p.Value.Data() {
				p.Value.Data()[i] += 0.3 * r.NormFloat64()
			}
		}
		m, err := New(c, net, o)
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := m.(*Energy); ok {
			e.Steps = 5
		}
		cm := m.(Conditional)
		ctx := context.Background()
		plain, err := m.Generate(ctx, 3, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		w0, err := cm.GenerateLabel(ctx, 3, 4, 0, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		w1, _ := cm.GenerateLabel(ctx, 3, 4, 1, rand.New(rand.NewPCG(1, 2)))
		if !slices.Equal(plain.Data(), w0.Data()) || slices.Equal(plain.Data(), w1.Data()) {
			t.Errorf("%s: guidance 0 equals the unconditional model: %v; guidance 1 does too: %v", c.Loss,
				slices.Equal(plain.Data(), w0.Data()), slices.Equal(plain.Data(), w1.Data()))
		}
		if cm.Classes() != 10 {
			t.Errorf("%s: %d classes", c.Loss, cm.Classes())
		}
	}
}
