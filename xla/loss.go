package xla

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/goebm/goebm/schedule"
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Loss is a training objective as a graph: a scalar built from a network's
// parameter nodes and a batch's inputs. The randomness a loss needs (noise,
// probes, negatives, times) is among its inputs, drawn by the caller, so
// that a run is reproducible and can be set against goebm's loss given the
// same draws. Each loss follows its namesake in goebm's package loss.
type Loss interface {
	// Graph returns the loss of net, whose parameter nodes are params, on
	// the inputs in (the loss's doc says which).
	Graph(net Network, params, in []*Node) *Node
	// check reports whether the loss can train net, and takes numIn
	// inputs.
	check(net Network, numIn int) error
	// batchAxes gives, for each input, the axis along which it holds the
	// batch's points: the axis Trainer.Spread shards it along. Each loss
	// is a mean over its points (CD: over each of its two sets), so the
	// mean of the losses of equal shards is the loss of the batch.
	batchAxes() []int
}

// DSM is denoising score matching at one noise scale, as goebm's
// loss.DenoisingScoreMatching: with x̃ = x + σε,
// mean ½‖∇ₓE(x̃) − (x̃ − x)/σ²‖² = mean ½‖σ∇ₓE(x̃) − ε‖²/σ².
// Inputs: the data x [n, d] and the noise ε [n, d]. Second order: its
// parameter gradient differentiates ∇ₓE.
type DSM struct {
	// Sigma σ; 0 means 0.01, as goebm's.
	Sigma float64
}

// Graph returns the loss of the energy net.
func (s DSM) Graph(net Network, params, in []*Node) *Node {
	sigma := cmp.Or(s.Sigma, 0.01)
	x, eps := in[0], in[1]
	_, g := energyGrad(net.(Energy), params, Add(x, MulScalar(eps, sigma)))
	r := Sub(MulScalar(g, sigma), eps)
	return MulScalar(ReduceAllMean(ReduceSum(Mul(r, r), 1)), 0.5/(sigma*sigma))
}

func (s DSM) check(net Network, numIn int) error { return checkLoss("DSM", net, numIn, 2, false) }

func (DSM) batchAxes() []int { return []int{0, 0} }

// SSM is sliced score matching, as goebm's loss.SlicedScoreMatching:
// the mean over points and the K probes v of ½(vᵀ∇ₓE)² − vᵀ∇ₓ(vᵀ∇ₓE).
// Inputs: the data x [n, d] and the probes v [K, n, d] (Rademacher or
// Gaussian, the caller's choice). Its parameter gradient is of third
// order in x and parameters together: it works through dense MLPs.
type SSM struct{}

// Graph returns the loss of the energy net.
func (SSM) Graph(net Network, params, in []*Node) *Node {
	x, v := in[0], in[1]
	_, g := energyGrad(net.(Energy), params, x)
	k := v.Shape().Dimensions[0]
	var total *Node
	for i := range k {
		vi := Squeeze(Slice(v, AxisElem(i)), 0)
		gv := ReduceSum(Mul(g, vi), 1) // vᵀ∇E per row
		hv := Gradient(ReduceAllSum(gv), x)[0]
		term := Sub(MulScalar(Mul(gv, gv), 0.5), ReduceSum(Mul(hv, vi), 1))
		if total == nil {
			total = term
		} else {
			total = Add(total, term)
		}
	}
	return MulScalar(ReduceAllMean(total), 1/float64(k))
}

func (SSM) check(net Network, numIn int) error { return checkLoss("SSM", net, numIn, 2, false) }

func (SSM) batchAxes() []int { return []int{0, 1} } // the probes are [K, n, d]

// CD is the contrastive-divergence objective, as goebm's
// loss.ContrastiveDivergence given its negatives:
// mean E(x) − mean E(x⁻) + α·(mean E(x)² + mean E(x⁻)²).
// Inputs: the data x [n, d] and the negatives x⁻ [m, d], drawn by Chains
// (CD-k from the data or from noise) or from a Replay buffer (persistent
// CD); no gradient flows through them.
type CD struct {
	// RegWeight α; 0 means 0.001, negative means none, as goebm's.
	RegWeight float64
}

// Graph returns the loss of the energy net.
func (c CD) Graph(net Network, params, in []*Node) *Node {
	en := net.(Energy)
	ePos, eNeg := en.Graph(params, in[0]), en.Graph(params, StopGradient(in[1]))
	l := Sub(ReduceAllMean(ePos), ReduceAllMean(eNeg))
	alpha := c.RegWeight
	if alpha == 0 {
		alpha = 0.001
	}
	if alpha > 0 {
		l = Add(l, MulScalar(Add(ReduceAllMean(Mul(ePos, ePos)), ReduceAllMean(Mul(eNeg, eNeg))), alpha))
	}
	return l
}

