package nn

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/goebm/goebm/tensor"
)

// tinyTransformer returns a 1×4×4 transformer with patch 2 (a 2×2 grid of
// tokens), width 8, 2 heads, 8 time features and 3 classes, with every
// parameter (the zero-initialised ones included) redrawn from N(0, 0.3²)
// so that no block is the identity and no check is trivial.
func tinyTransformer(t *testing.T, depth int) *ConditionalTransformer {
	t.Helper()
	return randomTransformer(t, rand.New(rand.NewPCG(1, 2)), TransformerConfig{
		Channels: 1, Height: 4, Width: 4, Patch: 2, Dim: 8, Depth: depth, Heads: 2, FreqDim: 8, Classes: 3,
	}, 0.3)
}

// randomTransformer returns a transformer of cfg with every parameter drawn
// from N(0, sd²).
func randomTransformer(t *testing.T, rng *rand.Rand, cfg TransformerConfig, sd float64) *ConditionalTransformer {
	t.Helper()
	m, err := NewConditionalTransformer(rng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		fillNormal(rng, p.Value.Data(), sd)
	}
	return m
}

// refTransformer evaluates m at one image x (flat [C·H·W]), time t and
// label y with plain loops over the definitions (TorchEBM's forward pass
// written out), independent of the tape's ops.
func refTransformer(m *ConditionalTransformer, x []float64, t float64, y int) []float64 {
	cfg := m.Config
	p, d := cfg.Patch, cfg.Dim
	gh, gw := cfg.Height/p, cfg.Width/p
	lin := func(l *Linear, v []float64) []float64 {
		in, out := l.W.Dim(0), l.W.Dim(1)
		r := make([]float64, out)
		for o := range out {
			s := l.B.Data()[o]
			for i := range in {
				s += v[i] * l.W.Data()[i*out+o]
			}
			r[o] = s
		}
		return r
	}
	silu := func(v []float64) []float64 {
		r := make([]float64, len(v))
		for i, a := range v {
			r[i] = a / (1 + math.Exp(-a))
		}
		return r
	}
	// Conditioning: c = MLP([cos tω, sin tω]) + e_y.
	h := cfg.FreqDim / 2
	f := make([]float64, 2*h)
	for k := range h {
		w := math.Pow(10000, -float64(k)/float64(h))
		f[k], f[h+k] = math.Cos(t*w), math.Sin(t*w)
	}
	c := lin(m.Time.FC2, silu(lin(m.Time.FC1, f)))
	for i := range d {
		c[i] += m.Label.W.Data()[y*d+i]
	}
	sc := silu(c)
	// Patch tokens plus positions: column in the first half, row in the second.
	w := m.Patch.Proj.W.Data()
	tok := make([][]float64, gh*gw)
	for i := range gh {
		for j := range gw {
			v := make([]float64, d)
			for o := range d {
				s := m.Patch.Proj.B.Data()[o]
				for ch := range cfg.Channels {
					for u := range p {
						for q := range p {
							s += w[((o*cfg.Channels+ch)*p+u)*p+q] * x[(ch*cfg.Height+i*p+u)*cfg.Width+j*p+q]
						}
					}
				}
				v[o] = s
			}
			for k := range d / 4 {
				om := math.Pow(10000, -float64(k)/float64(d/4))
				v[k] += math.Sin(float64(j) * om)
				v[d/4+k] += math.Cos(float64(j) * om)
				v[d/2+k] += math.Sin(float64(i) * om)
				v[3*d/4+k] += math.Cos(float64(i) * om)
			}
			tok[i*gw+j] = v
		}
	}
	modulate := func(v, shift, scale []float64) []float64 {
		mu, va := 0.0, 0.0
		for _, a := range v {
			mu += a
		}
		mu /= float64(len(v))
		for _, a := range v {
			va += (a - mu) * (a - mu)
		}
		va /= float64(len(v))
		r := make([]float64, len(v))
		for i, a := range v {
			r[i] = (a-mu)/math.Sqrt(va+1e-6)*(1+scale[i]) + shift[i]
		}
		return r
	}
	for _, b := range m.Blocks {
		mod := lin(b.Ada, sc)
		ch := func(k int) []float64 { return mod[k*d : (k+1)*d] }
		in := make([][]float64, len(tok))
		for i, v := range tok {
			in[i] = modulate(v, ch(0), ch(1))
		}
		a := mhaNaive(b.Attn, in, false)
		for i := range tok {
			for k := range d {
				tok[i][k] += ch(2)[k] * a[i][k]
			}
		}
		for i, v := range tok {
			hid := lin(b.FC1, modulate(v, ch(3), ch(4)))
			for k, z := range hid {
				hid[k] = 0.5 * z * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(z+0.044715*z*z*z)))
			}
			o := lin(b.FC2, hid)
			for k := range d {
				tok[i][k] += ch(5)[k] * o[k]
			}
		}
	}
	mod := lin(m.Head.Ada, sc)
	co := cfg.OutChannels
	out := make([]float64, co*cfg.Height*cfg.Width)
	for i := range gh {
		for j := range gw {
			v := lin(m.Head.Proj, modulate(tok[i*gw+j], mod[:d], mod[d:]))
			for u := range p {
				for q := range p {
					for ch := range co {
						out[(ch*cfg.Height+i*p+u)*cfg.Width+j*p+q] = v[(u*p+q)*co+ch]
					}
				}
			}
		}
	}
	return out
}

