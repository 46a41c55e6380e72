package loss

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/normflow"
	"github.com/goebm/goebm/tensor"
)

// shifted is E(x) = ½(x − m)ᵀW(x − m): a Gaussian energy with a mean, so
// that its family holds the empirical Gaussian of any data.
type shifted struct{ M, W *tensor.Tensor }

func (q shifted) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	r := tp.Sub(x, q.M)
	e := tp.Scale(tp.SumAxis(tp.Mul(tp.MatMul(r, q.W), r), 1), 0.5)
	return tp.Reshape(e, x.Dim(0), 1)
}

func (q shifted) Params() []nn.Param {
	return []nn.Param{{Name: "m", Value: q.M}, {Name: "W", Value: q.W}}
}

func mustFlow(t *testing.T, mean, cov []float64) *normflow.Flow {
	t.Helper()
	f, err := normflow.NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// meanCov returns the data's mean and (biased) covariance, 2-D.
func meanCov(x *tensor.Tensor) (m, s []float64) {
	n := x.Dim(0)
	m = make([]float64, 2)
	for i := range n {
		m[0] += x.Data()[2*i] / float64(n)
		m[1] += x.Data()[2*i+1] / float64(n)
	}
	s = make([]float64, 4)
	for i := range n {
		a, b := x.Data()[2*i]-m[0], x.Data()[2*i+1]-m[1]
		s[0] += a * a / float64(n)
		s[1] += a * b / float64(n)
		s[3] += b * b / float64(n)
	}
	s[2] = s[1]
	return m, s
}

// TestFCEIsNCEAtAFixedGaussian: with a fixed Gaussian flow, FCE's loss
// and its gradient with respect to the energy and c are NCE's against the
// same Gaussian noise (ratio 1): the flow draws the same points from the
// same seed.
func TestFCEIsNCEAtAFixedGaussian(t *testing.T) {
	mean, cov := []float64{0.2, -0.1}, []float64{1.5, 0.4, 0.4, 0.8}
	x := gaussianData(rngOf(1), 64, [2][2]float64{{1.2, 0}, {0.6, 0.7}})
	q := quadratic{tensor.New([]float64{1.3, 0.2, 0.2, 0.9}, 2, 2)}
	fce, fst := FCE{Flow: mustFlow(t, mean, cov), FlowLR: -1}.Start()
	nce, nst := NCE{Noise: mustGaussian(t, mean, cov), Ratio: 1}.Start()
	fst.Params()[0].Value.Data()[0] = 0.7
	nst.Params()[0].Value.Data()[0] = 0.7
	grad := func(l EnergyLoss, logZ *tensor.Tensor) (float64, []float64) {
		tp := tensor.NewTape()
		v, err := l.Loss(tp, q, x, rngOf(2))
		if err != nil {
			t.Fatal(err)
		}
		g := tp.Grad([]*tensor.Tensor{v}, []*tensor.Tensor{q.W, logZ}, tensor.GradOptions{})
		return v.Item(), append(append([]float64(nil), g[0].Data()...), g[1].Data()...)
	}
	fv, fg := grad(fce, fst.Params()[0].Value)
	nv, ng := grad(nce, nst.Params()[0].Value)
	if math.Abs(fv-nv) > 1e-12 {
		t.Errorf("FCE loss %.15f, NCE's %.15f", fv, nv)
	}
	for i := range ng {
		if math.Abs(fg[i]-ng[i]) > 1e-12 {
			t.Errorf("FCE gradient %v, NCE's %v", fg, ng)
			break
		}
	}
}

// TestFCEValue: the loss on a tiny batch is the formula written out,
// (1/n)[Σ_x log(1 + e^{E(x) + c + log q(x)}) + Σ_y log(1 + e^{−E(y) − c − log q(y)})]
// with y the flow's draws; its gradient with respect to the energy and c
// is the formula's (central differences); and a training call's flow step
// moves each of the flow's parameters by Adam's first step, lr·sign, up
// the formula (down V), with the draws of that call.
func TestFCEValue(t *testing.T) {
	mean, cov := []float64{0.2, -0.1}, []float64{1.5, 0.4, 0.4, 0.8}
	x := tensor.New([]float64{0.3, -0.4, 1.1, 0.2, -0.8, 0.5}, 3, 2)
	q := shifted{tensor.New([]float64{0.1, 0.05}, 2), tensor.New([]float64{1.3, 0.2, 0.2, 0.9}, 2, 2)}
	const lr = 1e-3
	l, st := FCE{Flow: mustFlow(t, mean, cov), FlowLR: lr}.Start()
	logZ := st.Params()[0].Value
	logZ.Data()[0] = 0.7
	g := mustGaussian(t, mean, cov)
	energy := func(u []float64) float64 {
		r0, r1 := u[0]-0.1, u[1]-0.05
		return 0.5 * (1.3*r0*r0 + 0.4*r0*r1 + 0.9*r1*r1)
	}
	rng := rngOf(3)
	want := 0.0
	for i := range 3 {
		u := x.Data()[2*i : 2*i+2]
		want += math.Log1p(math.Exp(energy(u) + 0.7 + g.LogDensity(u)))
	}
	for range 3 {
		u := make([]float64, 2)
		g.Sample(rng, u)
		want += math.Log1p(math.Exp(-energy(u) - 0.7 - g.LogDensity(u)))
	}
	want /= 3
	value := func() float64 {
		v, err := l.Loss(nil, q, x, rngOf(3))
		if err != nil {
			t.Fatal(err)
		}
		return v.Item()
	}
	if v := value(); math.Abs(v-want) > 1e-12 {
		t.Errorf("FCE loss %.15f, written out %.15f", v, want)
	}
	fd := func(p *tensor.Tensor, j int) float64 {
		const h = 1e-6
		old := p.Data()[j]
		p.Data()[j] = old + h
		up := value()
		p.Data()[j] = old - h
		down := value()
		p.Data()[j] = old
		return (up - down) / (2 * h)
	}
	// The energy's and c's gradients, from a call that moves nothing.
	fixed, fst := FCE{Flow: mustFlow(t, mean, cov), FlowLR: -1}.Start()
	fst.Params()[0].Value.Data()[0] = 0.7
	tp := tensor.NewTape()
	v, err := fixed.Loss(tp, q, x, rngOf(3))
	if err != nil {
		t.Fatal(err)
	}
	eparams := []*tensor.Tensor{q.M, q.W, fst.Params()[0].Value}
	grads := tp.Grad([]*tensor.Tensor{v}, eparams, tensor.GradOptions{})
	for k, p := range []*tensor.Tensor{q.M, q.W, logZ} {
		for j := range p.Data() {
			if got, want := grads[k].Data()[j], fd(p, j); math.Abs(got-want) > 1e-6 {
				t.Errorf("energy parameter %d[%d]: gradient %.8f, differences %.8f", k, j, got, want)
			}
		}
	}
	// The flow's step: the differences first, then the step.
	flow := st.Save()
	before := make([][]float64, len(flow)-1)
	signs := make([][]float64, len(flow)-1)
	for k := range before {
		p := flow[k].Value
		before[k] = append([]float64(nil), p.Data()...)
		for j := range p.Data() {
			d := fd(p, j)
			switch {
			case k == 1 && j == 1:
				signs[k] = append(signs[k], 0) // Raw's upper triangle is not read
			case d > 0:
				signs[k] = append(signs[k], 1)
			default:
				signs[k] = append(signs[k], -1)
			}
		}
	}
	if _, err := l.Loss(tensor.NewTape(), q, x, rngOf(3)); err != nil {
		t.Fatal(err)
	}
	for k := range before {
		for j, b := range before[k] {
			step := (flow[k].Value.Data()[j] - b) / lr
			if math.Abs(step-signs[k][j]) > 1e-4 {
				t.Errorf("flow parameter %s[%d] moved by %.6f·lr, want %g·lr", flow[k].Name, j, step, signs[k][j])
			}
		}
	}
}

// fitFCE runs Adam on FCE with the shifted energy started at N(0, I) and
// returns it, with c.
func fitFCE(t *testing.T, l FCE, x *tensor.Tensor, steps int) (shifted, State) {
	t.Helper()
	q := shifted{tensor.Zeros(2), tensor.New([]float64{1, 0, 0, 1}, 2, 2)}
	run, st := l.Start()
	fit(t, run, q, x, []*tensor.Tensor{q.M, q.W, st.Params()[0].Value}, steps)
	return q, st
}

// TestFCEOptima: on Gaussian data (mean x̄, covariance S) with the shifted
// Gaussian energy, (a) with the flow held fixed FCE is NCE and its optimum
// is the data's Gaussian, m = x̄, W = S⁻¹, c = log Z = log 2π + ½ log|S|;
// (b) with the Gaussian flow learning, the game's fixed point has the
// energy at the same optimum and the flow at the data's Gaussian too
// (mean x̄, covariance LLᵀ = S). Tolerances: 0.05 relative (W, LLᵀ),
// 0.03 (means), 0.03 nats (c).
func TestFCEOptima(t *testing.T) {
	if testing.Short() {
		t.Skip("trains to convergence; -short (the race-detector pass) skips it")
	}
	x := gaussianData(rngOf(5), 2000, [2][2]float64{{1.2, 0}, {0.6, 0.7}})
	for i := range 2000 {
		x.Data()[2*i] += 0.5
		x.Data()[2*i+1] -= 0.3
	}
	m, s := meanCov(x)
	wantZ := math.Log(2*math.Pi) + 0.5*math.Log(s[0]*s[3]-s[1]*s[2])
	for _, learn := range []bool{false, true} {
		name := map[bool]string{false: "fixed flow", true: "learned flow"}[learn]
		f := mustFlow(t, []float64{-0.5, 0.4}, []float64{3, -0.5, -0.5, 2})
		lr := -1.0
		if learn {
			lr = 0.01
		}
		q, st := fitFCE(t, FCE{Flow: f, FlowLR: lr}, x, 3000)
		logZ, saved := st.Params()[0].Value, st.Save()
		w := q.W.Data()
		p := []float64{w[0], (w[1] + w[2]) / 2, (w[1] + w[2]) / 2, w[3]}
		close(t, "FCE, "+name, p, inv2(s), 0.05)
		for j := range 2 {
			if math.Abs(q.M.Data()[j]-m[j]) > 0.03 {
				t.Errorf("FCE, %s: energy mean %.4f, want %.4f", name, q.M.Data(), m)
				break
			}
		}
		if c := logZ.Item(); math.Abs(c-wantZ) > 0.03 {
			t.Errorf("FCE, %s: log Z = %.4f, want %.4f", name, c, wantZ)
		}
		fm, fr := saved[0].Value.Data(), saved[1].Value.Data()
		l00, l10, l11 := math.Exp(fr[0]), fr[2], math.Exp(fr[3])
		fcov := []float64{l00 * l00, l00 * l10, l00 * l10, l10*l10 + l11*l11}
		t.Logf("FCE, %s: W = %.3f (S⁻¹ = %.3f), m = %.3f (x̄ = %.3f), c = %.4f (log Z = %.4f); flow mean %.3f, cov %.3f (S = %.3f)",
			name, p, inv2(s), q.M.Data(), m, logZ.Item(), wantZ, fm, fcov, s)
		if learn {
			close(t, "FCE flow covariance", fcov, s, 0.05)
			for j := range 2 {
				if math.Abs(fm[j]-m[j]) > 0.03 {
					t.Errorf("FCE flow mean %.4f, want %.4f", fm, m)
					break
				}
			}
		}
	}
}

// TestFCEStartLeavesSettings: a run trains a clone; the settings' flow is
// untouched. Params is c alone; Save holds the flow and its optimizer.
func TestFCEStartLeavesSettings(t *testing.T) {
	f := mustFlow(t, []float64{0, 0}, []float64{1, 0, 0, 1})
	_, st := FCE{Flow: f}.Start()
	for _, p := range st.Save() {
		p.Value.Data()[0] += 1
	}
	for _, p := range f.Params() {
		if p.Value.Data()[0] != 0 {
			t.Fatalf("settings' flow parameter %s changed to %v by a run", p.Name, p.Value.Data())
		}
	}
	var got []string
	for _, p := range append(st.Params(), st.Save()...) {
		got = append(got, p.Name)
	}
	if want := []string{"fce.logZ", "flow.0.mean", "flow.0.raw", "flow.adam"}; !slices.Equal(got, want) {
		t.Errorf("state %v, want %v", got, want)
	}
}

// TestFCEResumes: a run saved after two training calls and restored into a
// fresh run continues with the same third loss and flow, bit for bit; a
// state of another flow is refused.
func TestFCEResumes(t *testing.T) {
	net, _ := nn.NewMLP(rngOf(1), []int{2, 6, 1}, nn.SiLU(), nil)
	x := gaussianData(rngOf(2), 8, [2][2]float64{{1, 0}, {0.2, 0.7}})
	flow, err := normflow.NewRealNVP(rngOf(3), []float64{0, 0}, []float64{1, 0, 0, 1}, 2, []int{4})
	if err != nil {
		t.Fatal(err)
	}
	l := FCE{Flow: flow, FlowLR: 0.01}
	a, sa := l.Start()
	src := rand.NewPCG(3, 0)
	rng := rand.New(src)
	for range 2 {
		if _, err := a.Loss(tensor.NewTape(), net, x, rng); err != nil {
			t.Fatal(err)
		}
	}
	saved := sa.Save()
	for i := range saved {
		saved[i].Value = saved[i].Value.Clone()
	}
	srcB := *src
	want, err := a.Loss(tensor.NewTape(), net, x, rng)
	if err != nil {
		t.Fatal(err)
	}
	b, sb := l.Start()
	if err := sb.Restore(saved); err != nil {
		t.Fatal(err)
	}
	got, err := b.Loss(tensor.NewTape(), net, x, rand.New(&srcB))
	if err != nil {
		t.Fatal(err)
	}
	if math.Float64bits(got.Item()) != math.Float64bits(want.Item()) {
		t.Errorf("restored run: loss %v, want %v", got.Item(), want.Item())
	}
	for i, p := range sa.Save() {
		if !slices.Equal(p.Value.Data(), sb.Save()[i].Value.Data()) {
			t.Errorf("restored run: %s differs", p.Name)
		}
	}
	_, sg := FCE{Flow: mustFlow(t, []float64{0, 0}, []float64{1, 0, 0, 1})}.Start()
	if err := sg.Restore(saved); !errors.Is(err, ErrInvalid) {
		t.Errorf("a RealNVP's state restored into a Gaussian flow's run: %v, want ErrInvalid", err)
	}
	short := slices.Clone(saved)
	short[len(short)-1] = nn.Param{Name: "flow.adam", Value: tensor.New([]float64{2, 0, 0}, 3)}
	if err := sb.Restore(short); !errors.Is(err, ErrInvalid) {
		t.Errorf("optimizer state of the wrong length: %v, want ErrInvalid", err)
	}
}

func TestFCERefuses(t *testing.T) {
	net := quadratic{tensor.New([]float64{1, 0, 0, 1}, 2, 2)}
	for name, c := range map[string]struct {
		l FCE
		x *tensor.Tensor
	}{
		"no flow":     {FCE{}, tensor.Zeros(3, 2)},
		"dimension":   {FCE{Flow: mustFlow(t, []float64{0, 0, 0}, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1})}, tensor.Zeros(3, 2)},
		"empty batch": {FCE{Flow: mustFlow(t, []float64{0, 0}, []float64{1, 0, 0, 1})}, tensor.Zeros(0, 2)},
	} {
		if _, err := c.l.Loss(nil, net, c.x, rngOf(1)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}

// TestFCEWorkers: the same seed gives the same losses and the same flow on
// one core and on four, over a few training calls (flow steps included).
func TestFCEWorkers(t *testing.T) {
	x := gaussianData(rngOf(3), 512, [2][2]float64{{1, 0}, {0.3, 0.9}})
	net, _ := nn.NewMLP(rngOf(4), []int{2, 32, 1}, nn.SiLU(), nil)
	flow, err := normflow.NewRealNVP(rngOf(5), []float64{0, 0}, []float64{1, 0, 0, 1}, 2, []int{32})
	if err != nil {
		t.Fatal(err)
	}
	run := func(procs int) ([]float64, []float64) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		l, st := FCE{Flow: flow, FlowLR: 0.01}.Start()
		rng := rngOf(6)
		var vs []float64
		for range 3 {
			v, err := l.Loss(tensor.NewTape(), net, x, rng)
			if err != nil {
				t.Fatal(err)
			}
			vs = append(vs, v.Item())
		}
		var ps []float64
		for _, p := range st.Save() {
			ps = append(ps, p.Value.Data()...)
		}
		return vs, ps
	}
	v1, p1 := run(1)
	v4, p4 := run(4)
	if !slices.Equal(v1, v4) || !slices.Equal(p1, p4) {
		t.Errorf("one core: losses %v, four: %v (flows equal: %v)", v1, v4, slices.Equal(p1, p4))
	}
}
