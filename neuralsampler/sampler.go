package neuralsampler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/internal/lookup"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/tensor"
)

// ErrInvalid is wrapped by errors about invalid settings or inputs.
var ErrInvalid = errors.New("invalid neural sampler setting")

// Method is what the network regresses, and so how the sampler learns.
type Method int

const (
	// IDEM is iterated denoising energy matching (Akhound-Sadegh et al.
	// 2024): the network is the score s(x, t), regressed on the Monte
	// Carlo score −Σwₖ∇E(yₖ) with weight λ(t) = σ²(t) + 10⁻³, and the
	// buffer is refilled by the reverse SDE.
	IDEM Method = iota
	// IEFM is iterated energy-based flow matching (Woo and Ahn 2024) on the
	// variance-exploding path: the network is the probability-flow velocity
	// v(x, t) = ½·(dσ²/dt)·(x − E[x₀|x])/σ², regressed without weights on
	// the Monte Carlo estimate of E[x₀|x] (energies only, no gradient of E),
	// and the buffer is refilled by the ODE.
	IEFM
)

var methods = []lookup.Entry[Method]{
	{Name: "idem", Doc: "iterated denoising energy matching: a score net on −Σwₖ∇E(x + σεₖ), reverse-SDE buffer", Value: IDEM},
	{Name: "iefm", Doc: "iterated energy-based flow matching: a velocity net on Σwₖ(x + σεₖ), energies only, ODE buffer", Value: IEFM},
}

// Names returns the methods' names with one line each.
func Names() [][2]string { return lookup.Names(methods) }

// MethodByName returns the method of a name ("idem", "iefm").
func MethodByName(name string) (Method, error) {
	return lookup.Find(methods, name, "neuralsampler: method", ErrInvalid)
}

