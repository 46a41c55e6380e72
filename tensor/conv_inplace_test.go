package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvInPlaceSameBits: the in-place forward and adjoint kernels give
// the same bits as im2col's and col2im's, and so does the in-place weight
// gradient where each sample's grid is one block of the product, for every geometry of the
// definition tests (strides, padding, dilation, groups; read as Conv2d and
// as ConvTranspose2d, with output padding, whose last rows and columns no
// output reads), the conv energy's layers, and batches of 1, 19 (pieces of
// 2, the last short) and 40, in both precisions.
func TestConvInPlaceSameBits(t *testing.T) {
	type geo struct {
		name string
		g    convGeom
	}
	var geos []geo
	for i, c := range convCases() {
		geos = append(geos, geo{fmt.Sprintf("conv %d", i), conv2dGeom(c.x, c.w, c.o)})
	}
	for i, c := range convTransposeCases() {
		geos = append(geos, geo{fmt.Sprintf("transposed %d", i), convTranspose2dGeom(c.x, c.w, c.o)})
	}
	for _, c := range []struct{ x, w []int }{{[]int{1, 1, 28, 28}, []int{32, 1, 3, 3}}, {[]int{1, 32, 28, 28}, []int{32, 32, 4, 4}}, {[]int{1, 32, 7, 7}, []int{64, 32, 4, 4}}} {
		o := ConvOptions{Padding: [2]int{1, 1}}
		if c.w[2] == 4 {
			o.Stride = [2]int{2, 2}
		}
		geos = append(geos, geo{fmt.Sprintf("energy %v", c.x[1:]), conv2dGeom(c.x, c.w, o)})
	}
	stride3 := ConvOptions{Stride: [2]int{3, 3}, Padding: [2]int{1, 2}, Dilation: [2]int{1, 2}} // the pad's general branch
	geos = append(geos, geo{"conv stride 3", conv2dGeom([]int{1, 2, 10, 11}, []int{3, 2, 3, 2}, stride3)})
	stride3.OutputPadding = [2]int{2, 1}
	geos = append(geos, geo{"transposed stride 3", convTranspose2dGeom([]int{1, 3, 4, 4}, []int{3, 2, 3, 2}, stride3)})
	rng := rand.New(rand.NewPCG(3, 4))
	randn := func(n int) []float64 { return Randn(rng, n).data }
	for _, prec := range []Precision{Float64, Float32} {
		if !packedProduct(prec) {
			t.Logf("%v: no packed product in this build, nothing to compare", prec)
			continue
		}
		for _, gc := range geos {
			for _, n := range []int{1, 19, 40} {
				g := gc.g
				g.n, g.prec = n, prec
				x, y, w := randn(n*g.c*g.h*g.w), randn(n*g.o*g.pq()), randn(g.o*g.rows()/g.groups)
				for _, withBias := range []bool{false, true} {
					var bo, bc []float64
					if withBias {
						bo, bc = randn(g.o), randn(g.c)
					}
					want, got := make([]float64, len(y)), make([]float64, len(y))
					convForwardIm2col(want, x, w, bo, &g)
					convForwardInPlace(got, x, w, bo, &g)
					equalBits(t, fmt.Sprintf("%v %s n=%d bias %v: forward", prec, gc.name, n, withBias), got, want)
					want, got = make([]float64, len(x)), make([]float64, len(x))
					for i := range got {
						got[i] = math.NaN() // every element must be written
					}
					convAdjointCol2im(want, y, w, bc, &g)
					convAdjointInPlace(got, y, w, bc, &g)
					equalBits(t, fmt.Sprintf("%v %s n=%d bias %v: adjoint", prec, gc.name, n, withBias), got, want)
				}
				if g.grid().plane > gemmDepth {
					continue
				}
				chunks := (n + convBatchChunk - 1) / convBatchChunk
				want, got := make([]float64, len(w)), make([]float64, len(w))
				convWeightIm2col(want, make([]float64, chunks*len(w)), x, y, &g)
				convWeightInPlace(got, make([]float64, chunks*len(w)), x, y, &g)
				equalBits(t, fmt.Sprintf("%v %s n=%d: weight gradient", prec, gc.name, n), got, want)
			}
		}
	}
}

func equalBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s: element %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestConvAdjointFlipped: where the stride is 1, the adjoint runs as a
// forward conv of the flipped weight (flipped), which sums each element in
// another order than col2im: it must agree within the rounding of its sums,
// bounded by the terms' absolute sum Σ|ȳ||w| (computed by the col2im
// adjoint on |ȳ| and |w|) times 1e-13 in float64, and times 258·2⁻²⁴ in
// float32, whose sums run in float32 over blocks of up to 256 terms. It
// must be taken for the stride-1 layers of the networks (3×3, padding 1;
// 1×1), and refused where output padding leaves the sizes open.
func TestConvAdjointFlipped(t *testing.T) {
	type geo struct {
		name string
		g    convGeom
		want bool // whether flipped applies
	}
	geos := []geo{
		{"resnet 3x3", conv2dGeom([]int{1, 32, 28, 28}, []int{32, 32, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}), true},
		{"3x3 unpadded", conv2dGeom([]int{1, 3, 9, 8}, []int{4, 3, 3, 3}, ConvOptions{}), true},
		{"1x1 skip", conv2dGeom([]int{1, 16, 8, 8}, []int{32, 16, 1, 1}, ConvOptions{}), true},
		{"dilated, grouped", conv2dGeom([]int{1, 4, 9, 10}, []int{6, 2, 3, 2}, ConvOptions{Padding: [2]int{2, 1}, Dilation: [2]int{2, 3}, Groups: 2}), true},
		{"stride 2", conv2dGeom([]int{1, 4, 9, 10}, []int{6, 4, 3, 3}, ConvOptions{Stride: [2]int{2, 2}}), false},
		{"padding past the kernel", conv2dGeom([]int{1, 2, 5, 5}, []int{3, 2, 3, 3}, ConvOptions{Padding: [2]int{3, 0}}), false},
		{"transposed, output padding", convTranspose2dGeom([]int{1, 3, 5, 5}, []int{3, 2, 3, 3}, ConvOptions{Dilation: [2]int{2, 2}, OutputPadding: [2]int{1, 0}}), false},
	}
	for i, c := range convCases() {
		g := conv2dGeom(c.x, c.w, c.o)
		_, ok := g.flipped()
		geos = append(geos, geo{fmt.Sprintf("conv %d", i), g, ok})
	}
	rng := rand.New(rand.NewPCG(5, 6))
	randn := func(n int) []float64 { return Randn(rng, n).data }
	abs := func(v []float64) []float64 {
		a := make([]float64, len(v))
		for i, e := range v {
			a[i] = math.Abs(e)
		}
		return a
	}
	for _, prec := range []Precision{Float64, Float32} {
		tol := 1e-13
		if prec == Float32 && HasFloat32 {
			tol = 258 * 0x1p-24
		}
		for _, gc := range geos {
			g := gc.g
			g.n, g.prec = 3, prec
			if _, ok := g.flipped(); ok != gc.want {
				t.Fatalf("%s: flipped applies %v, want %v", gc.name, ok, gc.want)
			}
			if !gc.want {
				continue
			}
			y, w, b := randn(g.n*g.o*g.pq()), randn(g.o*g.rows()/g.groups), randn(g.c)
			got, want, bound := make([]float64, g.n*g.c*g.h*g.w), make([]float64, g.n*g.c*g.h*g.w), make([]float64, g.n*g.c*g.h*g.w)
			convAdjointKernel(got, y, w, b, &g)
			convAdjointCol2im(want, y, w, b, &g)
			convAdjointCol2im(bound, abs(y), abs(w), abs(b), &g)
			for i := range want {
				if d := math.Abs(got[i] - want[i]); d > tol*bound[i] || math.IsNaN(got[i]) {
					t.Fatalf("%v %s: element %d is %v, want %v (difference %.3g, bound %.3g)", prec, gc.name, i, got[i], want[i], d, tol*bound[i])
				}
			}
		}
	}
}
