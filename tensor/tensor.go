package tensor

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Tensor is a dense, row-major array of float64 values with a shape.
//
// A tensor made by an op on a recording Tape remembers the tape and the op,
// so that Tape.Grad can differentiate through it. Tensors made by New, Zeros
// and the other constructors are leaves: parameters and inputs.
//
// A tensor's values must not be changed while a tape still holds it in a
// graph; optimizers update leaves between graphs.
type Tensor struct {
	shape []int
	data  []float64
	tape  *Tape  // the tape that recorded the op that made it, or nil
	gen   uint64 // the tape's generation when it was recorded
	node  int    // 1 + index of that op on the tape, 0 for leaves
	prec  Precision
}

// New returns a leaf tensor that takes ownership of data. It panics when
// len(data) is not the product of shape. An empty shape makes a scalar.
func New(data []float64, shape ...int) *Tensor {
	n := numel(shape)
	if len(data) != n {
		panic(fmt.Sprintf("tensor: New: %d values for shape %v (want %d)", len(data), shape, n))
	}
	return &Tensor{shape: cloneInts(shape), data: data}
}

// Zeros returns a leaf tensor of zeros.
func Zeros(shape ...int) *Tensor { return New(make([]float64, numel(shape)), shape...) }

// Zeros returns a leaf tensor of zeros whose storage the tape owns, as it
// owns its ops' outputs: Reset recycles it, so a loop that calls Reset
// each iteration can draw its per-step inputs (noise, probes) here without
// allocating. It must not be used after Reset; on a nil tape it is Zeros.
func (tp *Tape) Zeros(shape ...int) *Tensor {
	if tp == nil {
		return Zeros(shape...)
	}
	return tp.make(shape, tp.allocZero(numel(shape)))
}

// Full returns a leaf tensor with every element v.
func Full(v float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = v
	}
	return t
}

// Ones returns a leaf tensor of ones.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Scalar returns a rank-0 leaf tensor holding v.
func Scalar(v float64) *Tensor { return New([]float64{v}) }

// Const returns the constant c as a rank-0 leaf, which broadcasts against
// any tensor. With it, *Tape provides the arithmetic that package scalar's
// Ops interface names, so code written once against it runs on either tape.
func (tp *Tape) Const(c float64) *Tensor { return Scalar(c) }

// Randn returns a leaf tensor of independent standard normal draws from rng.
func Randn(rng *rand.Rand, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = rng.NormFloat64()
	}
	return t
}

// Uniform returns a leaf tensor of independent draws from U(lo, hi).
func Uniform(rng *rand.Rand, lo, hi float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = lo + (hi-lo)*rng.Float64()
	}
	return t
}

// Shape returns a copy of the tensor's shape.
func (t *Tensor) Shape() []int { return cloneInts(t.shape) }

// Dim returns the size of axis i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	return t.shape[i]
}

// Rank returns the number of axes.
func (t *Tensor) Rank() int { return len(t.shape) }

// Len returns the number of elements.
func (t *Tensor) Len() int { return len(t.data) }

// Data returns the backing slice, row-major. Writing to it is allowed for
// leaves that no live graph holds. For tensors made on a tape the slice is
// valid until the tape's Reset.
func (t *Tensor) Data() []float64 { return t.data }

// Item returns the value of a one-element tensor. It panics otherwise.
func (t *Tensor) Item() float64 {
	if len(t.data) != 1 {
		panic(fmt.Sprintf("tensor: Item on shape %v", t.shape))
	}
	return t.data[0]
}

// At returns the element at the given index, one coordinate per axis.
func (t *Tensor) At(idx ...int) float64 {
	if len(idx) != len(t.shape) {
		panic(fmt.Sprintf("tensor: At: %d indices for shape %v", len(idx), t.shape))
	}
	off := 0
	for i, k := range idx {
		if k < 0 || k >= t.shape[i] {
			panic(fmt.Sprintf("tensor: At: index %v out of range for shape %v", idx, t.shape))
		}
		off = off*t.shape[i] + k
	}
	return t.data[off]
}

// Clone returns a leaf copy of t, of the same precision, with its own
// storage, valid after any Reset.
func (t *Tensor) Clone() *Tensor {
	return New(append([]float64(nil), t.data...), t.shape...).SetPrecision(t.prec)
}

// Detach returns a leaf that shares t's storage but not its graph: gradients
// do not flow through it.
func (t *Tensor) Detach() *Tensor { return &Tensor{shape: t.shape, data: t.data, prec: t.prec} }

// String formats small tensors in full and large ones by shape.
func (t *Tensor) String() string {
	if len(t.data) > 64 {
		return fmt.Sprintf("Tensor%v", t.shape)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Tensor%v%v", t.shape, t.data)
	return b.String()
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

func cloneInts(s []int) []int { return append([]int{}, s...) }

func sameShape(a, b []int) bool { return slices.Equal(a, b) }
