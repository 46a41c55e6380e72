// Package flow generates data by integrating a learned field from noise and
// scores points by the density the flow carries.
//
//	Generator    x(0) ~ N(0, I), dx/dt = v(x, t) to t = 1, with any fixed-step or
//	             adaptive integrator, v converted from a network that predicts the
//	             velocity, the score or the noise on any interpolant; or the SDE
//	             dx = [v + w·s]dt + √(2w)dW with a diffusion form w (interpolant's),
//	             which keeps the path's marginals, ended by a LastStep (mean, euler,
//	             tweedie or none), the score converted from the network or, as
//	             [SF]²M learns it, from a head of its own (SDE.Score); Encode runs the ODE backwards, data to noise,
//	             and Decode forwards from given noise
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