func TestConditionalTransformerMatchesDefinition(t *testing.T) {
	m := tinyTransformer(t, 2)
	rng := rand.New(rand.NewPCG(3, 4))
	n := 3
	x := tensor.Randn(rng, n, 16)
	ts := tensor.New([]float64{0.1, 0.7, 3}, n, 1)
	labels := []int{0, 2, 3} // 3 is the null label
	got := m.ForwardTY(nil, x, ts, labels)
	if s := got.Shape(); s[0] != n || s[1] != 16 {
		t.Fatalf("shape %v, want [%d 16]", s, n)
	}
	for r := range n {
		want := refTransformer(m, x.Data()[r*16:(r+1)*16], ts.Data()[r], labels[r])
		for i, w := range want {
			if g := got.Data()[r*16+i]; math.Abs(g-w) > 1e-12*(1+math.Abs(w)) {
				t.Fatalf("row %d value %d: got %v, want %v", r, i, g, w)
			}
		}
	}
	// The unconditional network is the null label; WithLabels fixes labels.
	u := m.ForwardT(nil, x, ts)
	l := m.WithLabels(3).ForwardT(nil, x, ts)
	for i, v := range u.Data() {
		if l.Data()[i] != v {
			t.Fatalf("null-label value %d: ForwardT %v, WithLabels(null) %v", i, v, l.Data()[i])
		}
	}
}

func TestConditionalTransformerRectangular(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	m := randomTransformer(t, rng, TransformerConfig{
		Channels: 2, OutChannels: 3, Height: 4, Width: 6, Patch: 2, Dim: 8, Depth: 1, Heads: 4, FreqDim: 4, Classes: 2,
	}, 0.5)
	x := tensor.Randn(rng, 2, 48)
	got := m.ForwardTY(nil, x, tensor.New([]float64{0.2, 0.9}, 2, 1), []int{1, 0})
	if s := got.Shape(); s[0] != 2 || s[1] != 72 {
		t.Fatalf("shape %v, want [2 72]", s)
	}
	for r, y := range []int{1, 0} {
		want := refTransformer(m, x.Data()[r*48:(r+1)*48], []float64{0.2, 0.9}[r], y)
		for i, w := range want {
			if g := got.Data()[r*72+i]; math.Abs(g-w) > 1e-12*(1+math.Abs(w)) {
				t.Fatalf("row %d value %d: got %v, want %v", r, i, g, w)
			}
		}
	}
}

