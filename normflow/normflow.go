package normflow

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// ErrInvalid is wrapped by errors about invalid settings.
var ErrInvalid = errors.New("invalid flow setting")

// Layer is one invertible map of a flow, batched over rows.
type Layer interface {
	// Forward maps z ([n, d]) to x and returns log |det ∂x/∂z| per row ([n]).
	Forward(tp *tensor.Tape, z *tensor.Tensor) (x, logDet *tensor.Tensor)
	// Inverse maps x back to z and returns log |det ∂z/∂x| per row ([n]).
	Inverse(tp *tensor.Tape, x *tensor.Tensor) (z, logDet *tensor.Tensor)
	// Params lists the layer's trainable tensors.
	Params() []nn.Param
	// Clone returns a copy whose parameters share no memory with these.
	Clone() Layer
}

// Flow is x = f_K(…f_1(z)) for z ~ N(0, I_d): a density with exact log
// density and exact draws. Make one with New, NewGaussian or NewRealNVP.
type Flow struct {
	dim    int
	layers []Layer
}

// New returns the flow of the layers, applied to z in order, on points of
// dimension dim.
func New(dim int, layers ...Layer) (*Flow, error) {
	if dim <= 0 {
		return nil, fmt.Errorf("normflow: dimension %d: %w", dim, ErrInvalid)
	}
	for i, l := range layers {
		if l == nil {
			return nil, fmt.Errorf("normflow: layer %d is nil: %w", i, ErrInvalid)
		}
	}
	return &Flow{dim: dim, layers: append([]Layer(nil), layers...)}, nil
}

// Dim returns the dimension of the points.
func (f *Flow) Dim() int { return f.dim }

// Params returns the layers' parameters, each name prefixed with its
// layer's index: "0.mean", "1.net.0.weight", ...
func (f *Flow) Params() []nn.Param {
	var ps []nn.Param
	for i, l := range f.layers {
		for _, p := range l.Params() {
			ps = append(ps, nn.Param{Name: strconv.Itoa(i) + "." + p.Name, Value: p.Value})
		}
	}
	return ps
}

// Clone returns a copy of the flow with its own parameters: what a training
// run starts from, leaving the original untouched.
func (f *Flow) Clone() *Flow {
	c := &Flow{dim: f.dim}
	for _, l := range f.layers {
		c.layers = append(c.layers, l.Clone())
	}
	return c
}

// logNormal returns log N(z; 0, I) per row of z ([n, d]) as [n].
func logNormal(tp *tensor.Tape, z *tensor.Tensor) *tensor.Tensor {
	d := z.Dim(1)
	sq := tp.SumAxis(tp.Square(z), 1)
	return tp.AddScalar(tp.Scale(sq, -0.5), -0.5*float64(d)*math.Log(2*math.Pi))
}

// LogDensity returns log q(x) per row of x ([n, d]) as [n]: the base
// density at f⁻¹(x) plus the inverse layers' log-determinants.
func (f *Flow) LogDensity(tp *tensor.Tape, x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := f.check(x); err != nil {
		return nil, err
	}
	total := tensor.Zeros(x.Dim(0))
	for i := len(f.layers) - 1; i >= 0; i-- {
		var ld *tensor.Tensor
		x, ld = f.layers[i].Inverse(tp, x)
		total = tp.Add(total, ld)
	}
	return tp.Add(logNormal(tp, x), total), nil
}

// Sample returns n draws x = f(z) ([n, d]) and their log density log q(x)
// ([n]), computed on the way out (log N(z) − Σ log |det ∂f_k|), with no
// inverse. Both are recorded on tp, so that they can be differentiated with
// respect to the flow's parameters.
func (f *Flow) Sample(tp *tensor.Tape, rng *rand.Rand, n int) (x, logQ *tensor.Tensor) {
	z := tensor.Zeros(n, f.dim)
	for i := range z.Data() {
		z.Data()[i] = rng.NormFloat64()
	}
	logQ = logNormal(tp, z)
	x = z
	for _, l := range f.layers {
		var ld *tensor.Tensor
		x, ld = l.Forward(tp, x)
		logQ = tp.Sub(logQ, ld)
	}
	return x, logQ
}

func (f *Flow) check(x *tensor.Tensor) error {
	if x.Rank() != 2 || x.Dim(1) != f.dim {
		return fmt.Errorf("normflow: points of shape %v for a flow of dimension %d: %w", x.Shape(), f.dim, ErrInvalid)
	}
	return nil
}

// Affine is x = μ + Lz, L lower-triangular with a positive diagonal: the
// Gaussian N(μ, LLᵀ) as a layer. Its parameters are Mean ([d]) and Raw
// ([d, d]): Raw's strict lower triangle is L's, its diagonal is log Lᵢᵢ,
// and its upper triangle is not read (its gradient is zero).
type Affine struct {
	Mean, Raw *tensor.Tensor
	// lower is the constant mask of the strict lower triangle, made by
	// NewAffine and Clone (and on each call for a literal Affine).
	lower *tensor.Tensor
}

