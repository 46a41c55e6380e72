package tensor

import (
	"fmt"
	"math"
	"sync"
)

// Average pooling and nearest and bilinear upsampling are each a separable
// linear map of every image plane, Y = A·X·Bᵀ with a fixed matrix A along
// the height and B along the width. They share one op, whose gradient is
// the same op with Aᵀ and Bᵀ: so average pooling's gradient is an
// upsampling, upsampling's a pooling, and every order is available.

// convSeparable is the map X [h, w] ↦ A·X·Bᵀ [ho, wo] of each plane, with
// A [ho, h] and B [wo, w] row-major.
type convSeparable struct {
	a       []float64
	ho, h   int
	b       []float64
	wo, w   int
	adjoint *convSeparable // the map with Aᵀ and Bᵀ
}

// convSepKey identifies a map in convSepCache: the op and its geometry.
type convSepKey struct {
	op      string
	h, w    int
	k, s, p [2]int
}

// convSepCache holds the maps made so far, with their adjoints, so that a
// loop of pooling or upsampling does not rebuild them; they are read-only.
var convSepCache sync.Map

// convSeparableFor returns the cached map for key, making it with build
// (which returns A [ho, h], B [wo, w] and ho, wo) on first use.
func convSeparableFor(key convSepKey, build func() (a, b []float64, ho, wo int)) *convSeparable {
	if m, ok := convSepCache.Load(key); ok {
		return m.(*convSeparable)
	}
	a, b, ho, wo := build()
	m := &convSeparable{a: a, ho: ho, h: key.h, b: b, wo: wo, w: key.w}
	m.adjoint = &convSeparable{
		a: convTransposeMatrix(a, ho, key.h), ho: key.h, h: ho,
		b: convTransposeMatrix(b, wo, key.w), wo: key.w, w: wo,
		adjoint: m,
	}
	got, _ := convSepCache.LoadOrStore(key, m)
	return got.(*convSeparable)
}

func convTransposeMatrix(a []float64, r, c int) []float64 {
	t := make([]float64, len(a))
	for i := range r {
		for j := range c {
			t[j*r+i] = a[i*c+j]
		}
	}
	return t
}

// convPlaneChunk is the number of planes per piece of work in the height
// step of a separable map.
const convPlaneChunk = 16

// separable records the map m applied to every plane of x [n, c, h, w].
func (tp *Tape) separable(op string, x *Tensor, m *convSeparable) *Tensor {
	if len(x.shape) != 4 || x.shape[2] != m.h || x.shape[3] != m.w {
		panic(fmt.Sprintf("tensor: %s: input %v, want rank 4 with a %d×%d image", op, x.shape, m.h, m.w))
	}
	planes := x.shape[0] * x.shape[1]
	y := tp.make([]int{x.shape[0], x.shape[1], m.ho, m.wo}, tp.alloc(planes*m.ho*m.wo))
	t := tp.alloc(planes * m.h * m.wo)
	convSeparableKernel(tp.cores(), y.data, t, x.data, m, planes, x.prec)
	return tp.record(y, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.separable(op+" gradient", g, m.adjoint)}
	})
}

// convSeparableKernel writes A·X·Bᵀ for each of the planes of x into y,
// using t (planes·h·wo) for X·Bᵀ: one product over all planes' rows, then
// one per plane, in fixed chunks of planes.
func convSeparableKernel(cores int, y, t, x []float64, m *convSeparable, planes int, prec Precision) {
	gemm(cores, prec, false, true, planes*m.h, m.wo, m.w, x, m.w, m.b, m.w, 0, t)
	in, out := m.h*m.wo, m.ho*m.wo
	chunked(cores, planes, convPlaneChunk, func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			gemm(cores, prec, false, false, m.ho, m.wo, m.h, m.a, m.h, t[p*in:(p+1)*in], m.wo, 0, y[p*out:(p+1)*out])
		}
	})
}

