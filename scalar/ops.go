package scalar

import "math"

// Ops is the arithmetic of a tape on values of type T. *Tape implements
// Ops[Var] and *tensor.Tape implements Ops[*tensor.Tensor], where the ops
// are element-wise with broadcasting. Write a density or a transform once,
// generic over Ops, and it runs on either.
type Ops[T any] interface {
	// Const returns the constant c.
	Const(c float64) T
	// Add returns a + b.
	Add(a, b T) T
	// Sub returns a − b.
	Sub(a, b T) T
	// Mul returns a·b.
	Mul(a, b T) T
	// Div returns a / b.
	Div(a, b T) T
	// Neg returns −x.
	Neg(x T) T
	// Scale returns c·x.
	Scale(x T, c float64) T
	// AddScalar returns x + c.
	AddScalar(x T, c float64) T
	// Square returns x².
	Square(x T) T
	// Sqrt returns √x.
	Sqrt(x T) T
	// Pow returns xᵖ.
	Pow(x T, p float64) T
	// Exp returns eˣ.
	Exp(x T) T
	// Log returns log x.
	Log(x T) T
	// Log1p returns log(1 + x).
	Log1p(x T) T
	// Softplus returns log(1 + eˣ), without overflow.
	Softplus(x T) T
	// Sigmoid returns 1 / (1 + e⁻ˣ).
	Sigmoid(x T) T
	// Tanh returns tanh x.
	Tanh(x T) T
	// Abs returns |x|; its derivative at 0 is taken as 0.
	Abs(x T) T
	// Lgamma returns log|Γ(x)|, log Γ(x) for x > 0; its derivative is the
	// digamma function ψ(x).
	Lgamma(x T) T
}

var _ Ops[Var] = (*Tape)(nil)

// Add returns a + b.
func (tp *Tape) Add(a, b Var) Var { return tp.binary(a.v+b.v, a, 1, b, 1) }

// Sub returns a − b.
func (tp *Tape) Sub(a, b Var) Var { return tp.binary(a.v-b.v, a, 1, b, -1) }

// Mul returns a·b.
func (tp *Tape) Mul(a, b Var) Var { return tp.binary(a.v*b.v, a, b.v, b, a.v) }

// Div returns a / b.
func (tp *Tape) Div(a, b Var) Var {
	y := a.v / b.v
	return tp.binary(y, a, 1/b.v, b, -y/b.v)
}

// Neg returns −x.
func (tp *Tape) Neg(x Var) Var { return tp.unary(-x.v, x, -1) }

// Scale returns c·x.
func (tp *Tape) Scale(x Var, c float64) Var { return tp.unary(c*x.v, x, c) }

// AddScalar returns x + c.
func (tp *Tape) AddScalar(x Var, c float64) Var { return tp.unary(x.v+c, x, 1) }

// Square returns x².
func (tp *Tape) Square(x Var) Var { return tp.unary(x.v*x.v, x, 2*x.v) }

// Sqrt returns √x.
func (tp *Tape) Sqrt(x Var) Var {
	y := math.Sqrt(x.v)
	return tp.unary(y, x, 0.5/y)
}

// Pow returns xᵖ.
func (tp *Tape) Pow(x Var, p float64) Var {
	switch p {
	case 0:
		return Var{v: 1}
	case 1:
		return x
	case 2:
		return tp.Square(x)
	}
	return tp.unary(math.Pow(x.v, p), x, p*math.Pow(x.v, p-1))
}

// Exp returns eˣ.
func (tp *Tape) Exp(x Var) Var {
	y := math.Exp(x.v)
	return tp.unary(y, x, y)
}

// Log returns log x.
func (tp *Tape) Log(x Var) Var { return tp.unary(math.Log(x.v), x, 1/x.v) }

// Log1p returns log(1 + x).
func (tp *Tape) Log1p(x Var) Var { return tp.unary(math.Log1p(x.v), x, 1/(1+x.v)) }

// Softplus returns log(1 + eˣ), computed without overflow.
func (tp *Tape) Softplus(x Var) Var {
	// One exponential serves the value and the derivative σ(x).
	e := math.Exp(-math.Abs(x.v))
	d := 1 / (1 + e)
	if x.v < 0 {
		d = e / (1 + e)
	}
	return tp.unary(math.Max(x.v, 0)+math.Log1p(e), x, d)
}

// Sigmoid returns 1 / (1 + e⁻ˣ).
func (tp *Tape) Sigmoid(x Var) Var {
	s := sigmoid(x.v)
	return tp.unary(s, x, s*(1-s))
}

// Tanh returns tanh x.
func (tp *Tape) Tanh(x Var) Var {
	y := math.Tanh(x.v)
	return tp.unary(y, x, 1-y*y)
}

// Abs returns |x|; its derivative at 0 is taken as 0.
func (tp *Tape) Abs(x Var) Var {
	d := 0.0
	switch {
	case x.v > 0:
		d = 1
	case x.v < 0:
		d = -1
	}
	return tp.unary(math.Abs(x.v), x, d)
}

func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}
