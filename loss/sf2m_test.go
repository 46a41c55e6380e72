package loss

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// bridgeGauss is the closed form of the straight path with latent noise
// γ² = a·t(1 − t) from x₀ ~ N(0, 1) to independent x₁ ~ N(m, s²), per
// coordinate: x_t ~ N(μ, V), μ = tm, V = t²s² + (1 − t)² + a·t(1 − t); the
// velocity's conditional mean v* = m + (C/V)(x − μ) with
// C = Cov(u, x_t) = ts² − (1 − t) + a(1 − 2t)/2, the score s* = −(x − μ)/V,
// and the residual variances Var(u) − C²/V, Var(u) = s² + 1 + γ′², and
// Var(z | x_t) = 1 − γ²/V. γ and γ′ are written out here, not taken from
// interpolant.Latent.
type bridgeGauss struct{ a, m, s float64 }

func (b bridgeGauss) at(t, x float64) (v, score, resV, resS float64) {
	mu := t * b.m
	vr := t*t*b.s*b.s + (1-t)*(1-t) + b.a*t*(1-t)
	c := t*b.s*b.s - (1 - t) + b.a*(1-2*t)/2
	dg2 := b.a * (1 - 2*t) * (1 - 2*t) / (4 * t * (1 - t))
	return b.m + c/vr*(x-mu), -(x - mu) / vr, b.s*b.s + 1 + dg2 - c*c/vr, 1 - b.a*t*(1-t)/vr
}

// exactBridge is the network of 2d outputs that gives bridgeGauss's v*
// and s* (scaled by vScale and sScale).
type exactBridge struct {
	b              bridgeGauss
	vScale, sScale float64
}

func (e exactBridge) Params() []nn.Param { return nil }
func (e exactBridge) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return e.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1))
}
func (e exactBridge) ForwardT(_ *tensor.Tape, x, t *tensor.Tensor) *tensor.Tensor {
	n, d := x.Dim(0), x.Dim(1)
	out := make([]float64, n*2*d)
	for i := range n {
		for j := range d {
			v, s, _, _ := e.b.at(t.Data()[i], x.Data()[i*d+j])
			out[i*2*d+j], out[i*2*d+d+j] = e.vScale*v, e.sScale*s
		}
	}
	return tensor.New(out, n, 2*d)
}

// TestLatentTargetsConditionalMean: the targets FlowMatching with latent
// noise and SF2M (independent pairs) draw are unbiased for the closed-form
// velocity and score: the residuals u − v* and γs* + z are orthogonal to
// 1 and to x_t within each quarter of [0, 1] in t (the normal equations
// of the least-squares optimum), each mean within 4 standard errors.
func TestLatentTargetsConditionalMean(t *testing.T) {
	const n, m, s = 60000, 1.2, 0.5
	data := diagGaussianData(rand.New(rand.NewPCG(8, 1)), n, []float64{m}, []float64{s})
	sf, err := SF2M{Sigma: 0.8, Coupling: coupling.Independent{}}.flow()
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]FlowMatching{"fm latent 1.5": {Latent: &interpolant.Latent{Scale: 1.5}}, "sf2m σ 0.8": sf} {
		b := bridgeGauss{a: f.Latent.Scale, m: m, s: s}
		xt, ut, ts, z, _, _, err := f.draw(data, rand.New(rand.NewPCG(8, 2)))
		if err != nil {
			t.Fatal(err)
		}
		const bins = 4
		// Per statistic (1 and x in each bin, for v and s): sums of r·φ and
		// of its square.
		var sum, sq [2][2 * bins]float64
		for i, tt := range ts {
			if tt < interpolant.LatentEps || tt > 1-interpolant.LatentEps {
				t.Fatalf("%s: t = %g drawn", name, tt)
			}
			v, sc, _, _ := b.at(tt, xt[i])
			gm := math.Sqrt(b.a * tt * (1 - tt))
			k := min(int(tt*bins), bins-1)
			for r, res := range []float64{ut[i] - v, gm*sc + z[i]} {
				for q, phi := range []float64{1, xt[i]} {
					sum[r][2*k+q] += res * phi
					sq[r][2*k+q] += res * phi * res * phi
				}
			}
		}
		for r := range sum {
			for k := range sum[r] {
				mean := sum[r][k] / n
				se := math.Sqrt((sq[r][k]/n - mean*mean) / n)
				if math.Abs(mean) > 4*se {
					t.Errorf("%s: residual %d, statistic %d: mean %.4g, standard error %.3g", name, r, k, mean, se)
				}
			}
		}
	}
}