func (c CD) check(net Network, numIn int) error { return checkLoss("CD", net, numIn, 2, false) }

func (CD) batchAxes() []int { return []int{0, 0} }

// FlowMatching is flow matching along the straight path, as goebm's
// loss.FlowMatching with independent pairs: x_t = t·x₁ + (1 − t)·x₀,
// u_t = x₁ − x₀, mean ‖v(x_t, t) − u_t‖². Inputs: the data x₁ [n, d], the
// noise x₀ [n, d] and the times t [n, 1]. It trains a TimeMLP.
type FlowMatching struct{}

// Graph returns the loss of the velocity net.
func (FlowMatching) Graph(net Network, params, in []*Node) *Node {
	x1, x0, t := in[0], in[1], in[2]
	xt := Add(Mul(t, x1), Mul(OneMinus(t), x0))
	r := Sub(net.(*TimeMLP).ForwardT(params, xt, t), Sub(x1, x0))
	return ReduceAllMean(ReduceSum(Mul(r, r), 1))
}

func (FlowMatching) check(net Network, numIn int) error {
	return checkLoss("flow matching", net, numIn, 3, true)
}

func (FlowMatching) batchAxes() []int { return []int{0, 0, 0} }

// checkLoss checks the network and the number of inputs of a loss.
func checkLoss(name string, net Network, numIn, want int, timeNet bool) error {
	if numIn != want {
		return fmt.Errorf("xla: %s takes %d inputs, got %d: %w", name, want, numIn, ErrInvalid)
	}
	if _, ok := net.(*TimeMLP); timeNet && !ok {
		return fmt.Errorf("xla: %s trains a TimeMLP, not a %T: %w", name, net, ErrInvalid)
	}
	if _, ok := net.(Energy); !timeNet && !ok {
		return fmt.Errorf("xla: %s trains an Energy, not a %T: %w", name, net, ErrInvalid)
	}
	return nil
}

// Grads evaluates a loss and its gradient with respect to the network's
// parameters.
type Grads struct {
	net  Network
	l    Loss
	exec *Exec
}

// NewGrads compiles the loss l of net and its parameter gradient on b
// (lazily, at the first inputs of each shape).
func NewGrads(b compute.Backend, l Loss, net Network) (*Grads, error) {
	np := len(net.Params())
	exec, err := NewExec(b, func(in []*Node) []*Node {
		loss := l.Graph(net, in[:np], in[np:])
		return append([]*Node{loss}, Gradient(loss, in[:np]...)...)
	})
	if err != nil {
		return nil, fmt.Errorf("xla: %w", err)
	}
	return &Grads{net: net, l: l, exec: exec}, nil
}

// Eval returns the loss on the inputs in and its gradient with respect to
// each parameter, in the order of the network's Params.
func (g *Grads) Eval(in ...*tensors.Tensor) (float64, []*tensors.Tensor, error) {
	if err := g.l.check(g.net, len(in)); err != nil {
		return 0, nil, err
	}
	out, err := call(g.exec, g.net.Params(), in...)
	if err != nil {
		return 0, nil, err
	}
	return float64(tensors.ToScalar[float32](out[0])), out[1:], nil
}

// Trainable is a Network whose parameters a Trainer replaces each step.
type Trainable interface {
	Network
	// SetParams replaces the parameters by tensors of the same shapes.
	SetParams([]*tensors.Tensor) error
}

// Adam is goebm's optim.Adam without weight decay:
// m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
// p ← p − η·(m/(1 − β₁ᵗ))/(√(v/(1 − β₂ᵗ)) + ε), the gradients first
// clipped to a joint norm of at most ClipNorm (optim.ClipGradNorm), as ebm
// train's trainer does.
type Adam struct {
	// LR η; 0 means 0.001. Ignored when Schedule is set.
	LR float64
	// Schedule, if set, gives η at each step (from 0).
	Schedule schedule.Schedule
	// Beta1, Beta2; 0 means 0.9 and 0.999.
	Beta1, Beta2 float64
	// Eps ε; 0 means 1e-8.
	Eps float64
	// ClipNorm, if positive, rescales the gradients to at most this joint
	// Euclidean norm; a non-finite norm leaves them alone.
	ClipNorm float64
}

// lr returns η at step t (from 0).
func (a Adam) lr(t int) float64 {
	if a.Schedule != nil {
		return a.Schedule.At(t)
	}
	return cmp.Or(a.LR, 1e-3)
}

// clip rescales grads to a joint norm of at most maxNorm.
func clip(grads []*Node, maxNorm float64) []*Node {
	var ss *Node
	for _, g := range grads {
		s := ReduceAllSum(Mul(g, g))
		if ss == nil {
			ss = s
		} else {
			ss = Add(ss, s)
		}
	}
	norm := Sqrt(ss)
	over := LogicalAnd(GreaterThan(norm, Scalar(norm.Graph(), dtype, maxNorm)), IsFinite(norm))
	scale := Where(over, Div(Scalar(norm.Graph(), dtype, maxNorm), norm), OnesLike(norm))
	out := make([]*Node, len(grads))
	for i, g := range grads {
		out[i] = Mul(g, scale)
	}
	return out
}

