package energy

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
)

func mustGMM40(t *testing.T) *Mixture {
	t.Helper()
	m, err := NewGMM40(GMM40Seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestLogZ1DGaussian: the quadrature's log Z of ½(x − 1)²/σ² is the closed
// form log(σ√(2π)).
func TestLogZ1DGaussian(t *testing.T) {
	for _, sd := range []float64{0.3, 1, 2.5} {
		f := func(x float64) float64 { return 0.5 * (x - 1) * (x - 1) / (sd * sd) }
		got := logZ1D(f, 0, 1-20*sd, 1+20*sd, 400)
		want := math.Log(sd * math.Sqrt(2*math.Pi))
		if math.Abs(got-want) > 1e-10 {
			t.Errorf("sd %g: log Z %.12f, want %.12f", sd, got, want)
		}
	}
}

// TestManyWellLogZ: log Z of one well against FAB's published constant
// (log Z of x₁ = log 11784.50927, of x₂ = ½log 2π), and 16 wells are 16
// times one.
func TestManyWellLogZ(t *testing.T) {
	one := ManyWell{Wells: 1}.LogZ()
	want := math.Log(11784.50927) + 0.5*math.Log(2*math.Pi)
	if math.Abs(one-want) > 1e-8 {
		t.Errorf("one well: log Z %.10f, want %.10f", one, want)
	}
	if got := (ManyWell{}).LogZ(); math.Abs(got-16*one) > 1e-9 {
		t.Errorf("ManyWell-32: log Z %.10f, want 16 × %.10f", got, one)
	}
	if d := (ManyWell{}).Dim(); d != 32 {
		t.Errorf("zero value's dimension %d, want 32", d)
	}
}

// TestManyWellDraws: the draws' first two moments of x₁ (against quadrature)
// and of x₂ (0 and 1), within 4 MCSE.
func TestManyWellDraws(t *testing.T) {
	const n = 40000
	w := ManyWell{Wells: 2}
	x := w.Draw(n, rand.New(rand.NewPCG(5, 6)))
	lo := wellMin()
	z := quad.Fixed(func(x float64) float64 { return math.Exp(-(wellEnergy(x) - lo)) }, -wellBound, wellBound, 400, quad.Legendre{}, 0)
	mom := func(k float64) float64 {
		return quad.Fixed(func(x float64) float64 { return math.Pow(x, k) * math.Exp(-(wellEnergy(x) - lo)) }, -wellBound, wellBound, 400, quad.Legendre{}, 0) / z
	}
	m1, m2, m4 := mom(1), mom(2), mom(4)
	check := func(name string, col int, f func(float64) float64, want, variance float64) {
		s := 0.0
		for i := range n {
			s += f(x[i*4+col])
		}
		got, se := s/n, math.Sqrt(variance/n)
		if math.Abs(got-want) > 4*se {
			t.Errorf("%s: %.4f, want %.4f ± %.4f", name, got, want, se)
		}
	}
	for _, c := range []int{0, 2} {
		check("E x₁", c, func(v float64) float64 { return v }, m1, m2-m1*m1)
		check("E x₁²", c, func(v float64) float64 { return v * v }, m2, m4-m2*m2)
	}
	for _, c := range []int{1, 3} {
		check("E x₂", c, func(v float64) float64 { return v }, 0, 1)
		check("E x₂²", c, func(v float64) float64 { return v * v }, 1, 2)
	}
	// The deeper well at +1.7 holds more mass: P(x₁ > 0) from quadrature.
	pos := quad.Fixed(func(x float64) float64 { return math.Exp(-(wellEnergy(x) - lo)) }, 0, wellBound, 400, quad.Legendre{}, 0) / z
	check("P(x₁ > 0)", 0, func(v float64) float64 {
		if v > 0 {
			return 1
		}
		return 0
	}, pos, pos*(1-pos))
}

// TestMixtureDraws: GMM-40's draws have the mixture's mean and second
// moments (means' average; their spread plus σ²) within 4 MCSE, and its
// settings are FAB's.
func TestMixtureDraws(t *testing.T) {
	m := mustGMM40(t)
	if len(m.comps) != 40 || math.Abs(m.comps[0].Sigma-1.3132616875182228) > 1e-12 {
		t.Fatalf("%d components of sd %g", len(m.comps), m.comps[0].Sigma)
	}
	for _, c := range m.comps {
		if math.Abs(c.Mean[0]) > 40 || math.Abs(c.Mean[1]) > 40 {
			t.Errorf("mean %v outside [−40, 40]²", c.Mean)
		}
	}
	const n = 40000
	x := m.Draw(n, rand.New(rand.NewPCG(7, 8)))
	s2 := m.comps[0].Sigma * m.comps[0].Sigma
	for j := range 2 {
		mu, ex2 := 0.0, 0.0
		for _, c := range m.comps {
			mu += c.Mean[j] / 40
			ex2 += (c.Mean[j]*c.Mean[j] + s2) / 40
		}
		ex4 := 0.0
		for _, c := range m.comps {
			a := c.Mean[j]
			ex4 += (a*a*a*a + 6*a*a*s2 + 3*s2*s2) / 40
		}
		s, sq := 0.0, 0.0
		for i := range n {
			s += x[2*i+j]
			sq += x[2*i+j] * x[2*i+j]
		}
		if se := math.Sqrt((ex2 - mu*mu) / n); math.Abs(s/n-mu) > 4*se {
			t.Errorf("axis %d: mean %.3f, want %.3f ± %.3f", j, s/n, mu, se)
		}
		if se := math.Sqrt((ex4 - ex2*ex2) / n); math.Abs(sq/n-ex2) > 4*se {
			t.Errorf("axis %d: E x² %.3f, want %.3f ± %.3f", j, sq/n, ex2, se)
		}
	}
}

// TestMixtureDrawsPerComponent: on three well-separated components of
// unequal weights and widths, each draw assigned to its nearest mean, the
// components' shares, means and variances are theirs within 4 MCSE.
func TestMixtureDrawsPerComponent(t *testing.T) {
	comps := []Component{{1, []float64{-20, 0}, 0.5}, {2, []float64{0, 20}, 1.5}, {3, []float64{20, -5}, 1}}
	m, err := NewMixture(comps)
	if err != nil {
		t.Fatal(err)
	}
	const n = 30000
	x := m.Draw(n, rand.New(rand.NewPCG(9, 9)))
	count := make([]float64, 3)
	sum := make([][2]float64, 3)
	sq := make([][2]float64, 3)
	for i := range n {
		best, bd := 0, math.Inf(1)
		for k, c := range comps {
			dx, dy := x[2*i]-c.Mean[0], x[2*i+1]-c.Mean[1]
			if dd := dx*dx + dy*dy; dd < bd {
				best, bd = k, dd
			}
		}
		count[best]++
		for j := range 2 {
			u := x[2*i+j] - comps[best].Mean[j]
			sum[best][j] += u
			sq[best][j] += u * u
		}
	}
	for k, c := range comps {
		w := c.Weight / 6
		if se := math.Sqrt(w * (1 - w) / n); math.Abs(count[k]/n-w) > 4*se {
			t.Errorf("component %d: share %.4f, want %.4f ± %.4f", k, count[k]/n, w, se)
		}
		s2 := c.Sigma * c.Sigma
		for j := range 2 {
			if se := math.Sqrt(s2 / count[k]); math.Abs(sum[k][j]/count[k]) > 4*se {
				t.Errorf("component %d axis %d: mean offset %.4f ± %.4f", k, j, sum[k][j]/count[k], se)
			}
			if se := s2 * math.Sqrt(2/count[k]); math.Abs(sq[k][j]/count[k]-s2) > 4*se {
				t.Errorf("component %d axis %d: variance %.4f, want %.4f ± %.4f", k, j, sq[k][j]/count[k], s2, se)
			}
		}
	}
}
