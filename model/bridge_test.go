package model

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// TestLatentSetting: the config's latent reaches flow matching (unset:
// none; 0: a Latent of scale 0, asked for), the model generates on
// interpolant.Marginal of the path, other losses drop the setting, and a
// negative scale or a score prediction with it are refused.
func TestLatentSetting(t *testing.T) {
	for _, c := range []struct {
		set  *float64
		want *interpolant.Latent
	}{{nil, nil}, {dataset.Float(0), &interpolant.Latent{}}, {dataset.Float(0.5), &interpolant.Latent{Scale: 0.5}}} {
		cfg := Config{Data: "circle", Loss: "fm", Latent: c.set, Dim: 2, Hidden: 8, Layers: 1, Activation: "silu"}
		o, err := cfg.NewLoss(nil)
		if err != nil {
			t.Fatal(err)
		}
		f, ok := o.Time.(loss.FlowMatching)
		if !ok || (f.Latent == nil) != (c.want == nil) || (f.Latent != nil && *f.Latent != *c.want) {
			t.Errorf("latent %v: the loss is %#v, want Latent %v", c.set, o.Time, c.want)
			continue
		}
		net, err := cfg.Network(KindOf(o), 1)
		if err != nil {
			t.Fatal(err)
		}
		m, err := New(cfg, net, o)
		if err != nil {
			t.Fatal(err)
		}
		_, marginal := m.(*Flow).Solver.Interpolant.(interpolant.Marginal)
		if marginal != (c.want != nil) {
			t.Errorf("latent %v: generates on %#v", c.set, m.(*Flow).Solver.Interpolant)
		}
	}
	r, _ := RecipeByName("pcd")
	if k := r.Keep(Config{Loss: "pcd", Latent: dataset.Float(1)}); k.Latent != nil {
		t.Error("pcd keeps latent")
	}
	for name, c := range map[string]Config{
		"negative": {Loss: "fm", Latent: dataset.Float(-1)},
		"score":    {Loss: "fm", Latent: dataset.Float(1), Prediction: "score"},
	} {
		if _, err := c.NewLoss(nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

// bridgeNet is a TimeModule of 2d outputs, the velocity and score of the
// Gaussian Schrödinger bridge from N(0, 1) to N(m, b) per coordinate (as
// flow's TestBridgeSDE writes them).
type bridgeNet struct{ m, b, sigma float64 }

func (bridgeNet) Params() []nn.Param { return nil }
func (g bridgeNet) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return g.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1))
}
func (g bridgeNet) ForwardT(tp *tensor.Tape, x, tt *tensor.Tensor) *tensor.Tensor {
	// On the tape, so that the density's divergence sees the velocity.
	n, d := x.Dim(0), x.Dim(1)
	eps := 2 * g.sigma * g.sigma
	c := (math.Sqrt(16*g.b+eps*eps) - eps) / 4
	mu, k, inv, m := make([]float64, n*d), make([]float64, n), make([]float64, n), make([]float64, n*d)
	for i := range n {
		t := tt.Data()[i]
		V := (1-t)*(1-t) + t*t*g.b + 2*t*(1-t)*c + g.sigma*g.sigma*t*(1-t)
		dV := -2*(1-t) + 2*t*g.b + 2*(1-2*t)*c + g.sigma*g.sigma*(1-2*t)
		k[i], inv[i] = dV/(2*V), -1/V
		for j := range d {
			mu[i*d+j], m[i*d+j] = t*g.m, g.m
		}
	}
	r := tp.Sub(x, tensor.New(mu, n, d))
	v := tp.Add(tp.Mul(r, tensor.New(k, n, 1)), tensor.New(m, n, d))
	return tp.Concat(1, v, tp.Mul(r, tensor.New(inv, n, 1)))
}

