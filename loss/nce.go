package loss

import (
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
// An NCE holds c: create it with NewNCE and train its Params with the
// network's.
type NCE struct {
	// NoiseMean (nil: zeros) and NoiseStd (0: 1) of the noise density.
	NoiseMean []float64
	NoiseStd  float64
	// Ratio of noise to data draws; 0 means 1.
	Ratio int

	logZ *tensor.Tensor
}

// NewNCE returns an NCE loss with its learned log-normaliser at 0.
func NewNCE(noiseMean []float64, noiseStd float64, ratio int) *NCE {
	return &NCE{NoiseMean: noiseMean, NoiseStd: noiseStd, Ratio: ratio, logZ: tensor.Zeros(1)}
}

// Params returns the learned log-normaliser c, named "nce.logZ".
func (l *NCE) Params() []nn.Param { return []nn.Param{{Name: "nce.logZ", Value: l.logZ}} }

// LogZ returns the current estimate c of log ∫exp(−E).
func (l *NCE) LogZ() float64 { return l.logZ.Data()[0] }

// Loss returns the NCE loss of net on x.
func (l *NCE) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	if l.logZ == nil {
		return nil, fmt.Errorf("loss: NCE made without NewNCE has no log-normaliser: %w", ErrInvalid)
	}
	n, d := x.Dim(0), x.Dim(1)
	sd, ratio := l.NoiseStd, l.Ratio
	if sd == 0 {
		sd = 1
	}
	if ratio == 0 {
		ratio = 1
	}
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
	gx := tp.Neg(tp.Add(tp.Add(ex, l.logZ), qx)) // G(x) = −E − c − log νq
	gy := tp.Neg(tp.Add(tp.Add(ey, l.logZ), qy))
	sum := tp.Add(tp.Sum(tp.Softplus(tp.Neg(gx))), tp.Sum(tp.Softplus(gy)))
	return tp.Scale(sum, 1/float64(n)), nil
}
