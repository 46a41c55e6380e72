package integrate

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/goebm/goebm/internal/lookup"
)

var methods = []lookup.Entry[Tableau]{
	{Name: "euler", Doc: "ODE: Euler, order 1, fixed step", Value: Euler},
	{Name: "midpoint", Doc: "ODE: explicit midpoint, order 2, fixed step", Value: Midpoint},
	{Name: "heun", Doc: "ODE: Heun's method, order 2, fixed step", Value: Heun},
	{Name: "rk4", Doc: "ODE: classical Runge–Kutta, order 4, fixed step", Value: RK4},
	{Name: "rk38", Doc: "ODE: Runge–Kutta 3/8 rule, order 4, fixed step", Value: RK38},
	{Name: "adaptive_heun", Doc: "ODE: Heun–Euler 2(1) embedded pair, fixed or adaptive step", Value: AdaptiveHeun},
	{Name: "bosh3", Aliases: []string{"BogackiShampine"}, Doc: "ODE: Bogacki–Shampine 3(2) embedded pair, fixed or adaptive step", Value: BogackiShampine},
	{Name: "dopri5", Aliases: []string{"DormandPrince"}, Doc: "ODE: Dormand–Prince 5(4) embedded pair, fixed or adaptive step", Value: DormandPrince},
	{Name: "dop853", Aliases: []string{"DormandPrince853"}, Doc: "ODE: Dormand–Prince 8 with Hairer's 5th- and 3rd-order error estimates, fixed or adaptive step", Value: DormandPrince853},
}

// Kind is the kind of equation an integrator solves, which says how it
// runs.
type Kind int

