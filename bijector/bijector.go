package bijector

import (
	"errors"
	"fmt"
	"math"

	"github.com/goebm/goebm/scalar"
)

// ErrInvalid is wrapped by errors about invalid constraints and about
// values outside a constraint's support.
var ErrInvalid = errors.New("invalid constraint")

// Kind is the kind of a Constraint.
type Kind int

// The kinds of constraint; doc.go gives each one's transform.
const (
	Real         Kind = iota // no constraint: the identity
	LowerBound               // x > Lo
	UpperBound               // x < Hi
	Bounded                  // Lo < x < Hi
	OrderedKind              // x₁ < x₂ < … < xₙ
	SimplexKind              // xᵢ > 0, Σ xᵢ = 1
	UnitKind                 // ‖x‖ = 1
	CholeskyKind             // Cholesky factor of a correlation matrix
)

var kindNames = [...]string{"real", "lower", "upper", "interval", "ordered", "simplex", "unit_vector", "cholesky_factor_corr"}

// String returns the kind's name as Stan spells it.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// Constraint describes the support of a parameter: a Kind and, for bounded
// kinds, its bounds. The zero Constraint is Real, no constraint.
type Constraint struct {
	Kind   Kind
	Lo, Hi float64
}

// Positive constrains values to (0, ∞).
func Positive() Constraint { return Constraint{Kind: LowerBound} }

// Lower constrains values to (lo, ∞).
func Lower(lo float64) Constraint { return Constraint{Kind: LowerBound, Lo: lo} }

// Upper constrains values to (−∞, hi).
func Upper(hi float64) Constraint { return Constraint{Kind: UpperBound, Hi: hi} }

// Interval constrains values to (lo, hi).
func Interval(lo, hi float64) Constraint { return Constraint{Kind: Bounded, Lo: lo, Hi: hi} }

// Ordered constrains a vector to be strictly increasing.
func Ordered() Constraint { return Constraint{Kind: OrderedKind} }

// Simplex constrains a vector of K values to be positive and sum to 1.
func Simplex() Constraint { return Constraint{Kind: SimplexKind} }

// UnitVector constrains a vector to unit Euclidean norm.
func UnitVector() Constraint { return Constraint{Kind: UnitKind} }

// CholeskyCorr constrains K² values to be the row-major Cholesky factor of
// a K×K correlation matrix.
func CholeskyCorr() Constraint { return Constraint{Kind: CholeskyKind} }

// String describes the constraint as Stan declares it, e.g. "lower=0" or
// "simplex".
func (c Constraint) String() string {
	switch c.Kind {
	case LowerBound:
		return fmt.Sprintf("lower=%g", c.Lo)
	case UpperBound:
		return fmt.Sprintf("upper=%g", c.Hi)
	case Bounded:
		return fmt.Sprintf("lower=%g, upper=%g", c.Lo, c.Hi)
	}
	return c.Kind.String()
}

// Check returns an error unless the constraint is valid for a vector of n
// values (K for Simplex, the K of a K×K matrix for CholeskyCorr).
func (c Constraint) Check(n int) error {
	var bad string
	switch {
	case n < 1:
		bad = fmt.Sprintf("size %d: must be positive", n)
	case c.Kind < Real || c.Kind > CholeskyKind:
		bad = "unknown kind"
	case c.Kind == LowerBound && !finite(c.Lo), c.Kind == UpperBound && !finite(c.Hi):
		bad = "infinite bound"
	case c.Kind == Bounded && !(finite(c.Lo) && finite(c.Hi) && c.Lo < c.Hi):
		bad = "bounds must be finite with lower < upper"
	case c.Kind == UnitKind && n < 2:
		bad = fmt.Sprintf("unit vector of size %d: want at least 2", n)
	}
	if bad != "" {
		return fmt.Errorf("bijector: %v: %s: %w", c, bad, ErrInvalid)
	}
	return nil
}

// Sizes returns the number of free (unconstrained) and constrained values
// of a vector of n values under c: see the package documentation.
func (c Constraint) Sizes(n int) (free, constrained int) {
	switch c.Kind {
	case SimplexKind:
		return n - 1, n
	case CholeskyKind:
		return n * (n - 1) / 2, n * n
	}
	return n, n
}

func finite(v float64) bool { return !math.IsInf(v, 0) && !math.IsNaN(v) }

