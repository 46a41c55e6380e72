package scalar

import "math"

// Float is Ops on plain float64 values, with no tape: code written against
// Ops evaluates with it at the cost of the arithmetic alone, for example to
// map draws back through a transform or to report a log density.
type Float struct{}

var _ Ops[float64] = Float{}

// Const returns c.
func (Float) Const(c float64) float64 { return c }

// Add returns a + b.
func (Float) Add(a, b float64) float64 { return a + b }

// Sub returns a − b.
func (Float) Sub(a, b float64) float64 { return a - b }

// Mul returns a·b.
func (Float) Mul(a, b float64) float64 { return a * b }

// Div returns a / b.
func (Float) Div(a, b float64) float64 { return a / b }

// Neg returns −x.
func (Float) Neg(x float64) float64 { return -x }

// Scale returns c·x.
func (Float) Scale(x, c float64) float64 { return c * x }

// AddScalar returns x + c.
func (Float) AddScalar(x, c float64) float64 { return x + c }

// Square returns x².
func (Float) Square(x float64) float64 { return x * x }

// Sqrt returns √x.
func (Float) Sqrt(x float64) float64 { return math.Sqrt(x) }

// Pow returns xᵖ.
func (Float) Pow(x, p float64) float64 { return math.Pow(x, p) }

// Exp returns eˣ.
func (Float) Exp(x float64) float64 { return math.Exp(x) }

// Log returns log x.
func (Float) Log(x float64) float64 { return math.Log(x) }

// Log1p returns log(1 + x).
func (Float) Log1p(x float64) float64 { return math.Log1p(x) }

// Softplus returns log(1 + eˣ), computed without overflow.
func (Float) Softplus(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

// Sigmoid returns 1 / (1 + e⁻ˣ).
func (Float) Sigmoid(x float64) float64 { return sigmoid(x) }

// Tanh returns tanh x.
func (Float) Tanh(x float64) float64 { return math.Tanh(x) }

// Abs returns |x|.
func (Float) Abs(x float64) float64 { return math.Abs(x) }
