package tensor

import "fmt"

// Precision is the number type in which the matrix products that read a
// tensor are computed: MatMul, MatMulT, Linear, BatchMatMul, Conv2d,
// ConvTranspose2d, the pooling and upsampling maps and attention, and the
// gradients of each; and SiLU and GELUTanh (their σ, and GELUTanh's
// derivative) where the CPU has AVX-512. Values
// are stored as float64 either way, and every other op computes in
// float64: Float32 trades the last digits of the products for the float32
// product's speed (twice the lanes per instruction), as networks can,
// while MCMC accept tests and analytic energies keep float64.
//
// A tensor's precision is set on leaves (a network's parameters) and
// spreads: every op's output takes the lowest precision among its inputs,
// so a network whose parameters are Float32 computes its products, its
// gradients and its gradients' gradients in float32 on any input.
//
// The float32 product runs where the build has one: the packed kernels of
// the pure-Go build on amd64 (AVX-512 where the CPU has it, else AVX2 with
// FMA) or OpenBLAS's sgemm (-tags openblas). Elsewhere (gonum's pure-Go
// BLAS) products stay float64; HasFloat32 says which.
type Precision uint8

const (
	// Float64 is the default: products in float64.
	Float64 Precision = iota
	// Float32 rounds the operands of each product to float32 and sums
	// blocks of up to 256 terms in float32, adding the block sums in
	// float64.
	Float32
)

// String returns "float64" or "float32".
func (p Precision) String() string {
	switch p {
	case Float64:
		return "float64"
	case Float32:
		return "float32"
	}
	return fmt.Sprintf("Precision(%d)", uint8(p))
}

// ParsePrecision returns the precision named "float64" or "float32"; the
// empty name is Float64.
func ParsePrecision(s string) (Precision, error) {
	switch s {
	case "float64", "":
		return Float64, nil
	case "float32":
		return Float32, nil
	}
	return 0, fmt.Errorf("tensor: unknown precision %q (want float64 or float32)", s)
}

// Precision returns the precision of the products that read t.
func (t *Tensor) Precision() Precision { return t.prec }

// SetPrecision sets the precision of the products that read t, a leaf
// (typically a parameter), and returns t. Outputs of ops take theirs from
// their inputs.
func (t *Tensor) SetPrecision(p Precision) *Tensor {
	if p > Float32 {
		panic(fmt.Sprintf("tensor: SetPrecision: %v", p))
	}
	t.prec = p
	return t
}

// lowest returns the lowest precision among ts (nil entries ignored).
func lowest(ts ...*Tensor) Precision {
	p := Float64
	for _, t := range ts {
		if t != nil && t.prec > p {
			p = t.prec
		}
	}
	return p
}