// AvgPool2d averages x [N, C, H, W] over windows of kernel (height, width)
// moved by stride (zero entries mean the kernel's size) over x padded with
// padding zeros on each side, as PyTorch's avg_pool2d with its defaults
// (the zeros count in the average; the output size rounds down). Padding
// must be at most half the kernel.
func (tp *Tape) AvgPool2d(x *Tensor, kernel, stride, padding [2]int) *Tensor {
	if len(x.shape) != 4 {
		panic(fmt.Sprintf("tensor: AvgPool2d: input %v, want rank 4", x.shape))
	}
	for i := range 2 {
		k, s, p := kernel[i], stride[i], padding[i]
		if s == 0 {
			stride[i] = k
		}
		if k <= 0 || s < 0 || p < 0 || 2*p > k || x.shape[2+i]+2*p < k {
			panic(fmt.Sprintf("tensor: AvgPool2d: kernel %v, stride %v, padding %v for input %v", kernel, stride, padding, x.shape))
		}
	}
	key := convSepKey{op: "AvgPool2d", h: x.shape[2], w: x.shape[3], k: kernel, s: stride, p: padding}
	return tp.separable("AvgPool2d", x, convSeparableFor(key, func() (a, b []float64, ho, wo int) {
		a, ho = convPoolMatrix(key.h, kernel[0], stride[0], padding[0])
		b, wo = convPoolMatrix(key.w, kernel[1], stride[1], padding[1])
		return a, b, ho, wo
	}))
}

// convPoolMatrix returns the [out, n] matrix of 1-D average pooling with
// kernel k, stride s and padding p, and out.
func convPoolMatrix(n, k, s, p int) ([]float64, int) {
	out := (n+2*p-k)/s + 1
	a := make([]float64, out*n)
	for o := range out {
		for j := max(o*s-p, 0); j < min(o*s-p+k, n); j++ {
			a[o*n+j] = 1 / float64(k)
		}
	}
	return a, out
}

// UpsampleNearest2d repeats each pixel of x [N, C, H, W] scale times along
// both axes, giving [N, C, scale·H, scale·W] (PyTorch's nearest mode).
func (tp *Tape) UpsampleNearest2d(x *Tensor, scale int) *Tensor {
	return tp.upsample("UpsampleNearest2d", x, scale, func(a []float64, n, s int) {
		for o := range n * s {
			a[o*n+o/s] = 1
		}
	})
}

// UpsampleBilinear2d enlarges x [N, C, H, W] by scale along both axes with
// bilinear interpolation, as PyTorch's bilinear mode with
// align_corners=False: output pixel i samples the input at
// (i + ½)/scale − ½, clamped below at 0, between its two neighbours
// (the last one repeated at the edge).
func (tp *Tape) UpsampleBilinear2d(x *Tensor, scale int) *Tensor {
	return tp.upsample("UpsampleBilinear2d", x, scale, func(a []float64, n, s int) {
		for o := range n * s {
			src := max((float64(o)+0.5)/float64(s)-0.5, 0)
			i0 := int(math.Floor(src))
			i1 := min(i0+1, n-1)
			l := src - float64(i0)
			a[o*n+i0] += 1 - l
			a[o*n+i1] += l
		}
	})
}

// upsample builds the map whose 1-D matrices build1d fills (a [n·s, n]).
func (tp *Tape) upsample(op string, x *Tensor, scale int, build1d func(a []float64, n, s int)) *Tensor {
	if len(x.shape) != 4 || scale <= 0 {
		panic(fmt.Sprintf("tensor: %s: input %v and scale %d; want rank 4 and a positive scale", op, x.shape, scale))
	}
	key := convSepKey{op: op, h: x.shape[2], w: x.shape[3], s: [2]int{scale, scale}}
	return tp.separable(op, x, convSeparableFor(key, func() (a, b []float64, ho, wo int) {
		a, b = make([]float64, key.h*scale*key.h), make([]float64, key.w*scale*key.w)
		build1d(a, key.h, scale)
		build1d(b, key.w, scale)
		return a, b, key.h * scale, key.w * scale
	}))
}
