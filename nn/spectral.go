package nn

import (
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/tensor"
)

// SpectralNorm divides a weight by an estimate of its largest singular value
// σ(W), so that the layer is about 1-Lipschitz (Miyato et al. 2018; IGEBM
// uses it to keep energies smooth). W is read as the matrix [W.Dim(0), rest]:
// a Linear weight as it is, a convolution weight [O, C, kH, kW] as
// [O, C·kH·kW]. It works on the weight tensor alone, so any layer can use it.
//
// σ is estimated by power iteration with persistent vectors, as PyTorch's
// spectral_norm does: each training call of Weight runs Iters steps
//
//	v ← Wᵀu/‖Wᵀu‖,  u ← Wv/‖Wv‖
//
// from the stored u, and then σ = uᵀWv. u and v are constants of the graph,
// so the gradient of W/σ is that of W/(uᵀWv) with u and v fixed. An
// evaluation call uses the stored u and v without iterating.
//
// A training call updates U and V and is not safe for concurrent use.
type SpectralNorm struct {
	// W is the raw weight, the trainable parameter.
	W *tensor.Tensor
	// U and V are the singular vector estimates, of lengths W.Dim(0) and
	// W.Len()/W.Dim(0).
	U, V []float64
	// Iters is the number of power iterations per training call; 0 means 1.
	Iters int
	// Eps guards the normalisation of a zero vector; 0 means 1e-12.
	Eps float64
}

// NewSpectralNorm returns the spectral normalisation of w, with u and v
// drawn from rng and refined by 15 power iterations, as PyTorch does, so
// that σ is accurate from the first call. w must have rank 1 or more.
func NewSpectralNorm(rng *rand.Rand, w *tensor.Tensor) *SpectralNorm {
	rows := w.Dim(0)
	cols := 0
	if rows > 0 {
		cols = w.Len() / rows
	}
	s := &SpectralNorm{W: w, U: make([]float64, rows), V: make([]float64, cols)}
	fillNormal(rng, s.U, 1)
	fillNormal(rng, s.V, 1)
	spectralNormalize(s.U, s.eps())
	spectralNormalize(s.V, s.eps())
	s.PowerIteration(15)
	return s
}

func (s *SpectralNorm) eps() float64 {
	if s.Eps == 0 {
		return 1e-12
	}
	return s.Eps
}

// PowerIteration runs n steps of the power iteration on the current W,
// updating U and V.
func (s *SpectralNorm) PowerIteration(n int) {
	w := s.W.Data()
	rows, cols := len(s.U), len(s.V)
	for range n {
		for j := range cols { // v = Wᵀu
			s.V[j] = 0
		}
		for i := range rows {
			ui, row := s.U[i], w[i*cols:(i+1)*cols]
			for j, x := range row {
				s.V[j] += ui * x
			}
		}
		spectralNormalize(s.V, s.eps())
		for i := range rows { // u = Wv
			row, d := w[i*cols:(i+1)*cols], 0.0
			for j, x := range row {
				d += x * s.V[j]
			}
			s.U[i] = d
		}
		spectralNormalize(s.U, s.eps())
	}
}

// Sigma returns uᵀWv for the stored u and v: the current estimate of σ(W).
func (s *SpectralNorm) Sigma() float64 {
	return s.sigma(nil).Item()
}

// sigma records uᵀWv on tp, with copies of u and v as constants: the stored
// vectors may change while the graph still holds them.
func (s *SpectralNorm) sigma(tp *tensor.Tape) *tensor.Tensor {
	rows, cols := len(s.U), len(s.V)
	u := tensor.New(append([]float64(nil), s.U...), 1, rows)
	v := tensor.New(append([]float64(nil), s.V...), cols, 1)
	return tp.Reshape(tp.MatMul(tp.MatMul(u, tp.Reshape(s.W, rows, cols)), v))
}

// Weight returns W/σ(W) on tp. In training it first runs Iters power
// iterations; in evaluation it uses the stored vectors.
func (s *SpectralNorm) Weight(tp *tensor.Tape, train bool) *tensor.Tensor {
	if train {
		s.PowerIteration(max(s.Iters, 1))
	}
	return tp.Div(s.W, s.sigma(tp))
}

func spectralNormalize(x []float64, eps float64) {
	n := 0.0
	for _, v := range x {
		n += v * v
	}
	n = max(math.Sqrt(n), eps)
	for i := range x {
		x[i] /= n
	}
}

// SpectralLinear is a Linear layer whose weight is spectrally normalised:
// x·(W/σ(W)) + B.
type SpectralLinear struct {
	Linear *Linear
	SN     *SpectralNorm
	// Train runs a power iteration on every Forward (see SpectralNorm).
	Train bool
}

var (
	_ Module  = (*SpectralLinear)(nil)
	_ Trainer = (*SpectralLinear)(nil)
)

// NewSpectralLinear wraps l, whose weight it normalises, in training mode.
func NewSpectralLinear(rng *rand.Rand, l *Linear) *SpectralLinear {
	return &SpectralLinear{Linear: l, SN: NewSpectralNorm(rng, l.W), Train: true}
}

// Forward returns x·(W/σ(W)) + B.
func (l *SpectralLinear) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return tp.Linear(x, l.SN.Weight(tp, l.Train), l.Linear.B)
}

// Params returns the Linear layer's: the raw weight and the bias.
func (l *SpectralLinear) Params() []Param { return l.Linear.Params() }

// SetTrain switches between training and evaluation.
func (l *SpectralLinear) SetTrain(train bool) { l.Train = train }

var (
	_ Module  = (*SpectralConv2d)(nil)
	_ Trainer = (*SpectralConv2d)(nil)
)

// SpectralConv2d is a Conv2d layer whose weight is spectrally normalised:
// the convolution with W/σ(W), W read as the matrix [out, in·kH·kW].
type SpectralConv2d struct {
	Conv *Conv2d
	SN   *SpectralNorm
	// Train runs a power iteration on every Forward (see SpectralNorm).
	Train bool
}

// NewSpectralConv2d wraps l, whose weight it normalises, in training mode.
func NewSpectralConv2d(rng *rand.Rand, l *Conv2d) *SpectralConv2d {
	return &SpectralConv2d{Conv: l, SN: NewSpectralNorm(rng, l.W), Train: true}
}

// Forward convolves x [N, C, H, W] with W/σ(W).
func (l *SpectralConv2d) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return tp.Conv2d(x, l.SN.Weight(tp, l.Train), l.Conv.B, l.Conv.Options)
}

// Params returns the Conv2d layer's: the raw weight and the bias.
func (l *SpectralConv2d) Params() []Param { return l.Conv.Params() }

// SetTrain switches between training and evaluation.
func (l *SpectralConv2d) SetTrain(train bool) { l.Train = train }
