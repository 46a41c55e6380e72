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
// density q = N(NoiseMean, NoiseStd²I), by logistic regression on
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
	// NoiseMean (nil: zeros) and NoiseStd (0: 1) of the noise density.
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
	l := r.l
	n, d := x.Dim(0), x.Dim(1)
	sd, ratio := cmp.Or(l.NoiseStd, 1), cmp.Or(l.Ratio, 1)
	if !(sd > 0) || ratio < 0 || (l.NoiseMean != nil && len(l.NoiseMean) != d) {
		return nil, fmt.Errorf("loss: NCE noise sd %g, ratio %d, mean of %d values for dimension %d: %w", sd, ratio, len(l.NoiseMean), d, ErrInvalid)
	}
	mean := func(j int) float64 {
		if l.NoiseMean == nil {
			return 0
		}
		return l.NoiseMean[j]
	}
	// log(ν·q(u)) for the data and the noise, constants of the graph.
	logNuQ := func(u []float64) float64 {
		s := 0.0
		for j, v := range u {
			z := (v - mean(j)) / sd
			s += z * z
		}
		return math.Log(float64(ratio)) - 0.5*s - float64(d)*(math.Log(sd)+0.5*math.Log(2*math.Pi))
	}
	m := ratio * n
	y := tensor.Zeros(m, d)
	for i := range m {
		for j := range d {
			y.Data()[i*d+j] = mean(j) + sd*rng.NormFloat64()
		}
	}
	qx, qy := tensor.Zeros(n), tensor.Zeros(m)
	for i := range n {
		qx.Data()[i] = logNuQ(x.Data()[i*d : (i+1)*d])
	}
	for i := range m {
		qy.Data()[i] = logNuQ(y.Data()[i*d : (i+1)*d])
	}
	ex, err := energies(tp, net, x)
	if err != nil {
		return nil, err
	}
	ey, err := energies(tp, net, y)
	if err != nil {
		return nil, err
	}
	gx := tp.Neg(tp.Add(tp.Add(ex, r.logZ), qx)) // G(x) = −E − c − log νq
	gy := tp.Neg(tp.Add(tp.Add(ey, r.logZ), qy))
	sum := tp.Add(tp.Sum(tp.Softplus(tp.Neg(gx))), tp.Sum(tp.Softplus(gy)))
	return tp.Scale(sum, 1/float64(n)), nil
}
