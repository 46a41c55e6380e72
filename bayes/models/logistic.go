package models

import (
	"github.com/goebm/goebm/bayes"
	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/scalar"
)

// Digits holds the UCI digits' 0s and 1s (dataset.Digits) for a logistic
// regression: each image as a sparse row of the design matrix over the
// coefficients (α, β₁ … β₆₄), its non-zero pixels divided by 16, with the
// sign s = 1 − 2y folded in, so that the log likelihood of image i is
// −softplus(s·α + Σⱼ s·xᵢⱼ·βⱼ).
type Digits struct {
	// Images and Ones count the images and the 1s among them.
	Images, Ones int
	columns      [][]int     // each image's columns: 0 for α, 1 + j for βⱼ
	values       [][]float64 // and their signed values
}

// LoadDigits reads the 0s and 1s of the digits shipped with goebm.
func LoadDigits() (*Digits, error) {
	im, err := dataset.Digits()
	if err != nil {
		return nil, err
	}
	d := &Digits{}
	const D = 64
	for i, y := range im.Labels {
		if y > 1 {
			continue
		}
		s := 1 - 2*float64(y)
		cols, vs := []int{0}, []float64{s}
		for j, v := range im.Pixels[i*D : (i+1)*D] {
			if v != 0 {
				cols, vs = append(cols, 1+j), append(vs, s*float64(v)/16)
			}
		}
		d.columns, d.values = append(d.columns, cols), append(d.values, vs)
		d.Images++
		d.Ones += y
	}
	return d, nil
}

// DigitsLogistic is the logistic regression y ~ Bernoulli(σ(α + x·β)) of
// the 0s against the 1s, with α and β independent N(0, 1) (constants left
// out): parameters alpha and beta (64). Each image's linear predictor is
// one DotIndexed node, its likelihood one Softplus, and the whole sum one
// Sum node.
func DigitsLogistic(d *Digits) bayes.Model {
	return bayes.Model{
		Params: []bayes.Param{{Name: "alpha"}, {Name: "beta", Size: 64}},
		LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var {
			alpha, beta := p[0][0], p[1]
			terms := tp.Scratch(d.Images + 1)
			all := append(tp.Scratch(65)[:0], alpha)
			all = append(all, beta...)
			terms[0] = tp.Scale(tp.Dot(all, all), -0.5) // the priors: −½ Σ w²
			for i, cols := range d.columns {
				terms[i+1] = tp.Neg(tp.Softplus(tp.DotIndexed(all, cols, d.values[i])))
			}
			return tp.Sum(terms...)
		},
	}
}
