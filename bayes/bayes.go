package bayes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/goebm/goebm/bijector"
	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/safefile"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/scalar"
	"github.com/goebm/goebm/stancsv"
)

// ErrInvalid is wrapped by errors about invalid models and draws.
var ErrInvalid = errors.New("invalid model")

// Param declares one parameter of a Model.
type Param struct {
	// Name is how draws, summaries and CSV columns call it.
	Name string
	// Size is 0 for a scalar, n for a vector of n values, K for a simplex
	// of K values or for a K×K Cholesky factor of a correlation matrix.
	Size int
	// Constraint is the parameter's support; the zero value is unconstrained.
	Constraint bijector.Constraint
}

// Model is a Bayesian model: its parameters, declared once, and its log
// density (up to a constant) over their constrained values.
type Model struct {
	Params []Param
	// LogDensity returns log p on tp, where p[k] holds the constrained
	// values of Params[k] (one for a scalar). It must build only on tp and
	// keep nothing between calls: it is called concurrently, each time on a
	// tape of its own.
	LogDensity func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var
}

// Posterior is a Model compiled into an energy.Energy on the unconstrained
// space, with the maps between that space and the model's parameters. It is
// safe for concurrent use.
type Posterior struct {
	params     []Param
	logDensity func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var
	free, cons []int // offsets of each parameter's free and constrained values
	names      []string
	pool       sync.Pool // *work not in use
}

var _ energy.Energy = (*Posterior)(nil)

// New checks m and returns its Posterior. It returns an error wrapping
// ErrInvalid (or bijector.ErrInvalid) for a model without parameters or
// log density, an empty, repeated or bracketed name, a negative size, a
// constraint invalid for its size, or no free values at all.
func New(m Model) (*Posterior, error) {
	if m.LogDensity == nil {
		return nil, fmt.Errorf("bayes: no log density: %w", ErrInvalid)
	}
	if len(m.Params) == 0 {
		return nil, fmt.Errorf("bayes: no parameters: %w", ErrInvalid)
	}
	p := &Posterior{params: append([]Param(nil), m.Params...), logDensity: m.LogDensity,
		free: []int{0}, cons: []int{0}}
	seen := map[string]bool{}
	for _, prm := range p.params {
		switch {
		case prm.Name == "" || strings.ContainsAny(prm.Name, "[],"):
			return nil, fmt.Errorf("bayes: parameter name %q: want a non-empty name without brackets or commas: %w", prm.Name, ErrInvalid)
		case seen[prm.Name]:
			return nil, fmt.Errorf("bayes: parameter %q declared twice: %w", prm.Name, ErrInvalid)
		case prm.Size < 0:
			return nil, fmt.Errorf("bayes: parameter %q: size %d: %w", prm.Name, prm.Size, ErrInvalid)
		}
		seen[prm.Name] = true
		n := max(prm.Size, 1)
		if err := prm.Constraint.Check(n); err != nil {
			return nil, fmt.Errorf("bayes: parameter %q: %w", prm.Name, err)
		}
		if prm.Size == 0 && prm.Constraint.Kind > bijector.Bounded {
			return nil, fmt.Errorf("bayes: parameter %q: a %v needs a size: %w", prm.Name, prm.Constraint.Kind, ErrInvalid)
		}
		f, c := prm.Constraint.Sizes(n)
		p.free = append(p.free, p.free[len(p.free)-1]+f)
		p.cons = append(p.cons, p.cons[len(p.cons)-1]+c)
		p.names = appendNames(p.names, prm)
	}
	if p.Dim() == 0 {
		return nil, fmt.Errorf("bayes: no free values to sample: %w", ErrInvalid)
	}
	return p, nil
}

// Density wraps a log density of a plain vector of dim values, with no
// constraint, as a Posterior whose parameter is called "x" (x[1], x[2], …).
// It panics if dim < 1 or f is nil.
func Density(dim int, f func(tp *scalar.Tape, x []scalar.Var) scalar.Var) *Posterior {
	if dim < 1 || f == nil {
		panic(fmt.Sprintf("bayes: Density of dimension %d (function given: %v)", dim, f != nil))
	}
	p, err := New(Model{Params: []Param{{Name: "x", Size: dim}},
		LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var { return f(tp, p[0]) }})
	if err != nil {
		panic(err) // unreachable: the model is valid
	}
	return p
}