const (
	// ODE integrators are Runge–Kutta tableaux, run by Solve (and the
	// embedded pairs by SolveAdaptive).
	ODE Kind = iota
	// SDE integrators step dx = f dt + g⊙dW (an SDESolver).
	SDE
	// Symplectic integrators step Hamilton's equations (a
	// SymplecticSolver).
	Symplectic
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case ODE:
		return "ODE"
	case SDE:
		return "SDE"
	case Symplectic:
		return "symplectic"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// SDESolver integrates dx = f(t, x)dt + g(t, x)⊙dW from x (in place) at t0
// to t1 in n steps, the Wiener increments drawn from rng: the form of
// EulerMaruyama and StochasticHeun.
type SDESolver func(f, g Drift, x []float64, t0, t1 float64, n int, rng *rand.Rand) (Stats, error)

// SymplecticSolver takes steps steps of size h from (x, p), in place,
// through Hamilton's equations for H given by its partial derivatives.
type SymplecticSolver func(H Partials, x, p []float64, h float64, steps int) error

// Integrator is an integrator of any kind, as Lookup finds it by name; the
// field its Kind names is set.
type Integrator struct {
	Name string
	Kind Kind
	// Tableau is an ODE integrator's method.
	Tableau Tableau
	// SDE runs an SDE integrator.
	SDE SDESolver
	// Symplectic runs a symplectic integrator.
	Symplectic SymplecticSolver
}

// SeparableLeapfrog is Leapfrog for one state and a separable H (∂ₓH
// depending on x alone, ∂ₚH on p alone), in the form SymplecticSolver
// takes: steps Störmer–Verlet steps of size h from (x, p), in place.
func SeparableLeapfrog(H Partials, x, p []float64, h float64, steps int) error {
	if H.GradX == nil || H.GradP == nil || len(x) != len(p) || len(x) == 0 || steps < 0 {
		return fmt.Errorf("integrate: leapfrog of %d steps from %d positions and %d momenta (both partials needed): %w", steps, len(x), len(p), ErrInvalid)
	}
	if steps == 0 {
		return nil
	}
	g, v := make([]float64, len(x)), make([]float64, len(x))
	H.GradX(g, x, p)
	Leapfrog(x, p, g, []float64{h}, steps, func(x, p, h []float64) {
		H.GradP(v, x, p)
		for j := range x {
			x[j] += h[0] * v[j]
		}
	}, nil, func(g, x []float64) { H.GradX(g, x, p) })
	return nil
}

func backwardEulerMaruyama(f, g Drift, x []float64, t0, t1 float64, n int, rng *rand.Rand) (Stats, error) {
	return BackwardEulerMaruyama(f, g, x, t0, t1, n, rng, Implicit{})
}

func generalisedLeapfrog(H Partials, x, p []float64, h float64, steps int) error {
	return (&GeneralisedLeapfrog{}).Solve(H, x, p, h, steps)
}

// integrators lists every integrator: the Runge–Kutta methods, then the
// SDE and the symplectic ones.
var integrators = func() []lookup.Entry[Integrator] {
	var out []lookup.Entry[Integrator]
	for _, m := range methods {
		out = append(out, lookup.Entry[Integrator]{Name: m.Name, Aliases: m.Aliases, Doc: m.Doc, Value: Integrator{Name: m.Name, Kind: ODE, Tableau: m.Value}})
	}
	sde := func(name, doc string, s SDESolver, aliases ...string) lookup.Entry[Integrator] {
		return lookup.Entry[Integrator]{Name: name, Aliases: aliases, Doc: doc, Value: Integrator{Name: name, Kind: SDE, SDE: s}}
	}
	sym := func(name, doc string, s SymplecticSolver, aliases ...string) lookup.Entry[Integrator] {
		return lookup.Entry[Integrator]{Name: name, Aliases: aliases, Doc: doc, Value: Integrator{Name: name, Kind: Symplectic, Symplectic: s}}
	}
	return append(out,
		sde("euler_maruyama", "SDE: Euler–Maruyama, strong order ½ (1 for additive noise), weak order 1", EulerMaruyama),
		sde("backward_euler_maruyama", "SDE: Euler–Maruyama implicit in the drift, for stiff contracting drifts", backwardEulerMaruyama),
		sde("stochastic_heun", "SDE: stochastic Heun, strong order 1 and weak order 2 for additive noise", StochasticHeun),
		sym("leapfrog", "Hamiltonian: Störmer–Verlet for separable H = U(x) + K(p), order 2", SeparableLeapfrog),
		sym("generalised_leapfrog", "Hamiltonian: implicit leapfrog for non-separable H(x, p) (Riemannian HMC), order 2", generalisedLeapfrog, "generalized_leapfrog"),
	)
}()

// ByName returns the Runge–Kutta method for a name: a tableau's Name or
// its Go name ("dopri5", "DormandPrince", "dormand-prince" alike), or an
// error listing the valid names (one that names an SDE or symplectic
// integrator says so: find those with Lookup). Only the embedded pairs
// (LowerOrder > 0) also solve adaptively.
func ByName(name string) (Tableau, error) {
	tb, err := lookup.Find(methods, name, "integrate: unknown method", ErrInvalid)
	if err != nil {
		if in, e := Lookup(name); e == nil {
			var valid []string
			for _, m := range methods {
				valid = append(valid, m.Name)
			}
			what := "an SDE"
			if in.Kind == Symplectic {
				what = "a symplectic"
			}
			return Tableau{}, fmt.Errorf("integrate: %s is %s integrator, not a Runge–Kutta method (valid: %s): %w", in.Name, what, strings.Join(valid, ", "), ErrInvalid)
		}
	}
	return tb, err
}

// Lookup returns any of the package's integrators by name: the
// Runge–Kutta methods as ByName finds them, the SDE integrators
// (euler_maruyama, backward_euler_maruyama with default iterations,
// stochastic_heun) and the symplectic ones (leapfrog, generalised_leapfrog
// with six fixed-point iterations), or an error listing the valid names.
func Lookup(name string) (Integrator, error) {
	return lookup.Find(integrators, name, "integrate: unknown integrator", ErrInvalid)
}

// Names returns every integrator's name, each with a one-line description
// (the ODE methods first, then the SDE and the symplectic ones).
func Names() [][2]string { return lookup.Names(integrators) }
