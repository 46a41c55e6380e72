package eval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/limit"
	"github.com/goebm/goebm/tensor"
)

// ErrInvalid is wrapped by errors about invalid inputs.
var ErrInvalid = errors.New("invalid evaluation input")

// ErrDiverged is wrapped by AISCheck's errors when chains on the target run
// off: no finite log Z to estimate, typically an energy that is not
// normalisable (unbounded below, or flat) in some direction.
var ErrDiverged = errors.New("chains on the energy diverged; is exp(−E) normalisable?")

// Box is an axis-aligned rectangle [Lo[0], Hi[0]] × [Lo[1], Hi[1]].
type Box struct{ Lo, Hi [2]float64 }

// BoxFor returns the bounding box of the points of x ([n, 2]) widened on
// every side by margin times its larger side, so that it holds the density
// the points came from, tails included.
func BoxFor(x *tensor.Tensor, margin float64) (Box, error) {
	if x.Rank() != 2 || x.Dim(1) != 2 || x.Dim(0) == 0 {
		return Box{}, fmt.Errorf("eval: box of points of shape %v; want [n, 2]: %w", x.Shape(), ErrInvalid)
	}
	b := Box{Lo: [2]float64{math.Inf(1), math.Inf(1)}, Hi: [2]float64{math.Inf(-1), math.Inf(-1)}}
	d := x.Data()
	for i := 0; i < len(d); i += 2 {
		for j := range 2 {
			b.Lo[j] = math.Min(b.Lo[j], d[i+j])
			b.Hi[j] = math.Max(b.Hi[j], d[i+j])
		}
	}
	w := math.Max(b.Hi[0]-b.Lo[0], b.Hi[1]-b.Lo[1])
	for j := range 2 {
		b.Lo[j] -= margin * w
		b.Hi[j] += margin * w
	}
	return b, nil
}

// LogZ returns log ∫_box exp(−E) by the midpoint rule on an n×n grid. It
// stops with ctx's error once ctx is done, checking between rows.
func LogZ(ctx context.Context, e energy.Energy, box Box, n int) (float64, error) {
	if n < 2 || !(box.Hi[0] > box.Lo[0]) || !(box.Hi[1] > box.Lo[1]) {
		return 0, fmt.Errorf("eval: grid of %d cells on %v: %w", n, box, ErrInvalid)
	}
	if err := energy.CheckDim(e, 2); err != nil {
		return 0, fmt.Errorf("eval: quadrature is for 2-D energies: %w", err)
	}
	hx := (box.Hi[0] - box.Lo[0]) / float64(n)
	hy := (box.Hi[1] - box.Lo[1]) / float64(n)
	pts := make([]float64, 2*n)
	en := make([]float64, n)
	top := math.Inf(-1)
	var rows [][]float64
	for i := range n {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		for j := range n {
			pts[2*j] = box.Lo[0] + (float64(i)+0.5)*hx
			pts[2*j+1] = box.Lo[1] + (float64(j)+0.5)*hy
		}
		e.Energy(en, pts, 2)
		row := make([]float64, n)
		for j, v := range en {
			if math.IsNaN(v) {
				return 0, fmt.Errorf("eval: energy is NaN at (%g, %g): %w", pts[2*j], pts[2*j+1], ErrInvalid)
			}
			row[j] = -v
			top = math.Max(top, -v)
		}
		rows = append(rows, row)
	}
	s := 0.0
	for _, row := range rows {
		for _, v := range row {
			s += math.Exp(v - top)
		}
	}
	return top + math.Log(s*hx*hy), nil
}

// NLL returns the mean negative log-likelihood mean E(x) + log Z of the
// points x under the energy with normaliser logZ.
func NLL(e energy.Energy, x *tensor.Tensor, logZ float64) float64 {
	en := make([]float64, x.Dim(0))
	e.Energy(en, x.Data(), x.Dim(1))
	s := 0.0
	for _, v := range en {
		s += v
	}
	return s/float64(len(en)) + logZ
}

// GaussianNLL fits a Gaussian (mean and full covariance) to train and
// returns the mean negative log-likelihood of test under it: the baseline
// a trained energy must beat.
func GaussianNLL(train, test *tensor.Tensor) (float64, error) {
	mean, cov := moments(train, train.Dim(0)-1)
	g, err := energy.NewGaussian(mean, cov)
	if err != nil {
		return 0, fmt.Errorf("eval: Gaussian baseline: %w", err)
	}
	return NLL(g, test, g.LogZ()), nil
}

// moments returns the mean of the rows of x ([n, d]) and their covariance
// Σ(x − mean)(x − mean)ᵀ/div, d×d row-major.
func moments(x *tensor.Tensor, div int) (mean, cov []float64) {
	d, n := x.Dim(1), x.Dim(0)
	mean = make([]float64, d)
	for i := range n {
		for j := range d {
			mean[j] += x.Data()[i*d+j] / float64(n)
		}
	}
	cov = make([]float64, d*d)
	for i := range n {
		for a := range d {
			for b := range d {
				cov[a*d+b] += (x.Data()[i*d+a] - mean[a]) * (x.Data()[i*d+b] - mean[b]) / float64(div)
			}
		}
	}
	return mean, cov
}

