package integrate

import "math"

// Wall keeps a Hamiltonian trajectory inside its domain: Leapfrog calls it
// after every drift with the drifted positions x and the momenta p (rows of
// d values), and it moves the points that left the domain back in, changing
// their momenta. Box.Reflect is one that keeps the leapfrog symplectic and
// reversible.
type Wall func(x, p []float64)

// Box is the box Lo ≤ x ≤ Hi, per coordinate (len(Lo) == len(Hi) == d); a
// face at −Inf or +Inf leaves that side open. Its methods act on rows of d
// values.
type Box struct {
	Lo, Hi []float64
}

// Reflect folds every row of x into the box, as a ray between mirrors at its
// faces: a coordinate past Hi by δ comes back to Hi − δ, again and again
// until it is inside. Where a coordinate was reflected an odd number of
// times its momentum in p (nil: none) is negated. Per coordinate this is an
// isometry on each piece of its domain, so as a Wall it keeps the leapfrog
// volume-preserving, and running the reflected path backwards (−p) retraces
// it, so it stays reversible: HMC and NUTS on the box remain exact (Neal
// 2011, "MCMC using Hamiltonian dynamics", §5.1). The metric must be
// diagonal, so that each coordinate drifts on its own.
func (b Box) Reflect(x, p []float64) {
	d := len(b.Lo)
	for i := range x {
		j := i % d
		y, flip := fold(x[i], b.Lo[j], b.Hi[j])
		x[i] = y
		if flip && p != nil {
			p[i] = -p[i]
		}
	}
}

// Clamp moves every coordinate of x outside the box onto its nearest face
// and zeroes its momentum in p (nil: none), an inelastic wall. Draws then
// pile up on the faces: a projection, which no Metropolis test corrects.
func (b Box) Clamp(x, p []float64) {
	d := len(b.Lo)
	for i, v := range x {
		j := i % d
		if v < b.Lo[j] || v > b.Hi[j] {
			x[i] = math.Min(math.Max(v, b.Lo[j]), b.Hi[j])
			if p != nil {
				p[i] = 0
			}
		}
	}
}

// fold returns x reflected into [lo, hi] and whether it was reflected an
// odd number of times.
func fold(x, lo, hi float64) (float64, bool) {
	switch {
	case x >= lo && x <= hi:
		return x, false
	case math.IsInf(lo, -1) || math.IsInf(hi, 1):
		// One open side: one reflection at the closed one brings it in.
		if x < lo {
			return 2*lo - x, true
		}
		return 2*hi - x, true
	}
	w := hi - lo
	// The reflected path is periodic with period 2w: within a period the
	// first half runs forwards, the second backwards.
	t := x - lo
	k := math.Floor(t / w) // reflections, signed
	r := math.Mod(t, 2*w)
	if r < 0 {
		r += 2 * w
	}
	if r > w {
		r = 2*w - r
	}
	return lo + r, math.Mod(k, 2) != 0
}