// TestBridgeModel: loss sf2m builds loss.SF2M with the config's σ, a
// network of 2d outputs, and a bridge model that generates by its SDE
// with the score head: with the exact Gaussian bridge's heads, 8000
// points end in N(m, b) (mean and variance within 5 standard errors plus
// 0.02), also after SetSolver without an SDE (which keeps the bridge's);
// dropping the score head from the SDE (the plain flow's conversion on
// the straight path) misses the variance; and its density (the ODE of
// the velocity head) is N(m, b)'s within 0.02 nats.
func TestBridgeModel(t *testing.T) {
	const m, b, sigma, n = 1.0, 0.25, 0.8, 8000
	cfg := Config{Data: "circle", Loss: "sf2m", Sigma: sigma, Dim: 1, Hidden: 8, Layers: 1, Activation: "silu"}
	o, err := cfg.NewLoss(nil)
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := o.Time.(loss.SF2M); !ok || l.Sig() != sigma || KindOf(o) != KindBridge {
		t.Fatalf("sf2m: %#v, kind %v", o.Time, KindOf(o))
	}
	net, err := cfg.Network(KindBridge, 1)
	if err != nil {
		t.Fatal(err)
	}
	if out := net.(nn.TimeModule).ForwardT(nil, tensor.Zeros(3, 1), tensor.Zeros(3, 1)); out.Dim(1) != 2 {
		t.Errorf("network of %d outputs for dimension 1, want 2", out.Dim(1))
	}
	mod, err := New(cfg, bridgeNet{m: m, b: b, sigma: sigma}, o)
	if err != nil {
		t.Fatal(err)
	}
	f := mod.(*Flow)
	if f.Kind() != KindBridge || f.Solver.SDE == nil {
		t.Fatalf("kind %v, SDE %v", f.Kind(), f.Solver.SDE)
	}
	moments := func() (float64, float64) {
		x, err := f.Generate(context.Background(), n, rand.New(rand.NewPCG(2, 2)))
		if err != nil {
			t.Fatal(err)
		}
		mean, vr := 0.0, 0.0
		for _, u := range x.Data() {
			mean += u / n
		}
		for _, u := range x.Data() {
			vr += (u - mean) * (u - mean) / (n - 1)
		}
		return mean, vr
	}
	near := func(mean, vr float64) bool {
		return math.Abs(mean-m) <= 5*math.Sqrt(b/n)+0.02 && math.Abs(vr-b) <= 5*b*math.Sqrt(2.0/n)+0.02
	}
	f.Solver.Steps = 200
	if mean, vr := moments(); !near(mean, vr) {
		t.Errorf("bridge SDE: mean %.4f variance %.4f, want %g, %g", mean, vr, m, b)
	}
	if err := f.SetSolver(f.Solver.Method, 200, nil); err != nil || f.Solver.SDE == nil {
		t.Fatalf("SetSolver without an SDE: %v, SDE %v", err, f.Solver.SDE)
	}
	if mean, vr := moments(); !near(mean, vr) {
		t.Errorf("after SetSolver: mean %.4f variance %.4f, want %g, %g", mean, vr, m, b)
	}
	score := f.score
	f.score = nil
	if mean, vr := moments(); near(mean, vr) {
		t.Errorf("without the score head: mean %.4f variance %.4f, still N(%g, %g)", mean, vr, m, b)
	}
	f.score = score
	pts := []float64{0.2, 1, 1.7}
	nll := make([]float64, len(pts))
	if err := f.NegLogDensity(context.Background(), nll, pts); err != nil {
		t.Fatal(err)
	}
	for i, x := range pts {
		want := 0.5*math.Log(2*math.Pi*b) + (x-m)*(x-m)/(2*b)
		if math.Abs(nll[i]-want) > 0.02 {
			t.Errorf("−log p(%g) = %.4f, want %.4f", x, nll[i], want)
		}
	}
	if err := (Config{Loss: "sf2m", Arch: ArchConv, Data: "digits"}).checkImage(); !errors.Is(err, ErrInvalid) {
		t.Errorf("sf2m on conv: %v", err)
	}
}
