package xla

import (
	"fmt"
	"math"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Network is anything with trainable parameters held as GoMLX tensors: the
// graphs here take them as their first inputs, in this order.
type Network interface {
	// Params returns the parameters' current values (float32).
	Params() []*tensors.Tensor
}

// Energy is an energy as a GoMLX graph: E of a batch x [n, d] as [n], built
// from parameter nodes of the shapes of Params.
type Energy interface {
	Network
	// Graph returns E(x), [n], for x of shape [n, d].
	Graph(params []*Node, x *Node) *Node
}

// Activation is an element-wise nonlinearity of nn's, by its name
// (nn.ActivationByName) and, for "leakyrelu" and "elu", its alpha.
type Activation struct {
	Name  string
	Alpha float64
}

// apply builds the activation of x.
func (a Activation) apply(x *Node) *Node {
	switch a.Name {
	case "silu":
		return Mul(x, Sigmoid(x))
	case "gelu": // exact: x·Φ(x) = ½x(1 + erf(x/√2))
		return Mul(MulScalar(x, 0.5), AddScalar(Erf(MulScalar(x, 1/math.Sqrt2)), 1))
	case "tanh":
		return Tanh(x)
	case "sigmoid":
		return Sigmoid(x)
	case "softplus":
		return Softplus(x)
	case "relu":
		return Max(x, ZerosLike(x))
	case "leakyrelu":
		return Where(GreaterThan(x, ZerosLike(x)), x, MulScalar(x, a.Alpha))
	case "elu": // exp of min(x, 0): the unused branch stays finite, so its gradient is 0, not NaN
		return Where(GreaterThan(x, ZerosLike(x)), x, MulScalar(AddScalar(Exp(Min(x, ZerosLike(x))), -1), a.Alpha))
	}
	panic(fmt.Sprintf("xla: unknown activation %q", a.Name))
}

// activationOf returns the Activation of an nn one, its alpha read back by
// evaluating it at −1 (nn keeps alpha inside the function).
func activationOf(a nn.Activation) (Activation, error) {
	switch a.Name {
	case "silu", "gelu", "tanh", "sigmoid", "softplus", "relu":
		return Activation{Name: a.Name}, nil
	case "leakyrelu", "elu":
		y := a.Forward(nil, tensor.New([]float64{-1}, 1, 1)).Data()[0]
		alpha := -y // leaky ReLU: −α
		if a.Name == "elu" {
			alpha = y / (math.Exp(-1) - 1) // α(e⁻¹ − 1)
		}
		return Activation{Name: a.Name, Alpha: alpha}, nil
	}
	return Activation{}, fmt.Errorf("xla: activation %q is not supported: %w", a.Name, ErrInvalid)
}

// MLP is nn.NewMLP's network as a GoMLX graph: Linear layers (x·W + b,
// W of shape [in, out]) with Act after every one but the last, its
// parameters float32 copies of the goebm network's, in nn's order
// ("0.weight", "0.bias", "2.weight", …). Ending in one unit, it is an
// Energy.
type MLP struct {
	// Sizes are the layer sizes, input first.
	Sizes  []int
	Act    Activation
	params []*tensors.Tensor
}

var _ Energy = (*MLP)(nil)

// FromMLP returns the MLP of a goebm network made by nn.NewMLP (an
// *nn.Sequential of Linear layers with biases, one activation between each
// two), its parameters rounded to float32; anything else is refused with
// an error wrapping ErrInvalid.
func FromMLP(net nn.Module) (*MLP, error) {
	seq, ok := net.(*nn.Sequential)
	if !ok || len(seq.Layers) == 0 || len(seq.Layers)%2 == 0 {
		return nil, fmt.Errorf("xla: the network (%T) is not an MLP of nn.NewMLP: %w", net, ErrInvalid)
	}
	m := &MLP{}
	for i, l := range seq.Layers {
		if i%2 == 1 {
			a, ok := l.(nn.Activation)
			if !ok {
				return nil, fmt.Errorf("xla: layer %d (%T) of the MLP is not an activation: %w", i, l, ErrInvalid)
			}
			act, err := activationOf(a)
			if err != nil {
				return nil, err
			}
			if i > 1 && act != m.Act {
				return nil, fmt.Errorf("xla: the MLP mixes activations %v and %v: %w", m.Act, act, ErrInvalid)
			}
			m.Act = act
			continue
		}
		lin, ok := l.(*nn.Linear)
		if !ok || lin.B == nil || lin.W.Rank() != 2 {
			return nil, fmt.Errorf("xla: layer %d (%T) of the MLP is not a Linear layer with a bias: %w", i, l, ErrInvalid)
		}
		in, out := lin.W.Dim(0), lin.W.Dim(1)
		if i == 0 {
			m.Sizes = append(m.Sizes, in)
		} else if in != m.Sizes[len(m.Sizes)-1] {
			return nil, fmt.Errorf("xla: layer %d takes %d inputs after a layer of %d: %w", i, in, m.Sizes[len(m.Sizes)-1], ErrInvalid)
		}
		m.Sizes = append(m.Sizes, out)
		m.params = append(m.params, float32Tensor(lin.W.Data(), in, out), float32Tensor(lin.B.Data(), out))
	}
	if len(m.Sizes) == 2 {
		m.Act = Activation{Name: "silu"} // unused: one layer has no activation
	}
	return m, nil
}

// Params returns the weights and biases, layer by layer.
func (m *MLP) Params() []*tensors.Tensor { return m.params }

// SetParams replaces the parameters (as a Trainer's Params gives them);
// they must have the shapes of Params.
func (m *MLP) SetParams(ps []*tensors.Tensor) error {
	if err := sameShapes(m.params, ps); err != nil {
		return err
	}
	m.params = ps
	return nil
}

// Forward returns the network's output, [n, Sizes[last]], for x [n, Sizes[0]].
func (m *MLP) Forward(params []*Node, x *Node) *Node {
	for i := 0; i < len(params); i += 2 {
		w, b := params[i], params[i+1]
		x = Add(MatMul(x, w), ExpandAxes(b, 0))
		if i+2 < len(params) {
			x = m.Act.apply(x)
		}
	}
	return x
}

// Graph returns the energies, [n]; the MLP must end in one unit.
func (m *MLP) Graph(params []*Node, x *Node) *Node {
	out := m.Forward(params, x)
	return Reshape(out, out.Shape().Dimensions[0])
}

// CopyTo writes the parameters into the goebm network they came from (or
// one of its shape), for nn.Save.
func (m *MLP) CopyTo(net nn.Module) error { return copyParams(m.params, net.Params()) }

// TimeMLP is nn.TimeMLP as a GoMLX graph: the MLP of [x, sin(ωₖt),
// cos(ωₖt)], ωₖ = π·2ᵏ. As an Energy it is the network at t = 0, as nn's
// Forward is.
type TimeMLP struct {
	MLP *MLP
	// Dim is x's dimension d; the MLP takes d + 2K inputs.
	Dim int
}

var _ Energy = (*TimeMLP)(nil)

// FromTimeMLP returns the TimeMLP of a goebm one for points of dimension d.
func FromTimeMLP(net *nn.TimeMLP, d int) (*TimeMLP, error) {
	m, err := FromMLP(net.MLP)
	if err != nil {
		return nil, err
	}
	if k2 := m.Sizes[0] - d; d <= 0 || k2 <= 0 || k2%2 != 0 {
		return nil, fmt.Errorf("xla: a TimeMLP of %d inputs does not take points of dimension %d: %w", m.Sizes[0], d, ErrInvalid)
	}
	return &TimeMLP{MLP: m, Dim: d}, nil
}

// Params returns the MLP's parameters.
func (m *TimeMLP) Params() []*tensors.Tensor { return m.MLP.Params() }

// SetParams replaces the MLP's parameters.
func (m *TimeMLP) SetParams(ps []*tensors.Tensor) error { return m.MLP.SetParams(ps) }

// ForwardT returns the network at x [n, d] and t [n, 1].
func (m *TimeMLP) ForwardT(params []*Node, x, t *Node) *Node {
	k := (m.MLP.Sizes[0] - m.Dim) / 2
	f := make([]float32, k)
	for i := range f {
		f[i] = float32(math.Pi * math.Pow(2, float64(i)))
	}
	wt := Mul(t, Const(x.Graph(), [][]float32{f})) // [n, K]
	return m.MLP.Forward(params, Concatenate([]*Node{x, Sin(wt), Cos(wt)}, 1))
}

// Graph returns the network's output at t = 0 as energies, [n]; it must
// end in one unit.
func (m *TimeMLP) Graph(params []*Node, x *Node) *Node {
	n := x.Shape().Dimensions[0]
	out := m.ForwardT(params, x, Zeros(x.Graph(), shapeOf(n, 1)))
	return Reshape(out, n)
}

// Quadratic is E(x) = ½(x − μ)ᵀdiag(P)(x − μ), the Gaussian N(μ, diag(1/P)):
// the known target of the sampler tests.
type Quadratic struct {
	Mean, Precision []float64
}

var _ Energy = Quadratic{}

// Params returns nil: nothing is learned.
func (Quadratic) Params() []*tensors.Tensor { return nil }

// Graph returns the energies.
func (q Quadratic) Graph(_ []*Node, x *Node) *Node {
	g := x.Graph()
	r := Sub(x, Const(g, [][]float32{toFloat32(q.Mean)}))
	return MulScalar(ReduceSum(Mul(Mul(r, r), Const(g, [][]float32{toFloat32(q.Precision)})), 1), 0.5)
}

// DoubleWell is goebm's energy.DoubleWell, h·Σᵢ(xᵢ² − b²)²; zero fields
// mean h = 2, b = 1.
type DoubleWell struct {
	BarrierHeight, B float64
}

var _ Energy = DoubleWell{}

// Params returns nil: nothing is learned.
func (DoubleWell) Params() []*tensors.Tensor { return nil }

// Graph returns the energies.
func (w DoubleWell) Graph(_ []*Node, x *Node) *Node {
	h, b := w.BarrierHeight, w.B
	if h == 0 {
		h = 2
	}
	if b == 0 {
		b = 1
	}
	u := AddScalar(Mul(x, x), -b*b)
	return MulScalar(ReduceSum(Mul(u, u), 1), h)
}

// float32Tensor returns a float32 tensor of the values v, rounded.
func float32Tensor(v []float64, dims ...int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(toFloat32(v), dims...)
}

// Tensor returns a float32 tensor of shape dims holding v, rounded: the
// inputs of the graphs here.
func Tensor(v []float64, dims ...int) *tensors.Tensor { return float32Tensor(v, dims...) }

// Float64s returns the values of a float32 tensor as float64s.
func Float64s(t *tensors.Tensor) []float64 {
	v := tensors.MustCopyFlatData[float32](t)
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// sameShapes checks that b has the shapes of a.
func sameShapes(a, b []*tensors.Tensor) error {
	if len(a) != len(b) {
		return fmt.Errorf("xla: %d parameters for %d: %w", len(b), len(a), ErrInvalid)
	}
	for i := range a {
		if !a[i].Shape().Equal(b[i].Shape()) {
			return fmt.Errorf("xla: parameter %d of shape %v for %v: %w", i, b[i].Shape(), a[i].Shape(), ErrInvalid)
		}
	}
	return nil
}

// copyParams writes float32 tensors into goebm parameters of the same sizes.
func copyParams(src []*tensors.Tensor, dst []nn.Param) error {
	if len(src) != len(dst) {
		return fmt.Errorf("xla: %d parameters for a network of %d: %w", len(src), len(dst), ErrInvalid)
	}
	for i, p := range dst {
		if src[i].Shape().Size() != p.Value.Len() {
			return fmt.Errorf("xla: parameter %s has %d values, not %d: %w", p.Name, p.Value.Len(), src[i].Shape().Size(), ErrInvalid)
		}
	}
	for i, p := range dst {
		copy(p.Value.Data(), Float64s(src[i]))
	}
	return nil
}

// dtype is the element type of every graph here.
const dtype = dtypes.Float32