// TestConditionalTransformerZeroInit checks adaLN-Zero: at initialisation
// the output is exactly zero (as TorchEBM's test asserts), and with only the
// head's weights set the blocks are still the identity.
func TestConditionalTransformerZeroInit(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cfg := TransformerConfig{Channels: 1, Height: 8, Width: 8, Patch: 2, Dim: 16, Depth: 3, Heads: 2, Classes: 4}
	m, err := NewConditionalTransformer(rng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Randn(rng, 5, 64)
	ts := tensor.Uniform(rng, 0, 1, 5, 1)
	for _, v := range m.ForwardTY(nil, x, ts, []int{0, 1, 2, 3, 4}).Data() {
		if v != 0 {
			t.Fatalf("output %v at initialisation, want exactly 0", v)
		}
	}
	for _, p := range m.Head.Params() {
		fillNormal(rng, p.Value.Data(), 1)
	}
	got := m.ForwardT(nil, x, ts)
	blocks := m.Blocks
	m.Blocks = nil
	want := m.ForwardT(nil, x, ts)
	m.Blocks = blocks
	for i, v := range want.Data() {
		if got.Data()[i] != v {
			t.Fatalf("value %d: %v with zero-initialised blocks, %v without blocks", i, got.Data()[i], v)
		}
	}
}

func TestSinCosPosEmbed2D(t *testing.T) {
	e := SinCosPosEmbed2D(8, 2, 3) // ω = 1, 1/100
	if s := e.Shape(); s[0] != 6 || s[1] != 8 {
		t.Fatalf("shape %v, want [6 8]", s)
	}
	// Token (row 1, column 2) is number 5: column first, then row.
	want := []float64{math.Sin(2), math.Sin(0.02), math.Cos(2), math.Cos(0.02), math.Sin(1), math.Sin(0.01), math.Cos(1), math.Cos(0.01)}
	for k, w := range want {
		if g := e.At(5, k); math.Abs(g-w) > 1e-15 {
			t.Errorf("entry %d of token (1, 2): %v, want %v", k, g, w)
		}
	}
}

func TestConditionalTransformerGrad(t *testing.T) {
	m := tinyTransformer(t, 2)
	rng := rand.New(rand.NewPCG(9, 10))
	x := tensor.Randn(rng, 2, 16)
	ts := tensor.New([]float64{0.3, 0.8}, 2, 1)
	labels := []int{1, 3}
	f := func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor {
		return m.ForwardTY(tp, xs[0], xs[1], labels)
	}
	inputs := append([]*tensor.Tensor{x, ts}, Values(m.Params())...)
	for order := 1; order <= 2; order++ {
		if err := tensor.CheckGrad(f, inputs, tensor.CheckOptions{Order: order, Seed: uint64(order)}); err != nil {
			t.Errorf("order %d: %v", order, err)
		}
	}
	// Exact score matching differentiates ∇ₓ twice more: order 3 in x.
	if testing.Short() {
		return
	}
	fx := func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor { return m.ForwardTY(tp, xs[0], ts, labels) }
	if err := tensor.CheckGrad(fx, []*tensor.Tensor{x}, tensor.CheckOptions{Order: 3, Seed: 3}); err != nil {
		t.Errorf("order 3 in x: %v", err)
	}
}

// TestConditionalTransformerDeterministic checks the same bits on one and
// four cores, for the output and the parameter gradient.
func TestConditionalTransformerDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	m := randomTransformer(t, rng, TransformerConfig{Channels: 1, Height: 8, Width: 8, Patch: 2, Dim: 64, Depth: 2, Heads: 4, Classes: 10}, 0.2)
	n := 128
	x := tensor.Randn(rng, n, 64)
	ts := tensor.Uniform(rng, 0, 1, n, 1)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 11
	}
	run := func(procs int) []float64 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		tp := tensor.NewTape()
		y := m.ForwardTY(tp, x, ts, labels)
		out := append([]float64(nil), y.Data()...)
		for _, g := range tp.Grad([]*tensor.Tensor{tp.Sum(tp.Square(y))}, Values(m.Params()), tensor.GradOptions{}) {
			out = append(out, g.Data()...)
		}
		return out
	}
	a, b := run(1), run(4)
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			t.Fatalf("value %d: %v on 1 core, %v on 4", i, a[i], b[i])
		}
	}
}

func TestConditionalTransformerSaveLoad(t *testing.T) {
	m := tinyTransformer(t, 2)
	path := filepath.Join(t.TempDir(), "tf.params")
	if err := Save(path, m); err != nil {
		t.Fatal(err)
	}
	m2, err := NewConditionalTransformer(rand.New(rand.NewPCG(99, 99)), m.Config)
	if err != nil {
		t.Fatal(err)
	}
	if err := Load(path, m2); err != nil {
		t.Fatal(err)
	}
	ps, ps2 := m.Params(), m2.Params()
	seen := map[string]bool{}
	for i, p := range ps {
		if seen[p.Name] || p.Name != ps2[i].Name {
			t.Fatalf("parameter %d named %q and %q (duplicate: %v)", i, p.Name, ps2[i].Name, seen[p.Name])
		}
		seen[p.Name] = true
		for j, v := range p.Value.Data() {
			if ps2[i].Value.Data()[j] != v {
				t.Fatalf("%s[%d]: loaded %v, saved %v", p.Name, j, ps2[i].Value.Data()[j], v)
			}
		}
	}
	other := tinyTransformer(t, 1)
	if err := Load(path, other); err == nil {
		t.Error("a two-block file loaded into a one-block network")
	}
}

