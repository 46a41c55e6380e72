package neuralsampler

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// exactNet is the exact score (or, with velocity, the probability-flow
// velocity) of a mixture noised to σ²(t), computed without a tape: what a
// perfectly trained network would output.
type exactNet struct {
	t        *testing.T
	comps    []energy.Component
	sched    Geometric
	velocity bool
}

func (n exactNet) ForwardT(_ *tensor.Tape, x, t *tensor.Tensor) *tensor.Tensor {
	tt := t.Data()[0]
	m := noisedMixture(n.t, n.comps, math.Sqrt(n.sched.Var(tt)))
	rows, d := x.Dim(0), x.Dim(1)
	e, g := make([]float64, rows), make([]float64, rows*d)
	m.Grad(e, g, x.Data(), d)
	c := -1.0
	if n.velocity {
		c = 0.5 * n.sched.Rate(tt) // v = −½g²·s = ½g²·∇E
	}
	for i := range g {
		g[i] *= c
	}
	return tensor.New(g, rows, d)
}

func (n exactNet) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return n.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1))
}

func (exactNet) Params() []nn.Param { return nil }

// TestExactScoreSamples: with the exact noised score in place of the
// network, the reverse SDE (iDEM's sampler) and the probability-flow ODE
// (iEFM's, the network a velocity) draw the two-mode mixture: MMD² against
// exact draws within 0.003 of the floor between two exact sets, and the
// heavier mode's share within 4 MCSE of 2/3. A wrong sign or scale of the
// drift, or a wrong diffusion, fails it.
func TestExactScoreSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("400 000 mixture scores; -short skips it")
	}
	target := twoModes(t)
	comps := []energy.Component{
		{Weight: 2, Mean: []float64{-1.5, 0}, Sigma: 0.4},
		{Weight: 1, Mean: []float64{1.5, 0}, Sigma: 0.4},
	}
	const n = 2000
	exact := tensor.New(target.Draw(n, rand.New(rand.NewPCG(1, 9))), n, 2)
	exact2 := tensor.New(target.Draw(n, rand.New(rand.NewPCG(2, 9))), n, 2)
	ctx := context.Background()
	floor, _, err := eval.MMD(ctx, exact, exact2)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Method{IDEM, IEFM} {
		cfg := smallConfig(m)
		cfg.Steps = 200
		// σmax ≫ the data's spread, so that N(0, σmax²) is p₁ up to a small error.
		cfg.Schedule.SigmaMax = 20
		s, err := New(target, 2, cfg)
		if err != nil {
			t.Fatal(err)
		}
		s.Net = exactNet{t: t, comps: comps, sched: s.cfg.Schedule, velocity: m == IEFM}
		x, err := s.Sample(ctx, n, 3, m == IDEM)
		if err != nil {
			t.Fatal(err)
		}
		mmd, _, err := eval.MMD(ctx, tensor.New(x, n, 2), exact)
		if err != nil {
			t.Fatal(err)
		}
		left := 0.0
		for i := range n {
			if x[2*i] < 0 {
				left++
			}
		}
		left /= n
		t.Logf("%s: MMD² %.5f (floor %.5f), left share %.3f", m, mmd, floor, left)
		if mmd > floor+0.003 {
			t.Errorf("%s: MMD² %.5f, floor %.5f", m, mmd, floor)
		}
		if se := math.Sqrt(2.0 / 9 / n); math.Abs(left-2.0/3) > 4*se {
			t.Errorf("%s: left mode's share %.3f, want 0.667 ± %.3f", m, left, se)
		}
	}
}