// String returns the method's name.
func (m Method) String() string {
	for _, e := range methods {
		if e.Value == m {
			return e.Name
		}
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Geometric is the variance-exploding noise schedule of DEM (Karras et al.
// 2022, eq. 199): x_t = x₀ + σ(t)ε with
//
//	σ²(t) = σmin²·((σmax/σmin)^{2t} − 1),   g²(t) = dσ²/dt,
//
// so σ(0) = 0 and σ(1) ≈ σmax.
type Geometric struct{ SigmaMin, SigmaMax float64 }

// Var returns σ²(t).
func (g Geometric) Var(t float64) float64 {
	r := g.SigmaMax / g.SigmaMin
	return g.SigmaMin * g.SigmaMin * math.Expm1(2*t*math.Log(r))
}

// Rate returns g²(t) = dσ²/dt.
func (g Geometric) Rate(t float64) float64 {
	l := math.Log(g.SigmaMax / g.SigmaMin)
	return 2 * l * g.SigmaMin * g.SigmaMin * math.Exp(2*t*l)
}

// Config sets a Sampler. Zero values take DEM's GMM settings where they
// have one.
type Config struct {
	Method Method
	// Schedule; the zero value is σmin = 10⁻⁵, σmax = 1 (in the scaled
	// coordinates).
	Schedule Geometric
	// Scale is DEM's data normalisation: the sampler works on y = x/Scale
	// (GMM-40: 50, so that the modes lie in [−0.8, 0.8]²); 0 means 1.
	Scale float64
	// K is the number of Monte Carlo draws per target; 0 means 500.
	K int
	// Batch is the regression batch; 0 means 512.
	Batch int
	// Outer is the number of buffer refills after the first; 0 means 20.
	Outer int
	// Inner is the number of regression steps per refill; 0 means 100.
	Inner int
	// Refill is the number of points simulated per refill; 0 means 1000.
	Refill int
	// Buffer is the replay buffer's capacity; 0 means 10000.
	Buffer int
	// Steps is the number of integration steps of a refill (Euler–Maruyama
	// for iDEM, RK4 for iEFM); 0 means 100.
	Steps int
	// MaxScore clips the target's norm in score units (DEM: 70 for GMM);
	// 0 means no clipping.
	MaxScore float64
	// LR is Adam's learning rate; 0 means 5·10⁻⁴.
	LR float64
	// Hidden are the network's hidden sizes; nil means 128, 128, 128.
	Hidden []int
	// Seed seeds the network's initial weights (stream 1) and the training
	// draws (stream 0).
	Seed uint64
}

func (c Config) withDefaults() Config {
	if c.Schedule == (Geometric{}) {
		c.Schedule = Geometric{SigmaMin: 1e-5, SigmaMax: 1}
	}
	c.Scale = cmp.Or(c.Scale, 1)
	c.K = cmp.Or(c.K, 500)
	c.Batch = cmp.Or(c.Batch, 512)
	c.Outer = cmp.Or(c.Outer, 20)
	c.Inner = cmp.Or(c.Inner, 100)
	c.Refill = cmp.Or(c.Refill, 1000)
	c.Buffer = cmp.Or(c.Buffer, 10000)
	c.Steps = cmp.Or(c.Steps, 100)
	c.LR = cmp.Or(c.LR, 5e-4)
	if c.Hidden == nil {
		c.Hidden = []int{128, 128, 128}
	}
	return c
}

func (c Config) check() error {
	s := c.Schedule
	bad := !(s.SigmaMin > 0) || !(s.SigmaMax > s.SigmaMin) || math.IsInf(s.SigmaMax, 0) ||
		!(c.Scale > 0) || math.IsInf(c.Scale, 0) || c.K < 1 || c.Batch < 1 || c.Outer < 0 || c.Inner < 1 ||
		c.Refill < 1 || c.Buffer < c.Refill || c.Steps < 1 || c.MaxScore < 0 || !(c.LR > 0) ||
		(c.Method != IDEM && c.Method != IEFM)
	if bad {
		return fmt.Errorf("neuralsampler: settings %+v: %w", c, ErrInvalid)
	}
	return nil
}

// Sampler is a network trained from an energy alone, by iDEM or iEFM, to
// generate points of exp(−E): it holds the network, the settings and the
// replay buffer.
type Sampler struct {
	// Net maps (y, t) to the score (iDEM) or the velocity (iEFM), in the
	// scaled coordinates y = x/Scale.
	Net nn.TimeModule
	cfg Config
	e   energy.Energy // the energy of y
	d   int
	buf []float64 // the replay buffer, a ring of up to cfg.Buffer points
	pos int       // where the ring's next point goes
}

// scaled is the energy of y = x/s: E(s·y), gradient s·∇E.
type scaled struct {
	e energy.Energy
	s float64
}

func (e scaled) Dim() int { return e.e.Dim() }

func (e scaled) Energy(out, y []float64, d int) { e.Grad(out, nil, y, d) }

func (e scaled) Grad(out, g, y []float64, d int) {
	x := make([]float64, len(y))
	for i, v := range y {
		x[i] = e.s * v
	}
	e.e.Grad(out, g, x, d)
	for i := range g {
		g[i] *= e.s
	}
}

// New returns an untrained sampler of e in dimension d, its network a
// TimeMLP of cfg.Hidden with 8 time frequencies and SiLU.
func New(e energy.Energy, d int, cfg Config) (*Sampler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if err := energy.CheckDim(e, d); err != nil {
		return nil, fmt.Errorf("neuralsampler: %w", err)
	}
	net, err := nn.NewTimeMLP(rand.New(rand.NewPCG(cfg.Seed, 1)), d, 8, cfg.Hidden, d, nn.SiLU())
	if err != nil {
		return nil, fmt.Errorf("neuralsampler: %w", err)
	}
	var ey energy.Energy = e
	if cfg.Scale != 1 {
		ey = scaled{e, cfg.Scale}
	}
	return &Sampler{Net: net, cfg: cfg, e: ey, d: d}, nil
}

// Config returns the sampler's settings, defaults filled in.
func (s *Sampler) Config() Config { return s.cfg }

// velocityCoef returns c(t) with the probability-flow velocity in y
// v = c(t)·Net(y, t): −½g² for a score network, 1 for a velocity network.
func (s *Sampler) velocityCoef(t float64) float64 {
	if s.cfg.Method == IDEM {
		return -0.5 * s.cfg.Schedule.Rate(t)
	}
	return 1
}

// velocity writes the probability-flow velocity at (y, t) for all rows.
func (s *Sampler) velocity(dst []float64, t float64, y []float64) {
	n := len(y) / s.d
	out := s.Net.ForwardT(nil, tensor.New(append([]float64(nil), y...), n, s.d), tensor.Full(t, n, 1))
	c := s.velocityCoef(t)
	for i, v := range out.Data() {
		dst[i] = c * v
	}
}

// simulate returns n points in y: N(0, σ²(1)I) carried to t = 0 by the
// probability-flow ODE (RK4) or, with sde, the reverse SDE
// dy = −g²·s dt + g dW̄ (Euler–Maruyama), in cfg.Steps steps.
func (s *Sampler) simulate(ctx context.Context, n int, sde bool, rng *rand.Rand) ([]float64, error) {
	sd := math.Sqrt(s.cfg.Schedule.Var(1))
	y := make([]float64, n*s.d)
	for i := range y {
		y[i] = sd * rng.NormFloat64()
	}
	var err error
	drift := func(dst []float64, t float64, y []float64) {
		if err == nil {
			err = ctx.Err()
		}
		if err != nil { // stop cheaply: the caller returns ctx's error
			clear(dst)
			return
		}
		s.velocity(dst, t, y)
	}
	if sde {
		// −g²s = 2v; the diffusion is g.
		f := func(dst []float64, t float64, y []float64) {
			drift(dst, t, y)
			for i := range dst {
				dst[i] *= 2
			}
		}
		g := func(dst []float64, t float64, _ []float64) {
			v := math.Sqrt(s.cfg.Schedule.Rate(t))
			for i := range dst {
				dst[i] = v
			}
		}
		if _, e := integrate.EulerMaruyama(f, g, y, 1, 0, s.cfg.Steps, rng); e != nil {
			return nil, e
		}
	} else if _, e := integrate.Solve(integrate.RK4, drift, y, 1, 0, s.cfg.Steps); e != nil {
		return nil, e
	}
	if err != nil {
		return nil, err
	}
	for _, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("neuralsampler: a simulated point is not finite: %w", ErrInvalid)
		}
	}
	return y, nil
}

// Sample returns n points (n·d, in x) drawn with the sampler's network
// from rand.NewPCG(seed, 0): by the reverse SDE with sde, else by the
// probability-flow ODE, whose density LogDensity gives.
func (s *Sampler) Sample(ctx context.Context, n int, seed uint64, sde bool) ([]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("neuralsampler: %d samples: %w", n, ErrInvalid)
	}
	y, err := s.simulate(ctx, n, sde, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return nil, err
	}
	for i := range y {
		y[i] *= s.cfg.Scale
	}
	return y, nil
}

