package sampler

import (
	"fmt"
	"math"

	"github.com/goebm/goebm/integrate"
)

// BoundMode is how Bounds keeps a chain inside its box.
type BoundMode int

const (
	// Reflect folds a move that leaves the box back into it, as a ray
	// between mirrors at the faces. It keeps MALA, HMC, NUTS and parallel
	// tempering exact for the density restricted to the box (see the package
	// documentation for how); Langevin and descent are reflected processes.
	Reflect BoundMode = iota
	// Clamp moves a coordinate that leaves the box onto the nearest face (for
	// HMC and NUTS also stopping its momentum). A projection that no
	// Metropolis test corrects: draws pile up on the faces, so the spread is
	// overstated. For training chains that must not run away, not for
	// inference.
	Clamp
)

// String returns "reflect" or "clamp".
func (m BoundMode) String() string {
	switch m {
	case Reflect:
		return "reflect"
	case Clamp:
		return "clamp"
	}
	return fmt.Sprintf("BoundMode(%d)", int(m))
}

// Bounds is a box Lo ≤ x ≤ Hi, per coordinate, that the chains stay in, and
// how (Options.Bounds). Chains start inside it: Run folds (or clamps) the
// starting points in.
type Bounds struct {
	// Lo and Hi are the faces: Dim values each, or one value for every
	// coordinate. −Inf or +Inf leaves a side open; Lo < Hi.
	Lo, Hi []float64
	// Mode is how a chain is kept inside; the zero value is Reflect.
	Mode BoundMode
}

// BoundsOf returns the box of n points of dimension d (x holds n×d values):
// each coordinate's minimum and maximum, with mode. A coordinate whose
// points all agree has no box to move in: an error.
func BoundsOf(x []float64, d int, mode BoundMode) (*Bounds, error) {
	if d <= 0 || len(x) == 0 || len(x)%d != 0 {
		return nil, fmt.Errorf("sampler: bounds of %d values in dimension %d: %w", len(x), d, ErrInvalid)
	}
	b := &Bounds{Lo: make([]float64, d), Hi: make([]float64, d), Mode: mode}
	fill(b.Lo, math.Inf(1))
	fill(b.Hi, math.Inf(-1))
	for i, v := range x {
		if !finite(v) {
			return nil, fmt.Errorf("sampler: bounds of points with value %g (point %d, coordinate %d): %w", v, i/d, i%d, ErrInvalid)
		}
		b.Lo[i%d] = math.Min(b.Lo[i%d], v)
		b.Hi[i%d] = math.Max(b.Hi[i%d], v)
	}
	for j := range d {
		if !(b.Lo[j] < b.Hi[j]) {
			return nil, fmt.Errorf("sampler: bounds of points whose coordinate %d is always %g: %w", j, b.Lo[j], ErrInvalid)
		}
	}
	return b, nil
}

// expand validates b for dimension d and returns it with Dim values a side.
func (b *Bounds) expand(d int) (*Bounds, error) {
	if b == nil {
		return nil, nil
	}
	side := func(v []float64, name string) ([]float64, error) {
		switch len(v) {
		case d:
			return v, nil
		case 1:
			out := make([]float64, d)
			fill(out, v[0])
			return out, nil
		}
		return nil, fmt.Errorf("sampler: bounds with %d %s values for dimension %d (give %d or 1): %w", len(v), name, d, d, ErrInvalid)
	}
	lo, err := side(b.Lo, "lower")
	if err != nil {
		return nil, err
	}
	hi, err := side(b.Hi, "upper")
	if err != nil {
		return nil, err
	}
	for j := range d {
		if !(lo[j] < hi[j]) || math.IsInf(lo[j], 1) || math.IsInf(hi[j], -1) {
			return nil, fmt.Errorf("sampler: bounds [%g, %g] at coordinate %d: need lo < hi: %w", lo[j], hi[j], j, ErrInvalid)
		}
	}
	if b.Mode != Reflect && b.Mode != Clamp {
		return nil, fmt.Errorf("sampler: bound mode %v: %w", b.Mode, ErrInvalid)
	}
	return &Bounds{Lo: lo, Hi: hi, Mode: b.Mode}, nil
}

// Keep brings the rows of x (Dim values each) that left the box back in,
// by the mode, changing their momenta p (nil: none) as the mode says: the
// Wall of HMC's and NUTS's leapfrog, and what Langevin, MALA's proposal and
// descent apply to each new point. A nil Bounds keeps nothing.
func (b *Bounds) Keep(x, p []float64) {
	switch {
	case b == nil:
	case b.Mode == Clamp:
		integrate.Box{Lo: b.Lo, Hi: b.Hi}.Clamp(x, p)
	default:
		integrate.Box{Lo: b.Lo, Hi: b.Hi}.Reflect(x, p)
	}
}

// wall returns Keep as a leapfrog Wall, or nil when there are no bounds.
func (b *Bounds) wall() integrate.Wall {
	if b == nil {
		return nil
	}
	return b.Keep
}

