package energy

import (
	"cmp"
	"fmt"
	"math"
)

// DoubleWell is h·Σᵢ(xᵢ² − b²)²: two wells per axis at ±b separated by a
// barrier of height h·b⁴. The zero value means TorchEBM's h = 2, b = 1.
type DoubleWell struct {
	BarrierHeight, B float64
}

func (w DoubleWell) params() (h, b float64) {
	h, b = cmp.Or(w.BarrierHeight, 2), cmp.Or(w.B, 1)
	return h, b
}

// Dim returns 0: any dimension.
func (DoubleWell) Dim() int { return 0 }

// Energy evaluates the double well.
func (w DoubleWell) Energy(e, x []float64, d int) { w.Grad(e, nil, x, d) }

// Grad evaluates the double well and its gradient 4h·xᵢ(xᵢ² − b²). The
// sum runs in four interleaved partial sums, so that a row's adds overlap
// instead of each waiting on the last: on Langevin's cheap steps the one
// chain of dependent adds was most of the energy's time.
func (w DoubleWell) Grad(e, g, x []float64, d int) {
	h, b := w.params()
	b2, c := b*b, 4*h
	checkBatch(e, g, x, d)
	for i := range e {
		xi := x[i*d : (i+1)*d]
		var gi []float64
		if g != nil {
			gi = g[i*d : (i+1)*d]
			gi = gi[:len(xi)]
		}
		var s0, s1, s2, s3 float64
		j := 0
		for ; j+4 <= len(xi); j += 4 {
			v := xi[j : j+4 : j+4]
			u0, u1, u2, u3 := v[0]*v[0]-b2, v[1]*v[1]-b2, v[2]*v[2]-b2, v[3]*v[3]-b2
			s0 += u0 * u0
			s1 += u1 * u1
			s2 += u2 * u2
			s3 += u3 * u3
			if gi != nil {
				o := gi[j : j+4 : j+4]
				o[0], o[1], o[2], o[3] = c*v[0]*u0, c*v[1]*u1, c*v[2]*u2, c*v[3]*u3
			}
		}
		for ; j < len(xi); j++ {
			v := xi[j]
			u := v*v - b2
			s0 += u * u
			if gi != nil {
				gi[j] = c * v * u
			}
		}
		e[i] = h * ((s0 + s1) + (s2 + s3))
	}
}

// Harmonic is ½k·Σᵢxᵢ², a standard normal at k = 1 (the zero value).
type Harmonic struct{ K float64 }

// Dim returns 0: any dimension.
func (Harmonic) Dim() int { return 0 }

// Energy evaluates the harmonic well.
func (h Harmonic) Energy(e, x []float64, d int) { h.Grad(e, nil, x, d) }

// Grad evaluates the harmonic well and its gradient k·x.
func (h Harmonic) Grad(e, g, x []float64, d int) {
	k := cmp.Or(h.K, 1)
	rows(e, g, x, d, func(_ int, xi, gi []float64) float64 {
		s := 0.0
		for j, v := range xi {
			s += v * v
			if gi != nil {
				gi[j] = k * v
			}
		}
		return 0.5 * k * s
	})
}

// Rosenbrock is Σᵢ[(a − xᵢ)² + b(xᵢ₊₁ − xᵢ²)²], minimal (zero) at
// (a, a², a⁴ …) only for d = 2; the zero value means a = 1, b = 100.
type Rosenbrock struct{ A, B float64 }

// Dim returns 0: any dimension of at least 2.
func (Rosenbrock) Dim() int { return 0 }

// Energy evaluates the Rosenbrock function.
func (r Rosenbrock) Energy(e, x []float64, d int) { r.Grad(e, nil, x, d) }

// Grad evaluates the Rosenbrock function and its gradient.
func (r Rosenbrock) Grad(e, g, x []float64, d int) {
	a, b := r.A, r.B
	if a == 0 && b == 0 {
		a, b = 1, 100
	}
	rows(e, g, x, d, func(_ int, xi, gi []float64) float64 {
		if gi != nil {
			clear(gi)
		}
		s := 0.0
		for j := 0; j+1 < len(xi); j++ {
			u, w := a-xi[j], xi[j+1]-xi[j]*xi[j]
			s += u*u + b*w*w
			if gi != nil {
				gi[j] += -2*u - 4*b*xi[j]*w
				gi[j+1] += 2 * b * w
			}
		}
		return s
	})
}

// Ackley is −a·exp(−b√(mean x²)) − exp(mean cos(c·x)) + a + e, zero at the
// origin; the zero value means a = 20, b = 0.2, c = 2π. The gradient at the
// origin, where the first term has a cusp, is taken as 0 (TorchEBM's is NaN).
type Ackley struct{ A, B, C float64 }

// Dim returns 0: any dimension.
func (Ackley) Dim() int { return 0 }