// Constrain sets x to the constrained values of the free values y under c
// and returns log|det J|, the log-Jacobian to add to the log density (for
// UnitVector, −½‖y‖²; see the package documentation). y and x must have
// the lengths Sizes gives; Constrain panics otherwise. It runs on any Ops:
// scalar.Tape, tensor.Tape or scalar.Float.
func Constrain[T any, O scalar.Ops[T]](o O, c Constraint, y, x []T) T {
	n := len(x)
	if c.Kind == CholeskyKind {
		n = int(math.Round(math.Sqrt(float64(len(x)))))
	}
	if free, cons := c.Sizes(n); len(y) != free || len(x) != cons {
		panic(fmt.Sprintf("bijector: Constrain %v: %d free and %d constrained values, want %d and %d", c, len(y), len(x), free, cons))
	}
	switch c.Kind {
	case Real:
		copy(x, y)
		return o.Const(0)
	case LowerBound, UpperBound:
		logJ := o.Const(0)
		for i, v := range y {
			e := o.Exp(v)
			if c.Kind == UpperBound {
				x[i] = o.AddScalar(o.Neg(e), c.Hi)
			} else if c.Lo != 0 {
				x[i] = o.AddScalar(e, c.Lo)
			} else {
				x[i] = e
			}
			logJ = add(o, logJ, v, i)
		}
		return logJ
	case Bounded:
		w := c.Hi - c.Lo
		logJ := o.Const(0)
		for i, v := range y {
			x[i] = o.AddScalar(o.Scale(o.Sigmoid(v), w), c.Lo)
			t := o.Neg(o.Add(o.Softplus(v), o.Softplus(o.Neg(v))))
			logJ = add(o, logJ, t, i)
		}
		if len(y) > 0 {
			logJ = o.AddScalar(logJ, float64(len(y))*math.Log(w))
		}
		return logJ
	case OrderedKind:
		logJ := o.Const(0)
		x[0] = y[0]
		for i := 1; i < n; i++ {
			x[i] = o.Add(x[i-1], o.Exp(y[i]))
			logJ = add(o, logJ, y[i], i-1)
		}
		return logJ
	case SimplexKind:
		return simplex(o, y, x)
	case UnitKind:
		r2 := o.Square(y[0])
		for _, v := range y[1:] {
			r2 = o.Add(r2, o.Square(v))
		}
		r := o.Sqrt(r2)
		for i, v := range y {
			x[i] = o.Div(v, r)
		}
		return o.Scale(r2, -0.5)
	case CholeskyKind:
		return choleskyCorr(o, y, x, n)
	}
	panic(fmt.Sprintf("bijector: Constrain: %v", c))
}

// add returns s + t, or t when i = 0 (s then being the constant 0), which
// saves a node per sum.
func add[T any, O scalar.Ops[T]](o O, s, t T, i int) T {
	if i == 0 {
		return t
	}
	return o.Add(s, t)
}

// simplex is Stan's stick-breaking transform.
func simplex[T any, O scalar.Ops[T]](o O, y, x []T) T {
	k1 := len(y)
	logJ := o.Const(0)
	stick := o.Const(1)
	for k, v := range y {
		a := o.AddScalar(v, -math.Log(float64(k1-k)))
		z := o.Sigmoid(a)
		x[k] = o.Mul(stick, z)
		t := o.Neg(o.Add(o.Softplus(a), o.Softplus(o.Neg(a))))
		if k > 0 {
			t = o.Add(t, o.Log(stick))
		}
		logJ = add(o, logJ, t, k)
		stick = o.Sub(stick, x[k])
	}
	x[k1] = stick
	return logJ
}

// choleskyCorr is Stan's transform through canonical partial correlations.
func choleskyCorr[T any, O scalar.Ops[T]](o O, y, x []T, n int) T {
	zero := o.Const(0)
	logJ := zero
	x[0] = o.Const(1)
	for j := 1; j < n; j++ {
		x[j] = zero
	}
	k := 0
	for i := 1; i < n; i++ {
		var sum T // Σ_{m<j} L²ᵢₘ
		for j := 0; j < i; j++ {
			v := y[k]
			z := o.Tanh(v)
			// log(1 − tanh²v) = 2(log 2 − v − softplus(−2v))
			t := o.AddScalar(o.Scale(o.Add(v, o.Softplus(o.Scale(v, -2))), -2), 2*math.Ln2)
			if j == 0 {
				x[i*n] = z
			} else {
				rest := o.Sub(o.Const(1), sum) // 1 − Σ_{m<j} L²ᵢₘ
				x[i*n+j] = o.Mul(z, o.Sqrt(rest))
				t = o.Add(t, o.Scale(o.Log(rest), 0.5))
			}
			logJ = add(o, logJ, t, k)
			if j == 0 {
				sum = o.Square(x[i*n])
			} else {
				sum = o.Add(sum, o.Square(x[i*n+j]))
			}
			k++
		}
		x[i*n+i] = o.Sqrt(o.Sub(o.Const(1), sum))
		for j := i + 1; j < n; j++ {
			x[i*n+j] = zero
		}
	}
	return logJ
}