// NewAffine returns the Affine layer of N(mean, cov) for a symmetric
// positive-definite cov given row-major as d×d values, L its Cholesky
// factor.
func NewAffine(mean, cov []float64) (*Affine, error) {
	d := len(mean)
	if d == 0 || len(cov) != d*d {
		return nil, fmt.Errorf("normflow: mean of %d values and covariance of %d: want d and d×d with d > 0: %w", d, len(cov), ErrInvalid)
	}
	for _, v := range append(append([]float64(nil), mean...), cov...) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("normflow: mean or covariance with a value that is not finite: %w", ErrInvalid)
		}
	}
	for i := range d {
		for j := range i {
			if cov[i*d+j] != cov[j*d+i] {
				return nil, fmt.Errorf("normflow: covariance not symmetric at (%d, %d): %w", i, j, ErrInvalid)
			}
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(d, append([]float64(nil), cov...))) {
		return nil, fmt.Errorf("normflow: covariance not positive definite: %w", ErrInvalid)
	}
	var lt mat.TriDense
	ch.LTo(&lt)
	a := &Affine{Mean: tensor.New(append([]float64(nil), mean...), d), Raw: tensor.Zeros(d, d)}
	a.lower = a.mask()
	for i := range d {
		for j := range i {
			a.Raw.Data()[i*d+j] = lt.At(i, j)
		}
		a.Raw.Data()[i*d+i] = math.Log(lt.At(i, i))
	}
	return a, nil
}

// mask returns the constant strict-lower-triangle mask.
func (a *Affine) mask() *tensor.Tensor {
	d := a.Mean.Len()
	if a.lower != nil && a.lower.Len() == d*d {
		return a.lower
	}
	m := tensor.Zeros(d, d)
	for i := range d {
		for j := range i {
			m.Data()[i*d+j] = 1
		}
	}
	return m
}

// factor returns L and Σ log Lᵢᵢ, recorded.
func (a *Affine) factor(tp *tensor.Tape) (l, logDet *tensor.Tensor) {
	diag := tp.Diag(a.Raw)
	l = tp.Add(tp.Mul(a.Raw, a.mask()), tp.DiagEmbed(tp.Exp(diag)))
	return l, tp.Sum(diag)
}

// perRow broadcasts the scalar s to [n].
func perRow(tp *tensor.Tape, s *tensor.Tensor, n int) *tensor.Tensor {
	return tp.BroadcastTo(tp.Reshape(s, 1), []int{n})
}

// Forward returns μ + Lz per row and Σ log Lᵢᵢ.
func (a *Affine) Forward(tp *tensor.Tape, z *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	l, ld := a.factor(tp)
	x := tp.Add(tp.MatMulT(z, l, false, true), a.Mean)
	return x, perRow(tp, ld, z.Dim(0))
}

// Inverse returns L⁻¹(x − μ) per row, by a triangular solve, and
// −Σ log Lᵢᵢ.
func (a *Affine) Inverse(tp *tensor.Tape, x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	l, ld := a.factor(tp)
	r := tp.Transpose(tp.Sub(x, a.Mean))
	z := tp.Transpose(tp.SolveTriangular(l, r, true, false))
	return z, perRow(tp, tp.Neg(ld), x.Dim(0))
}

// Params returns "mean" and "raw".
func (a *Affine) Params() []nn.Param {
	return []nn.Param{{Name: "mean", Value: a.Mean}, {Name: "raw", Value: a.Raw}}
}

// Clone returns a copy with its own parameters.
func (a *Affine) Clone() Layer {
	return &Affine{Mean: copyOf(a.Mean), Raw: copyOf(a.Raw), lower: a.mask()}
}

func copyOf(t *tensor.Tensor) *tensor.Tensor {
	return tensor.New(append([]float64(nil), t.Data()...), t.Shape()...)
}

// Coupling is RealNVP's affine coupling on points of dimension d ≥ 2: the
// first ⌊d/2⌋ coordinates (the last ⌈d/2⌉ when Flip) are b, the rest a;
// b ↦ b·exp(s) + t with (s, t) = (tanh h_s, h_t), h = Net(a).
type Coupling struct {
	// Net maps a ([n, |a|]) to [n, 2|b|]: h_s, then h_t.
	Net  *nn.Sequential
	Flip bool
	dim  int
	// sizes and act rebuild Net for Clone.
	sizes []int
	act   nn.Activation
}