// contains reports whether the point x is in the box (always, for nil).
func (b *Bounds) contains(x []float64) bool {
	if b == nil {
		return true
	}
	for j, v := range x {
		if v < b.Lo[j] || v > b.Hi[j] {
			return false
		}
	}
	return true
}

// capStep returns h, or less: the largest step at which a move's spread in
// every closed coordinate j stays within 4 box widths w_j, for a chain with
// diagonal inverse metric minv (nil: a dense one, left alone) at
// temperature temp. A Langevin proposal spreads √(2hT·M⁻¹ⱼ), a leapfrog
// step about h·√M⁻¹ⱼ. Past the cap a reflected move is already uniform over
// the box (MALA's folded proposal to within e^(−8π²)), so a larger step
// gains nothing, loses the fold's precision in floating point, and, on a
// target nearly flat in the box, would let step-size adaptation, whose
// acceptance no longer falls, run off to infinity. At the cap the kernel
// is the same exact kernel with a smaller step.
func (b *Bounds) capStep(h float64, minv []float64, temp float64, langevin bool) float64 {
	if b == nil || minv == nil {
		return h
	}
	d := len(b.Lo)
	for j, m := range minv {
		w := b.Hi[j%d] - b.Lo[j%d]
		if math.IsInf(w, 0) {
			continue
		}
		if langevin {
			h = math.Min(h, 8*w*w/(temp*m))
		} else {
			h = math.Min(h, 4*w/math.Sqrt(m))
		}
	}
	return h
}

// reflects reports whether b folds moves back in (exactly, for the
// Metropolis samplers).
func (b *Bounds) reflects() bool { return b != nil && b.Mode == Reflect }

// logFolded returns log f(y), where f is the density at y in [lo, hi] of a
// draw z ~ N(m, s²) folded into [lo, hi]: the sum of the Gaussian's density
// over every z that folds to y. With both faces closed (width w) those are
// y + 2kw and 2lo − y + 2kw for every integer k, two lattices of period 2w;
// when s is small beside w the nearest few carry the sum, and when it is
// large the sum over each lattice is, by Poisson summation,
// (1/2w)·(1 + 2Σₙ exp(−2π²n²s²/(2w)²)·cos(2πn(z₀ − m)/2w)), which
// converges within a few terms. With one face open there are two
// preimages, with none one.
func logFolded(y, m, s, lo, hi float64) float64 {
	const tail = 40 // in units of s: exp(−800) is below any term kept
	logNorm := -math.Log(s * math.Sqrt(2*math.Pi))
	term := func(z float64) float64 { u := (z - m) / s; return -u * u / 2 }
	loOpen, hiOpen := math.IsInf(lo, -1), math.IsInf(hi, 1)
	switch {
	case loOpen && hiOpen:
		return logNorm + term(y)
	case loOpen:
		return logNorm + logAddExp(term(y), term(2*hi-y))
	case hiOpen:
		return logNorm + logAddExp(term(y), term(2*lo-y))
	}
	w := hi - lo
	period := 2 * w
	// Far from both faces, with y not far from m, every other image lies
	// 40s or more from m and adds below e^(−350) of the first: the
	// unfolded density, the common case of a small step.
	if far := 20 * s; math.Min(m, y) >= lo+far && math.Max(m, y) <= hi-far && math.Abs(y-m) <= 1.5*far {
		return logNorm + term(y)
	}
	if s > w {
		sum := 0.0
		for _, z0 := range [2]float64{y, 2*lo - y} {
			sum += 1
			for n := 1.0; ; n++ {
				decay := math.Exp(-2 * math.Pi * math.Pi * n * n * s * s / (period * period))
				if decay < 1e-300 {
					break
				}
				sum += 2 * decay * math.Cos(2*math.Pi*n*(z0-m)/period)
			}
		}
		return math.Log(sum / period)
	}
	// Images within w + tail·s of m: the nearest of each lattice (within w)
	// and every one that is not negligible beside it.
	reach := w + tail*s
	acc := math.Inf(-1)
	for _, z0 := range [2]float64{y, 2*lo - y} {
		for k := math.Ceil((m - reach - z0) / period); z0+k*period <= m+reach; k++ {
			acc = logAddExp(acc, term(z0+k*period))
		}
	}
	return logNorm + acc
}

// reflectedLogRatio returns log q(x|y) − log q(y|x) for MALA's proposal
// folded into the box b: q(y|x) is, per coordinate, N(x − hM⁻¹∇E(x),
// 2hT·M⁻¹) folded into [lo, hi] (logFolded), for the move from x (gradient
// gx) to y (gradient gy).
func reflectedLogRatio(b *Bounds, x, y, gx, gy, minv []float64, h, temp float64) float64 {
	r := 0.0
	d := len(b.Lo)
	for j := range x {
		s := math.Sqrt(2 * h * temp * minv[j])
		lo, hi := b.Lo[j%d], b.Hi[j%d]
		r += logFolded(x[j], y[j]-h*minv[j]*gy[j], s, lo, hi) - logFolded(y[j], x[j]-h*minv[j]*gx[j], s, lo, hi)
	}
	return r
}
