package coupling

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/goebm/goebm/integrate"
)

// ErrInvalid is wrapped by errors about invalid inputs.
var ErrInvalid = errors.New("invalid coupling input")

// Coupling pairs noise with data.
type Coupling interface {
	// Pair returns idx: noise row i is paired with data row idx[i]. x0 and
	// x1 hold the same number of rows of dimension d.
	Pair(x0, x1 []float64, d int, rng *rand.Rand) ([]int, error)
}

// Weighted is a Coupling whose pairs carry importance weights: an
// unbalanced plan leaves costly rows (outliers, unmatched mass) with little
// mass, and the losses that read the weights down-weight those pairs
// (TorchEBM's CouplingResult.weights).
type Weighted interface {
	Coupling
	// PairWeighted is Pair with each pair's weight, normalised to mean 1;
	// nil weights mean all ones. It draws from rng what Pair draws.
	PairWeighted(x0, x1 []float64, d int, rng *rand.Rand) (idx []int, w []float64, err error)
}

// Transport is a coupling that makes the data side itself: each noise row's
// partner is a point it computes (where a trained flow takes the row, for
// reflow), not a row of the data.
type Transport interface {
	Coupling
	// Transport returns the partner of each row of x0 ([n, d] row-major).
	Transport(x0 []float64, d int) ([]float64, error)
}

func rowsOf(x0, x1 []float64, d int) (int, error) {
	if d <= 0 || len(x0) == 0 || len(x0) != len(x1) || len(x0)%d != 0 {
		return 0, fmt.Errorf("coupling: %d noise and %d data values for dimension %d: %w", len(x0), len(x1), d, ErrInvalid)
	}
	return len(x0) / d, nil
}

// costs returns the n×n matrix of squared distances.
func costs(x0, x1 []float64, d, n int) []float64 {
	c := make([]float64, n*n)
	for i := range n {
		for j := range n {
			s := 0.0
			for k := range d {
				u := x0[i*d+k] - x1[j*d+k]
				s += u * u
			}
			c[i*n+j] = s
		}
	}
	return c
}

// Cost returns the mean squared distance of the pairs (x0ᵢ, x1_idx[i]).
func Cost(x0, x1 []float64, d int, idx []int) float64 {
	s := 0.0
	for i, j := range idx {
		for k := range d {
			u := x0[i*d+k] - x1[j*d+k]
			s += u * u
		}
	}
	return s / float64(len(idx))
}

// Independent pairs the rows as they are: both batches are independent draws.
type Independent struct{}

