package model

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// ncsnConfig is a small ncsn config on the digits for the network arch.
func ncsnConfig(t *testing.T, arch string) Config {
	t.Helper()
	im, err := dataset.ImagesByName("digits")
	if err != nil {
		t.Fatal(err)
	}
	c := Config{Data: "digits", Loss: "ncsn", Arch: arch, Widths: []int{4, 8}, Hidden: 32, Layers: 2, Activation: "silu",
		Steps: 3, Batch: 16, LR: 1e-3, Seed: 1, SigmaMax: 0.8, SigmaMin: 0.02, NoiseLevels: 5}
	if arch == ArchMLP {
		c.Widths = nil
	}
	c = c.ForImages(im)
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestNoiseNetworkScaled: the ncsn network is its inner network divided by
// σ(t) = σ₁(σ_L/σ₁)ᵗ, to 1e-12 at every level of the ladder (computed here
// from the config, apart from Ladder), for conv and MLP; and its first and
// second derivatives with respect to x, t and the weights pass CheckGrad
// (1e-6 + 1e-5·|d| and 1e-5 + 1e-4·|d|).
func TestNoiseNetworkScaled(t *testing.T) {
	for _, arch := range []string{ArchConv, ArchMLP} {
		c := ncsnConfig(t, arch)
		net, err := c.Network(KindNoiseEnergy, 2)
		if err != nil {
			t.Fatal(err)
		}
		s, ok := net.(sigmaScaled)
		if !ok {
			t.Fatalf("%s: network %T, want sigmaScaled", arch, net)
		}
		x := tensor.Randn(rand.New(rand.NewPCG(3, 3)), 2, c.Dim)
		for i := range c.NoiseLevels {
			ti := float64(i) / float64(c.NoiseLevels-1)
			sigma := c.SigmaMax * math.Pow(c.SigmaMin/c.SigmaMax, ti)
			tt := tensor.Full(ti, 2, 1)
			got, inner := s.ForwardT(nil, x, tt).Data(), s.net.ForwardT(nil, x, tt).Data()
			for r := range got {
				if want := inner[r] / sigma; math.Abs(got[r]-want) > 1e-12*(1+math.Abs(want)) {
					t.Errorf("%s: level %d row %d: E %v, want f/σ = %v", arch, i, r, got[r], want)
				}
			}
		}
		if arch != ArchConv {
			continue
		}
		// A tiny conv network keeps the finite differences cheap.
		tiny := c
		tiny.Widths = []int{2}
		tnet, err := tiny.Network(KindNoiseEnergy, 4)
		if err != nil {
			t.Fatal(err)
		}
		ts := tnet.(nn.TimeModule)
		xs := append([]*tensor.Tensor{x, tensor.New([]float64{0.1, 0.7}, 2, 1)}, nn.Values(ts.Params())...)
		f := func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor { return ts.ForwardT(tp, xs[0], xs[1]) }
		for order := 1; order <= 2; order++ {
			if err := tensor.CheckGrad(f, xs, tensor.CheckOptions{Order: order, Seed: uint64(order)}); err != nil {
				t.Errorf("order %d: %v", order, err)
			}
		}
	}
}

// TestNCSNConfig: the ladder's settings survive config.json, other recipes
// drop them (Keep), and Check refuses a negative, NaN, infinite or
// misordered ladder, too few or too many levels, and the transformer,
// whose output is not a scalar energy.
func TestNCSNConfig(t *testing.T) {
	c := ncsnConfig(t, ArchConv)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := parseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.SigmaMax != c.SigmaMax || back.SigmaMin != c.SigmaMin || back.NoiseLevels != c.NoiseLevels || !slices.Equal(back.Image, c.Image) {
		t.Errorf("config.json round trip: %+v, want %+v", back, c)
	}
	r, _ := RecipeByName("ncsn")
	if k := r.Keep(c); k.SigmaMax != c.SigmaMax || k.NoiseLevels != c.NoiseLevels {
		t.Errorf("ncsn's Keep dropped its ladder: %+v", k)
	}
	pcd, _ := RecipeByName("pcd")
	if k := pcd.Keep(c); k.SigmaMax != 0 || k.SigmaMin != 0 || k.NoiseLevels != 0 {
		t.Errorf("pcd keeps the ladder: %+v", k)
	}
	if o, _ := c.NewLoss(nil); KindOf(o) != KindNoiseEnergy {
		t.Errorf("ncsn trains %s", KindOf(o).Describe())
	}
	nan := math.NaN()
	for _, bad := range []struct {
		name     string
		max, min float64
		levels   int
		arch     string
	}{
		{"max negative", -1, 0, 0, ArchConv},
		{"min negative", 0, -0.01, 0, ArchConv},
		{"max NaN", nan, 0, 0, ArchConv},
		{"min NaN", 0, nan, 0, ArchConv},
		{"max infinite", math.Inf(1), 0, 0, ArchConv},
		{"min above max", 0.1, 0.5, 0, ArchConv},
		{"min above the default max", 0, 2, 0, ArchConv},
		{"equal", 0.5, 0.5, 0, ArchConv},
		{"one level", 0, 0, 1, ArchConv},
		{"levels negative", 0, 0, -3, ArchConv},
		{"levels huge", 0, 0, 1 << 40, ArchConv},
		{"transformer", 0, 0, 0, ArchTransformer},
	} {
		b := c
		b.SigmaMax, b.SigmaMin, b.NoiseLevels, b.Arch = bad.max, bad.min, bad.levels, bad.arch
		if err := b.Check(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Check %v, want ErrInvalid", bad.name, err)
		}
	}
}

// TestNCSNTrainGenerate trains a tiny conv and an MLP ncsn model a few steps
// and checks the plumbing: a NoiseEnergy comes out, with its annealing
// defaults (AnnealSteps shared by the levels, AnnealEpsilon, denoised); it generates images in
// [−1, 1] (clamped) by annealing, the same seed gives the same images
// after Save and Load, and its density is the energy at σ_L.
func TestNCSNTrainGenerate(t *testing.T) {
	ctx := context.Background()
	train, _, _, err := ImageData("digits", "", 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{ArchConv, ArchMLP} {
		c := ncsnConfig(t, arch)
		m, _, err := Fit(ctx, c, train.X, TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ne, ok := m.(*NoiseEnergy)
		if !ok || m.Kind() != KindNoiseEnergy {
			t.Fatalf("%s: trained %T", arch, m)
		}
		if a := ne.Anneal; a.StepsPerLevel != AnnealSteps/5 || a.Epsilon != AnnealEpsilon || !a.Denoise {
			t.Errorf("%s: annealing %+v, want %d steps per level of 5, ε %g, denoised", arch, a, AnnealSteps/5, AnnealEpsilon)
		}
		ne.Anneal.StepsPerLevel = 5
		x, err := m.Generate(ctx, 6, newRand(7))
		if err != nil {
			t.Fatal(err)
		}
		if x.Dim(0) != 6 || x.Dim(1) != 64 || slices.ContainsFunc(x.Data(), func(v float64) bool { return !(v >= -1 && v <= 1) }) {
			t.Fatalf("%s: generated %v, want 6 images in [−1, 1]", arch, x.Shape())
		}
		dir := t.TempDir()
		if err := m.Save(dir); err != nil {
			t.Fatal(err)
		}
		back, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		back.(*NoiseEnergy).Anneal.StepsPerLevel = 5
		y, err := back.Generate(ctx, 6, newRand(7))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(x.Data(), y.Data()) {
			t.Errorf("%s: loaded model generates other images from the same seed", arch)
		}
		e := make([]float64, 2)
		if err := m.NegLogDensity(ctx, e, x.Data()[:2*64]); err != nil {
			t.Fatal(err)
		}
		want := ne.tnet.ForwardT(nil, tensor.New(x.Data()[:2*64], 2, 64), tensor.Full(1, 2, 1)).Data()
		if e[0] != want[0] || e[1] != want[1] {
			t.Errorf("%s: density energy %v, want E(x, σ_L) %v", arch, e, want)
		}
	}
}
