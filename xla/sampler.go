package xla

import (
	"cmp"
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
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
// devices between steps. Spread shares them out over several devices.
type Chains struct {
	b      compute.Backend
	en     Energy
	k      Kernel
	ev     *Evaluator
	exec   *Exec // one step
	block  *Exec // unroll steps, or nil
	unroll int
	seed   int64
	shards []*chainShard
	steps  int
}

// chainShard is a block of the chains on one device, with its own random
// state.
type chainShard struct {
	dev             compute.DeviceNum
	x, e, g, rng, n *tensors.Tensor // n: accepted moves per chain
}

// NewChains starts chains of k on en at the rows of x0 ([n, d], float32),
// on device 0, their randomness seeded by seed: the same seed gives the
// same chains on the same backend.
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
	c := &Chains{b: b, en: en, k: k, ev: ev, seed: seed,
		shards: []*chainShard{{x: x0, e: e, g: g, rng: rng, n: tensors.FromShape(shapeOf(x0.Shape().Dimensions[0]))}}}
	if c.exec, err = c.compile(1); err != nil {
		return nil, err
	}
	return c, nil
}

// Spread shares the chains out over the devices devs (Devices gives them
// all) in blocks of rows, in order, as equal as can be (at least one chain
// each); each device then runs its block's steps on its own,
// with no traffic between devices until the chains are read. The block on
// devs[0] keeps the chains' random state; block i > 0 draws from a new one
// seeded by the seed and i, so the same seed and devices give the same
// chains. It must come before the first Run.
func (c *Chains) Spread(devs []compute.DeviceNum) error {
	if err := checkDevices(c.b, devs); err != nil {
		return err
	}
	if c.steps > 0 {
		return fmt.Errorf("xla: spreading chains that have run %d steps; spread them first: %w", c.steps, ErrInvalid)
	}
	s := c.shards[0]
	if len(c.shards) > 1 {
		s = &chainShard{x: concatRows(c.parts(func(s *chainShard) *tensors.Tensor { return s.x })),
			e:   concatRows(c.parts(func(s *chainShard) *tensors.Tensor { return s.e })),
			g:   concatRows(c.parts(func(s *chainShard) *tensors.Tensor { return s.g })),
			n:   concatRows(c.parts(func(s *chainShard) *tensors.Tensor { return s.n })),
			rng: s.rng}
	}
	k, n := len(devs), s.x.Shape().Dimensions[0]
	if n < k {
		return fmt.Errorf("xla: spreading %d chains over %d devices: %w", n, k, ErrInvalid)
	}
	var parts [4][]*tensors.Tensor
	for j, t := range []*tensors.Tensor{s.x, s.e, s.g, s.n} {
		var err error
		if parts[j], err = cut(t, 0, blocks(n, k)); err != nil {
			return err
		}
	}
	shards := make([]*chainShard, k)
	for i := range k {
		rng := s.rng
		if i > 0 {
			var err error
			// a splitmix64 step of the seed and the block: far apart streams
			if rng, err = RNGStateFromSeed(int64(mix64(uint64(c.seed) + uint64(i)*0x9e3779b97f4a7c15))); err != nil {
				return fmt.Errorf("xla: %w", err)
			}
		}
		shards[i] = &chainShard{dev: devs[i], x: parts[0][i], e: parts[1][i], g: parts[2][i], rng: rng, n: parts[3][i]}
	}
	c.shards = shards
	return nil
}

// mix64 is splitmix64's output function.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// parts returns one tensor of each block.
func (c *Chains) parts(f func(*chainShard) *tensors.Tensor) []*tensors.Tensor {
	out := make([]*tensors.Tensor, len(c.shards))
	for i, s := range c.shards {
		out[i] = f(s)
	}
	return out
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
	if want := c.shape(); !x.Shape().Equal(want) {
		return fmt.Errorf("xla: restarting chains of shape %v at %v: %w", want, x.Shape(), ErrInvalid)
	}
	sizes := make([]int, len(c.shards))
	for i, s := range c.shards {
		sizes[i] = s.x.Shape().Dimensions[0]
	}
	xs, err := cut(x, 0, sizes)
	if err != nil {
		return err
	}
	params, err := c.params()
	if err != nil {
		return err
	}
	return onEach(len(c.shards), func(i int) error {
		s := c.shards[i]
		e, g, err := c.ev.evalOn(s.dev, params[i], xs[i])
		if err != nil {
			return err
		}
		s.x, s.e, s.g = xs[i], e, g
		return nil
	})
}

// params returns the energy's parameters placed on each block's device.
func (c *Chains) params() ([][]*tensors.Tensor, error) {
	devs := make([]compute.DeviceNum, len(c.shards))
	for i, s := range c.shards {
		devs[i] = s.dev
	}
	return replicas(c.b, c.en.Params(), devs)
}

// Run advances every chain by steps steps, each device its own block.
func (c *Chains) Run(steps int) error {
	params, err := c.params()
	if err != nil {
		return err
	}
	err = onEach(len(c.shards), func(i int) error {
		s := c.shards[i]
		for left := steps; left > 0; {
			exec, m := c.exec, 1
			if c.block != nil && left >= c.unroll {
				exec, m = c.block, c.unroll
			}
			out, err := callOn(exec, s.dev, params[i], s.x, s.e, s.g, s.rng, s.n)
			if err != nil {
				return err
			}
			s.x, s.e, s.g, s.rng, s.n = out[0], out[1], out[2], out[3], out[4]
			left -= m
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.steps += max(steps, 0)
	return nil
}

// shape returns the shape of the chains' points, [n, d], reading nothing
// from the devices.
func (c *Chains) shape() shapes.Shape {
	n := 0
	for _, s := range c.shards {
		n += s.x.Shape().Dimensions[0]
	}
	return shapeOf(n, c.shards[0].x.Shape().Dimensions[1])
}

// X returns the chains' points, [n, d].
func (c *Chains) X() *tensors.Tensor {
	return concatRows(c.parts(func(s *chainShard) *tensors.Tensor { return s.x }))
}

// Energies returns the energies at the chains' points, [n].
func (c *Chains) Energies() *tensors.Tensor {
	return concatRows(c.parts(func(s *chainShard) *tensors.Tensor { return s.e }))
}

// AcceptRate returns the fraction of moves accepted, over all chains and
// steps so far (1 for Langevin).
func (c *Chains) AcceptRate() float64 {
	if c.steps == 0 {
		return 0
	}
	sum, n := 0.0, 0
	for _, sh := range c.shards {
		for _, v := range Float64s(sh.n) {
			sum += v
		}
		n += sh.n.Shape().Dimensions[0]
	}
	return sum / float64(c.steps*n)
}
