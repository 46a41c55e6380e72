package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// normCase is one normalisation op on inputs of given shapes, checked at
// orders 1 and 2 and, when third is set, at order 3.
type normCase struct {
	name   string
	shapes [][]int
	f      func(tp *Tape, x []*Tensor) *Tensor
	third  bool
}

// affineCase is a normalisation of x with an affine part of shape pshape
// (weight and bias as extra inputs) or without one (nil, nil).
func affineCase(name string, shape, pshape []int, affine bool, op func(tp *Tape, x, w, b *Tensor) *Tensor) normCase {
	shapes := [][]int{shape}
	if affine {
		shapes = append(shapes, pshape, pshape)
	}
	return normCase{
		name: fmt.Sprintf("%s/affine=%v", name, affine), shapes: shapes, third: true,
		f: func(tp *Tape, x []*Tensor) *Tensor {
			if affine {
				return op(tp, x[0], x[1], x[2])
			}
			return op(tp, x[0], nil, nil)
		},
	}
}

func layerNormCase(shape []int, dims int, affine bool, eps float64) normCase {
	return affineCase(fmt.Sprintf("LayerNorm/%v/dims=%d/eps=%g", shape, dims, eps), shape, shape[len(shape)-dims:], affine,
		func(tp *Tape, x, w, b *Tensor) *Tensor { return tp.LayerNorm(x, dims, w, b, eps) })
}

func groupNormCase(shape []int, groups int, affine bool, eps float64) normCase {
	return affineCase(fmt.Sprintf("GroupNorm/%v/groups=%d/eps=%g", shape, groups, eps), shape, shape[1:2], affine,
		func(tp *Tape, x, w, b *Tensor) *Tensor { return tp.GroupNorm(x, groups, w, b, eps) })
}

func normCases() []normCase {
	cs := []normCase{
		layerNormCase([]int{3, 4}, 1, true, 1e-5),
		layerNormCase([]int{3, 4}, 1, false, 0.1),
		layerNormCase([]int{2, 3, 4}, 2, true, 1e-5),
		layerNormCase([]int{2, 3, 4}, 3, true, 0.5),
		layerNormCase([]int{5}, 1, true, 1e-5),
		layerNormCase([]int{4, 1}, 1, true, 1e-5), // one element per row: x̂ = 0
		layerNormCase([]int{1, 2, 3}, 1, true, 1e-5),
		groupNormCase([]int{2, 4, 3}, 2, true, 1e-5),
		groupNormCase([]int{2, 6, 2, 2}, 3, true, 1e-5),
		groupNormCase([]int{3, 2, 1, 2}, 1, true, 0.1),
		groupNormCase([]int{2, 4, 3}, 4, false, 1e-5), // instance norm
		groupNormCase([]int{1, 3}, 3, true, 1e-5),     // one element per group
		groupNormCase([]int{2, 4}, 2, true, 1e-5),     // no spatial axes
	}
	for _, axes := range [][]int{{0}, {1}, {-1}, {0, 2}, {0, 2, 3}, {1, 3}, nil} {
		cs = append(cs,
			normCase{name: fmt.Sprintf("MeanAxes/%v", axes), shapes: [][]int{{2, 3, 1, 2}},
				f: func(tp *Tape, x []*Tensor) *Tensor { return sq(tp, tp.MeanAxes(x[0], axes...)) }},
			normCase{name: fmt.Sprintf("VarAxes/%v", axes), shapes: [][]int{{2, 3, 1, 2}}, third: true,
				f: func(tp *Tape, x []*Tensor) *Tensor { return sq(tp, tp.VarAxes(x[0], axes...)) }},
		)
	}
	for _, axes := range [][]int{{1, 3}, {0, 2}} { // kept axes on both sides of a reduced one
		cs = append(cs, normCase{name: fmt.Sprintf("VarAxes/%v/[2 3 2 2]", axes), shapes: [][]int{{2, 3, 2, 2}},
			f: func(tp *Tape, x []*Tensor) *Tensor { return sq(tp, tp.VarAxes(x[0], axes...)) }})
	}
	cs = append(cs,
		normCase{name: "Moments/both", shapes: [][]int{{4, 3, 2}},
			f: func(tp *Tape, x []*Tensor) *Tensor {
				m, v := tp.Moments(x[0], 0, 2)
				return tp.Mul(m, v)
			}},
		normCase{name: "Normalize/batch", shapes: [][]int{{5, 3, 2}}, // batch norm in training
			f: func(tp *Tape, x []*Tensor) *Tensor {
				m, v := tp.Moments(x[0], 0, 2)
				return tp.Normalize(x[0], m, v, 1e-5)
			}},
		normCase{name: "Normalize/running", shapes: [][]int{{4, 3}, {3}, {3}}, // statistics as inputs
			f: func(tp *Tape, x []*Tensor) *Tensor {
				return sq(tp, tp.Normalize(x[0], x[1], tp.Square(x[2]), 1e-3))
			}},
		normCase{name: "Dropout", shapes: [][]int{{4, 5}},
			f: func(tp *Tape, x []*Tensor) *Tensor {
				rng := rand.New(rand.NewPCG(9, 9)) // the same mask on every evaluation
				return sq(tp, tp.Dropout(x[0], 0.3, rng, true))
			}},
	)
	return cs
}