// target returns the regression targets at the noised points y and times
// t, and the loss weight of each row.
func (s *Sampler) target(y, t []float64, rng *rand.Rand) (tgt, w []float64) {
	n, d := len(t), s.d
	sig := make([]float64, n)
	for i, ti := range t {
		sig[i] = math.Sqrt(s.cfg.Schedule.Var(ti))
	}
	score, mean, _ := Posterior{Energy: s.e, K: s.cfg.K, Grad: s.cfg.Method == IDEM}.Estimate(y, d, sig, rng)
	tgt, w = make([]float64, n*d), make([]float64, n)
	for i, ti := range t {
		row := tgt[i*d : (i+1)*d]
		h := s.cfg.Schedule.Var(ti)
		if s.cfg.Method == IDEM {
			copy(row, score[i*d:(i+1)*d])
			w[i] = h + 1e-3
		} else {
			// Tweedie: score = (E[x₀|y] − y)/σ².
			for j := range row {
				row[j] = (mean[i*d+j] - y[i*d+j]) / h
			}
			w[i] = 1
		}
		if m := s.cfg.MaxScore; m > 0 {
			nrm := 0.0
			for _, v := range row {
				nrm += v * v
			}
			if nrm = math.Sqrt(nrm); nrm > m {
				for j := range row {
					row[j] *= m / nrm
				}
			}
		}
		if s.cfg.Method == IEFM {
			c := -0.5 * s.cfg.Schedule.Rate(ti)
			for j := range row {
				row[j] *= c
			}
		}
	}
	return tgt, w
}

// Stats reports one outer iteration of Train.
type Stats struct {
	// Outer is the iteration, 0 for the regression on the first buffer.
	Outer int
	// Loss is the mean weighted regression loss of its inner steps.
	Loss float64
	// Buffered is the number of points in the buffer.
	Buffered int
}

// refill simulates cfg.Refill points with the current network (the reverse
// SDE for iDEM, the ODE for iEFM) into the ring buffer.
func (s *Sampler) refill(ctx context.Context, rng *rand.Rand) error {
	y, err := s.simulate(ctx, s.cfg.Refill, s.cfg.Method == IDEM, rng)
	if err != nil {
		return err
	}
	for i := range s.cfg.Refill {
		row := y[i*s.d : (i+1)*s.d]
		if len(s.buf) < s.cfg.Buffer*s.d {
			s.buf = append(s.buf, row...)
			continue
		}
		copy(s.buf[s.pos*s.d:], row)
		s.pos = (s.pos + 1) % s.cfg.Buffer
	}
	return nil
}