func appendNames(names []string, prm Param) []string {
	switch {
	case prm.Size == 0:
		return append(names, prm.Name)
	case prm.Constraint.Kind == bijector.CholeskyKind:
		for i := range prm.Size {
			for j := range prm.Size {
				names = append(names, fmt.Sprintf("%s[%d,%d]", prm.Name, i+1, j+1))
			}
		}
		return names
	}
	for i := range prm.Size {
		names = append(names, fmt.Sprintf("%s[%d]", prm.Name, i+1))
	}
	return names
}

// Dim returns the number of free (unconstrained) values: the dimension of
// the points the sampler moves.
func (p *Posterior) Dim() int { return p.free[len(p.free)-1] }

// Names returns the names of the constrained values, in the order of
// Constrain's output: "mu", "theta[1]", "L[2,1]", ….
func (p *Posterior) Names() []string { return append([]string(nil), p.names...) }

// Params returns the declared parameters.
func (p *Posterior) Params() []Param { return append([]Param(nil), p.params...) }

// work is one goroutine's tape and buffers.
type work struct {
	tp   *scalar.Tape
	y, x []scalar.Var
	p    [][]scalar.Var // views of x, one per parameter
}

func (p *Posterior) newWork() *work {
	w := &work{tp: scalar.NewTape(0), y: make([]scalar.Var, p.Dim()), x: make([]scalar.Var, p.cons[len(p.cons)-1])}
	w.p = make([][]scalar.Var, len(p.params))
	for k := range w.p {
		w.p[k] = w.x[p.cons[k]:p.cons[k+1]:p.cons[k+1]]
	}
	return w
}

// get takes an idle tape from the pool, or makes one. A sync.Pool keeps
// idle tapes per core, so that chains on several cores never contend for a
// lock at each gradient (a mutex-guarded list cost 4 chains on 2 cores a
// third of their speed-up on eight schools); a collection may drop idle
// tapes, which then regrow once, but a sampler in steady state allocates
// nothing and so sets off no collection.
func (p *Posterior) get() *work {
	if w, ok := p.pool.Get().(*work); ok {
		return w
	}
	return p.newWork()
}

// put returns w to the pool.
func (p *Posterior) put(w *work) { p.pool.Put(w) }

// logDensityOf builds log p(f(y)) + Σ log|J| on w's tape, after a Reset.
func (p *Posterior) logDensityOf(w *work, y []float64) scalar.Var {
	tp := w.tp
	tp.Reset()
	ys := tp.Vars(w.y, y)
	lj := tp.Const(0)
	for k, prm := range p.params {
		l := bijector.Constrain(tp, prm.Constraint, ys[p.free[k]:p.free[k+1]], w.p[k])
		if !l.Const() || l.Value() != 0 {
			lj = tp.Add(lj, l)
		}
	}
	return tp.Add(p.logDensity(tp, w.p), lj)
}

// Energy sets e[i] = E(yᵢ) for the points yᵢ in x: see the package
// documentation. It panics unless d is Dim and the buffers fit.
func (p *Posterior) Energy(e, x []float64, d int) { p.Grad(e, nil, x, d) }

// Grad sets e[i] = E(yᵢ) and g[i·d:(i+1)·d] = ∇E(yᵢ); g may be nil. It
// allocates nothing once the tapes have grown to the model.
func (p *Posterior) Grad(e, g, x []float64, d int) {
	if d != p.Dim() || len(x) != len(e)*d || (g != nil && len(g) != len(x)) {
		panic(fmt.Sprintf("bayes: buffers of %d energies, %d gradient and %d point values for dimension %d (the model's: %d)", len(e), len(g), len(x), d, p.Dim()))
	}
	w := p.get()
	defer p.put(w)
	for i := range e {
		y := x[i*d : (i+1)*d]
		lp := p.logDensityOf(w, y)
		if g == nil {
			e[i] = -lp.Value()
			continue
		}
		gi := g[i*d : (i+1)*d]
		e[i] = -w.tp.Grad(lp, w.y, gi)
		for j := range gi {
			gi[j] = -gi[j]
		}
	}
}

