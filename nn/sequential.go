package nn

import (
	"strconv"
	"sync"

	"github.com/goebm/goebm/tensor"
)

// Sequential applies its layers in order.
type Sequential struct {
	Layers []Module
}

var _ Module = (*Sequential)(nil)

// Forward applies each layer to the output of the one before. A Conv2d
// followed by SiLU runs as one op, tensor's Conv2dSiLU: the same values,
// and on a tape that does not record (an energy for an accept test) the
// activation applied while the convolution's outputs are in cache.
//
// On a tape that does not record, a batch of samples whose activations are
// large runs depth-first: every layer on a chunk of samples, then on the
// next, so that each layer's output is still in cache when the next layer
// reads it, where a layer at a time would write it to memory and read it
// back (measured on the float32 conv energy's E(x), batch 128: 1.3×
// faster on one core; on two, where each op's fork and join is paid per
// chunk, no faster and no slower). The values are the same: each of these layers computes a sample's outputs
// from that sample alone, in an order that does not depend on the batch.
func (s *Sequential) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	if x.Rank() > 0 && x.Dim(0) > 2*depthFirstProbe && x.Len() >= depthFirstInput && !tp.Records() && s.sampleWise() {
		return s.forwardDepthFirst(tp, x)
	}
	y, _ := s.forward(tp, x)
	return y
}

// forward applies the layers to x and returns their output and the most
// values per sample that a layer wrote.
func (s *Sequential) forward(tp *tensor.Tape, x *tensor.Tensor) (*tensor.Tensor, int) {
	peak := 0
	for i := 0; i < len(s.Layers); i++ {
		if c, ok := s.Layers[i].(*Conv2d); ok && i+1 < len(s.Layers) && isSiLU(s.Layers[i+1]) {
			x = tp.Conv2dSiLU(x, c.W, c.B, c.Options)
			i++
		} else if inner, ok := s.Layers[i].(*Sequential); ok { // not split again
			var p int
			x, p = inner.forward(tp, x)
			peak = max(peak, p)
		} else {
			x = s.Layers[i].Forward(tp, x)
		}
		if x.Rank() > 0 && x.Dim(0) > 0 {
			peak = max(peak, x.Len()/x.Dim(0))
		}
	}
	return x, peak
}

// depthFirstInput is the fewest input values for which Forward splits a
// batch: the probe's extra pass of calls is not worth it for small ones
// (a 2-D energy's MLP on a thousand points).
const depthFirstInput = 1 << 16

// depthFirstProbe is the number of samples forwardDepthFirst runs first,
// to find how many values per sample the layers write.
const depthFirstProbe = 8

// depthFirstValues is the most values that one layer of forwardDepthFirst
// writes for a chunk of samples: 4 MB in float64 (the conv energy's
// chunks of 20 samples measured fastest on one core, against 10, 32, 41
// and 83).
const depthFirstValues = 1 << 19

// depthFirstTapes holds the no-grad tapes that forwardDepthFirst runs its
// chunks on, reset after each so that every chunk reuses the storage the
// one before it left in cache.
var depthFirstTapes = sync.Pool{New: func() any { return tensor.NewNoGradTape() }}

// forwardDepthFirst is Forward in chunks of samples, each through every
// layer, the outputs gathered in a tensor made on tp.
func (s *Sequential) forwardDepthFirst(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	shape := x.Shape()
	n, row := shape[0], len(x.Data())/shape[0]
	scratch := depthFirstTapes.Get().(*tensor.Tape)
	defer depthFirstTapes.Put(scratch)
	var out *tensor.Tensor
	var outRow int
	for lo, cs := 0, depthFirstProbe; lo < n; {
		hi := min(n, lo+cs)
		shape[0] = hi - lo
		xc := tensor.New(x.Data()[lo*row:hi*row], shape...).SetPrecision(x.Precision())
		yc, peak := s.forward(scratch, xc)
		if out == nil {
			oshape := yc.Shape()
			outRow, oshape[0] = len(yc.Data())/(hi-lo), n
			out = tp.Zeros(oshape...).SetPrecision(yc.Precision())
			cs = max(depthFirstProbe, depthFirstValues/max(1, peak))
		}
		copy(out.Data()[lo*outRow:hi*outRow], yc.Data())
		scratch.Reset()
		lo = hi
	}
	return out
}

// sampleWise says whether every layer computes each sample's outputs from
// that sample alone, whatever else the batch holds: the layers
// forwardDepthFirst may split a batch for.
func (s *Sequential) sampleWise() bool {
	for _, l := range s.Layers {
		switch l := l.(type) {
		case View, *Conv2d, Activation, *Linear:
		case *Sequential:
			if !l.sampleWise() {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// isSiLU says whether l is the SiLU activation.
func isSiLU(l Module) bool {
	a, ok := l.(Activation)
	return ok && a.Name == "silu"
}

// Params returns the layers' parameters, each name prefixed with the
// layer's index: "0.weight", "0.bias", "2.weight", ...
func (s *Sequential) Params() []Param {
	var ps []Param
	for i, l := range s.Layers {
		for _, p := range l.Params() {
			ps = append(ps, Param{strconv.Itoa(i) + "." + p.Name, p.Value})
		}
	}
	return ps
}
