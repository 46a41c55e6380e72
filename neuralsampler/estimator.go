package neuralsampler

import (
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/panics"
)

// Posterior is the self-normalised Monte Carlo estimate, shared by iDEM and
// iEFM, of the posterior over clean points x₀ given a noised point
// x = x₀ + σε under p(x₀) ∝ exp(−E(x₀)): with K draws yₖ = x + σεₖ
// (the Gaussian kernel centred at x, so that the proposal cancels),
// weights wₖ = softmax(−E(yₖ)) taken with a log-sum-exp, it gives
//
//	Score ≈ ∇ₓ log Σₖ exp(−E(x + σεₖ)) = −Σₖ wₖ∇E(yₖ)   (iDEM's target)
//	Mean  ≈ E[x₀ | x] = Σₖ wₖyₖ                          (iEFM's, by Tweedie)
//
// Both are consistent as K grows; for finite K they are biased by O(1/K)
// (a ratio of two means). The estimate is the same on any number of
// goroutines: all normals are drawn first, in order, from one stream.
type Posterior struct {
	// Energy is E; it must be safe for concurrent calls on disjoint batches.
	Energy energy.Energy
	// K is the number of draws per point.
	K int
	// Grad asks for Score too (K gradients of E per point); without it
	// only energies are taken and Score is left nil.
	Grad bool
}

// Estimate returns, for the n = len(sigma) points x ([n·d]) with noise
// levels sigma, the estimates Score and Mean (each n·d) and the effective
// sample size 1/Σwₖ² averaged over the points, the normals drawn from rng.
func (p Posterior) Estimate(x []float64, d int, sigma []float64, rng *rand.Rand) (score, mean []float64, ess float64) {
	n, k := len(sigma), p.K
	eps := make([]float64, n*k*d)
	for i := range eps {
		eps[i] = rng.NormFloat64()
	}
	mean = make([]float64, n*d)
	if p.Grad {
		score = make([]float64, n*d)
	}
	essRow := make([]float64, n)
	workers := min(runtime.GOMAXPROCS(0), n)
	per := (n + workers - 1) / workers
	panics.Go(workers, func(w int) {
		if lo, hi := w*per, min((w+1)*per, n); lo < hi {
			p.rows(x, eps, sigma, d, lo, hi, score, mean, essRow)
		}
	})
	for _, v := range essRow {
		ess += v / float64(n)
	}
	return score, mean, ess
}

// rows estimates points lo … hi−1.
func (p Posterior) rows(x, eps, sigma []float64, d, lo, hi int, score, mean, essRow []float64) {
	k := p.K
	y := make([]float64, k*d)
	e := make([]float64, k)
	var g []float64
	if p.Grad {
		g = make([]float64, k*d)
	}
	for i := lo; i < hi; i++ {
		xi := x[i*d : (i+1)*d]
		for m := range k {
			for j := range d {
				y[m*d+j] = xi[j] + sigma[i]*eps[(i*k+m)*d+j]
			}
		}
		if p.Grad {
			p.Energy.Grad(e, g, y, d)
		} else {
			p.Energy.Energy(e, y, d)
		}
		top := math.Inf(1)
		for _, v := range e {
			top = math.Min(top, v)
		}
		sum, sum2 := 0.0, 0.0
		for m, v := range e {
			e[m] = math.Exp(-(v - top)) // unnormalised weight, ≤ 1
			sum += e[m]
		}
		for m := range e {
			e[m] /= sum
			sum2 += e[m] * e[m]
		}
		essRow[i] = 1 / sum2
		for m, w := range e {
			for j := range d {
				mean[i*d+j] += w * y[m*d+j]
				if p.Grad {
					score[i*d+j] -= w * g[m*d+j]
				}
			}
		}
	}
}