// LogDensity returns log p(f(y)) + Σ log|J|, the log density of the free
// values y (−E(y)). It panics unless len(y) is Dim.
func (p *Posterior) LogDensity(y []float64) float64 {
	e := []float64{0}
	p.Energy(e, y, len(y))
	return -e[0]
}

// Constrain sets x, of len(Names()) values, to the parameters of the free
// values y, of Dim values. It panics if the lengths differ.
func (p *Posterior) Constrain(y, x []float64) {
	if len(y) != p.Dim() || len(x) != len(p.names) {
		panic(fmt.Sprintf("bayes: Constrain %d free values into %d, want %d into %d", len(y), len(x), p.Dim(), len(p.names)))
	}
	for k, prm := range p.params {
		bijector.Constrain(scalar.Float{}, prm.Constraint, y[p.free[k]:p.free[k+1]], x[p.cons[k]:p.cons[k+1]])
	}
}

// Unconstrain sets y, of Dim values, to the free values of the parameters
// x, laid out as Constrain writes them: starting points from values on the
// model's scale. It returns an error wrapping bijector.ErrInvalid, naming
// the parameter, if a value is outside its support.
func (p *Posterior) Unconstrain(x, y []float64) error {
	if len(y) != p.Dim() || len(x) != len(p.names) {
		return fmt.Errorf("bayes: Unconstrain %d values into %d free ones, want %d into %d: %w", len(x), len(y), len(p.names), p.Dim(), ErrInvalid)
	}
	for k, prm := range p.params {
		if err := bijector.Unconstrain(prm.Constraint, x[p.cons[k]:p.cons[k+1]], y[p.free[k]:p.free[k+1]]); err != nil {
			return fmt.Errorf("bayes: parameter %q: %w", prm.Name, err)
		}
	}
	return nil
}

// Fit is a sampler run mapped back to the model's parameters.
type Fit struct {
	// Names name the columns of Draws.
	Names []string
	// Chains and Kept are the number of chains and of draws kept per chain.
	Chains, Kept int
	// Draws holds the constrained draws: Draws[(c·Kept + k)·len(Names) + j]
	// is value j of draw k of chain c, the layout of sampler.Result.Draws.
	Draws []float64
	// Result is the run on the unconstrained space, with its step sizes,
	// divergences and gradient counts.
	Result *sampler.Result
}

// Sample runs s on the posterior, keeping every draw (o.Trajectory is set
// for it; o.Dim 0 means Dim), and returns the draws constrained and named.
func (p *Posterior) Sample(ctx context.Context, s sampler.Sampler, o sampler.Options) (*Fit, error) {
	if o.Dim == 0 {
		o.Dim = p.Dim()
	}
	if o.Dim != p.Dim() {
		return nil, fmt.Errorf("bayes: options of dimension %d for a model of %d free values: %w", o.Dim, p.Dim(), ErrInvalid)
	}
	o.Trajectory = true
	r, err := s.Sample(ctx, p, o)
	if err != nil {
		return nil, err
	}
	return p.FitOf(r)
}

// FitOf maps the draws of a run on the posterior (with Trajectory set) to
// the model's parameters.
func (p *Posterior) FitOf(r *sampler.Result) (*Fit, error) {
	d, n := p.Dim(), len(p.names)
	if r.Dim != d || len(r.Draws) != r.Chains*r.Kept*d || len(r.Draws) == 0 {
		return nil, fmt.Errorf("bayes: a run of %d draws of dimension %d (%d chains × %d kept) for a model of %d free values: %w",
			len(r.Draws), r.Dim, r.Chains, r.Kept, d, ErrInvalid)
	}
	f := &Fit{Names: p.Names(), Chains: r.Chains, Kept: r.Kept, Draws: make([]float64, r.Chains*r.Kept*n), Result: r}
	for i := range r.Chains * r.Kept {
		p.Constrain(r.Draws[i*d:(i+1)*d], f.Draws[i*n:(i+1)*n])
	}
	return f, nil
}