// Unconstrain sets y to the free values whose constrained values are x, the
// inverse of Constrain (for UnitVector, y = x). It returns an error
// wrapping ErrInvalid if x is outside the support of c (sums and norms are
// allowed a relative error of 1e-8).
func Unconstrain(c Constraint, x, y []float64) error {
	n := len(x)
	if c.Kind == CholeskyKind {
		n = int(math.Round(math.Sqrt(float64(len(x)))))
	}
	if err := c.Check(n); err != nil {
		return err
	}
	if free, cons := c.Sizes(n); len(y) != free || len(x) != cons {
		return fmt.Errorf("bijector: Unconstrain %v: %d free and %d constrained values, want %d and %d: %w", c, len(y), len(x), free, cons, ErrInvalid)
	}
	outside := func(format string, args ...any) error {
		return fmt.Errorf("bijector: %v: %s: %w", c, fmt.Sprintf(format, args...), ErrInvalid)
	}
	for i, v := range x {
		if !finite(v) {
			return outside("x[%d] = %g", i, v)
		}
	}
	const tol = 1e-8
	switch c.Kind {
	case Real:
		copy(y, x)
	case LowerBound, UpperBound:
		for i, v := range x {
			d := v - c.Lo
			if c.Kind == UpperBound {
				d = c.Hi - v
			}
			if !(d > 0) {
				return outside("x[%d] = %g is not inside", i, v)
			}
			y[i] = math.Log(d)
		}
	case Bounded:
		for i, v := range x {
			if !(v > c.Lo && v < c.Hi) {
				return outside("x[%d] = %g is not inside", i, v)
			}
			y[i] = math.Log(v-c.Lo) - math.Log(c.Hi-v)
		}
	case OrderedKind:
		y[0] = x[0]
		for i := 1; i < n; i++ {
			if !(x[i] > x[i-1]) {
				return outside("x[%d] = %g is not above x[%d] = %g", i, x[i], i-1, x[i-1])
			}
			y[i] = math.Log(x[i] - x[i-1])
		}
	case SimplexKind:
		sum := 0.0
		for i, v := range x {
			if !(v > 0) {
				return outside("x[%d] = %g is not positive", i, v)
			}
			sum += v
		}
		if math.Abs(sum-1) > tol {
			return outside("the values sum to %.17g, not 1", sum)
		}
		stick := 1.0
		for k := range y {
			z := x[k] / stick
			y[k] = math.Log(z) - math.Log1p(-z) + math.Log(float64(n-1-k))
			stick -= x[k]
		}
	case UnitKind:
		r2 := 0.0
		for _, v := range x {
			r2 += v * v
		}
		if math.Abs(math.Sqrt(r2)-1) > tol {
			return outside("norm %.17g, not 1", math.Sqrt(r2))
		}
		copy(y, x)
	case CholeskyKind:
		k := 0
		for i := range n {
			sum := 0.0
			for j := range n {
				v := x[i*n+j]
				switch {
				case j > i && v != 0:
					return outside("L[%d,%d] = %g above the diagonal", i+1, j+1, v)
				case j == i && !(v > 0):
					return outside("L[%d,%d] = %g on the diagonal is not positive", i+1, j+1, v)
				case j < i:
					z := v / math.Sqrt(1-sum)
					if !(math.Abs(z) < 1) {
						return outside("row %d does not have unit norm", i+1)
					}
					y[k] = math.Atanh(z)
					k++
				}
				if j <= i {
					sum += v * v
				}
			}
			if math.Abs(math.Sqrt(sum)-1) > tol {
				return outside("row %d has norm %.17g, not 1", i+1, math.Sqrt(sum))
			}
		}
	}
	return nil
}
