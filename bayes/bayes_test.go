package bayes_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/goebm/goebm/bayes"
	"github.com/goebm/goebm/bijector"
	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/scalar"
	"github.com/goebm/goebm/stancsv"
)

// every declares one parameter of each kind, each with a density whose
// moments are known:
//
//	g ~ Gamma(3, rate 2)                        mean 1.5, E g² = 3
//	b ~ Beta(2, 5) on Interval(0, 1)            mean 2/7
//	u ~ Upper(1): 1 − u ~ Exponential(1)        mean 0
//	o: three N(0, 1), ordered                   means ∓3/(2√π), 0
//	s ~ Dirichlet(1, 1, 1, 1), flat             means 1/4, E s² = 1/10
//	v uniform on the sphere in ℝ³, flat         means 0, E v² = 1/3
//	L ~ LKJ-Cholesky(η = 1), 3×3                E r = 0, E r² = 1/4
//	m ~ N(1, 2²), unconstrained vector of 2     mean 1
//
// Sampled together they check that every transform's log-Jacobian is
// right where it counts: the constrained draws follow the density.
var every = bayes.Model{
	Params: []bayes.Param{
		{Name: "g", Constraint: bijector.Positive()},
		{Name: "b", Constraint: bijector.Interval(0, 1)},
		{Name: "u", Constraint: bijector.Upper(1)},
		{Name: "o", Size: 3, Constraint: bijector.Ordered()},
		{Name: "s", Size: 4, Constraint: bijector.Simplex()},
		{Name: "v", Size: 3, Constraint: bijector.UnitVector()},
		{Name: "L", Size: 3, Constraint: bijector.CholeskyCorr()},
		{Name: "m", Size: 2},
	},
	LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var {
		g, b, u, o, L, m := p[0][0], p[1][0], p[2][0], p[3], p[6], p[7]
		lp := tp.Sub(tp.Scale(tp.Log(g), 2), tp.Scale(g, 2))                 // Gamma(3, 2)
		lp = tp.Add(lp, tp.Add(tp.Log(b), tp.Scale(tp.Log1p(tp.Neg(b)), 4))) // Beta(2, 5)
		lp = tp.Add(lp, tp.AddScalar(u, -1))                                 // −(1 − u)
		lp = tp.Sub(lp, tp.Scale(tp.Add(tp.Add(tp.Square(o[0]), tp.Square(o[1])), tp.Square(o[2])), 0.5))
		lp = tp.Add(lp, tp.Log(L[4])) // LKJ(1): (K − i)·log Lᵢᵢ
		for _, x := range m {
			lp = tp.Sub(lp, tp.Scale(tp.Square(tp.AddScalar(x, -1)), 1.0/8)) // N(1, 2²)
		}
		return lp
	},
}

func TestNames(t *testing.T) {
	p, err := bayes.New(every)
	if err != nil {
		t.Fatal(err)
	}
	want := "g b u o[1] o[2] o[3] s[1] s[2] s[3] s[4] v[1] v[2] v[3] L[1,1] L[1,2] L[1,3] L[2,1] L[2,2] L[2,3] L[3,1] L[3,2] L[3,3] m[1] m[2]"
	if got := strings.Join(p.Names(), " "); got != want {
		t.Errorf("names\n%s\nwant\n%s", got, want)
	}
	if d := p.Dim(); d != 1+1+1+3+3+3+3+2 {
		t.Errorf("Dim = %d, want 17", d)
	}
	if got := strings.Join(bayes.Density(2, nil2).Names(), " "); got != "x[1] x[2]" {
		t.Errorf("Density's names %q, want x[1] x[2]", got)
	}
}

func nil2(tp *scalar.Tape, x []scalar.Var) scalar.Var { return tp.Neg(tp.Square(x[0])) }

