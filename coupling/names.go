package coupling

import "github.com/goebm/goebm/internal/lookup"

var couplings = []lookup.Entry[Coupling]{
	{Name: "independent", Doc: "pairs as drawn", Value: Independent{}},
	{Name: "exact-ot", Doc: "optimal assignment (Hungarian), O(batch³)", Value: ExactOT{}},
	{Name: "greedy", Doc: "closest pairs first, O(batch² log batch)", Value: Greedy{}},
	{Name: "sinkhorn", Doc: "entropic OT, reg 0.05, 100 iterations", Value: Sinkhorn{}},
	{Name: "sinkhorn-unbalanced", Doc: "entropic OT with the marginals relaxed by KL (τ = 1); pairs weighted by their mass", Value: Sinkhorn{Unbalanced: 1}},
}

// ByName returns the coupling with its default settings for a name
// ("exact-ot", "exact_ot" and "ExactOT" alike; see Names), or an error
// listing the valid names.
func ByName(name string) (Coupling, error) {
	return lookup.Find(couplings, name, "coupling: unknown coupling", ErrInvalid)
}

// Names returns the couplings' names, each with a one-line description.
func Names() [][2]string { return lookup.Names(couplings) }
