package nn_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

func newTestResNet(t testing.TB, seed uint64, c, h, w int, s nn.ResNetSettings) *nn.ResNet {
	t.Helper()
	r, err := nn.NewResNetEnergy(rand.New(rand.NewPCG(seed, 7)), c, h, w, s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestResNetShapes: energies [n, 1], logits [n, K], class energies [n, 1];
// unique parameter names; the defaults; settings that do not fit refused.
func TestResNetShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	def := newTestResNet(t, 1, 1, 28, 28, nn.ResNetSettings{})
	if len(def.Stages) != 3 || def.Classes != 0 || def.Norm != nil {
		t.Fatalf("zero settings: %d stages, %d classes, norm %v; want 3, 0, none", len(def.Stages), def.Classes, def.Norm)
	}
	x := tensor.Randn(rng, 3, 28*28)
	if got := def.Forward(nil, x).Shape(); !slices.Equal(got, []int{3, 1}) {
		t.Errorf("default energy shape %v, want [3 1]", got)
	}
	jem := newTestResNet(t, 2, 3, 8, 8, nn.ResNetSettings{Channels: []int{4, 8}, Blocks: 2, Classes: 5, Groups: 2, SpectralNorm: true})
	x = tensor.Randn(rng, 4, 3*8*8)
	for _, c := range []struct {
		name string
		got  *tensor.Tensor
		want []int
	}{
		{"energy", jem.Forward(nil, x), []int{4, 1}},
		{"logits", jem.Logits(nil, x), []int{4, 5}},
		{"class energy", jem.ClassEnergy(nil, x, []int{0, 4, 2, 2}), []int{4, 1}},
	} {
		if !slices.Equal(c.got.Shape(), c.want) {
			t.Errorf("%s shape %v, want %v", c.name, c.got.Shape(), c.want)
		}
	}
	seen := map[string]bool{}
	for _, p := range jem.Params() {
		if seen[p.Name] {
			t.Errorf("parameter name %q twice", p.Name)
		}
		seen[p.Name] = true
	}
	for _, name := range []string{"stem.weight", "stage0.block1.norm2.bias", "stage1.block0.skip.weight", "norm.weight", "head.weight"} {
		if !seen[name] {
			t.Errorf("no parameter %q", name)
		}
	}
	nn.SetTrain(jem, false)
	if jem.Stem.(*nn.SpectralConv2d).Train || jem.Stages[1][0].Skip.(*nn.SpectralConv2d).Train || jem.Head.(*nn.SpectralLinear).Train {
		t.Error("SetTrain(false) left a spectral layer training")
	}
	for _, c := range []struct {
		name    string
		c, h, w int
		s       nn.ResNetSettings
	}{
		{"no image", 0, 8, 8, nn.ResNetSettings{}},
		{"too many poolings", 1, 4, 4, nn.ResNetSettings{Channels: []int{2, 2, 2, 2}}},
		{"zero width", 1, 8, 8, nn.ResNetSettings{Channels: []int{4, 0}}},
		{"groups not dividing", 1, 8, 8, nn.ResNetSettings{Channels: []int{4, 6}, Groups: 4}},
		{"negative classes", 1, 8, 8, nn.ResNetSettings{Classes: -1}},
	} {
		if _, err := nn.NewResNetEnergy(rng, c.c, c.h, c.w, c.s); !errors.Is(err, nn.ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", c.name, err)
		}
	}
}

// TestResNetGradCheck checks first and second derivatives with respect to
// the input and every parameter on tiny instances: the scalar head, and
// the JEM head with GroupNorm and spectral normalisation (in evaluation, so
// that the power iteration does not move between the finite differences).
func TestResNetGradCheck(t *testing.T) {
	for _, c := range []struct {
		name    string
		c, h, w int
		s       nn.ResNetSettings
	}{
		{"scalar", 1, 4, 4, nn.ResNetSettings{Channels: []int{2, 3}, Blocks: 2}},
		{"jem-groupnorm-spectral", 2, 4, 4, nn.ResNetSettings{Channels: []int{2}, Classes: 3, Groups: 1, SpectralNorm: true}},
		{"class-energy", 1, 4, 4, nn.ResNetSettings{Channels: []int{2}, Classes: 3, Groups: 2}},
	} {
		r := newTestResNet(t, 3, c.c, c.h, c.w, c.s)
		nn.SetTrain(r, false)
		x := tensor.Randn(rand.New(rand.NewPCG(4, 4)), 2, c.c*c.h*c.w)
		xs := append([]*tensor.Tensor{x}, nn.Values(r.Params())...)
		f := func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor { return r.Forward(tp, xs[0]) }
		if c.name == "class-energy" {
			f = func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor {
				return r.ClassEnergy(tp, xs[0], []int{2, 0})
			}
		}
		for order := 1; order <= 2; order++ {
			if err := tensor.CheckGrad(f, xs, tensor.CheckOptions{Order: order, Seed: uint64(order)}); err != nil {
				t.Errorf("%s, order %d: %v", c.name, order, err)
			}
		}
	}
}

// TestResNetJEMIdentities: the energy is −log Σ_y exp(−E(x, y)), so that
// p(y | x) = exp(E(x) − E(x, y)) sums to one over the classes, and
// E(x, y) = −f(x)[y].
func TestResNetJEMIdentities(t *testing.T) {
	const k = 4
	r := newTestResNet(t, 5, 1, 8, 8, nn.ResNetSettings{Channels: []int{4, 4}, Classes: k, Groups: 2})
	x := tensor.Randn(rand.New(rand.NewPCG(6, 6)), 3, 64)
	e := r.Forward(nil, x).Data()
	logits := r.Logits(nil, x).Data()
	for i := range 3 {
		sum, norm := 0.0, 0.0
		for y := range k {
			ey := r.ClassEnergy(nil, x, []int{y, y, y}).Data()[i]
			if ey != -logits[i*k+y] {
				t.Errorf("row %d, class %d: E(x, y) = %v, want −f(x)[y] = %v", i, y, ey, -logits[i*k+y])
			}
			sum += math.Exp(-ey)
			norm += math.Exp(e[i] - ey)
		}
		if want := -math.Log(sum); math.Abs(e[i]-want) > 1e-12*(1+math.Abs(want)) {
			t.Errorf("row %d: E(x) = %v, want −log Σ exp(−E(x, y)) = %v", i, e[i], want)
		}
		if math.Abs(norm-1) > 1e-12 {
			t.Errorf("row %d: Σ_y p(y | x) = %v, want 1", i, norm)
		}
	}
}

// TestResBlockZeroBranchIsSkip: with its second convolution zero a block is
// its skip connection: the identity at equal widths, the 1×1 convolution
// otherwise. A block that drops or doubles the skip fails.
func TestResBlockZeroBranchIsSkip(t *testing.T) {
	r := newTestResNet(t, 7, 1, 6, 6, nn.ResNetSettings{Channels: []int{3, 5}, Groups: 1})
	x := tensor.Randn(rand.New(rand.NewPCG(8, 8)), 2, 3, 6, 6)
	for i, b := range []*nn.ResBlock{r.Stages[0][0], r.Stages[1][0]} {
		for _, p := range b.Conv2.Params() {
			clear(p.Value.Data())
		}
		want := x
		if b.Skip != nil {
			want = b.Skip.Forward(nil, x)
		}
		got := b.Forward(nil, x)
		if !slices.Equal(got.Data(), want.Data()) {
			t.Errorf("block %d: output is not the skip connection's", i)
		}
		x = got
	}
}

// TestResNetZeroBranchesClosedForm: with every block's second convolution
// zero and equal widths, the blocks are identities and the energy is
// head(mean over the image of act(pool(pool(stem(x))))) for three stages,
// and Features is that pooled mean, to 1e-13. A network that skips a
// pooling, the last activation or the global mean fails.
func TestResNetZeroBranchesClosedForm(t *testing.T) {
	r := newTestResNet(t, 18, 2, 8, 8, nn.ResNetSettings{Channels: []int{3, 3, 3}, Blocks: 2})
	for _, stage := range r.Stages {
		for _, b := range stage {
			for _, p := range b.Conv2.Params() {
				clear(p.Value.Data())
			}
		}
	}
	x := tensor.Randn(rand.New(rand.NewPCG(19, 19)), 2, 2*8*8)
	h := r.Stem.Forward(nil, tensor.New(x.Data(), 2, 2, 8, 8))
	var tp *tensor.Tape
	for range 2 {
		h = tp.AvgPool2d(h, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
	}
	h = tp.MeanAxes(tp.SiLU(h), 2, 3)
	want := r.Head.Forward(nil, tp.Reshape(h, 2, 3)).Data()
	got := r.Forward(nil, x).Data()
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-13 {
			t.Errorf("row %d: energy %v, want %v", i, got[i], want[i])
		}
	}
	feat := r.Features(nil, x)
	if s := feat.Shape(); len(s) != 2 || s[0] != 2 || s[1] != 3 {
		t.Fatalf("features of shape %v, want [2 3]", s)
	}
	for i, w := range h.Data() {
		if g := feat.Data()[i]; math.Abs(g-w) > 1e-13 {
			t.Errorf("feature %d: %v, want the pooled activation %v", i, g, w)
		}
	}
}

// TestResNetSaveLoad: a saved network loads into another of the same
// settings, which then computes the same logits.
func TestResNetSaveLoad(t *testing.T) {
	s := nn.ResNetSettings{Channels: []int{4, 8}, Classes: 3, Groups: 2, SpectralNorm: true}
	src := newTestResNet(t, 9, 1, 8, 8, s)
	dst := newTestResNet(t, 10, 1, 8, 8, s)
	path := filepath.Join(t.TempDir(), "resnet.params")
	if err := nn.Save(path, src); err != nil {
		t.Fatal(err)
	}
	if err := nn.Load(path, dst); err != nil {
		t.Fatal(err)
	}
	// u and v of the spectral norms are not saved: compare the raw weights,
	// and the function with spectral normalisation off.
	for i, p := range src.Params() {
		if !slices.Equal(p.Value.Data(), dst.Params()[i].Value.Data()) {
			t.Fatalf("parameter %s differs after the round trip", p.Name)
		}
	}
	s.SpectralNorm = false
	a, b := newTestResNet(t, 11, 1, 8, 8, s), newTestResNet(t, 12, 1, 8, 8, s)
	if err := nn.Save(path, a); err != nil {
		t.Fatal(err)
	}
	if err := nn.Load(path, b); err != nil {
		t.Fatal(err)
	}
	x := tensor.Randn(rand.New(rand.NewPCG(13, 13)), 2, 64)
	if !slices.Equal(a.Logits(nil, x).Data(), b.Logits(nil, x).Data()) {
		t.Error("loaded network computes other logits")
	}
	if err := nn.Load(path, newTestResNet(t, 14, 1, 8, 8, nn.ResNetSettings{Channels: []int{4, 8}, Classes: 4, Groups: 2})); err == nil {
		t.Error("a 3-class file loaded into a 4-class network")
	}
}

// TestResNetSameBitsAnyCores: the energy, the score and the parameter
// gradient of sliced score matching (a second-order path) are the same bits
// on 1 and 4 cores.
func TestResNetSameBitsAnyCores(t *testing.T) {
	r := newTestResNet(t, 15, 1, 12, 12, nn.ResNetSettings{Channels: []int{8, 16}, Classes: 3, Groups: 2})
	x := tensor.Randn(rand.New(rand.NewPCG(16, 16)), 6, 144)
	params := nn.Values(r.Params())
	run := func() []float64 {
		tp := tensor.NewTape()
		xl := x.Clone()
		e := r.Forward(tp, xl)
		out := slices.Clone(e.Data())
		out = append(out, tp.Grad([]*tensor.Tensor{e}, []*tensor.Tensor{xl}, tensor.GradOptions{})[0].Data()...)
		tp.Reset()
		l, err := loss.SlicedScoreMatching{Projections: 1}.Loss(tp, r, x, rand.New(rand.NewPCG(17, 17)))
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range tp.Grad([]*tensor.Tensor{l}, params, tensor.GradOptions{}) {
			out = append(out, g.Data()...)
		}
		return out
	}
	old := runtime.GOMAXPROCS(1)
	one := run()
	runtime.GOMAXPROCS(4)
	four := run()
	runtime.GOMAXPROCS(old)
	for i := range one {
		if math.Float64bits(one[i]) != math.Float64bits(four[i]) {
			t.Fatalf("value %d: %v on 1 core, %v on 4", i, one[i], four[i])
		}
	}
}