// NewCoupling returns a coupling of dimension dim whose Net is an MLP with
// the hidden sizes and activation act, drawn from rng, its last layer zero:
// the new coupling is the identity.
func NewCoupling(rng *rand.Rand, dim int, hidden []int, act nn.Activation, flip bool) (*Coupling, error) {
	if dim < 2 {
		return nil, fmt.Errorf("normflow: a coupling of dimension %d: want at least 2: %w", dim, ErrInvalid)
	}
	c := &Coupling{Flip: flip, dim: dim, act: act}
	na, nb := c.split()
	c.sizes = append(append([]int{na}, hidden...), 2*nb)
	net, err := nn.NewMLP(rng, c.sizes, act, nil)
	if err != nil {
		return nil, fmt.Errorf("normflow: coupling: %w", err)
	}
	last := net.Layers[len(net.Layers)-1].(*nn.Linear)
	clear(last.W.Data())
	clear(last.B.Data())
	c.Net = net
	return c, nil
}

// split returns |a| and |b|.
func (c *Coupling) split() (na, nb int) {
	nb = c.dim / 2
	if c.Flip {
		nb = c.dim - c.dim/2
	}
	return c.dim - nb, nb
}

// parts returns a and b of x.
func (c *Coupling) parts(tp *tensor.Tape, x *tensor.Tensor) (a, b *tensor.Tensor) {
	_, nb := c.split()
	if c.Flip {
		return tp.SliceCols(x, 0, c.dim-nb), tp.SliceCols(x, c.dim-nb, c.dim)
	}
	return tp.SliceCols(x, nb, c.dim), tp.SliceCols(x, 0, nb)
}

// join puts a and b back in their columns.
func (c *Coupling) join(tp *tensor.Tape, a, b *tensor.Tensor) *tensor.Tensor {
	if c.Flip {
		return tp.Concat(1, a, b)
	}
	return tp.Concat(1, b, a)
}

// st returns s and t of a.
func (c *Coupling) st(tp *tensor.Tape, a *tensor.Tensor) (s, t *tensor.Tensor) {
	_, nb := c.split()
	h := c.Net.Forward(tp, a)
	return tp.Tanh(tp.SliceCols(h, 0, nb)), tp.SliceCols(h, nb, 2*nb)
}

// Forward returns (a, b·exp(s) + t) and Σ s per row.
func (c *Coupling) Forward(tp *tensor.Tape, z *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	a, b := c.parts(tp, z)
	s, t := c.st(tp, a)
	return c.join(tp, a, tp.Add(tp.Mul(b, tp.Exp(s)), t)), tp.SumAxis(s, 1)
}

// Inverse returns (a, (b′ − t)·exp(−s)) and −Σ s per row.
func (c *Coupling) Inverse(tp *tensor.Tape, x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	a, b := c.parts(tp, x)
	s, t := c.st(tp, a)
	return c.join(tp, a, tp.Mul(tp.Sub(b, t), tp.Exp(tp.Neg(s)))), tp.Neg(tp.SumAxis(s, 1))
}

// Params returns Net's parameters, prefixed "net.".
func (c *Coupling) Params() []nn.Param {
	var ps []nn.Param
	for _, p := range c.Net.Params() {
		ps = append(ps, nn.Param{Name: "net." + p.Name, Value: p.Value})
	}
	return ps
}

// Clone returns a copy with its own parameters.
func (c *Coupling) Clone() Layer {
	net, err := nn.NewMLP(rand.New(rand.NewPCG(0, 0)), c.sizes, c.act, nil)
	if err != nil {
		panic(fmt.Sprintf("normflow: Clone: rebuilding a coupling's MLP %v: %v", c.sizes, err))
	}
	for i, p := range c.Net.Params() {
		copy(net.Params()[i].Value.Data(), p.Value.Data())
	}
	return &Coupling{Net: net, Flip: c.Flip, dim: c.dim, sizes: c.sizes, act: c.act}
}

// NewGaussian returns the one-layer flow N(mean, cov).
func NewGaussian(mean, cov []float64) (*Flow, error) {
	a, err := NewAffine(mean, cov)
	if err != nil {
		return nil, err
	}
	return New(len(mean), a)
}

// NewRealNVP returns couplings alternately flipped (the first not), each
// an MLP with the hidden sizes and SiLU drawn from rng, followed by the
// Affine layer of N(mean, cov): a flow that starts as that Gaussian.
func NewRealNVP(rng *rand.Rand, mean, cov []float64, couplings int, hidden []int) (*Flow, error) {
	a, err := NewAffine(mean, cov)
	if err != nil {
		return nil, err
	}
	if couplings < 0 {
		return nil, fmt.Errorf("normflow: %d couplings: %w", couplings, ErrInvalid)
	}
	var layers []Layer
	for k := range couplings {
		c, err := NewCoupling(rng, len(mean), hidden, nn.SiLU(), k%2 == 1)
		if err != nil {
			return nil, err
		}
		layers = append(layers, c)
	}
	return New(len(mean), append(layers, a)...)
}