// Pair returns the identity.
func (Independent) Pair(x0, x1 []float64, d int, _ *rand.Rand) ([]int, error) {
	n, err := rowsOf(x0, x1, d)
	if err != nil {
		return nil, err
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx, nil
}

// ExactOT pairs by the assignment of least total cost (the discrete optimal
// transport plan between the two empirical measures), found by the Hungarian
// method with potentials in O(n³).
type ExactOT struct{}

// Pair returns the optimal assignment.
func (ExactOT) Pair(x0, x1 []float64, d int, _ *rand.Rand) ([]int, error) {
	n, err := rowsOf(x0, x1, d)
	if err != nil {
		return nil, err
	}
	return assign(costs(x0, x1, d, n), n), nil
}

// assign solves the n×n assignment problem for cost c (row-major): the
// shortest-augmenting-path Hungarian method with row and column potentials
// u, v kept so that c[i][j] − u[i] − v[j] ≥ 0, tight on the matching.
func assign(c []float64, n int) []int {
	u, v := make([]float64, n+1), make([]float64, n+1)
	match := make([]int, n+1) // match[j]: the row (1-based) assigned to column j; 0 = free
	way := make([]int, n+1)
	minv := make([]float64, n+1)
	used := make([]bool, n+1)
	for i := 1; i <= n; i++ {
		match[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0, delta, j1 := match[j0], math.Inf(1), 0
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				cur := c[(i0-1)*n+j-1] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[match[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if match[j0] == 0 {
				break
			}
		}
		for j0 != 0 { // flip the augmenting path
			j1 := way[j0]
			match[j0] = match[j1]
			j0 = j1
		}
	}
	idx := make([]int, n)
	for j := 1; j <= n; j++ {
		idx[match[j]-1] = j - 1
	}
	return idx
}

// Greedy pairs the closest unpaired noise and data rows first: cheaper than
// ExactOT (O(n² log n)) and never better than it.
type Greedy struct{}

// Pair returns the greedy assignment.
func (Greedy) Pair(x0, x1 []float64, d int, _ *rand.Rand) ([]int, error) {
	n, err := rowsOf(x0, x1, d)
	if err != nil {
		return nil, err
	}
	c := costs(x0, x1, d, n)
	order := make([]int, n*n)
	for i := range order {
		order[i] = i
	}
	sortByCost(order, c)
	idx := make([]int, n)
	rowDone, colDone := make([]bool, n), make([]bool, n)
	left := n
	for _, k := range order {
		i, j := k/n, k%n
		if rowDone[i] || colDone[j] {
			continue
		}
		idx[i] = j
		rowDone[i], colDone[j] = true, true
		if left--; left == 0 {
			break
		}
	}
	return idx, nil
}

// Sinkhorn pairs by entropic optimal transport: the plan P minimising
// ⟨P, C⟩ − Reg·H(P) between uniform marginals, computed in the log domain
// (stable for small Reg), with C divided by its largest entry so that Reg is
// relative (unless Absolute). Each noise row then draws its partner from its row of P. With
// Unbalanced τ > 0 the marginals are only penalised, by τ·KL (Chizat et al.
// 2018), which lets outliers go unmatched. As Reg → 0 the plan tends to the
// exact OT plan.
type Sinkhorn struct {
	// Reg is the entropic regularisation; 0 means 0.05 (TorchEBM's).
	Reg float64
	// Iters is the number of Sinkhorn iterations; 0 means 100.
	Iters int
	// Unbalanced τ > 0 relaxes the marginals.
	Unbalanced float64
	// Absolute, if set, leaves the costs as they are, so that Reg is the ε
	// of ⟨P, C⟩ − ε·H(P) on the squared distances themselves: the static
	// Schrödinger bridge of a Wiener process of variance σ² is this plan
	// with ε = 2σ² ([SF]²M; loss.SF2M).
	Absolute bool
	// Tol, when positive, stops the iterations early once no potential
	// moves by more than Tol·Reg in an iteration (the plan's entries then
	// change by a factor within e^{±2Tol}); 0 runs all Iters.
	Tol float64
}

// Plan returns the n×n transport plan (row-major, total mass about 1).
func (s Sinkhorn) Plan(x0, x1 []float64, d int) ([]float64, error) {
	n, err := rowsOf(x0, x1, d)
	if err != nil {
		return nil, err
	}
	reg, iters := cmp.Or(s.Reg, 0.05), cmp.Or(s.Iters, 100)
	if !(reg > 0) || iters < 0 || s.Unbalanced < 0 || !(s.Tol >= 0) {
		return nil, fmt.Errorf("coupling: Sinkhorn reg %g, %d iterations, τ %g: %w", reg, iters, s.Unbalanced, ErrInvalid)
	}
	c := costs(x0, x1, d, n)
	top := 0.0
	for _, v := range c {
		top = math.Max(top, v)
	}
	if top > 0 && !s.Absolute {
		for i := range c {
			c[i] /= top
		}
	}
	lam := 1.0
	if s.Unbalanced > 0 {
		lam = s.Unbalanced / (s.Unbalanced + reg)
	}
	logMarg := -math.Log(float64(n))
	f, g := make([]float64, n), make([]float64, n)
	tmp := make([]float64, n)
	lse := func(vals []float64) float64 {
		m := math.Inf(-1)
		for _, v := range vals {
			m = math.Max(m, v)
		}
		s := 0.0
		for _, v := range vals {
			s += math.Exp(v - m)
		}
		return m + math.Log(s)
	}
	for range iters {
		moved := 0.0
		for i := range n {
			for j := range n {
				tmp[j] = (g[j] - c[i*n+j]) / reg
			}
			v := lam * reg * (logMarg - lse(tmp))
			moved = math.Max(moved, math.Abs(v-f[i]))
			f[i] = v
		}
		for j := range n {
			for i := range n {
				tmp[i] = (f[i] - c[i*n+j]) / reg
			}
			v := lam * reg * (logMarg - lse(tmp))
			moved = math.Max(moved, math.Abs(v-g[j]))
			g[j] = v
		}
		if s.Tol > 0 && moved <= s.Tol*reg {
			break
		}
	}
	p := make([]float64, n*n)
	for i := range n {
		for j := range n {
			p[i*n+j] = math.Exp((f[i] + g[j] - c[i*n+j]) / reg)
		}
	}
	return p, nil
}

// Pair draws each noise row's partner from its row of the plan.
func (s Sinkhorn) Pair(x0, x1 []float64, d int, rng *rand.Rand) ([]int, error) {
	idx, _, err := s.PairWeighted(x0, x1, d, rng)
	return idx, err
}

// PairWeighted is Pair with, for an unbalanced plan, each pair's weight:
// its noise row's mass in the plan over the mean row mass. A balanced plan's
// rows all hold 1/n, so its weights are nil.
func (s Sinkhorn) PairWeighted(x0, x1 []float64, d int, rng *rand.Rand) ([]int, []float64, error) {
	p, err := s.Plan(x0, x1, d)
	if err != nil {
		return nil, nil, err
	}
	n := len(x0) / d
	idx := make([]int, n)
	mass := make([]float64, n)
	for i := range n {
		row := p[i*n : (i+1)*n]
		total := 0.0
		for _, v := range row {
			total += v
		}
		mass[i] = total
		u := rng.Float64() * total
		j := 0
		for acc := row[0]; acc < u && j < n-1; acc += row[j] {
			j++
		}
		idx[i] = j
	}
	if s.Unbalanced == 0 {
		return idx, nil, nil
	}
	mean := 0.0
	for _, m := range mass {
		mean += m / float64(n)
	}
	if !(mean > 0) {
		return nil, nil, fmt.Errorf("coupling: an unbalanced plan without mass (τ %g): %w", s.Unbalanced, ErrInvalid)
	}
	for i := range mass {
		mass[i] /= mean
	}
	return idx, mass, nil
}

// ReflowCoupling pairs each noise row with where a trained flow takes it
// (Liu et al. 2022; TorchEBM's ReflowCoupling): the data batch only sets
// the number of pairs. Its Pair is the identity, for a caller that asks;
// the losses call Transport.
type ReflowCoupling struct {
	// Velocity is the trained flow's field.
	Velocity integrate.Drift
	// Method integrates it; the zero Tableau means Euler.
	Method integrate.Tableau
	// Steps are the integration steps from t = 0 to 1; 0 means 50
	// (TorchEBM's n_steps).
	Steps int
}

// Pair pairs row i with row i, as Independent does.
func (r ReflowCoupling) Pair(x0, x1 []float64, d int, rng *rand.Rand) ([]int, error) {
	return Independent{}.Pair(x0, x1, d, rng)
}

// Transport returns where the flow takes each row of x0.
func (r ReflowCoupling) Transport(x0 []float64, d int) ([]float64, error) {
	if r.Velocity == nil || d <= 0 || len(x0)%d != 0 || r.Steps < 0 {
		return nil, fmt.Errorf("coupling: reflow of %d values in dimension %d, %d steps, field set %v: %w", len(x0), d, r.Steps, r.Velocity != nil, ErrInvalid)
	}
	m := r.Method
	if len(m.B) == 0 {
		m = integrate.Euler
	}
	return Reflow(r.Velocity, m, x0, cmp.Or(r.Steps, 50))
}

// Reflow returns the points a flow takes the noise x0 to: it integrates the
// velocity field from t = 0 to 1 in steps steps of the given method. Pairs
// (x0, Reflow(x0)) train a straighter flow (Liu et al. 2022).
func Reflow(velocity integrate.Drift, method integrate.Tableau, x0 []float64, steps int) ([]float64, error) {
	x := append([]float64(nil), x0...)
	if _, err := integrate.Solve(method, velocity, x, 0, 1, steps); err != nil {
		return nil, err
	}
	return x, nil
}

// sortByCost orders the cell indices by their cost, ties by index.
func sortByCost(order []int, c []float64) {
	slices.SortFunc(order, func(a, b int) int {
		if r := cmp.Compare(c[a], c[b]); r != 0 {
			return r
		}
		return cmp.Compare(a, b)
	})
}

var (
	_ Coupling = Independent{}
	_ Coupling = ExactOT{}
	_ Coupling = Greedy{}
	_ Coupling = Sinkhorn{}
)