// Derive returns a copy of f with len(names) values appended to each draw,
// computed by fn from the draw's values (laid out as Names): Stan's
// transformed parameters and generated quantities, such as θ = μ + τ·θ̃ of
// a non-centred model. It panics if a new name is already taken.
func (f *Fit) Derive(names []string, fn func(draw, out []float64)) *Fit {
	for _, nm := range names {
		if slices.Contains(f.Names, nm) {
			panic(fmt.Sprintf("bayes: Derive: %q is already a name", nm))
		}
	}
	n, m := len(f.Names), len(f.Names)+len(names)
	g := &Fit{Names: append(slices.Clone(f.Names), names...), Chains: f.Chains, Kept: f.Kept,
		Draws: make([]float64, f.Chains*f.Kept*m), Result: f.Result}
	for i := range f.Chains * f.Kept {
		row := g.Draws[i*m : (i+1)*m]
		copy(row, f.Draws[i*n:(i+1)*n])
		fn(row[:n:n], row[n:])
	}
	return g
}

// Summary returns diag's summary of each constrained value, by name.
func (f *Fit) Summary() diag.Table {
	t := diag.SummarizeDraws(f.Draws, f.Chains, f.Kept, len(f.Names))
	for j := range t {
		t[j].Name = f.Names[j]
	}
	return t
}

// Column returns the draws of the value called name, by chain
// (chains[c][k] is draw k of chain c), for diag's functions, or nil if no
// value is called name.
func (f *Fit) Column(name string) [][]float64 {
	j := -1
	for i, nm := range f.Names {
		if nm == name {
			j = i
		}
	}
	if j < 0 {
		return nil
	}
	n := len(f.Names)
	out := make([][]float64, f.Chains)
	for c := range out {
		out[c] = make([]float64, f.Kept)
		for k := range out[c] {
			out[c][k] = f.Draws[(c*f.Kept+k)*n+j]
		}
	}
	return out
}

// Save writes the draws to path (.csv or .npy) as dataset.Save does, one
// row per draw: chain, draw, then the values, the CSV header naming them
// (quoted where a name holds a comma, as "L[2,1]" does, so that CSV readers
// split the header as they split the rows).
func (f *Fit) Save(path string) error {
	header, rows := dataset.DrawsTable(f.Draws, f.Chains, f.Kept, len(f.Names))
	for j, nm := range f.Names {
		if strings.ContainsAny(nm, ",\"") {
			nm = `"` + strings.ReplaceAll(nm, `"`, `""`) + `"`
		}
		header[2+j] = nm
	}
	return dataset.Save(path, header, rows)
}

// SaveCmdStan writes each chain in CmdStan's CSV layout (package stancsv)
// to prefix_1.csv, prefix_2.csv, …, and returns their paths: Stan's
// sampler columns, lp__ (the log density of the unconstrained point,
// Jacobian included, as Stan's), then the values constrained and named as
// CmdStan names them (theta.1, L.2.1), so that rstan, ArviZ and ebm diag
// read them. s holds the settings to record; the step size and metric come
// from the run.
func (f *Fit) SaveCmdStan(prefix string, s stancsv.Settings) ([]string, error) {
	names := make([]string, len(f.Names))
	for j, n := range f.Names {
		names[j] = cmdStanName(n)
	}
	var paths []string
	for c := range f.Chains {
		ch, err := stancsv.FromDraws(f.Result, c, f.Draws, names, s)
		if err != nil {
			return paths, err
		}
		ch.ID = c + 1
		path := fmt.Sprintf("%s_%d.csv", prefix, c+1)
		if err := safefile.WriteFile(path, func(w io.Writer) error { return stancsv.Write(w, ch) }); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// cmdStanName turns Stan's name of an element, theta[1] or L[2,1], into
// CmdStan's CSV column, theta.1 or L.2.1.
func cmdStanName(n string) string {
	i := strings.IndexByte(n, '[')
	if i < 0 || !strings.HasSuffix(n, "]") {
		return n
	}
	return n[:i] + "." + strings.ReplaceAll(n[i+1:len(n)-1], ",", ".")
}