// update returns the parameters and moments after an Adam step with the
// gradients grads, c holding 1 − β₁ᵗ, 1 − β₂ᵗ and η; o's β₁, β₂ and ε
// are set.
func (o Adam) update(params, m, v []*Node, c *Node, grads []*Node) []*Node {
	c1, c2, lr := Reshape(Slice(c, AxisElem(0))), Reshape(Slice(c, AxisElem(1))), Reshape(Slice(c, AxisElem(2)))
	if o.ClipNorm > 0 {
		grads = clip(grads, o.ClipNorm)
	}
	var newP, newM, newV []*Node
	for i, g := range grads {
		mi := Add(MulScalar(m[i], o.Beta1), MulScalar(g, 1-o.Beta1))
		vi := Add(MulScalar(v[i], o.Beta2), MulScalar(Mul(g, g), 1-o.Beta2))
		mh, vh := Div(mi, c1), Div(vi, c2)
		newP = append(newP, Sub(params[i], Mul(Div(mh, AddScalar(Sqrt(vh), o.Eps)), lr)))
		newM, newV = append(newM, mi), append(newV, vi)
	}
	return append(append(newP, newM...), newV...)
}

// Trainer runs training steps of a loss: the loss, its parameter gradient
// and an Adam update compiled as one graph, the parameters and Adam's
// moments kept on the device between steps. Spread makes it data-parallel
// over several devices.
type Trainer struct {
	b     compute.Backend
	net   Trainable
	l     Loss
	opt   Adam
	exec  *Exec               // loss, gradient and update, on one device
	devs  []compute.DeviceNum // where the shards of a batch run
	grads *Exec               // several devices: a shard's loss and gradient
	merge *Exec               // several devices: the shards' mean and the update
	m, v  []*tensors.Tensor
	steps int
}

// NewTrainer compiles training steps of the loss l of net with opt on b.
func NewTrainer(b compute.Backend, l Loss, net Trainable, opt Adam) (*Trainer, error) {
	ps := net.Params()
	np := len(ps)
	b1, b2, eps := cmp.Or(opt.Beta1, 0.9), cmp.Or(opt.Beta2, 0.999), cmp.Or(opt.Eps, 1e-8)
	if opt.ClipNorm < 0 {
		return nil, fmt.Errorf("xla: Adam's ClipNorm %g: %w", opt.ClipNorm, ErrInvalid)
	}
	opt.Beta1, opt.Beta2, opt.Eps = b1, b2, eps
	exec, err := NewExec(b, func(in []*Node) []*Node {
		params := in[:np]
		loss := l.Graph(net, params, in[3*np+1:])
		return append([]*Node{loss}, opt.update(params, in[np:2*np], in[2*np:3*np], in[3*np], Gradient(loss, params...))...)
	})
	if err != nil {
		return nil, fmt.Errorf("xla: %w", err)
	}
	t := &Trainer{b: b, net: net, l: l, opt: opt, exec: exec, devs: []compute.DeviceNum{0}}
	for _, p := range ps {
		t.m = append(t.m, tensors.FromShape(p.Shape()))
		t.v = append(t.v, tensors.FromShape(p.Shape()))
	}
	return t, nil
}

// Step runs one training step on the inputs in and returns the loss before
// the update; the network's parameters are replaced by the updated ones.
func (t *Trainer) Step(in ...*tensors.Tensor) (float64, error) {
	if err := t.l.check(t.net, len(in)); err != nil {
		return 0, err
	}
	shards, err := t.shard(in)
	if err != nil {
		return 0, err
	}
	loss, err := t.step(shards)
	if err != nil {
		return 0, err
	}
	return float64(tensors.ToScalar[float32](loss)), nil
}

// step runs one training step and returns the loss, left on the device.
func (t *Trainer) step(shards [][]*tensors.Tensor) (*tensors.Tensor, error) {
	np := len(t.m)
	s := float64(t.steps + 1)
	c := tensors.FromFlatDataAndDimensions([]float32{float32(1 - math.Pow(t.opt.Beta1, s)), float32(1 - math.Pow(t.opt.Beta2, s)), float32(t.opt.lr(t.steps))}, 3)
	args := append(append(append([]*tensors.Tensor{}, t.m...), t.v...), c)
	var out []*tensors.Tensor
	var err error
	if len(t.devs) == 1 {
		var here [][]*tensors.Tensor
		if here, err = replicas(t.b, slices.Concat(t.net.Params(), args, shards[0]), t.devs); err == nil {
			out, err = callOn(t.exec, t.devs[0], nil, here[0]...)
		}
	} else {
		out, err = t.parallelStep(args, shards)
	}
	if err != nil {
		return nil, err
	}
	if err := t.net.SetParams(out[1 : 1+np]); err != nil {
		return nil, err
	}
	t.m, t.v = out[1+np:1+2*np], out[1+2*np:1+3*np]
	t.steps++
	return out[0], nil
}

