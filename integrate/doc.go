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
//	DormandPrince853 8(5,3)   order 8 with two embedded estimates (DOP853)
//
// Fixed-step solving takes a number of steps; the embedded pairs also solve
// adaptively, keeping each step's estimated error below atol + rtol·|x|
// (in the root-mean-square norm over all coordinates; the step is accepted
// when that ratio is at most 1 and the next one scaled by 0.9·ratio^(−1/(q+1)),
// q the lower order, within [0.2, 5]; Hairer, Nørsett and Wanner, Solving
// ODEs I, §II.4). DOP853 combines its 5th- and 3rd-order estimates e₅, e₃
// into ‖e₅‖²/√(‖e₅‖² + 0.01‖e₃‖²), of order 8, and scales by ratio^(−1/8),
// as Hairer's code does. EulerMaruyama steps SDEs with diagonal noise,
// BackwardEulerMaruyama does so implicitly in the drift (a fixed-point solve
// per step), and StochasticHeun by a predictor–corrector pair sharing each
// step's Wiener increment (for additive noise strong order 1 and weak
// order 2, Euler–Maruyama's weak order being 1).
//
// For Hamiltonian dynamics, Leapfrog advances a batch of points, each with
// its own step size, by the Störmer–Verlet scheme (HMC and NUTS propose with
// it), and GeneralisedLeapfrog integrates Hamiltonians whose kinetic energy
// depends on the position, H(x, p) = U(x) + K(x, p), with implicit
// half-steps solved by fixed-point iteration (Riemannian HMC). Both are
// symplectic, reversible and of order 2. GeneralisedLeapfrog also runs on
// its own: Solve takes H by its partial derivatives ∂ₓH, ∂ₚH as functions
// of (x, p) (Partials), and with Tol set iterates each implicit step to
// convergence, which exact reversibility needs (six iterations leave
// about 1e-10 after 40 steps on a position-dependent metric).
//
// Leapfrog takes a Wall, called after every drift, for trajectories confined
// to a domain. Box.Reflect folds each coordinate back into a box lo ≤ x ≤ hi
// as a ray between mirrors (past hi by δ → hi − δ, repeatedly) and negates
// the momentum of each coordinate folded an odd number of times: per
// coordinate an isometry on each piece, so the step keeps its unit Jacobian,
// and running it with −h (or −p) retraces the path, so it stays reversible;
// HMC with it samples the density restricted to the box exactly (Neal 2011,
// §5.1). Its energy error is of order h per wall hit rather than h².
// Box.Clamp projects onto the faces instead and stops the momentum there,
// which is neither.
//
// Every integrator has a name: ByName finds the Runge–Kutta methods (what
// flow generation takes), Lookup any integrator, as an Integrator whose
// Kind says how it runs (a Tableau, an SDESolver or a SymplecticSolver),
// and Names lists them all, which ebm list prints.
package integrate
