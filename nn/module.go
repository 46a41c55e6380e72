package nn

import "github.com/goebm/goebm/tensor"

// Module is a layer or a network: a differentiable map of a batch.
type Module interface {
	// Forward maps x ([batch, in]) to [batch, out], recording on tp (nil for
	// no gradients).
	Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor
	// Params lists the trainable tensors with stable, unique names.
	Params() []Param
}

// Func is a Module computed by a plain function of its input, with no
// parameters of its own: an energy or a log density written with tape ops,
// which energy.NewModel then makes a batched energy with autodiff gradients.
type Func func(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor

// Forward returns f(tp, x).
func (f Func) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor { return f(tp, x) }

// Params returns nil: a Func has no parameters.
func (Func) Params() []Param { return nil }

// Param is a named trainable tensor. Value is a leaf that optimizers update
// in place.
type Param struct {
	Name  string
	Value *tensor.Tensor
}

// Values returns the tensors of ps, in order: what Tape.Grad takes as inputs
// and optimizers take as parameters.
func Values(ps []Param) []*tensor.Tensor {
	vs := make([]*tensor.Tensor, len(ps))
	for i, p := range ps {
		vs[i] = p.Value
	}
	return vs
}

// NumParams returns the number of scalar parameters of m.
func NumParams(m Module) int {
	n := 0
	for _, p := range m.Params() {
		n += p.Value.Len()
	}
	return n
}

// Classifier is a network of class logits f(x) [n, K] (nn.ResNet with
// Classes): what cross-entropy trains, and what JEM reads as an energy.
type Classifier interface {
	Module
	// Logits returns the class logits of the rows of x.
	Logits(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor
	// NumClasses returns K, 0 when the network has no class head.
	NumClasses() int
}

// LabelTimeModule is a time-conditioned network that also takes a label
// per row (nn.ConditionalTransformer with classes), with a null label
// that stands for none: trained with labels sometimes dropped to it, one
// network is both conditional and unconditional (classifier-free
// guidance).
type LabelTimeModule interface {
	TimeModule
	// ForwardTY evaluates the network at x [n, d], t [n, 1] and one label
	// per row (each in 0 … NullLabel()).
	ForwardTY(tp *tensor.Tape, x, t *tensor.Tensor, labels []int) *tensor.Tensor
	// NullLabel returns the label that stands for none; a network
	// without classes returns −1.
	NullLabel() int
}

// SetPrecision sets the precision of every parameter of m: with
// tensor.Float32 the network computes its products, and their gradients of
// every order, in float32 (see tensor.Precision), and Save writes its
// parameters as float32.
func SetPrecision(m Module, p tensor.Precision) {
	for _, q := range m.Params() {
		q.Value.SetPrecision(p)
	}
}

// PrecisionOf returns the precision of m's parameters: Float32 when any is
// float32, else Float64.
func PrecisionOf(m Module) tensor.Precision {
	for _, q := range m.Params() {
		if q.Value.Precision() == tensor.Float32 {
			return tensor.Float32
		}
	}
	return tensor.Float64
}

// Coupled reports whether m's outputs for a row may depend on the other
// rows of its batch, or on how many passes it has made: whether m, or a
// layer of a Sequential in it, is a Trainer (BatchNorm's batch statistics,
// Dropout's masks and spectral normalisation's power iterations act in
// training). A loss evaluates several sets of points in one Forward only
// when it is false; a module that holds such a layer should be a Trainer,
// as ResNet is.
func Coupled(m Module) bool {
	if _, ok := m.(Trainer); ok {
		return true
	}
	if s, ok := m.(*Sequential); ok {
		for _, l := range s.Layers {
			if Coupled(l) {
				return true
			}
		}
	}
	return false
}