// Energy evaluates Ackley's function.
func (f Ackley) Energy(e, x []float64, d int) { f.Grad(e, nil, x, d) }

// Grad evaluates Ackley's function and its gradient.
func (f Ackley) Grad(e, g, x []float64, d int) {
	a, b, c := f.A, f.B, f.C
	if a == 0 && b == 0 && c == 0 {
		a, b, c = 20, 0.2, 2*math.Pi
	}
	rows(e, g, x, d, func(_ int, xi, gi []float64) float64 {
		sq, cs := 0.0, 0.0
		for _, v := range xi {
			sq += v * v
			cs += math.Cos(c * v)
		}
		n := float64(len(xi))
		r := math.Sqrt(sq / n)
		t1 := a * math.Exp(-b*r)
		t2 := math.Exp(cs / n)
		if gi != nil {
			for j, v := range xi {
				gi[j] = t2 * c * math.Sin(c*v) / n
				if r > 0 {
					gi[j] += t1 * b * v / (n * r)
				}
			}
		}
		return -t1 - t2 + a + math.E
	})
}

// Rastrigin is a·d + Σᵢ(xᵢ² − a·cos(2πxᵢ)), zero at the origin; the zero
// value means a = 10.
type Rastrigin struct{ A float64 }

// Dim returns 0: any dimension.
func (Rastrigin) Dim() int { return 0 }

// Energy evaluates Rastrigin's function.
func (f Rastrigin) Energy(e, x []float64, d int) { f.Grad(e, nil, x, d) }

// Grad evaluates Rastrigin's function and its gradient 2xᵢ + 2πa·sin(2πxᵢ).
func (f Rastrigin) Grad(e, g, x []float64, d int) {
	a := cmp.Or(f.A, 10)
	rows(e, g, x, d, func(_ int, xi, gi []float64) float64 {
		s := a * float64(len(xi))
		for j, v := range xi {
			s += v*v - a*math.Cos(2*math.Pi*v)
			if gi != nil {
				gi[j] = 2*v + 2*math.Pi*a*math.Sin(2*math.Pi*v)
			}
		}
		return s
	})
}

// Funnel is Neal's funnel in d dimensions: x = (v, z₁ … z_{d−1}) with
// v ~ N(0, σ²) and zᵢ | v ~ N(0, eᵛ), so
// E = v²/(2σ²) + Σᵢ(zᵢ²e⁻ᵛ + v)/2. The zero value means σ = 3. Its neck is
// what defeats fixed-step samplers.
type Funnel struct{ Sigma float64 }

// Dim returns 0: any dimension of at least 2.
func (Funnel) Dim() int { return 0 }

// Energy evaluates the funnel.
func (f Funnel) Energy(e, x []float64, d int) { f.Grad(e, nil, x, d) }

// Grad evaluates the funnel and its gradient.
func (f Funnel) Grad(e, g, x []float64, d int) {
	s := cmp.Or(f.Sigma, 3)
	rows(e, g, x, d, func(_ int, xi, gi []float64) float64 {
		v := xi[0]
		ev := math.Exp(-v)
		zz := 0.0
		for j, z := range xi[1:] {
			zz += z * z
			if gi != nil {
				gi[j+1] = z * ev
			}
		}
		k := float64(len(xi) - 1)
		if gi != nil {
			gi[0] = v/(s*s) - 0.5*zz*ev + 0.5*k
		}
		return v*v/(2*s*s) + 0.5*zz*ev + 0.5*k*v
	})
}

// Quadratic is ½xᵀAx for a symmetric d×d matrix A, with gradient Ax; for a
// positive-definite A it is the energy of N(0, A⁻¹). The zero value means
// A = I in any dimension, ½‖x‖², the quadratic TorchEBM's tests use.
type Quadratic struct {
	a []float64 // row-major d×d, or nil for the identity
	d int
}

// NewQuadratic returns ½xᵀAx for a (d×d, row-major). It returns an error
// when a is empty or not square, a value is not finite, or a is not
// symmetric. A need not be positive-definite, but exp(−E) is a proper
// density only when it is.
func NewQuadratic(a []float64) (*Quadratic, error) {
	d := int(math.Round(math.Sqrt(float64(len(a)))))
	if d == 0 || d*d != len(a) {
		return nil, fmt.Errorf("energy: Quadratic of %d matrix values: not a square matrix: %w", len(a), ErrInvalid)
	}
	for i, v := range a {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("energy: Quadratic matrix value %d is %g: %w", i, v, ErrInvalid)
		}
	}
	if i, j, ok := symmetric(a, d); !ok {
		return nil, fmt.Errorf("energy: Quadratic matrix is not symmetric at (%d, %d): %g vs %g: %w", i, j, a[i*d+j], a[j*d+i], ErrInvalid)
	}
	return &Quadratic{a: append([]float64(nil), a...), d: d}, nil
}

