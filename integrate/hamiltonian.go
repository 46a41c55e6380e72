package integrate

// Leapfrog advances n points through Hamilton's equations for
// H(x, p) = U(x) + K(p) by steps Störmer–Verlet steps of size h[i] for point i
// (negative: backwards):
//
//	p ← p − (h/2)∇U(x),  x ← x + h∇K(p),  p ← p − (h/2)∇U(x)
//
// which is symplectic, time-reversible (steps of −h undo steps of h) and of
// order 2: what HMC and NUTS build their proposals from. x, p and g hold n
// rows of d values (n = len(h)); g holds ∇U(x) on entry and on return.
// drift moves every x by h∇K(p) (hM⁻¹p for K = ½pᵀM⁻¹p), grad writes ∇U at
// x into g; one gradient per point per step. A wall (nil: none) is called
// after every drift to bring points that left the domain back inside, such
// as Box.Reflect, which keeps the map symplectic and reversible.
//
// The two half kicks between drifts are fused into one whole kick,
// p ← p − h∇U(x), which saves a sweep and rounds differently from two halves:
// a trajectory of L steps is one call with steps = L, not L calls.
func Leapfrog(x, p, g, h []float64, steps int, drift func(x, p, h []float64), wall Wall, grad func(g, x []float64)) {
	n := len(h)
	if n == 0 {
		return
	}
	d := len(p) / n
	kick := func(scale float64) {
		for i, hi := range h {
			k := hi * scale
			pi, gi := p[i*d:(i+1)*d], g[i*d:(i+1)*d]
			for j := range pi {
				pi[j] -= k * gi[j]
			}
		}
	}
	kick(0.5)
	for l := range steps {
		drift(x, p, h)
		if wall != nil {
			wall(x, p)
		}
		grad(g, x)
		if l == steps-1 {
			kick(0.5)
		} else {
			kick(1)
		}
	}
}

// Hamiltonian is a Hamiltonian H(x, p) whose kinetic part may depend on the
// position, such as Riemannian HMC's E(x) + ½log|G(x)| + ½pᵀG(x)⁻¹p, as
// GeneralisedLeapfrog needs it. It is evaluated at a current position, set
// by MoveTo.
type Hamiltonian interface {
	// MoveTo makes x the current position and evaluates there what GradP
	// needs or, when full, what GradX needs too (the potential's gradient,
	// the expensive part). It reports false where H is not defined.
	MoveTo(x []float64, full bool) bool
	// GradX writes ∂H/∂x at the current position and momentum p into dst.
	GradX(dst, p []float64)
	// GradP writes ∂H/∂p at the current position and momentum p into dst.
	GradP(dst, p []float64)
}

// GeneralisedLeapfrog integrates a non-separable Hamiltonian by the
// generalised leapfrog (Leimkuhler and Reich 2004; Girolami and Calderhead
// 2011), whose two implicit half-steps are solved by fixed-point iteration:
//
//	p½ = p − (h/2)·∂ₓH(x, p½)
//	x′ = x + (h/2)·(∂ₚH(x, p½) + ∂ₚH(x′, p½))
//	p′ = p½ − (h/2)·∂ₓH(x′, p½)
//
// It is symplectic, reversible and of order 2 once the iterations have
// converged; for separable H it is the leapfrog. The zero value iterates 6
// times; its scratch is made on first use and reused.
type GeneralisedLeapfrog struct {
	// FixedPoint is the number of iterations per implicit step; 0 means 6.
	FixedPoint int

	p0, ph, dh, x0, w, v []float64
}

// Integrate takes steps steps of size h from (x, p), updated in place. H must
// be at x (MoveTo(x, true)) on entry, and is at the new x on return. It
// reports false, stopping early, when H is undefined at a point reached.
func (gl *GeneralisedLeapfrog) Integrate(x, p []float64, h float64, steps int, H Hamiltonian) bool {
	d := len(x)
	if len(gl.p0) != d {
		gl.p0, gl.ph, gl.dh = make([]float64, d), make([]float64, d), make([]float64, d)
		gl.x0, gl.w, gl.v = make([]float64, d), make([]float64, d), make([]float64, d)
	}
	fixed := gl.FixedPoint
	if fixed == 0 {
		fixed = 6
	}
	for range steps {
		// Implicit momentum half-step.
		copy(gl.p0, p)
		copy(gl.ph, p)
		for range fixed {
			H.GradX(gl.dh, gl.ph)
			for j := range gl.ph {
				gl.ph[j] = gl.p0[j] - h/2*gl.dh[j]
			}
		}
		// Implicit position step; ∂ₚH(x, p½) stays fixed during it.
		copy(gl.x0, x)
		H.GradP(gl.w, gl.ph)
		for range fixed {
			H.GradP(gl.v, gl.ph) // at x′ (x on the first pass)
			for j := range x {
				x[j] = gl.x0[j] + h/2*(gl.w[j]+gl.v[j])
			}
			if !H.MoveTo(x, false) {
				break
			}
		}
		if !H.MoveTo(x, true) {
			return false
		}
		// Explicit momentum half-step.
		H.GradX(gl.dh, gl.ph)
		for j := range p {
			p[j] = gl.ph[j] - h/2*gl.dh[j]
		}
	}
	return true
}
