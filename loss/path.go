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
func samplePath(path interpolant.Interpolant, pair coupling.Coupling, x *tensor.Tensor, logNormal bool, rng *rand.Rand) (xt, ut, ts []float64, err error) {
	xt, ut, ts, _, err = samplePairs(path, pair, nil, x, timeDraw{logNormal: logNormal}, rng)
	return xt, ut, ts, err
}

// timeDraw is how samplePairs draws t: uniform, or logit-normal (sigmoid
// of a standard normal), mapped onto [eps, 1 − eps].
type timeDraw struct {
	logNormal bool
	eps       float64
}

// samplePairs is samplePath with x₀ drawn from source (nil: N(0, I)) and
// t by draw; it also returns, for each point, the data row it leads to (so
// that labels follow their rows through the pairing).
func samplePairs(path interpolant.Interpolant, pair coupling.Coupling, source Noise, x *tensor.Tensor, draw timeDraw, rng *rand.Rand) (xt, ut, ts []float64, idx []int, err error) {
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
			return nil, nil, nil, nil, fmt.Errorf("loss: a source of dimension %d for data of dimension %d: %w", sd, d, ErrInvalid)
		}
		x0 = make([]float64, n*d)
		for i := range n {
			source.Sample(rng, x0[i*d:(i+1)*d])
		}
	}
	idx, err = pair.Pair(x0, x.Data(), d, rng)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("loss: %w", err)
	}
	x1 := rowsOf(x, idx)
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
		return nil, nil, nil, nil, fmt.Errorf("loss: %w", err)
	}
	return xt, ut, ts, idx, nil
}