// Train runs the outer loop: fill the buffer with the untrained network,
// then Outer times {Inner regression steps on batches of buffer points
// noised to t ~ U(0, 1); refill}, calling report (when not nil) after each
// regression. All draws come from rand.NewPCG(Seed, 0): the same seed
// gives the same network on any number of cores. It stops with ctx's error
// once ctx is done.
func (s *Sampler) Train(ctx context.Context, report func(Stats)) error {
	rng := rand.New(rand.NewPCG(s.cfg.Seed, 0))
	if err := s.refill(ctx, rng); err != nil {
		return err
	}
	params := nn.Values(s.Net.Params())
	opt := &optim.Adam{LR: s.cfg.LR}
	tp := tensor.NewTape()
	n, d := s.cfg.Batch, s.d
	for o := range s.cfg.Outer + 1 {
		total := 0.0
		for range s.cfg.Inner {
			if err := ctx.Err(); err != nil {
				return err
			}
			have := len(s.buf) / d
			y, t := make([]float64, n*d), make([]float64, n)
			for i := range n {
				k := rng.IntN(have)
				t[i] = rng.Float64()
				sig := math.Sqrt(s.cfg.Schedule.Var(t[i]))
				for j := range d {
					y[i*d+j] = s.buf[k*d+j] + sig*rng.NormFloat64()
				}
			}
			tgt, w := s.target(y, t, rng)
			out := s.Net.ForwardT(tp, tensor.New(y, n, d), tensor.New(t, n, 1))
			diff := tp.Sub(out, tensor.New(tgt, n, d))
			l := tp.Mean(tp.Mul(tp.Square(diff), tensor.New(w, n, 1)))
			total += l.Data()[0]
			g := tp.Grad([]*tensor.Tensor{l}, params, tensor.GradOptions{})
			if err := opt.Step(params, g); err != nil {
				return fmt.Errorf("neuralsampler: outer %d: %w", o, err)
			}
			tp.Reset()
		}
		if report != nil {
			report(Stats{Outer: o, Loss: total / float64(s.cfg.Inner), Buffered: len(s.buf) / d})
		}
		if o < s.cfg.Outer {
			if err := s.refill(ctx, rng); err != nil {
				return err
			}
		}
	}
	return nil
}

// LogDensity returns log q(x) for the n points x (n·d, in x) under the
// probability-flow ODE that carries N(0, σ²(1)I) at t = 1 to t = 0 with the
// network's velocity, by flow.LogDensity's change of variables in steps
// RK4 steps (in u = y/σ(1), where the start is N(0, I)), then
// log q(x) = log q_u(x/(Scale·σ(1))) − d·log(Scale·σ(1)).
func (s *Sampler) LogDensity(ctx context.Context, x []float64, steps int) ([]float64, error) {
	if len(x) == 0 || len(x)%s.d != 0 {
		return nil, fmt.Errorf("neuralsampler: density of %d values in dimension %d: %w", len(x), s.d, ErrInvalid)
	}
	a := math.Sqrt(s.cfg.Schedule.Var(1))
	c := a * s.cfg.Scale
	u := make([]float64, len(x))
	for i, v := range x {
		u[i] = v / c
	}
	field := func(tp *tensor.Tape, u *tensor.Tensor, t float64) *tensor.Tensor {
		out := s.Net.ForwardT(tp, tp.Scale(u, a), tensor.Full(t, u.Dim(0), 1))
		return tp.Scale(out, s.velocityCoef(t)/a)
	}
	lq, err := flow.LogDensity(ctx, field, tensor.New(u, len(x)/s.d, s.d), 1, 0, steps)
	if err != nil {
		return nil, fmt.Errorf("neuralsampler: %w", err)
	}
	for i := range lq {
		lq[i] -= float64(s.d) * math.Log(c)
	}
	return lq, nil
}

// LogZ estimates log Z = log ∫exp(−E) by importance sampling with the
// sampler's ODE density: n draws xᵢ ~ q by the ODE (seed as in Sample),
// log Ẑ = log (1/n)Σexp(−E(xᵢ) − log q(xᵢ)), q by LogDensity in steps
// steps. It also returns the importance weights' effective sample size
// over n. log Ẑ is consistent; by Jensen it is low on average for finite n.
func (s *Sampler) LogZ(ctx context.Context, e energy.Energy, n int, seed uint64, steps int) (logZ, ess float64, err error) {
	x, err := s.Sample(ctx, n, seed, false)
	if err != nil {
		return 0, 0, err
	}
	lq, err := s.LogDensity(ctx, x, steps)
	if err != nil {
		return 0, 0, err
	}
	en := make([]float64, n)
	e.Energy(en, x, s.d)
	lw := make([]float64, n)
	top := math.Inf(-1)
	for i := range lw {
		lw[i] = -en[i] - lq[i]
		top = math.Max(top, lw[i])
	}
	sum, sum2 := 0.0, 0.0
	for _, v := range lw {
		w := math.Exp(v - top)
		sum += w
		sum2 += w * w
	}
	return top + math.Log(sum/float64(n)), sum * sum / sum2 / float64(n), nil
}
