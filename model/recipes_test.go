package model

import (
	"math"
	"slices"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/loss"
)

// TestJEMRecipe: the jem recipe builds JEM with generative weight 0.2, or
// the config's gen_weight (0 asks for none, which JEM takes as negative), and a warm-up of a third of the steps, over
// persistent CD whose buffer starts cold (no warm-up sweep); gen_weight is
// a setting of jem only, dropped from the config of any other loss.
func TestJEMRecipe(t *testing.T) {
	c := Config{Data: "digits", Loss: "jem", Arch: ArchConv, CDReg: dataset.Float(0.1), Steps: 900}
	for _, tc := range []struct {
		set  *float64
		want float64
	}{{nil, 0.2}, {dataset.Float(1), 1}, {dataset.Float(0.05), 0.05}, {dataset.Float(0), -1}} {
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
			t.Errorf("gen_weight %v: JEM weight %g, warm-up %d, persistent %v, init steps %d, regulariser %g; want %g, 300, true, -1, 0.1",
				tc.set, j.GenWeight, j.Warmup, j.CD.Persistent, j.CD.InitSteps, j.CD.RegWeight, tc.want)
		}
	}
	jem, _ := RecipeByName("jem")
	pcd, _ := RecipeByName("pcd")
	if slices.Contains(jem.Unused(), "gen-weight") || !slices.Contains(pcd.Unused(), "gen-weight") {
		t.Errorf("unused settings: jem %v, pcd %v; want gen-weight used by jem only", jem.Unused(), pcd.Unused())
	}
	if g := jem.Keep(Config{GenWeight: dataset.Float(0.5)}).GenWeight; g == nil || *g != 0.5 {
		t.Errorf("jem keeps gen_weight %v, want 0.5", g)
	}
	if g := pcd.Keep(Config{GenWeight: dataset.Float(0.5)}).GenWeight; g != nil {
		t.Errorf("pcd keeps gen_weight %v, want it dropped", *g)
	}
}

// TestOptionalZeros: the config's optional settings give the losses their
// defaults when unset and can be set to 0: CD's Langevin noise 0 is
// temperature 0 (the chains descend the energy) where unset leaves the
// sampler's own √(2η); label_drop 0 is the flow losses' "never" (−1),
// unset their default (0).
func TestOptionalZeros(t *testing.T) {
	c := Config{Data: "circle", Loss: "cd", CDStep: 0.01}
	if l := c.langevin(); l.Temperature != nil {
		t.Errorf("cd_noise unset: temperature %v, want none (√(2η) noise)", l.Temperature)
	}
	for _, s := range []struct{ noise, temp float64 }{{0, 0}, {0.1, 0.5}} {
		c.CDNoise = dataset.Float(s.noise)
		if l := c.langevin(); l.Temperature == nil || math.Abs(l.Temperature.At(0)-s.temp) > 1e-15 {
			t.Errorf("cd_noise %g: temperature %v, want σ²/(2η) = %g", s.noise, l.Temperature, s.temp)
		}
	}
	for _, s := range []struct {
		set  *float64
		want float64
	}{{nil, 0}, {dataset.Float(0), -1}, {dataset.Float(0.3), 0.3}} {
		c := Config{Data: "circle", Loss: "fm", LabelDrop: s.set}
		o, err := c.NewLoss(nil)
		if err != nil {
			t.Fatal(err)
		}
		if f, ok := o.Time.(loss.FlowMatching); !ok || f.LabelDrop != s.want {
			t.Errorf("label_drop %v: the loss is %#v, want LabelDrop %g", s.set, o.Time, s.want)
		}
	}
}
