package loss

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// NCE is noise-contrastive estimation (Gutmann and Hyvärinen 2010): it
// trains the model to tell data from Ratio times as many draws of a noise
// density q (Noise, or by default N(NoiseMean, NoiseStd²I)), by logistic
// regression on
//
//	G(u) = −E(u) − c − log(Ratio·q(u)),
//
// where c is a learned log-normaliser. Its loss is
// (1/n)[Σ_data softplus(−G) + Σ_noise softplus(G)]. At the optimum
// exp(−E − c) is the normalised data density, so NCE gives a model whose log Z
// is known: c. The noise should cover the data; fit its mean and sd to them.
//
// NCE learns c with the network: it is State, which a trainer optimises
// with the network's parameters (Start's Params, named "nce.logZ").
type NCE struct {
	// Noise is the noise density: a full-covariance GaussianNoise or a
	// MixtureNoise, say. Nil means N(NoiseMean, NoiseStd²I); set only one
	// of the two.
	Noise Noise
	// NoiseMean (nil: zeros) and NoiseStd (0: 1) of the default isotropic
	// noise density.
	NoiseMean []float64
	NoiseStd  float64
	// Ratio of noise to data draws; 0 means 1.
	Ratio int
}

// Start returns the loss of a fresh run, whose state holds the learned
// log-normaliser c, at 0.
func (l NCE) Start() (EnergyLoss, State) {
	r := &nceRun{l: l, logZ: tensor.Zeros(1)}
	return r, r
}

// Loss returns the NCE loss of net on x with c = 0, as the first step of a
// fresh run.
func (l NCE) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	return firstStep(l.Start, tp, net, x, rng)
}

// nceRun is an NCE run: the settings and the learned log-normaliser.
type nceRun struct {
	l    NCE
	logZ *tensor.Tensor
}

// Params returns the learned log-normaliser c, named "nce.logZ".
func (r *nceRun) Params() []nn.Param { return []nn.Param{{Name: "nce.logZ", Value: r.logZ}} }

// Save returns nil: c is saved with the parameters.
func (r *nceRun) Save() []nn.Param { return nil }

// Restore accepts only an empty state.
func (r *nceRun) Restore(saved []nn.Param) error {
	if len(saved) > 0 {
		return fmt.Errorf("loss: NCE state %v: want none: %w", names(saved), ErrInvalid)
	}
	return nil
}

func (r *nceRun) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	n, d := x.Dim(0), x.Dim(1)
	q, ratio, err := r.l.noise(d)
	if err != nil {
		return nil, err
	}
	// log(ν·q(u)) for the data and the noise, constants of the graph.
	logNu := math.Log(float64(ratio))
	logNuQ := func(u []float64) float64 { return logNu + q.LogDensity(u) }
	m := ratio * n
	y := tensor.Zeros(m, d)
	for i := range m {
		q.Sample(rng, y.Data()[i*d:(i+1)*d])
	}
	qx, qy := tensor.Zeros(n), tensor.Zeros(m)
	for i := range n {
		qx.Data()[i] = logNuQ(x.Data()[i*d : (i+1)*d])
	}
	for i := range m {
		qy.Data()[i] = logNuQ(y.Data()[i*d : (i+1)*d])
	}
	return contrast(tp, net, x, y, r.logZ, qx, qy)
}

// contrast returns the logistic loss of NCE and FCE,
//
//	(1/n)[Σ_data softplus(−G(x)) + Σ_noise softplus(G(y))],
//	G(u) = −E(u) − c − log(ν·q(u)),
//
// for the n data rows x and the noise rows y, given log(ν·q) at each (qx,
// qy: constants for NCE, the flow's recorded log density for FCE) and the
// log-normaliser c. It is −V, V = E_data log D + ν·E_q log(1 − D) with
// D = σ(G), the classifier's log-likelihood.
func contrast(tp *tensor.Tape, net nn.Module, x, y, logZ, qx, qy *tensor.Tensor) (*tensor.Tensor, error) {
	ex, err := energies(tp, net, x)
	if err != nil {
		return nil, err
	}
	ey, err := energies(tp, net, y)
	if err != nil {
		return nil, err
	}
	gx := tp.Neg(tp.Add(tp.Add(ex, logZ), qx)) // G(x) = −E − c − log νq
	gy := tp.Neg(tp.Add(tp.Add(ey, logZ), qy))
	sum := tp.Add(tp.Sum(tp.Softplus(tp.Neg(gx))), tp.Sum(tp.Softplus(gy)))
	return tp.Scale(sum, 1/float64(x.Dim(0))), nil
}

// noise returns the noise density for points of dimension d and the ratio
// of noise to data draws.
func (l NCE) noise(d int) (Noise, int, error) {
	ratio := cmp.Or(l.Ratio, 1)
	if ratio < 0 {
		return nil, 0, fmt.Errorf("loss: NCE noise ratio %d: %w", ratio, ErrInvalid)
	}
	if l.Noise != nil {
		if l.NoiseMean != nil || l.NoiseStd != 0 {
			return nil, 0, fmt.Errorf("loss: NCE with a Noise and an isotropic mean or sd: set one: %w", ErrInvalid)
		}
		if l.Noise.Dim() != d {
			return nil, 0, fmt.Errorf("loss: NCE noise of dimension %d for data of dimension %d: %w", l.Noise.Dim(), d, ErrInvalid)
		}
		return l.Noise, ratio, nil
	}
	sd := cmp.Or(l.NoiseStd, 1)
	if !(sd > 0) || (l.NoiseMean != nil && len(l.NoiseMean) != d) {
		return nil, 0, fmt.Errorf("loss: NCE noise sd %g, mean of %d values for dimension %d: %w", sd, len(l.NoiseMean), d, ErrInvalid)
	}
	return isoNoise{mean: l.NoiseMean, sd: sd}, ratio, nil
}
