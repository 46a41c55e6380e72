package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/tensor"
)

// Embedding maps class labels to learned vectors: row i of W is the vector
// of class i. With a null row (for classifier-free guidance) W has one more
// row, index NumClasses, the "no label" vector: training replaces a fraction
// of labels by it (DropLabels), and sampling mixes the conditional and the
// unconditional outputs (Ho and Salimans 2022; DiT's LabelEmbedder).
type Embedding struct {
	W          *tensor.Tensor // [NumClasses, dim], or [NumClasses+1, dim] with the null row
	NumClasses int
}

var _ Module = (*Embedding)(nil)

// NewEmbedding returns an embedding of numClasses labels, plus the null
// label when null is set, in dim dimensions. With a nil init the rows are
// drawn from N(0, 1), PyTorch's default; otherwise init fills W with fanIn
// the number of rows and fanOut dim.
func NewEmbedding(rng *rand.Rand, numClasses, dim int, null bool, init Init) (*Embedding, error) {
	if numClasses <= 0 || dim <= 0 {
		return nil, fmt.Errorf("nn: Embedding of %d classes in %d dimensions: %w", numClasses, dim, ErrInvalid)
	}
	rows := numClasses
	if null {
		rows++
	}
	e := &Embedding{W: tensor.Zeros(rows, dim), NumClasses: numClasses}
	if init == nil {
		fillNormal(rng, e.W.Data(), 1)
	} else {
		init(rng, e.W, rows, dim)
	}
	return e, nil
}

// HasNull reports whether the embedding has the null label's row.
func (e *Embedding) HasNull() bool { return e.W.Dim(0) > e.NumClasses }

// Null returns the null label, NumClasses. Only embeddings with a null row
// accept it.
func (e *Embedding) Null() int { return e.NumClasses }

// Lookup returns the vectors of labels ([len(labels), dim]). A label outside
// [0, NumClasses), other than the null label of an embedding that has one,
// is a programmer error and panics.
func (e *Embedding) Lookup(tp *tensor.Tape, labels []int) *tensor.Tensor {
	rows := e.W.Dim(0)
	for _, l := range labels {
		if l < 0 || l >= rows {
			panic(fmt.Sprintf("nn: Embedding: label %d for %d classes (null row: %v)", l, e.NumClasses, e.HasNull()))
		}
	}
	return tp.Embedding(e.W, labels)
}

// Forward looks up labels held as whole numbers in x, of shape [n] or
// [n, 1] (a label column read from a data file), and returns [n, dim].
func (e *Embedding) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	if x.Rank() > 2 || (x.Rank() == 2 && x.Dim(1) != 1) {
		panic(fmt.Sprintf("nn: Embedding: labels of shape %v, want [n] or [n, 1]", x.Shape()))
	}
	labels := make([]int, x.Len())
	for i, v := range x.Data() {
		if v != math.Trunc(v) {
			panic(fmt.Sprintf("nn: Embedding: label %v is not a whole number", v))
		}
		labels[i] = int(v)
	}
	return e.Lookup(tp, labels)
}

// Params returns "weight".
func (e *Embedding) Params() []Param { return []Param{{"weight", e.W}} }

// DropLabels writes labels into dst with each one replaced by the null
// label with probability p, drawing from rng, and returns dst (allocated
// when nil): the label dropout that trains the unconditional model
// alongside the conditional one. It panics without a null row.
func (e *Embedding) DropLabels(dst, labels []int, p float64, rng *rand.Rand) []int {
	if !e.HasNull() {
		panic("nn: Embedding.DropLabels without a null row")
	}
	if dst == nil {
		dst = make([]int, len(labels))
	}
	if len(dst) != len(labels) {
		panic(fmt.Sprintf("nn: Embedding.DropLabels: %d places for %d labels", len(dst), len(labels)))
	}
	for i, l := range labels {
		dst[i] = l
		if rng.Float64() < p {
			dst[i] = e.Null()
		}
	}
	return dst
}
