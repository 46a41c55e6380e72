package xla

import (
	"cmp"
	"fmt"
	"math"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Kernel is one step of a batched MCMC sampler as a graph: every chain (a
// row of x) moves once. GoMLX cannot take a Gradient inside a While body,
// so a run is a Go loop over this one compiled step (Chains).
type Kernel interface {
	// step moves the chains at x, whose energies e [n] and gradients g
	// [n, d] are given, drawing its randomness from rng; it returns the new
	// points with their energies and gradients, rng's next state, and
	// 1 for each chain that moved, 0 for each that stayed ([n]).
	step(en Energy, params []*Node, x, e, g, rng *Node) (x1, e1, g1, rng1, acc *Node)
}

// Langevin is unadjusted Langevin dynamics, as goebm's sampler.Langevin:
// x ← x − η∇E(x) + √(2ηT)·ξ, ξ ~ N(0, I).
type Langevin struct {
	// StepSize η; 0 means 0.01.
	StepSize float64
	// Temperature T; 0 means 1.
	Temperature float64
}

// MALA is the Metropolis-adjusted Langevin algorithm, as goebm's
// sampler.MALA with an identity mass: the proposal
// y = x − η∇E(x) + √(2η)·ξ accepted with probability
// min(1, exp(E(x) − E(y) + log q(x|y) − log q(y|x))),
// q(y|x) = N(y; x − η∇E(x), 2ηI).
type MALA struct {
	// StepSize η; 0 means 0.01.
	StepSize float64
}

// HMC is Hamiltonian Monte Carlo, as goebm's sampler.HMC with an identity
// mass: p ~ N(0, I), LeapfrogSteps leapfrog steps of size StepSize through
// H = E(x) + ½‖p‖², and a Metropolis test on the change in H (a non-finite
// H rejects). The leapfrog steps are unrolled in the compiled step.
type HMC struct {
	// StepSize ε; 0 means 0.1.
	StepSize float64
	// LeapfrogSteps L; 0 means 10.
	LeapfrogSteps int
}

func (k Langevin) step(en Energy, params []*Node, x, _, g, rng *Node) (x1, e1, g1, rng1, acc *Node) {
	rng1, xi := RandomNormal(rng, x.Shape())
	x1 = langevinMove(x, g, xi, cmp.Or(k.StepSize, 0.01), cmp.Or(k.Temperature, 1))
	e1, g1 = energyGrad(en, params, x1)
	return x1, e1, g1, rng1, OnesLike(e1)
}

func (k MALA) step(en Energy, params []*Node, x, e, g, rng *Node) (x1, e1, g1, rng1, acc *Node) {
	n := x.Shape().Dimensions[0]
	rng1, xi := RandomNormal(rng, x.Shape())
	rng1, u := RandomUniform(rng1, shapeOf(n))
	x1, e1, g1, acc = malaMove(en, params, x, e, g, xi, Log(u), cmp.Or(k.StepSize, 0.01))
	return x1, e1, g1, rng1, acc
}

func (k HMC) step(en Energy, params []*Node, x, e, g, rng *Node) (x1, e1, g1, rng1, acc *Node) {
	n := x.Shape().Dimensions[0]
	rng1, p := RandomNormal(rng, x.Shape())
	rng1, u := RandomUniform(rng1, shapeOf(n))
	x1, e1, g1, acc = hmcMove(en, params, x, e, g, p, Log(u), cmp.Or(k.StepSize, 0.1), cmp.Or(k.LeapfrogSteps, 10))
	return x1, e1, g1, rng1, acc
}

// energyGrad returns E(x) [n] and ∇ₓE [n, d].
func energyGrad(en Energy, params []*Node, x *Node) (e, g *Node) {
	e = en.Graph(params, x)
	return e, gradX(e, x)
}

// langevinMove is one Langevin step with the noise xi given.
func langevinMove(x, g, xi *Node, h, temp float64) *Node {
	return Add(Sub(x, MulScalar(g, h)), MulScalar(xi, math.Sqrt(2*h*temp)))
}

// malaMove is one MALA step with the noise xi [n, d] and the log-uniforms
// logu [n] given: chain i moves when logu[i] < log α.
func malaMove(en Energy, params []*Node, x, e, g, xi, logu *Node, h float64) (x1, e1, g1, acc *Node) {
	y := langevinMove(x, g, xi, h, 1)
	ey, gy := energyGrad(en, params, y)
	// log q(a|b) = −‖a − b + η∇E(b)‖²/(4η) + const
	logq := func(a, b, gb *Node) *Node {
		r := Add(Sub(a, b), MulScalar(gb, h))
		return MulScalar(ReduceSum(Mul(r, r), 1), -1/(4*h))
	}
	logA := Add(Sub(e, ey), Sub(logq(x, y, gy), logq(y, x, g)))
	return accept(LessThan(logu, logA), x, e, g, y, ey, gy)
}

// hmcMove is one HMC trajectory with the momentum p [n, d] and the
// log-uniforms logu [n] given.
func hmcMove(en Energy, params []*Node, x, e, g, p, logu *Node, eps float64, steps int) (x1, e1, g1, acc *Node) {
	kinetic := func(p *Node) *Node { return MulScalar(ReduceSum(Mul(p, p), 1), 0.5) }
	h0 := Add(e, kinetic(p))
	y, gy, ey := x, g, e
	for range steps {
		p = Sub(p, MulScalar(gy, eps/2))
		y = Add(y, MulScalar(p, eps))
		ey, gy = energyGrad(en, params, y)
		p = Sub(p, MulScalar(gy, eps/2))
	}
	h1 := Add(ey, kinetic(p))
	return accept(LessThan(logu, Sub(h0, h1)), x, e, g, y, ey, gy) // NaN compares false: rejected
}

// accept keeps the proposal (y, ey, gy) of each chain where ok, else its
// current point, and returns ok as 1s and 0s.
func accept(ok, x, e, g, y, ey, gy *Node) (x1, e1, g1, acc *Node) {
	return Where(ok, y, x), Where(ok, ey, e), Where(ok, gy, g), ConvertDType(ok, dtype)
}

// Chains are n chains of a Kernel on an Energy, their state (points,
// energies, gradients, random state, acceptance counts) kept on the
// backend's device between steps.
type Chains struct {
	b               compute.Backend
	en              Energy
	k               Kernel
	ev              *Evaluator
	exec            *Exec // one step
	block           *Exec // unroll steps, or nil
	unroll          int
	x, e, g, rng, n *tensors.Tensor // n: accepted moves per chain
	steps           int
}

// NewChains starts chains of k on en at the rows of x0 ([n, d], float32),
// their randomness seeded by seed: the same seed gives the same chains on
// the same backend.
func NewChains(b compute.Backend, en Energy, k Kernel, x0 *tensors.Tensor, seed int64) (*Chains, error) {
	if x0.Rank() != 2 {
		return nil, fmt.Errorf("xla: chains of shape %v; want [n, d]: %w", x0.Shape(), ErrInvalid)
	}
	ev, err := NewEvaluator(b, en)
	if err != nil {
		return nil, err
	}
	e, g, err := ev.Eval(x0)
	if err != nil {
		return nil, err
	}
	rng, err := RNGStateFromSeed(seed)
	if err != nil {
		return nil, fmt.Errorf("xla: %w", err)
	}
	c := &Chains{b: b, en: en, k: k, ev: ev, x: x0, e: e, g: g, rng: rng, n: tensors.FromShape(shapeOf(x0.Shape().Dimensions[0]))}
	if c.exec, err = c.compile(1); err != nil {
		return nil, err
	}
	return c, nil
}

// compile returns the graph of m steps in a row.
func (c *Chains) compile(m int) (*Exec, error) {
	np := len(c.en.Params())
	exec, err := NewExec(c.b, func(in []*Node) []*Node {
		params, x, e, g, rng, n := in[:np], in[np], in[np+1], in[np+2], in[np+3], in[np+4]
		for range m {
			var acc *Node
			x, e, g, rng, acc = c.k.step(c.en, params, x, e, g, rng)
			n = Add(n, acc)
		}
		return []*Node{x, e, g, rng, n}
	})
	if err != nil {
		return nil, fmt.Errorf("xla: %w", err)
	}
	return exec, nil
}

// Unroll makes Run take its steps m at a time, m steps unrolled into one
// compiled graph (a While loop cannot hold their gradients): one call per m
// steps, which on an accelerator saves m − 1 dispatches. The chains draw
// the same random numbers either way.
func (c *Chains) Unroll(m int) error {
	if m < 1 {
		return fmt.Errorf("xla: unrolling %d steps: %w", m, ErrInvalid)
	}
	if m == 1 {
		c.block, c.unroll = nil, 0
		return nil
	}
	exec, err := c.compile(m)
	if err != nil {
		return err
	}
	c.block, c.unroll = exec, m
	return nil
}

// Restart moves the chains to the rows of x ([n, d], the shape they had),
// keeping their random state and acceptance counts.
func (c *Chains) Restart(x *tensors.Tensor) error {
	if !x.Shape().Equal(c.x.Shape()) {
		return fmt.Errorf("xla: restarting chains of shape %v at %v: %w", c.x.Shape(), x.Shape(), ErrInvalid)
	}
	e, g, err := c.ev.Eval(x)
	if err != nil {
		return err
	}
	c.x, c.e, c.g = x, e, g
	return nil
}

// Run advances every chain by steps steps.
func (c *Chains) Run(steps int) error {
	for steps > 0 {
		exec, m := c.exec, 1
		if c.block != nil && steps >= c.unroll {
			exec, m = c.block, c.unroll
		}
		out, err := call(exec, c.en.Params(), c.x, c.e, c.g, c.rng, c.n)
		if err != nil {
			return err
		}
		c.x, c.e, c.g, c.rng, c.n = out[0], out[1], out[2], out[3], out[4]
		c.steps += m
		steps -= m
	}
	return nil
}

// X returns the chains' points, [n, d].
func (c *Chains) X() *tensors.Tensor { return c.x }

// Energies returns the energies at the chains' points, [n].
func (c *Chains) Energies() *tensors.Tensor { return c.e }

// AcceptRate returns the fraction of moves accepted, over all chains and
// steps so far (1 for Langevin).
func (c *Chains) AcceptRate() float64 {
	if c.steps == 0 {
		return 0
	}
	s := 0.0
	for _, v := range Float64s(c.n) {
		s += v
	}
	return s / float64(c.steps*c.n.Shape().Dimensions[0])
}