// MMD returns the unbiased estimate of the squared maximum mean discrepancy
// between the points x and y (both [·, d]) with an RBF kernel whose bandwidth
// is the median distance between distinct pooled points, and that bandwidth.
// Its cost is quadratic in the points: it stops with ctx's error once ctx is
// done, checking between rows.
func MMD(ctx context.Context, x, y *tensor.Tensor) (mmd2, bandwidth float64, err error) {
	if x.Rank() != 2 || y.Rank() != 2 || x.Dim(1) != y.Dim(1) || x.Dim(0) < 2 || y.Dim(0) < 2 {
		return 0, 0, fmt.Errorf("eval: MMD of shapes %v and %v: %w", x.Shape(), y.Shape(), ErrInvalid)
	}
	d := x.Dim(1)
	pool := append(append([]float64(nil), x.Data()...), y.Data()...)
	m := len(pool) / d
	dist2 := func(a, b []float64, i, j int) float64 {
		s := 0.0
		for k := range d {
			u := a[i*d+k] - b[j*d+k]
			s += u * u
		}
		return s
	}
	// The median over a fixed subsample of pairs when there are many.
	var ds []float64
	step := max(1, m*(m-1)/2/200000)
	c := 0
	for i := range m {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		for j := i + 1; j < m; j++ {
			if c%step == 0 {
				ds = append(ds, math.Sqrt(dist2(pool, pool, i, j)))
			}
			c++
		}
	}
	slices.Sort(ds)
	h := ds[len(ds)/2]
	if !(h > 0) {
		return 0, 0, fmt.Errorf("eval: MMD of identical points: %w", ErrInvalid)
	}
	k := func(a, b []float64, i, j int) float64 { return math.Exp(-dist2(a, b, i, j) / (2 * h * h)) }
	mean := func(a, b []float64, na, nb int, same bool) float64 {
		s, cnt := 0.0, 0
		for i := range na {
			if ctx.Err() != nil {
				return math.NaN() // the caller returns ctx's error
			}
			for j := range nb {
				if same && i == j {
					continue
				}
				s += k(a, b, i, j)
				cnt++
			}
		}
		return s / float64(cnt)
	}
	xd, yd := x.Data(), y.Data()
	nx, ny := x.Dim(0), y.Dim(0)
	mmd2 = mean(xd, xd, nx, nx, true) + mean(yd, yd, ny, ny, true) - 2*mean(xd, yd, nx, ny, false)
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	return mmd2, h, nil
}

// GridSample draws n points from the density ∝ exp(−E) restricted to box,
// discretised on an m×m grid: a cell by its mass (midpoint rule), then a
// uniform point in it. For 2-D models this gives samples for MMD without
// MCMC, exact up to the grid's resolution.
func GridSample(e energy.Energy, box Box, m, n int, rng interface{ Float64() float64 }) (*tensor.Tensor, error) {
	if m < 2 || n < 1 || !(box.Hi[0] > box.Lo[0]) || !(box.Hi[1] > box.Lo[1]) {
		return nil, fmt.Errorf("eval: grid sample of %d points on %d cells of %v: %w", n, m, box, ErrInvalid)
	}
	// The grid holds 2m² coordinates and the draws 2n.
	if _, err := limit.Elems("eval: grid sample's grid", m, m, 2); err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrInvalid)
	}
	if _, err := limit.Elems("eval: grid sample's draws", n, 2); err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrInvalid)
	}
	hx := (box.Hi[0] - box.Lo[0]) / float64(m)
	hy := (box.Hi[1] - box.Lo[1]) / float64(m)
	pts := make([]float64, 2*m*m)
	for i := range m {
		for j := range m {
			pts[2*(i*m+j)] = box.Lo[0] + (float64(i)+0.5)*hx
			pts[2*(i*m+j)+1] = box.Lo[1] + (float64(j)+0.5)*hy
		}
	}
	en := make([]float64, m*m)
	e.Energy(en, pts, 2)
	top := math.Inf(-1)
	for _, v := range en {
		top = math.Max(top, -v)
	}
	cdf := make([]float64, len(en))
	s := 0.0
	for k, v := range en {
		s += math.Exp(-v - top)
		cdf[k] = s
	}
	out := tensor.Zeros(n, 2)
	for i := range n {
		k, _ := slices.BinarySearch(cdf, rng.Float64()*s)
		k = min(k, len(cdf)-1)
		out.Data()[2*i] = pts[2*k] + (rng.Float64()-0.5)*hx
		out.Data()[2*i+1] = pts[2*k+1] + (rng.Float64()-0.5)*hy
	}
	return out, nil
}