func TestConditionalTransformerInvalid(t *testing.T) {
	ok := TransformerConfig{Channels: 1, Height: 4, Width: 4, Patch: 2, Dim: 8, Depth: 1, Heads: 2}
	for name, edit := range map[string]func(*TransformerConfig){
		"patch not dividing": func(c *TransformerConfig) { c.Patch = 3 },
		"width not ×4":       func(c *TransformerConfig) { c.Dim, c.Heads = 6, 2 },
		"heads not dividing": func(c *TransformerConfig) { c.Heads = 3 },
		"odd frequencies":    func(c *TransformerConfig) { c.FreqDim = 7 },
		"no channels":        func(c *TransformerConfig) { c.Channels = 0 },
		"negative depth":     func(c *TransformerConfig) { c.Depth = -1 },
	} {
		c := ok
		edit(&c)
		if _, err := NewConditionalTransformer(rand.New(rand.NewPCG(1, 1)), c); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
	if _, err := NewConditionalTransformer(rand.New(rand.NewPCG(1, 1)), ok); err != nil {
		t.Errorf("valid config: %v", err)
	}
}

// TestConditionalTransformerDump writes a network with random parameters,
// inputs and its outputs as JSON to the file named by
// GOEBM_TRANSFORMER_DUMP, for bench/peer/torch_transformer.py --check to
// confirm that the peer computes the same function. Skipped without it.
func TestConditionalTransformerDump(t *testing.T) {
	path := os.Getenv("GOEBM_TRANSFORMER_DUMP")
	if path == "" {
		t.Skip("GOEBM_TRANSFORMER_DUMP not set")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	m := randomTransformer(t, rng, TransformerConfig{Channels: 1, Height: 8, Width: 8, Patch: 2, Dim: 32, Depth: 2, Heads: 4, Classes: 10}, 0.2)
	n := 4
	x := tensor.Randn(rng, n, 64)
	ts := tensor.Uniform(rng, 0, 1, n, 1)
	labels := []int{0, 3, 9, 10}
	type arr struct {
		Shape []int
		Data  []float64
	}
	params := map[string]arr{}
	for _, p := range m.Params() {
		params[p.Name] = arr{p.Value.Shape(), p.Value.Data()}
	}
	b, err := json.Marshal(map[string]any{
		"config": map[string]int{"channels": 1, "size": 8, "patch": 2, "dim": 32, "depth": 2, "heads": 4, "classes": 10},
		"params": params, "x": x.Data(), "t": ts.Data(), "labels": labels,
		"out": m.ForwardTY(nil, x, ts, labels).Data(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestConditionalTransformerNullLabel: with classes, NullLabel is Classes,
// and the null label given for every row (explicitly, by WithLabels, or as
// nil labels) is the unconditional network ForwardT, bit for bit, while a
// class changes the output; without classes NullLabel is −1 and only nil
// labels are taken. A label past the null label, a label count that is not
// the rows', and labels for a network without classes panic.
func TestConditionalTransformerNullLabel(t *testing.T) {
	m := tinyTransformer(t, 1)
	if m.NullLabel() != 3 {
		t.Errorf("NullLabel %d, want Classes = 3", m.NullLabel())
	}
	rng := rand.New(rand.NewPCG(9, 9))
	plain := randomTransformer(t, rng, TransformerConfig{Channels: 1, Height: 4, Width: 4, Patch: 2, Dim: 8, Depth: 1, Heads: 2, FreqDim: 8}, 0.3)
	if plain.NullLabel() != -1 {
		t.Errorf("NullLabel %d without classes, want −1", plain.NullLabel())
	}
	x := tensor.Randn(rng, 2, 16)
	ts := tensor.New([]float64{0.2, 0.6}, 2, 1)
	same := func(what string, got, want *tensor.Tensor) {
		t.Helper()
		for i, v := range want.Data() {
			if math.Float64bits(got.Data()[i]) != math.Float64bits(v) {
				t.Fatalf("%s: value %d: %v, unconditional %v", what, i, got.Data()[i], v)
			}
		}
	}
	uncond := m.ForwardT(nil, x, ts)
	same("null labels", m.ForwardTY(nil, x, ts, []int{3, 3}), uncond)
	same("nil labels", m.ForwardTY(nil, x, ts, nil), uncond)
	same("WithLabels(null)", m.WithLabels(3).ForwardT(nil, x, ts), uncond)
	same("no classes, nil labels", plain.ForwardTY(nil, x, ts, nil), plain.ForwardT(nil, x, ts))
	differ := false
	for i, v := range m.ForwardTY(nil, x, ts, []int{1, 1}).Data() {
		differ = differ || v != uncond.Data()[i]
	}
	if !differ {
		t.Error("label 1 gives the unconditional output")
	}
	for name, c := range map[string]struct {
		net    *ConditionalTransformer
		labels []int
	}{
		"label past the null": {m, []int{0, 4}},
		"one label, two rows": {m, []int{0}},
		"a class, no classes": {plain, []int{0, 1}},
		"null, no classes":    {plain, []int{-1, -1}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			c.net.ForwardTY(nil, x, ts, c.labels)
		}()
	}
}
