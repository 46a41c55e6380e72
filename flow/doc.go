// Package flow generates data by integrating a learned field from noise and
// scores points by the density the flow carries.
//
//	Generator    x(0) ~ N(0, I), dx/dt = v(x, t) to t = 1, with any fixed-step or
//	             adaptive integrator; or the SDE dx = [v + ½g²s]dt + g dW with the
//	             score s = (t·v − x)/(1 − t) of the straight path, which has the
//	             same marginals
//	Guided       classifier-free guidance v(·|∅) + w·(v(·|y) − v(·|∅)): w = 0
//	             unconditional, 1 conditional, above 1 stronger
//	LogDensity   log p(x) by the instantaneous change of variables,
//	             d log p/dt = −∇·v, integrated backwards with exact divergences
//
// These are the generators of flow matching and equilibrium matching
// (package loss). They are not Markov chains: package sampler holds those.
//
// # Errors
//
// Invalid settings or inputs return errors wrapping ErrInvalid; sizes are
// bounded by package limit before anything is allocated. Generate and
// LogDensity take a context and stop, returning its error, at the next
// evaluation of the field once it is done. A panic in the field on one of
// LogDensity's goroutines is raised again on the caller's.
package flow

import "errors"

// ErrInvalid is wrapped by errors about invalid settings or inputs.
var ErrInvalid = errors.New("invalid flow input")
