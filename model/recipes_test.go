package model

import (
	"slices"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/loss"
)

// TestJEMRecipe: the jem recipe builds JEM with generative weight 0.2, or
// the config's gen_weight, and a warm-up of a third of the steps, over
// persistent CD whose buffer starts cold (no warm-up sweep); gen_weight is
// a setting of jem only, dropped from the config of any other loss.
func TestJEMRecipe(t *testing.T) {
	c := Config{Data: "digits", Loss: "jem", Arch: ArchConv, CDReg: dataset.Float(0.1), Steps: 900}
	for _, tc := range []struct{ set, want float64 }{{0, 0.2}, {1, 1}, {0.05, 0.05}} {
		c.GenWeight = tc.set
		o, err := c.NewLoss(nil)
		if err != nil {
			t.Fatal(err)
		}
		j, ok := o.Energy.(loss.JEM)
		if !ok {
			t.Fatalf("jem builds %T", o.Energy)
		}
		if j.GenWeight != tc.want || j.Warmup != 300 || !j.CD.Persistent || j.CD.InitSteps != -1 || j.CD.RegWeight != 0.1 {
			t.Errorf("gen_weight %g: JEM weight %g, warm-up %d, persistent %v, init steps %d, regulariser %g; want %g, 300, true, -1, 0.1",
				tc.set, j.GenWeight, j.Warmup, j.CD.Persistent, j.CD.InitSteps, j.CD.RegWeight, tc.want)
		}
	}
	jem, _ := RecipeByName("jem")
	pcd, _ := RecipeByName("pcd")
	if slices.Contains(jem.Unused(), "gen-weight") || !slices.Contains(pcd.Unused(), "gen-weight") {
		t.Errorf("unused settings: jem %v, pcd %v; want gen-weight used by jem only", jem.Unused(), pcd.Unused())
	}
	if g := jem.Keep(Config{GenWeight: 0.5}).GenWeight; g != 0.5 {
		t.Errorf("jem keeps gen_weight %g, want 0.5", g)
	}
	if g := pcd.Keep(Config{GenWeight: 0.5}).GenWeight; g != 0 {
		t.Errorf("pcd keeps gen_weight %g, want it dropped", g)
	}
}
