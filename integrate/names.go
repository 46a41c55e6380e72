package integrate

import "github.com/goebm/goebm/internal/lookup"

var methods = []lookup.Entry[Tableau]{
	{Name: "euler", Doc: "Euler, order 1, fixed step", Value: Euler},
	{Name: "midpoint", Doc: "explicit midpoint, order 2, fixed step", Value: Midpoint},
	{Name: "heun", Doc: "Heun's method, order 2, fixed step", Value: Heun},
	{Name: "rk4", Doc: "classical Runge–Kutta, order 4, fixed step", Value: RK4},
	{Name: "rk38", Doc: "Runge–Kutta 3/8 rule, order 4, fixed step", Value: RK38},
	{Name: "adaptive_heun", Doc: "Heun–Euler 2(1) embedded pair, fixed or adaptive step", Value: AdaptiveHeun},
	{Name: "bosh3", Aliases: []string{"BogackiShampine"}, Doc: "Bogacki–Shampine 3(2) embedded pair, fixed or adaptive step", Value: BogackiShampine},
	{Name: "dopri5", Aliases: []string{"DormandPrince"}, Doc: "Dormand–Prince 5(4) embedded pair, fixed or adaptive step", Value: DormandPrince},
	{Name: "dop853", Aliases: []string{"DormandPrince853"}, Doc: "Dormand–Prince 8 with Hairer's 5th- and 3rd-order error estimates, fixed or adaptive step", Value: DormandPrince853},
}

// ByName returns the Runge–Kutta method for a name: a tableau's Name or
// its Go name ("dopri5", "DormandPrince", "dormand-prince" alike; see
// Names), or an error listing the valid names. Only the embedded pairs
// (LowerOrder > 0) also solve adaptively.
func ByName(name string) (Tableau, error) {
	return lookup.Find(methods, name, "integrate: unknown method", ErrInvalid)
}

// Names returns the methods' names, each with a one-line description.
func Names() [][2]string { return lookup.Names(methods) }