// TestEnergyByHand checks E = −(log p + log|J|) against the formula for a
// positive and an interval parameter: y = (y₀, y₁), g = e^{y₀},
// b = 2 + 3σ(y₁), log p = −g − b.
func TestEnergyByHand(t *testing.T) {
	p, err := bayes.New(bayes.Model{
		Params: []bayes.Param{{Name: "g", Constraint: bijector.Positive()}, {Name: "b", Constraint: bijector.Interval(2, 5)}},
		LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var {
			return tp.Neg(tp.Add(p[0][0], p[1][0]))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range [][]float64{{0, 0}, {0.7, -1.3}, {-2, 3}} {
		s := 1 / (1 + math.Exp(-y[1]))
		want := math.Exp(y[0]) + 2 + 3*s - (y[0] + math.Log(3*s*(1-s)))
		e := []float64{0}
		p.Energy(e, y, 2)
		if math.Abs(e[0]-want) > 1e-13*(1+math.Abs(want)) {
			t.Errorf("E(%v) = %.15g, want %.15g", y, e[0], want)
		}
		if lp := p.LogDensity(y); lp != -e[0] {
			t.Errorf("LogDensity = %v, −E = %v", lp, -e[0])
		}
		x := make([]float64, 2)
		p.Constrain(y, x)
		if x[0] != math.Exp(y[0]) || math.Abs(x[1]-(2+3*s)) > 1e-15 {
			t.Errorf("Constrain(%v) = %v", y, x)
		}
	}
}

// TestGradAgainstFiniteDifferences checks Grad on a batch of points against
// central differences of Energy, to 1e-6 relative, and that Grad's
// energies are Energy's.
func TestGradAgainstFiniteDifferences(t *testing.T) {
	p, err := bayes.New(every)
	if err != nil {
		t.Fatal(err)
	}
	d, n := p.Dim(), 5
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	e, e2, g := make([]float64, n), make([]float64, n), make([]float64, n*d)
	p.Grad(e, g, x, d)
	p.Energy(e2, x, d)
	for i := range n {
		if e[i] != e2[i] {
			t.Errorf("point %d: Grad's energy %v, Energy's %v", i, e[i], e2[i])
		}
		for j := range d {
			const h = 1e-6
			y := append([]float64(nil), x[i*d:(i+1)*d]...)
			y[j] += h
			ep := -p.LogDensity(y)
			y[j] -= 2 * h
			em := -p.LogDensity(y)
			fd := (ep - em) / (2 * h)
			if got := g[i*d+j]; math.Abs(got-fd) > 1e-6*(1+math.Abs(fd)) {
				t.Errorf("point %d: ∂E/∂y%d = %.10g, finite differences %.10g", i, j, got, fd)
			}
		}
	}
}

// TestZeroAllocations: a gradient allocates nothing in steady state.
func TestZeroAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("under the race detector sync.Pool drops pooled tapes at random")
	}
	p, err := bayes.New(every)
	if err != nil {
		t.Fatal(err)
	}
	x, g, e := make([]float64, p.Dim()), make([]float64, p.Dim()), []float64{0}
	for i := range x {
		x[i] = 0.1 * float64(i%5)
	}
	p.Grad(e, g, x, p.Dim())
	if a := testing.AllocsPerRun(200, func() { p.Grad(e, g, x, p.Dim()) }); a != 0 {
		t.Errorf("%v allocations per gradient, want 0", a)
	}
}

// TestConcurrent: goroutines evaluating at once get the serial results,
// bit for bit.
func TestConcurrent(t *testing.T) {
	p, err := bayes.New(every)
	if err != nil {
		t.Fatal(err)
	}
	d, n := p.Dim(), 64
	rng := rand.New(rand.NewPCG(2, 2))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	e, g := make([]float64, n), make([]float64, n*d)
	p.Grad(e, g, x, d)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e2, g2 := make([]float64, n), make([]float64, n*d)
			for range 20 {
				p.Grad(e2, g2, x, d)
				for i := range e2 {
					if e2[i] != e[i] || g2[i*d] != g[i*d] {
						t.Errorf("worker %d, point %d: differs from the serial result", w, i)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestKnownMoments samples every (4 chains, 2000 draws after 1000 warm-up,
// NUTS) and checks each moment of its comment within 4 Monte Carlo
// standard errors. At the default target acceptance 0.8 a few transitions
// in 8000 diverge (where the ordered gaps or a simplex share come near 0,
// their free values far out in a log-linear tail); at 0.95 none do.
func TestKnownMoments(t *testing.T) {
	p, err := bayes.New(every)
	if err != nil {
		t.Fatal(err)
	}
	fit, err := p.Sample(context.Background(), sampler.NUTS{TargetAccept: 0.95}, sampler.Options{Chains: 4, Warmup: 1000, Steps: 2000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if div := sum(fit.Result.Info.Divergences); div > 0 {
		t.Errorf("%d divergences", div)
	}
	col := func(name string) [][]float64 {
		c := fit.Column(name)
		if c == nil {
			t.Fatalf("no column %q", name)
		}
		return c
	}
	sq := func(c [][]float64) [][]float64 { return mapChains(c, func(a float64) float64 { return a * a }) }
	// r₃₂ = L₃₁L₂₁ + L₃₂L₂₂
	r32 := mapChains2(mapChains2(col("L[3,1]"), col("L[2,1]"), mul), mapChains2(col("L[3,2]"), col("L[2,2]"), mul), func(a, b float64) float64 { return a + b })
	ord := 3 / (2 * math.Sqrt(math.Pi))
	checks := []struct {
		what  string
		draws [][]float64
		want  float64
	}{
		{"g", col("g"), 1.5}, {"g²", sq(col("g")), 3},
		{"b", col("b"), 2.0 / 7},
		{"u", col("u"), 0},
		{"o[1]", col("o[1]"), -ord}, {"o[2]", col("o[2]"), 0}, {"o[3]", col("o[3]"), ord},
		{"s[1]", col("s[1]"), 0.25}, {"s[4]", col("s[4]"), 0.25}, {"s[2]²", sq(col("s[2]")), 0.1}, {"s[4]²", sq(col("s[4]")), 0.1},
		{"v[1]", col("v[1]"), 0}, {"v[3]", col("v[3]"), 0}, {"v[1]²", sq(col("v[1]")), 1.0 / 3}, {"v[3]²", sq(col("v[3]")), 1.0 / 3},
		{"r21", col("L[2,1]"), 0}, {"r21²", sq(col("L[2,1]")), 0.25}, {"r31²", sq(col("L[3,1]")), 0.25}, {"r32", r32, 0}, {"r32²", sq(r32), 0.25},
		{"m[2]", col("m[2]"), 1},
	}
	for _, c := range checks {
		s := diag.Summarize(c.draws)
		if math.Abs(s.Mean-c.want) > 4*s.MCSEMean {
			t.Errorf("E %s = %.4f ± %.4f (MCSE), want %.4f", c.what, s.Mean, s.MCSEMean, c.want)
		}
		if s.Rhat > 1.01 {
			t.Errorf("%s: R-hat %.3f", c.what, s.Rhat)
		}
	}
	// Every draw is in its support.
	for i := range fit.Chains * fit.Kept {
		x := fit.Draws[i*len(fit.Names) : (i+1)*len(fit.Names)]
		if y := make([]float64, p.Dim()); p.Unconstrain(x, y) != nil {
			t.Fatalf("draw %d outside the support: %v", i, p.Unconstrain(x, y))
		}
	}
	// The summary and the CSV name the values.
	tab := fit.Summary()
	if tab[0].Name != "g" || tab[len(tab)-1].Name != "m[2]" || math.Abs(tab[0].Mean-diag.Summarize(col("g")).Mean) > 1e-12 {
		t.Errorf("summary rows %q … %q, mean of g %v", tab[0].Name, tab[len(tab)-1].Name, tab[0].Mean)
	}
	path := filepath.Join(t.TempDir(), "draws.csv")
	if err := fit.Save(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rows[0], " "), "chain draw "+strings.Join(fit.Names, " "); got != want {
		t.Errorf("CSV header %q, want %q", got, want)
	}
	if len(rows) != fit.Chains*fit.Kept+1 {
		t.Errorf("CSV of %d rows for %d draws", len(rows), fit.Chains*fit.Kept)
	}
	if last := rows[len(rows)-1]; last[0] != "3" || last[1] != "1999" || last[2] != fmt.Sprint(fit.Draws[len(fit.Draws)-len(fit.Names)]) {
		t.Errorf("last CSV row starts %q, want chain 3, draw 1999, g %v", last[:3], fit.Draws[len(fit.Draws)-len(fit.Names)])
	} // CmdStan's files: one per chain, CmdStan's names, and the same draws.
	files, err := fit.SaveCmdStan(filepath.Join(t.TempDir(), "fit"), stancsv.Settings{Sampler: "nuts"})
	if err != nil || len(files) != fit.Chains {
		t.Fatalf("SaveCmdStan wrote %v: %v", files, err)
	}
	var chains []*stancsv.Chain
	for _, f := range files {
		c, err := stancsv.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		chains = append(chains, c...)
	}
	if got := chains[3].Params(); got[0] != "g" || !slices.Contains(got, "L.3.2") || !slices.Contains(got, "o.1") || len(got) != len(fit.Names) {
		t.Errorf("CmdStan columns %q", got)
	}
	if o3, _ := chains[3].Column("o.3"); o3[len(o3)-1] != col("o[3]")[3][fit.Kept-1] {
		t.Errorf("chain 4's last o.3 %v, the fit's %v", o3[len(o3)-1], col("o[3]")[3][fit.Kept-1])
	}
	if lp, _ := chains[0].Column("lp__"); lp[0] != -fit.Result.Energies[0] {
		t.Errorf("lp__ %v, want −E = %v", lp[0], -fit.Result.Energies[0])
	}
}

func mul(a, b float64) float64 { return a * b }

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

func mapChains(c [][]float64, f func(float64) float64) [][]float64 {
	out := make([][]float64, len(c))
	for i := range c {
		out[i] = make([]float64, len(c[i]))
		for k, v := range c[i] {
			out[i][k] = f(v)
		}
	}
	return out
}

func mapChains2(a, b [][]float64, f func(x, y float64) float64) [][]float64 {
	out := make([][]float64, len(a))
	for i := range a {
		out[i] = make([]float64, len(a[i]))
		for k := range a[i] {
			out[i][k] = f(a[i][k], b[i][k])
		}
	}
	return out
}

func TestInvalid(t *testing.T) {
	ld := func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var { return tp.Const(0) }
	for _, m := range []bayes.Model{
		{Params: []bayes.Param{{Name: "a"}}},
		{LogDensity: ld},
		{Params: []bayes.Param{{Name: ""}}, LogDensity: ld},
		{Params: []bayes.Param{{Name: "a[1]"}}, LogDensity: ld},
		{Params: []bayes.Param{{Name: "a"}, {Name: "a"}}, LogDensity: ld},
		{Params: []bayes.Param{{Name: "a", Size: -1}}, LogDensity: ld},
		{Params: []bayes.Param{{Name: "a", Constraint: bijector.Simplex()}}, LogDensity: ld},
		{Params: []bayes.Param{{Name: "a", Size: 1, Constraint: bijector.Simplex()}}, LogDensity: ld},
	} {
		if _, err := bayes.New(m); !errors.Is(err, bayes.ErrInvalid) {
			t.Errorf("New(%+v): %v, want ErrInvalid", m.Params, err)
		}
	}
	_, err := bayes.New(bayes.Model{Params: []bayes.Param{{Name: "a", Constraint: bijector.Interval(1, 0)}}, LogDensity: ld})
	if !errors.Is(err, bijector.ErrInvalid) || !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("interval (1, 0): %v, want bijector.ErrInvalid naming the parameter", err)
	}
	p, _ := bayes.New(every)
	x := make([]float64, len(p.Names()))
	err = p.Unconstrain(x, make([]float64, p.Dim()))
	if !errors.Is(err, bijector.ErrInvalid) || !strings.Contains(err.Error(), `"g"`) {
		t.Errorf("Unconstrain of zeros: %v, want bijector.ErrInvalid naming g", err)
	}
	if _, err := p.Sample(context.Background(), sampler.NUTS{}, sampler.Options{Dim: 3, Chains: 1, Steps: 1}); !errors.Is(err, bayes.ErrInvalid) {
		t.Errorf("Sample with Dim 3: %v, want ErrInvalid", err)
	}
}

func TestDerive(t *testing.T) {
	f := &bayes.Fit{Names: []string{"a", "b"}, Chains: 2, Kept: 2, Draws: []float64{1, 2, 3, 4, 5, 6, 7, 8}}
	g := f.Derive([]string{"sum", "prod"}, func(x, out []float64) { out[0], out[1] = x[0]+x[1], x[0]*x[1] })
	want := []float64{1, 2, 3, 2, 3, 4, 7, 12, 5, 6, 11, 30, 7, 8, 15, 56}
	if strings.Join(g.Names, " ") != "a b sum prod" || fmt.Sprint(g.Draws) != fmt.Sprint(want) {
		t.Errorf("Derive: %v %v, want [a b sum prod] %v", g.Names, g.Draws, want)
	}
	if c := g.Column("prod"); fmt.Sprint(c) != "[[2 12] [30 56]]" {
		t.Errorf("Column(prod) = %v", c)
	}
	if len(f.Names) != 2 || len(f.Draws) != 8 {
		t.Errorf("Derive changed its receiver")
	}
}
