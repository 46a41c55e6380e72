package scalar_test

import (
	"math"
	"testing"

	"github.com/goebm/goebm/scalar"
)

// TestDigamma: the tape's Digamma has Float's value and, as partial, the
// central difference of Digamma (to 1e-8); Lgamma's partial is Digamma.
// ψ(1) = −γ and log Γ(½) = log √π fix the values.
func TestDigamma(t *testing.T) {
	const eulerGamma = 0.57721566490153286
	if v := (scalar.Float{}).Digamma(1); math.Abs(v+eulerGamma) > 1e-15 {
		t.Errorf("ψ(1) = %v, want −γ", v)
	}
	if v := (scalar.Float{}).Lgamma(0.5); math.Abs(v-0.5*math.Log(math.Pi)) > 1e-15 {
		t.Errorf("log Γ(½) = %v, want log √π", v)
	}
	tp := scalar.NewTape(0)
	g := make([]float64, 1)
	for _, x := range []float64{0.01, 0.4, 1.7, 9, 120, -0.5, -2.3} {
		const h = 1e-6
		fl := scalar.Float{}
		for _, c := range []struct {
			name string
			f    func(tp *scalar.Tape, x []scalar.Var) scalar.Var
			ff   func(float64) float64
		}{
			{"Digamma", func(tp *scalar.Tape, x []scalar.Var) scalar.Var { return tp.Digamma(x[0]) }, fl.Digamma},
			{"Lgamma", func(tp *scalar.Tape, x []scalar.Var) scalar.Var { return tp.Lgamma(x[0]) }, fl.Lgamma},
		} {
			v := tp.Gradient(c.f, []float64{x}, g)
			if v != c.ff(x) {
				t.Errorf("%s(%v) = %v on the tape, %v on Float", c.name, x, v, c.ff(x))
			}
			hh := h * math.Min(1, math.Abs(x))
			fd := (c.ff(x+hh) - c.ff(x-hh)) / (2 * hh)
			if math.Abs(g[0]-fd) > 1e-8*math.Abs(fd)+1e-15*math.Abs(v)/hh {
				t.Errorf("%s′(%v) = %.15g, central difference %.15g", c.name, x, g[0], fd)
			}
		}
	}
	// Constants take no node.
	tp.Reset()
	if y := tp.Lgamma(tp.Digamma(tp.Const(3))); !y.Const() || tp.Len() != 0 {
		t.Errorf("Lgamma(Digamma(3)) of a constant recorded %d nodes", tp.Len())
	}
}