// TestSF2MLossOfExactNetwork: with independent pairs, SF2M's loss of the
// exact network (velocity and score heads of bridgeGauss) equals the mean
// of ‖v* − u‖² + ‖γs* + z‖² over the same draw, written out, to 1e-12;
// that mean is the closed-form minimum d·E_t[Var(u) − C²/V + 1 − γ²/V]
// within 5 standard errors; and scaling either head by 0.9 or 1.1 raises
// the loss.
func TestSF2MLossOfExactNetwork(t *testing.T) {
	const n, d, m, s, sigma = 40000, 2, 1.2, 0.5, 0.8
	data := diagGaussianData(rand.New(rand.NewPCG(9, 1)), n, []float64{m, m}, []float64{s, s})
	l := SF2M{Sigma: sigma, Coupling: coupling.Independent{}}
	b := bridgeGauss{a: sigma * sigma, m: m, s: s}
	loss := func(vs, ss float64) float64 {
		v, err := l.Loss(tensor.NewNoGradTape(), exactBridge{b: b, vScale: vs, sScale: ss}, data, rand.New(rand.NewPCG(9, 2)))
		if err != nil {
			t.Fatal(err)
		}
		return v.Item()
	}
	got := loss(1, 1)
	f, _ := l.flow()
	xt, ut, ts, z, _, _, err := f.draw(data, rand.New(rand.NewPCG(9, 2)))
	if err != nil {
		t.Fatal(err)
	}
	sum, sq := 0.0, 0.0
	for i, tt := range ts {
		row := 0.0
		gm := sigma * math.Sqrt(tt*(1-tt))
		for j := range d {
			v, sc, _, _ := b.at(tt, xt[i*d+j])
			row += (v-ut[i*d+j])*(v-ut[i*d+j]) + (gm*sc+z[i*d+j])*(gm*sc+z[i*d+j])
		}
		sum += row
		sq += row * row
	}
	mean := sum / n
	se := math.Sqrt((sq/n - mean*mean) / n)
	if math.Abs(got-mean) > 1e-12*mean {
		t.Errorf("loss %.15g, written out %.15g", got, mean)
	}
	want := 0.0 // d·E_t over [ε, 1 − ε] by the midpoint rule
	const k = 200000
	eps := interpolant.LatentEps
	for i := range k {
		tt := eps + (1-2*eps)*(float64(i)+0.5)/k
		_, _, rv, rs := b.at(tt, 0)
		want += d * (rv + rs) / k
	}
	if math.Abs(mean-want) > 5*se {
		t.Errorf("loss of the exact network %.4f (± %.4f), closed form %.4f", mean, se, want)
	}
	for _, sc := range [][2]float64{{0.9, 1}, {1.1, 1}, {1, 0.9}, {1, 1.1}} {
		if o := loss(sc[0], sc[1]); o <= got {
			t.Errorf("heads scaled by %v: loss %.5f, not above the exact network's %.5f", sc, o, got)
		}
	}
	if _, err := (SF2M{Sigma: -1}).Loss(tensor.NewNoGradTape(), exactBridge{b: b}, data, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, ErrInvalid) {
		t.Errorf("σ = −1: %v", err)
	}
	if _, err := (FlowMatching{Latent: &interpolant.Latent{Scale: 1}, Prediction: interpolant.Score}).Loss(tensor.NewNoGradTape(), exactBridge{b: b}, data, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, ErrInvalid) {
		t.Errorf("latent noise with a score prediction: %v", err)
	}
}