// Spread makes each step data-parallel over the devices devs (Devices
// gives them all): the inputs are cut into len(devs) equal shards along
// their batch axes (the data's rows; an SSM's probes along their second
// axis), whose lengths must be multiples of len(devs); each device
// computes its shard's loss and gradient at once, and devs[0] averages
// them and takes the Adam step. Every loss here is a mean over points, so
// a step is the whole batch's step up to rounding. The parameters travel
// to every device each step, and the gradients back to devs[0]: for the
// MLPs here far less than the batch. With one device (the default, device
// 0) the loss, gradient and update run as one graph.
func (t *Trainer) Spread(devs []compute.DeviceNum) error {
	if err := checkDevices(t.b, devs); err != nil {
		return err
	}
	t.devs = slices.Clone(devs)
	if len(devs) == 1 || t.grads != nil {
		return nil
	}
	np := len(t.m)
	g, err := NewGrads(t.b, t.l, t.net)
	if err != nil {
		return err
	}
	t.grads = g.exec
	// The update: the parameters, Adam's moments and constants, then each
	// shard's loss and gradients; it returns the mean loss and the update.
	if t.merge, err = NewExec(t.b, func(in []*Node) []*Node {
		params, shards := in[:np], in[3*np+1:]
		k := len(shards) / (1 + np)
		mean := func(j int) *Node { // the mean over shards of their output j
			s := shards[j]
			for i := 1; i < k; i++ {
				s = Add(s, shards[i*(1+np)+j])
			}
			return MulScalar(s, 1/float64(k))
		}
		grads := make([]*Node, np)
		for j := range grads {
			grads[j] = mean(1 + j)
		}
		return append([]*Node{mean(0)}, t.opt.update(params, in[np:2*np], in[2*np:3*np], in[3*np], grads)...)
	}); err != nil {
		return fmt.Errorf("xla: %w", err)
	}
	return nil
}

// shard cuts the inputs in into one shard per device (Spread), each
// shard's inputs in order.
func (t *Trainer) shard(in []*tensors.Tensor) ([][]*tensors.Tensor, error) {
	k := len(t.devs)
	if k == 1 {
		return [][]*tensors.Tensor{in}, nil
	}
	shards := make([][]*tensors.Tensor, k)
	for j, axis := range t.l.batchAxes() {
		parts, err := split(in[j], axis, k)
		if err != nil {
			return nil, fmt.Errorf("input %d: %w", j, err)
		}
		for i, p := range parts {
			shards[i] = append(shards[i], p)
		}
	}
	return shards, nil
}

// parallelStep runs a step over the devices: each shard's loss and
// gradient on its device, then the update on the first, given args (Adam's
// moments and constants) and the shards' inputs.
func (t *Trainer) parallelStep(args []*tensors.Tensor, shards [][]*tensors.Tensor) ([]*tensors.Tensor, error) {
	k := len(t.devs)
	params, err := replicas(t.b, t.net.Params(), t.devs)
	if err != nil {
		return nil, err
	}
	res := make([][]*tensors.Tensor, k)
	if err := onEach(k, func(i int) (err error) {
		res[i], err = callOn(t.grads, t.devs[i], params[i], shards[i]...)
		return err
	}); err != nil {
		return nil, err
	}
	for _, r := range res { // each shard's loss and gradients, brought to devs[0]
		here, err := replicas(t.b, r, t.devs[:1])
		if err != nil {
			return nil, err
		}
		args = append(args, here[0]...)
	}
	return callOn(t.merge, t.devs[0], params[0], args...)
}

// Run runs steps training steps on the same inputs (a fixed batch and
// noise) and returns the loss before the last update. It reads nothing
// back from the device until the end, so on an accelerator it times the
// steps themselves.
func (t *Trainer) Run(steps int, in ...*tensors.Tensor) (float64, error) {
	if err := t.l.check(t.net, len(in)); err != nil {
		return 0, err
	}
	shards, err := t.shard(in) // once: each shard then stays on its device
	if err != nil {
		return 0, err
	}
	var loss *tensors.Tensor
	for range steps {
		if loss, err = t.step(shards); err != nil {
			return 0, err
		}
	}
	if loss == nil {
		return 0, nil
	}
	return float64(tensors.ToScalar[float32](loss)), nil
}

// Steps returns the number of steps taken.
func (t *Trainer) Steps() int { return t.steps }