// TestNormGradCheck checks the normalisation ops and statistics against
// central differences at orders 1 and 2, and LayerNorm, GroupNorm (weight
// and bias included) and the variance at order 3.
func TestNormGradCheck(t *testing.T) {
	for ci, c := range normCases() {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(ci), 3))
			xs := make([]*Tensor, len(c.shapes))
			for i, s := range c.shapes {
				xs[i] = Randn(rng, s...)
			}
			orders := []int{1, 2}
			if c.third {
				orders = append(orders, 3)
			}
			for _, order := range orders {
				if err := CheckGrad(c.f, xs, CheckOptions{Order: order, Seed: uint64(ci)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// composedLayerNorm is LayerNorm written with primitive ops only.
func composedNorm(tp *Tape, x *Tensor, keep []int, eps float64) *Tensor {
	n := float64(len(x.data) / numel(keep))
	mean := tp.Scale(tp.SumTo(x, keep), 1/n)
	c := tp.Sub(x, mean)
	v := tp.Scale(tp.SumTo(tp.Square(c), keep), 1/n)
	return tp.Div(c, tp.Sqrt(tp.AddScalar(v, eps)))
}

// TestNormMatchesComposition compares the fused LayerNorm and GroupNorm, and
// the statistics, with the same maths written with primitive ops: values,
// first derivatives (fused kernel) and second derivatives (VJP in ops) must
// agree to 1e-12.
func TestNormMatchesComposition(t *testing.T) {
	const tol = 1e-12
	rng := rand.New(rand.NewPCG(5, 5))
	type pair struct {
		name       string
		x, w, b    *Tensor
		fused, ref func(tp *Tape, x, w, b *Tensor) *Tensor
	}
	x3 := Randn(rng, 3, 4, 5)
	x4 := Randn(rng, 2, 6, 3, 2)
	pairs := []pair{
		{"LayerNorm", x3, Randn(rng, 4, 5), Randn(rng, 4, 5),
			func(tp *Tape, x, w, b *Tensor) *Tensor { return tp.LayerNorm(x, 2, w, b, 1e-5) },
			func(tp *Tape, x, w, b *Tensor) *Tensor {
				return tp.Add(tp.Mul(composedNorm(tp, x, []int{3, 1, 1}, 1e-5), w), b)
			}},
		{"GroupNorm", x4, Randn(rng, 6), Randn(rng, 6),
			func(tp *Tape, x, w, b *Tensor) *Tensor { return tp.GroupNorm(x, 3, w, b, 1e-5) },
			func(tp *Tape, x, w, b *Tensor) *Tensor {
				xh := composedNorm(tp, tp.Reshape(x, 2, 3, 2, 3, 2), []int{2, 3, 1, 1, 1}, 1e-5)
				xh = tp.Reshape(xh, x.shape...)
				return tp.Add(tp.Mul(xh, tp.Reshape(w, 6, 1, 1)), tp.Reshape(b, 6, 1, 1))
			}},
		{"Moments", x4, Randn(rng, 1, 6, 1, 1), Randn(rng, 1, 6, 1, 1),
			func(tp *Tape, x, w, b *Tensor) *Tensor {
				m, v := tp.Moments(x, 0, 2, 3)
				return tp.Add(tp.Mul(m, w), tp.Mul(tp.Sqrt(v), b))
			},
			func(tp *Tape, x, w, b *Tensor) *Tensor {
				keep := []int{1, 6, 1, 1}
				m := tp.Scale(tp.SumTo(x, keep), 1.0/12)
				v := tp.Scale(tp.SumTo(tp.Square(tp.Sub(x, m)), keep), 1.0/12)
				return tp.Add(tp.Mul(m, w), tp.Mul(tp.Sqrt(v), b))
			}},
	}
	for _, p := range pairs {
		// Outputs and ∇ of Σ u⊙y (first order); then ∇ of Σ v⊙∇ₓ (second).
		run := func(f func(tp *Tape, x, w, b *Tensor) *Tensor) [][]float64 {
			tp := NewTape()
			ins := []*Tensor{p.x, p.w, p.b}
			y := f(tp, p.x, p.w, p.b)
			u := Randn(rand.New(rand.NewPCG(1, 2)), y.shape...)
			s := tp.Sum(tp.Mul(y, u))
			g1 := tp.Grad([]*Tensor{s}, ins, GradOptions{RetainGraph: true})
			out := [][]float64{y.data}
			for _, g := range g1 {
				out = append(out, g.data)
			}
			gx := tp.Grad([]*Tensor{s}, []*Tensor{p.x}, GradOptions{CreateGraph: true})[0]
			v := Randn(rand.New(rand.NewPCG(3, 4)), p.x.shape...)
			for _, g := range tp.Grad([]*Tensor{tp.Sum(tp.Mul(gx, v))}, ins, GradOptions{}) {
				out = append(out, g.data)
			}
			return out
		}
		got, want := run(p.fused), run(p.ref)
		for k := range want {
			for i := range want[k] {
				if d := math.Abs(got[k][i] - want[k][i]); !(d <= tol*max(1, math.Abs(want[k][i]))) {
					t.Errorf("%s: part %d element %d: fused %.17g, composed %.17g", p.name, k, i, got[k][i], want[k][i])
					break
				}
			}
		}
	}
}

// TestNormFusedVJPMatchesOps: the first-order VJP of the normalisation runs
// as a fused kernel when not recording and as tape ops when recording. The
// checks at order 2 and beyond differentiate the ops version but never compare
// its value with the truth, so the two must be compared directly.
func TestNormFusedVJPMatchesOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	x := Randn(rng, 3, 4, 5)
	u := Randn(rng, 3, 4, 5)
	w, b := Randn(rng, 4), Randn(rng, 4)
	for _, f := range []func(tp *Tape) *Tensor{
		func(tp *Tape) *Tensor { return tp.LayerNorm(x, 2, nil, nil, 1e-5) },
		func(tp *Tape) *Tensor { return tp.GroupNorm(x, 2, w, b, 1e-5) },
	} {
		grad := func(create bool) []float64 {
			tp := NewTape()
			s := tp.Sum(tp.Mul(f(tp), u))
			return tp.Grad([]*Tensor{s}, []*Tensor{x}, GradOptions{CreateGraph: create})[0].data
		}
		fused, ops := grad(false), grad(true)
		for i := range fused {
			if math.Abs(fused[i]-ops[i]) > 1e-13 {
				t.Fatalf("element %d: fused VJP %v, VJP in ops %v", i, fused[i], ops[i])
			}
		}
	}
}

// TestNormKnownValues checks LayerNorm against numbers worked by hand and
// MeanAxes/VarAxes against direct loops over a 4-D tensor.
func TestNormKnownValues(t *testing.T) {
	// Row [1, 2, 3, 6]: μ = 3, σ² = (4+1+0+9)/4 = 3.5.
	x := New([]float64{1, 2, 3, 6}, 1, 4)
	y := (*Tape)(nil).LayerNorm(x, 1, New([]float64{1, 2, 1, 1}, 4), New([]float64{0, 0, 1, 0}, 4), 0.5)
	r := 1 / math.Sqrt(4)
	want := []float64{-2 * r, -2 * r, 1, 3 * r}
	for i, w := range want {
		if math.Abs(y.data[i]-w) > 1e-15 {
			t.Errorf("LayerNorm[%d] = %v, want %v", i, y.data[i], w)
		}
	}

	rng := rand.New(rand.NewPCG(8, 8))
	x4 := Randn(rng, 2, 3, 4, 5)
	m, v := (*Tape)(nil).Moments(x4, 0, 2, 3)
	if s := m.Shape(); !sameShape(s, []int{1, 3, 1, 1}) {
		t.Fatalf("Moments shape %v, want [1 3 1 1]", s)
	}
	for c := range 3 {
		var sum, sum2 float64
		for n := range 2 {
			for h := range 4 {
				for w := range 5 {
					sum += x4.At(n, c, h, w)
				}
			}
		}
		mu := sum / 40
		for n := range 2 {
			for h := range 4 {
				for w := range 5 {
					d := x4.At(n, c, h, w) - mu
					sum2 += d * d
				}
			}
		}
		if math.Abs(m.data[c]-mu) > 1e-14 || math.Abs(v.data[c]-sum2/40) > 1e-14 {
			t.Errorf("channel %d: mean %v var %v, want %v %v", c, m.data[c], v.data[c], mu, sum2/40)
		}
	}
	// Every pattern of reduced axes of a 4-D tensor against SumTo.
	for mask := range 16 {
		var axes []int
		keep := x4.Shape()
		for ax := range 4 {
			if mask>>ax&1 == 1 {
				axes = append(axes, ax)
				keep[ax] = 1
			}
		}
		if len(axes) == 0 {
			continue // no axes means all axes
		}
		n := float64(x4.Len() / numel(keep))
		var tp *Tape
		m, v := tp.Moments(x4, axes...)
		wantM := tp.Scale(tp.SumTo(x4, keep), 1/n)
		wantV := tp.Scale(tp.SumTo(tp.Square(tp.Sub(x4, wantM)), keep), 1/n)
		for i := range wantM.data {
			if math.Abs(m.data[i]-wantM.data[i]) > 1e-14 || math.Abs(v.data[i]-wantV.data[i]) > 1e-14 {
				t.Fatalf("axes %v statistic %d: mean %v var %v, want %v %v", axes, i, m.data[i], v.data[i], wantM.data[i], wantV.data[i])
			}
		}
	}
	// A large offset: the centred sum keeps the variance that Σx² − nμ² loses.
	big := New([]float64{1e8 + 1, 1e8 + 2, 1e8 + 3, 1e8 + 4}, 4)
	if got := (*Tape)(nil).VarAxes(big, 0).Item(); got != 1.25 {
		t.Errorf("variance around 1e8: got %v, want 1.25", got)
	}
}

// TestNormSameBitsOnAnyCoreCount runs LayerNorm and GroupNorm large enough
// to be split across cores, forward and first and second order backward, on
// 1 core and on 16.
func TestNormSameBitsOnAnyCoreCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	x := Randn(rng, 16, 32, 8, 8)
	w, b := Randn(rng, 32), Randn(rng, 32)
	lw, lb := Randn(rng, 8, 8), Randn(rng, 8, 8)
	run := func() []float64 {
		tp := NewTape()
		y := tp.GroupNorm(x, 8, w, b, 1e-5)
		y = tp.LayerNorm(tp.SiLU(y), 2, lw, lb, 1e-5)
		m, v := tp.Moments(y, 0, 2, 3)
		e := tp.Add(tp.Sum(tp.Square(y)), tp.Sum(tp.Mul(m, v)))
		gx := tp.Grad([]*Tensor{e}, []*Tensor{x}, GradOptions{CreateGraph: true})[0]
		out := append([]float64{}, y.data...)
		out = append(out, gx.data...)
		for _, g := range tp.Grad([]*Tensor{tp.Sum(tp.Square(gx))}, []*Tensor{w, b, lw}, GradOptions{}) {
			out = append(out, g.data...)
		}
		return out
	}
	sameBits(t, "norm", run)
}

func TestNormPanics(t *testing.T) {
	var tp *Tape
	mustPanic(t, "LayerNorm", func() { tp.LayerNorm(Zeros(3, 4), 3, nil, nil, 1e-5) })
	mustPanic(t, "LayerNorm", func() { tp.LayerNorm(Zeros(3, 4), 1, Zeros(3), nil, 1e-5) })
	mustPanic(t, "GroupNorm", func() { tp.GroupNorm(Zeros(2, 6, 3), 4, nil, nil, 1e-5) })
	mustPanic(t, "GroupNorm", func() { tp.GroupNorm(Zeros(6), 1, nil, nil, 1e-5) })
	mustPanic(t, "GroupNorm", func() { tp.GroupNorm(Zeros(2, 6), 2, nil, Zeros(2), 1e-5) })
	mustPanic(t, "MeanAxes", func() { tp.MeanAxes(Zeros(2, 3), 2) })
	mustPanic(t, "Moments", func() { tp.Moments(Zeros(2, 3), 1, -1) })
	mustPanic(t, "Dropout", func() { tp.Dropout(Zeros(2), 1.5, nil, true) })
	mustPanic(t, "Dropout", func() { tp.Dropout(Zeros(2), 0.5, nil, true) })
}

// TestDropout checks the identity in evaluation, determinism given the rng,
// the mask values, the kept fraction (within 4 standard errors) and that the
// output's mean is x's (inverted scaling).
func TestDropout(t *testing.T) {
	var tp *Tape
	x := Ones(200, 500)
	if y := tp.Dropout(x, 0.3, nil, false); y != x {
		t.Error("Dropout in evaluation is not the identity")
	}
	if y := tp.Dropout(x, 0, nil, true); y != x {
		t.Error("Dropout with p = 0 is not the identity")
	}
	const p = 0.3
	y := tp.Dropout(x, p, rand.New(rand.NewPCG(4, 4)), true)
	y2 := tp.Dropout(x, p, rand.New(rand.NewPCG(4, 4)), true)
	n := float64(len(x.data))
	kept, sum := 0.0, 0.0
	for i, v := range y.data {
		if v != y2.data[i] {
			t.Fatal("the same rng gave different masks")
		}
		switch v {
		case 0:
		case 1 / (1 - p):
			kept++
		default:
			t.Fatalf("mask value %v, want 0 or %v", v, 1/(1-p))
		}
		sum += v
	}
	if se := math.Sqrt(p * (1 - p) / n); math.Abs(kept/n-(1-p)) > 4*se {
		t.Errorf("kept fraction %v, want %v ± %v", kept/n, 1-p, 4*se)
	}
	// Each output is 1/(1−p) with probability 1−p: mean 1, variance p/(1−p).
	if se := math.Sqrt(p / (1 - p) / n); math.Abs(sum/n-1) > 4*se {
		t.Errorf("mean output %v, want 1 ± %v", sum/n, 4*se)
	}
	for _, v := range tp.Dropout(Ones(10), 1, rand.New(rand.NewPCG(1, 1)), true).data {
		if v != 0 {
			t.Fatalf("p = 1 kept %v", v)
		}
	}
	// The gradient is the mask: g ⊙ m.
	rt := NewTape()
	xs := Randn(rand.New(rand.NewPCG(2, 2)), 3, 4)
	yd := rt.Dropout(xs, 0.5, rand.New(rand.NewPCG(5, 5)), true)
	mask := tp.Dropout(Ones(3, 4), 0.5, rand.New(rand.NewPCG(5, 5)), true)
	g := rt.Grad([]*Tensor{yd}, []*Tensor{xs}, GradOptions{})[0]
	for i := range g.data {
		if g.data[i] != mask.data[i] {
			t.Fatalf("gradient %v, want the mask %v", g.data, mask.data)
		}
	}
}

// TestNormReusesStorage: after a warm-up step, GroupNorm and LayerNorm with
// their first-order backward pass allocate only bookkeeping on a Reset tape,
// never tensor storage (each buffer here is 256 KiB; the bound is an eighth).
func TestNormReusesStorage(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	rng := rand.New(rand.NewPCG(11, 11))
	x := Randn(rng, 8, 16, 16, 16)
	w, b := Randn(rng, 16), Randn(rng, 16)
	lw, lb := Randn(rng, 16, 16), Randn(rng, 16, 16)
	tp := NewTape()
	step := func() {
		y := tp.LayerNorm(tp.GroupNorm(x, 4, w, b, 1e-5), 2, lw, lb, 1e-5)
		tp.Grad([]*Tensor{tp.Sum(tp.Square(y))}, []*Tensor{x, w, b, lw, lb}, GradOptions{})
		tp.Reset()
	}
	step()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const iters = 10
	for range iters {
		step()
	}
	runtime.ReadMemStats(&after)
	perIter := float64(after.TotalAlloc-before.TotalAlloc) / iters
	if limit := float64(len(x.data)) * 8 / 8; perIter > limit {
		t.Fatalf("%.0f bytes allocated per step, want under %.0f", perIter, limit)
	}
}