// Dim returns the dimension of A, or 0 (any) for the identity.
func (q Quadratic) Dim() int { return q.d }

// Energy evaluates the quadratic.
func (q Quadratic) Energy(e, x []float64, d int) { q.Grad(e, nil, x, d) }

// Grad evaluates the quadratic and its gradient Ax.
func (q Quadratic) Grad(e, g, x []float64, d int) {
	if q.a != nil && d != q.d {
		panic(fmt.Sprintf("energy: Quadratic of dimension %d given points of dimension %d", q.d, d))
	}
	rows(e, g, x, d, func(_ int, xi, gi []float64) float64 {
		s := 0.0
		for j, v := range xi {
			ax := v
			if q.a != nil {
				ax = 0
				for k, w := range xi {
					ax += q.a[j*d+k] * w
				}
			}
			s += v * ax
			if gi != nil {
				gi[j] = ax
			}
		}
		return 0.5 * s
	})
}

// Himmelblau is (x² + y − 11)² + (x + y² − 7)² in two dimensions: four
// minima of value 0, at (3, 2), (−2.805118, 3.131313), (−3.779310, −3.283186)
// and (3.584428, −1.848127), a four-mode target for samplers.
type Himmelblau struct{}

// Dim returns 2.
func (Himmelblau) Dim() int { return 2 }

// Energy evaluates Himmelblau's function.
func (f Himmelblau) Energy(e, x []float64, d int) { f.Grad(e, nil, x, d) }

// Grad evaluates Himmelblau's function and its gradient
// (4xu + 2w, 2u + 4yw) with u = x² + y − 11 and w = x + y² − 7.
func (Himmelblau) Grad(e, g, x []float64, d int) {
	checkDim2("Himmelblau", d)
	rows(e, g, x, d, func(_ int, xi, gi []float64) float64 {
		a, b := xi[0], xi[1]
		u, w := a*a+b-11, a+b*b-7
		if gi != nil {
			gi[0] = 4*a*u + 2*w
			gi[1] = 2*u + 4*b*w
		}
		return u*u + w*w
	})
}

// Booth is (x + 2y − 7)² + (2x + y − 5)² in two dimensions, zero at (1, 3):
// a Gaussian with precision [[10, 8], [8, 10]], correlated −0.8.
type Booth struct{}

// Dim returns 2.
func (Booth) Dim() int { return 2 }

// Energy evaluates Booth's function.
func (f Booth) Energy(e, x []float64, d int) { f.Grad(e, nil, x, d) }

// Grad evaluates Booth's function and its gradient (2u + 4w, 4u + 2w) with
// u = x + 2y − 7 and w = 2x + y − 5.
func (Booth) Grad(e, g, x []float64, d int) {
	checkDim2("Booth", d)
	rows(e, g, x, d, func(_ int, xi, gi []float64) float64 {
		u, w := xi[0]+2*xi[1]-7, 2*xi[0]+xi[1]-5
		if gi != nil {
			gi[0] = 2*u + 4*w
			gi[1] = 4*u + 2*w
		}
		return u*u + w*w
	})
}

// StyblinskiTang is ½Σᵢ(xᵢ⁴ − 16xᵢ² + 5xᵢ) in any dimension: 2ᵈ local minima
// at xᵢ ≈ 2.7468 or −2.9035, the lowest at xᵢ = −2.903534 for all i, of
// value −39.16617·d.
type StyblinskiTang struct{}

// Dim returns 0: any dimension.
func (StyblinskiTang) Dim() int { return 0 }

// Energy evaluates the Styblinski–Tang function.
func (f StyblinskiTang) Energy(e, x []float64, d int) { f.Grad(e, nil, x, d) }

// Grad evaluates the Styblinski–Tang function and its gradient
// 2xᵢ³ − 16xᵢ + 2.5.
func (StyblinskiTang) Grad(e, g, x []float64, d int) {
	rows(e, g, x, d, func(_ int, xi, gi []float64) float64 {
		s := 0.0
		for j, v := range xi {
			v2 := v * v
			s += v2*v2 - 16*v2 + 5*v
			if gi != nil {
				gi[j] = 2*v2*v - 16*v + 2.5
			}
		}
		return 0.5 * s
	})
}

// checkDim2 panics unless d is 2: a 2-D energy given other points is a
// programmer's error (CheckDim is the user-facing check).
func checkDim2(name string, d int) {
	if d != 2 {
		panic(fmt.Sprintf("energy: %s takes dimension 2, got %d", name, d))
	}
}

var (
	_ Energy = DoubleWell{}
	_ Energy = Harmonic{}
	_ Energy = Rosenbrock{}
	_ Energy = Ackley{}
	_ Energy = Rastrigin{}
	_ Energy = Funnel{}
	_ Energy = Quadratic{}
	_ Energy = Himmelblau{}
	_ Energy = Booth{}
	_ Energy = StyblinskiTang{}
)
