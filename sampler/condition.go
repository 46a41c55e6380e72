package sampler

import (
	"fmt"
	"math"
)

// Condition turns each chain's target into a conditional one (Options.Condition),
// batched: every chain has its own observation, so that many images are
// inpainted or denoised in one call.
//
//   - Inpainting: where Observed is true, chain c's coordinate is held at its
//     value in Values, and the chain samples the others from
//     p(x_free | x_obs) ∝ exp(−E(x_free, x_obs)).
//   - Denoising: with Noise σ > 0, the free coordinates are pulled towards
//     the noisy observation y = Values: the chain samples
//     p(x | y) ∝ exp(−E(x) − ‖x − y‖²/(2σ²)), the sum over free coordinates.
//
// Both may be given at once (observed coordinates exact, the others noisy).
// The energies a run reports are then the conditional's, E(x) plus the
// noise term.
type Condition struct {
	// Observed marks the coordinates held fixed: Chains×Dim values, row c
	// for chain c, or Dim values for every chain; nil means none.
	Observed []bool
	// Values holds the observed values, Chains×Dim or Dim as Observed: read
	// where Observed is true and, with Noise, everywhere (the noisy y).
	// Elsewhere it is not read (NaN is fine there).
	Values []float64
	// Noise is the standard deviation σ of the noise on the free
	// coordinates' observation; 0 means they are not observed at all.
	Noise float64
}

// condition is a Condition checked for a run of chains of dimension d, as
// the blocks read it.
type condition struct {
	c                  *Condition
	d                  int
	valueRows, obsRows bool // Values, Observed have a row per chain
	anyPins            bool
}

// check validates c for chains chains of dimension d.
func (c *Condition) check(chains, d int) (*condition, error) {
	if c == nil {
		return nil, nil
	}
	rows := func(n int, what string) (bool, error) {
		switch n {
		case d:
			return false, nil
		case chains * d:
			return true, nil
		}
		return false, fmt.Errorf("sampler: condition with %d %s for %d chains of dimension %d (give %d or %d): %w",
			n, what, chains, d, chains*d, d, ErrInvalid)
	}
	k := &condition{c: c, d: d}
	var err error
	if k.valueRows, err = rows(len(c.Values), "values"); err != nil {
		return nil, err
	}
	if c.Observed != nil {
		if k.obsRows, err = rows(len(c.Observed), "observed flags"); err != nil {
			return nil, err
		}
	}
	if !(c.Noise >= 0) || math.IsInf(c.Noise, 0) {
		return nil, fmt.Errorf("sampler: condition noise %g must be finite and not negative: %w", c.Noise, ErrInvalid)
	}
	for _, obs := range c.Observed {
		k.anyPins = k.anyPins || obs
	}
	for ch := range chains {
		if !k.valueRows && ch > 0 && !k.obsRows {
			break
		}
		rv, ro := k.rows(ch)
		for j := range d {
			obs := k.anyPins && c.Observed[ro+j]
			if v := c.Values[rv+j]; (obs || c.Noise > 0) && !finite(v) {
				return nil, fmt.Errorf("sampler: condition value %g at chain %d, coordinate %d: %w", v, ch, j, ErrInvalid)
			}
		}
	}
	return k, nil
}

// rows returns the offsets of chain c's rows in Values and Observed.
func (k *condition) rows(c int) (values, observed int) {
	if k.valueRows {
		values = c * k.d
	}
	if k.obsRows {
		observed = c * k.d
	}
	return values, observed
}

// pin writes chain c's observed values into its point x.
func (k *condition) pin(c int, x []float64) {
	if !k.anyPins {
		return
	}
	rv, ro := k.rows(c)
	for j, obs := range k.c.Observed[ro : ro+k.d] {
		if obs {
			x[j] = k.c.Values[rv+j]
		}
	}
}

// apply turns chain c's energy e and gradient g (nil: none) at x into the
// conditional's: it adds the noise term over the free coordinates and
// zeroes the gradient at the observed ones, which then feel no force.
func (k *condition) apply(c int, x, g []float64, e *float64) {
	rv, ro := k.rows(c)
	sigma2 := k.c.Noise * k.c.Noise
	for j := range x {
		if k.anyPins && k.c.Observed[ro+j] {
			if g != nil {
				g[j] = 0
			}
			continue
		}
		if sigma2 > 0 {
			u := x[j] - k.c.Values[rv+j]
			*e += u * u / (2 * sigma2)
			if g != nil {
				g[j] += u / sigma2
			}
		}
	}
}

// observed returns chain c's observed flags, or nil when no coordinate is
// held anywhere.
func (k *condition) observed(c int) []bool {
	if k == nil || !k.anyPins {
		return nil
	}
	_, ro := k.rows(c)
	return k.c.Observed[ro : ro+k.d]
}
