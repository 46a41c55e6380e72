package energy

import (
	"cmp"
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

// Grad evaluates the double well and its gradient 4h·xᵢ(xᵢ² − b²).
func (w DoubleWell) Grad(e, g, x []float64, d int) {
	h, b := w.params()
	b2 := b * b
	checkBatch(e, g, x, d)
	for i := range e {
		s := 0.0
		xi := x[i*d : (i+1)*d]
		for j, v := range xi {
			u := v*v - b2
			s += u * u
			if g != nil {
				g[i*d+j] = 4 * h * v * u
			}
		}
		e[i] = h * s
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

var (
	_ Energy = DoubleWell{}
	_ Energy = Harmonic{}
	_ Energy = Rosenbrock{}
	_ Energy = Ackley{}
	_ Energy = Rastrigin{}
	_ Energy = Funnel{}
)
