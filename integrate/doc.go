// Package integrate solves ordinary and stochastic differential equations
// over batched states: dx = f(t, x) dt (+ g(t, x) dW), with x holding n
// points of dimension d in one slice. Flow samplers and flow-matching losses
// integrate learned velocity fields with it.
//
// Explicit Runge–Kutta methods are given by their Butcher tableaux and run by
// one engine:
//
//	Euler (order 1), Midpoint (2), Heun (2), RK4 (4), RK38 (4, the 3/8 rule)
//	AdaptiveHeun 2(1), BogackiShampine 3(2), DormandPrince 5(4)   embedded pairs
//
// Fixed-step solving takes a number of steps; the embedded pairs also solve
// adaptively, keeping each step's estimated error below atol + rtol·|x|
// (in the root-mean-square norm over all coordinates; the step is accepted
// when that ratio is at most 1 and the next one scaled by 0.9·ratio^(−1/(q+1)),
// q the lower order, within [0.2, 5]; Hairer, Nørsett and Wanner, Solving
// ODEs I, §II.4). EulerMaruyama steps SDEs with diagonal noise, and
// BackwardEulerMaruyama does so implicitly in the drift (a fixed-point solve
// per step).
//
// For Hamiltonian dynamics, Leapfrog advances a batch of points, each with
// its own step size, by the Störmer–Verlet scheme (HMC and NUTS propose with
// it), and GeneralisedLeapfrog integrates Hamiltonians whose kinetic energy
// depends on the position, H(x, p) = U(x) + K(x, p), with implicit
// half-steps solved by fixed-point iteration (Riemannian HMC). Both are
// symplectic, reversible and of order 2.
package integrate
