package loss

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/tensor"
)

// samplePath draws the points on which the flow losses (FlowMatching,
// EquilibriumMatching, EnergyMatching) regress a field: noise x₀ ~ N(0, I)
// for the data rows x₁, paired by pair (nil: independent), times t uniform
// or logit-normal, and the points x_t and velocities u_t of path (nil:
// straight). The random stream is drawn in that order: noise, pairing,
// times.
func samplePath(path interpolant.Interpolant, pair coupling.Coupling, x *tensor.Tensor, logNormal bool, rng *rand.Rand) (xt, ut, ts, w []float64, err error) {
	xt, ut, ts, _, w, err = samplePairs(path, pair, nil, x, timeDraw{logNormal: logNormal}, rng)
	return xt, ut, ts, w, err
}

// timeDraw is how samplePairs draws t: uniform, or logit-normal (sigmoid
// of a standard normal), mapped onto [eps, 1 − eps].
type timeDraw struct {
	logNormal bool
	eps       float64
}

// samplePairs is samplePath with x₀ drawn from source (nil: N(0, I)) and
// t by draw; it also returns, for each point, the data row it leads to (so
// that labels follow their rows through the pairing; nil when a
// coupling.Transport makes the partners itself), and the pairs' weights
// from a coupling.Weighted (nil: all ones).
func samplePairs(path interpolant.Interpolant, pair coupling.Coupling, source Noise, x *tensor.Tensor, draw timeDraw, rng *rand.Rand) (xt, ut, ts []float64, idx []int, w []float64, err error) {
	if path == nil {
		path = interpolant.Linear{}
	}
	if pair == nil {
		pair = coupling.Independent{}
	}
	n, d := x.Dim(0), x.Dim(1)
	var x0 []float64
	if source == nil {
		x0 = gaussianRows(rng, n, d)
	} else {
		if sd := source.Dim(); sd != 0 && sd != d {
			return nil, nil, nil, nil, nil, fmt.Errorf("loss: a source of dimension %d for data of dimension %d: %w", sd, d, ErrInvalid)
		}
		x0 = make([]float64, n*d)
		for i := range n {
			source.Sample(rng, x0[i*d:(i+1)*d])
		}
	}
	var x1 []float64
	switch p := pair.(type) {
	case coupling.Transport:
		x1, err = p.Transport(x0, d)
	case coupling.Weighted:
		idx, w, err = p.PairWeighted(x0, x.Data(), d, rng)
	default:
		idx, err = pair.Pair(x0, x.Data(), d, rng)
	}
	if err != nil {
		return nil, nil, nil, nil, nil, fmt.Errorf("loss: %w", err)
	}
	switch {
	case x1 == nil:
		x1 = rowsOf(x, idx)
	case len(x1) != n*d:
		return nil, nil, nil, nil, nil, fmt.Errorf("loss: a coupling made %d values for %d rows of dimension %d: %w", len(x1), n, d, ErrInvalid)
	}
	ts = make([]float64, n)
	for i := range ts {
		if draw.logNormal {
			ts[i] = 1 / (1 + math.Exp(-rng.NormFloat64()))
		} else {
			ts[i] = rng.Float64()
		}
		if draw.eps > 0 {
			ts[i] = draw.eps + (1-2*draw.eps)*ts[i]
		}
	}
	xt, ut = make([]float64, n*d), make([]float64, n*d)
	if err := interpolant.Interpolate(path, xt, ut, x0, x1, ts, d); err != nil {
		return nil, nil, nil, nil, nil, fmt.Errorf("loss: %w", err)
	}
	return xt, ut, ts, idx, w, nil
}

// rowMean returns the mean of the rows' values s ([n]) or, with pair
// weights w, their weighted mean Σwᵢsᵢ/Σwᵢ.
func rowMean(tp *tensor.Tape, s *tensor.Tensor, w []float64) *tensor.Tensor {
	if w == nil {
		return tp.Mean(s)
	}
	total := 0.0
	for _, v := range w {
		total += v
	}
	wt := tensor.Zeros(len(w))
	for i, v := range w {
		wt.Data()[i] = v / total
	}
	return tp.Sum(tp.Mul(s, wt))
}

// noLabelsWithout refuses labels when the coupling made the pairs' data
// itself (idx nil): no label belongs to such a point.
func noLabelsWithout(y []int, idx []int) error {
	if y != nil && idx == nil {
		return fmt.Errorf("loss: a coupling that makes its own data (reflow) cannot carry labels: %w", ErrInvalid)
	}
	return nil
}
