package integrate

import (
	"fmt"
	"math"
)

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
// times, as RMHMC does; set Tol to iterate to convergence instead, which
// exact reversibility needs. Its scratch is made on first use and reused.
//
// Integrate runs it on a Hamiltonian evaluated position by position
// (RMHMC's form); Solve runs it on H given by its two partial derivatives
// as functions of (x, p), TorchEBM's form.
type GeneralisedLeapfrog struct {
	// FixedPoint is the number of iterations per implicit step; 0 means 6,
	// or with Tol set, the most iterations, 0 meaning 100.
	FixedPoint int
	// Tol, when positive, ends each implicit solve once no coordinate
	// changes by more than Tol in an iteration.
	Tol float64

	p0, ph, dh, x0, w, v []float64
	unconverged          bool
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
		if gl.Tol > 0 {
			fixed = 100
		}
	}
	// settled reports whether an iteration that changed a coordinate by at
	// most change ends the solve, and notes a solve that ran out.
	settled := func(change float64, last bool) bool {
		if gl.Tol <= 0 {
			return false
		}
		if change <= gl.Tol {
			return true
		}
		if last {
			gl.unconverged = true
		}
		return false
	}
	for range steps {
		// Implicit momentum half-step.
		copy(gl.p0, p)
		copy(gl.ph, p)
		for it := range fixed {
			H.GradX(gl.dh, gl.ph)
			change := 0.0
			for j := range gl.ph {
				v := gl.p0[j] - h/2*gl.dh[j]
				change = math.Max(change, math.Abs(v-gl.ph[j]))
				gl.ph[j] = v
			}
			if settled(change, it == fixed-1) {
				break
			}
		}
		// Implicit position step; ∂ₚH(x, p½) stays fixed during it.
		copy(gl.x0, x)
		H.GradP(gl.w, gl.ph)
		for it := range fixed {
			H.GradP(gl.v, gl.ph) // at x′ (x on the first pass)
			change := 0.0
			for j := range x {
				v := gl.x0[j] + h/2*(gl.w[j]+gl.v[j])
				change = math.Max(change, math.Abs(v-x[j]))
				x[j] = v
			}
			if !H.MoveTo(x, false) || settled(change, it == fixed-1) {
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

// Partials gives a Hamiltonian H(x, p) by its partial derivatives, each
// written into dst at (x, p): the form in which GeneralisedLeapfrog.Solve
// takes it. For Riemannian HMC's H = U(x) + ½log|G(x)| + ½pᵀG(x)⁻¹p,
// GradP is G(x)⁻¹p and GradX is ∇U + ½tr(G⁻¹∂G) − ½pᵀG⁻¹(∂G)G⁻¹p. A batch
// of independent points is one state of all their coordinates.
type Partials struct {
	// GradX writes ∂H/∂x (minus the force).
	GradX func(dst, x, p []float64)
	// GradP writes ∂H/∂p (the velocity dx/dt).
	GradP func(dst, x, p []float64)
}

// partialsAt adapts Partials to Hamiltonian: the current position is the
// slice last moved to.
type partialsAt struct {
	Partials
	x []float64
}

func (h *partialsAt) MoveTo(x []float64, _ bool) bool { h.x = x; return true }
func (h *partialsAt) GradX(dst, p []float64)          { h.Partials.GradX(dst, h.x, p) }
func (h *partialsAt) GradP(dst, p []float64)          { h.Partials.GradP(dst, h.x, p) }

// Solve takes steps steps of size h (negative: backwards) from (x, p),
// updated in place, for the Hamiltonian given by H's partial derivatives.
// It fails, wrapping ErrInvalid, on bad arguments, when the state stops
// being finite, or when with Tol set an implicit solve did not converge
// (h too large for H's curvature, or Tol below what rounding allows).
func (gl *GeneralisedLeapfrog) Solve(H Partials, x, p []float64, h float64, steps int) error {
	if H.GradX == nil || H.GradP == nil || len(x) != len(p) || len(x) == 0 || steps < 0 || math.IsNaN(h) || gl.FixedPoint < 0 || math.IsNaN(gl.Tol) {
		return fmt.Errorf("integrate: generalised leapfrog of %d steps of %g from %d positions and %d momenta (both partials needed, %d fixed-point iterations, tolerance %g): %w",
			steps, h, len(x), len(p), gl.FixedPoint, gl.Tol, ErrInvalid)
	}
	gl.unconverged = false
	at := &partialsAt{Partials: H}
	at.MoveTo(x, true)
	gl.Integrate(x, p, h, steps, at)
	for j := range x {
		if math.IsNaN(x[j]+p[j]) || math.IsInf(x[j]+p[j], 0) {
			return fmt.Errorf("integrate: generalised leapfrog reached a non-finite state (step %g): %w", h, ErrInvalid)
		}
	}
	if gl.unconverged {
		return fmt.Errorf("integrate: generalised leapfrog's implicit steps did not converge to %g (step %g too large?): %w", gl.Tol, h, ErrInvalid)
	}
	return nil
}
