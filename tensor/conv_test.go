package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// convRef is Conv2d by its definition, one output element at a time.
func convRef(x, w, b *Tensor, o ConvOptions) *Tensor {
	s, p, d, groups := convResolve("convRef", o)
	n, h, wd := x.shape[0], x.shape[2], x.shape[3]
	oc, cg, kh, kw := w.shape[0], w.shape[1], w.shape[2], w.shape[3]
	og := oc / groups
	ho := (h+2*p[0]-d[0]*(kh-1)-1)/s[0] + 1
	wo := (wd+2*p[1]-d[1]*(kw-1)-1)/s[1] + 1
	y := Zeros(n, oc, ho, wo)
	for in := range n {
		for o := range oc {
			for i := range ho {
				for j := range wo {
					v := 0.0
					if b != nil {
						v = b.data[o]
					}
					for ci := range cg {
						c0 := (o/og)*cg + ci
						for u := range kh {
							for q := range kw {
								ih, iw := i*s[0]-p[0]+u*d[0], j*s[1]-p[1]+q*d[1]
								if ih >= 0 && ih < h && iw >= 0 && iw < wd {
									v += x.At(in, c0, ih, iw) * w.At(o, ci, u, q)
								}
							}
						}
					}
					y.data[((in*oc+o)*ho+i)*wo+j] = v
				}
			}
		}
	}
	return y
}

// convTransposeRef is ConvTranspose2d by its definition: each input pixel
// scatters its kernel-weighted copy into the output.
func convTransposeRef(x, w, b *Tensor, o ConvOptions) *Tensor {
	s, p, d, groups := convResolve("convTransposeRef", o)
	n, cin, h, wd := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	cog, kh, kw := w.shape[1], w.shape[2], w.shape[3]
	cout, cig := cog*groups, cin/groups
	ho := (h-1)*s[0] - 2*p[0] + d[0]*(kh-1) + o.OutputPadding[0] + 1
	wo := (wd-1)*s[1] - 2*p[1] + d[1]*(kw-1) + o.OutputPadding[1] + 1
	y := Zeros(n, cout, ho, wo)
	for in := range n {
		for c := range cin {
			for co := range cog {
				oc := (c/cig)*cog + co
				for i := range h {
					for j := range wd {
						for u := range kh {
							for q := range kw {
								oi, oj := i*s[0]-p[0]+u*d[0], j*s[1]-p[1]+q*d[1]
								if oi >= 0 && oi < ho && oj >= 0 && oj < wo {
									y.data[((in*cout+oc)*ho+oi)*wo+oj] += x.At(in, c, i, j) * w.At(c, co, u, q)
								}
							}
						}
					}
				}
			}
		}
	}
	if b != nil {
		for i := range y.data {
			y.data[i] += b.data[(i/(ho*wo))%cout]
		}
	}
	return y
}

// convOptionCases are the geometries the forward and gradient tests run:
// strides 1–2, paddings 0–2, dilations 1–2, groups 1–2, non-square kernels
// and images, size-one axes.
type convCase struct {
	x, w []int // Conv2d shapes; ConvTranspose2d reads w as [Cin, Cout/G, kH, kW]
	o    ConvOptions
	bias bool
}

func convCases() []convCase {
	return []convCase{
		{x: []int{2, 3, 5, 4}, w: []int{2, 3, 3, 2}, bias: true},
		{x: []int{1, 1, 1, 1}, w: []int{1, 1, 1, 1}, bias: true},
		{x: []int{2, 2, 6, 5}, w: []int{3, 2, 1, 1}},
		{x: []int{1, 2, 7, 6}, w: []int{2, 2, 3, 3}, o: ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, bias: true},
		{x: []int{2, 4, 6, 7}, w: []int{4, 2, 2, 3}, o: ConvOptions{Stride: [2]int{1, 2}, Padding: [2]int{2, 0}, Groups: 2}, bias: true},
		{x: []int{1, 2, 7, 5}, w: []int{2, 2, 2, 2}, o: ConvOptions{Dilation: [2]int{2, 1}, Padding: [2]int{0, 1}}},
		{x: []int{2, 4, 5, 6}, w: []int{2, 2, 3, 2}, o: ConvOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 2}, Dilation: [2]int{2, 1}, Groups: 2}, bias: true},
		{x: []int{1, 2, 1, 6}, w: []int{4, 1, 1, 3}, o: ConvOptions{Stride: [2]int{1, 2}, Padding: [2]int{0, 2}, Dilation: [2]int{1, 2}, Groups: 2}, bias: true},
		{x: []int{2, 1, 4, 4}, w: []int{1, 1, 2, 2}, o: ConvOptions{Stride: [2]int{2, 2}}},
	}
}

// convTransposeCases: the same geometries read for ConvTranspose2d, plus
// output padding where the stride or dilation allows it.
func convTransposeCases() []convCase {
	var cs []convCase
	for _, c := range convCases() {
		x := slices.Clone(c.x)
		x[1] = c.w[0] // the input channels are the weight's first axis
		w, o := c.w, c.o
		for i := range 2 {
			if max(o.Stride[i], 1) > 1 || max(o.Dilation[i], 1) > 1 {
				o.OutputPadding[i] = 1
			}
		}
		cs = append(cs, convCase{x: x, w: w, o: c.o, bias: c.bias}, convCase{x: x, w: w, o: o, bias: c.bias})
	}
	return cs
}

func convInputs(rng *rand.Rand, c convCase, biasLen int) []*Tensor {
	xs := []*Tensor{Randn(rng, c.x...), Randn(rng, c.w...)}
	if c.bias {
		xs = append(xs, Randn(rng, biasLen))
	}
	return xs
}

func biasOf(xs []*Tensor) *Tensor {
	if len(xs) > 2 {
		return xs[2]
	}
	return nil
}

func assertClose(t *testing.T, what string, got, want *Tensor, tol float64) {
	t.Helper()
	if !slices.Equal(got.shape, want.shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.shape, want.shape)
	}
	for i := range want.data {
		if !(math.Abs(got.data[i]-want.data[i]) <= tol*(1+math.Abs(want.data[i]))) { // NaN fails
			t.Fatalf("%s: element %d is %.12g, want %.12g", what, i, got.data[i], want.data[i])
		}
	}
}

// TestConv2dMatchesDefinition compares Conv2d with the direct loop, on a
// recording tape and with none.
func TestConv2dMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	for i, c := range convCases() {
		xs := convInputs(rng, c, c.w[0])
		want := convRef(xs[0], xs[1], biasOf(xs), c.o)
		assertClose(t, fmt.Sprintf("case %d %v %v %+v", i, c.x, c.w, c.o), (*Tape)(nil).Conv2d(xs[0], xs[1], biasOf(xs), c.o), want, 1e-12)
		assertClose(t, fmt.Sprintf("case %d taped", i), NewTape().Conv2d(xs[0], xs[1], biasOf(xs), c.o), want, 1e-12)
	}
}

// TestConvTranspose2dMatchesDefinition compares ConvTranspose2d with the
// direct scatter loop, with and without output padding.
func TestConvTranspose2dMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2))
	for i, c := range convTransposeCases() {
		xs := convInputs(rng, c, c.w[1]*max(c.o.Groups, 1))
		want := convTransposeRef(xs[0], xs[1], biasOf(xs), c.o)
		assertClose(t, fmt.Sprintf("case %d %v %v %+v", i, c.x, c.w, c.o), (*Tape)(nil).ConvTranspose2d(xs[0], xs[1], biasOf(xs), c.o), want, 1e-12)
	}
}

// TestConvTransposeIsAdjoint checks ⟨Conv2d(x, w), y⟩ = ⟨x, ConvTranspose2d(y, w)⟩
// where the transposed conv's output padding recovers x's size.
func TestConvTransposeIsAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	for i, c := range convCases() {
		x, w := Randn(rng, c.x...), Randn(rng, c.w...)
		cy := (*Tape)(nil).Conv2d(x, w, nil, c.o)
		y := Randn(rng, cy.shape...)
		o := c.o
		// The output padding that gives back x's size.
		s, p, d, _ := convResolve("", o)
		for a := range 2 {
			o.OutputPadding[a] = c.x[2+a] - ((cy.shape[2+a]-1)*s[a] - 2*p[a] + d[a]*(c.w[2+a]-1) + 1)
		}
		xt := (*Tape)(nil).ConvTranspose2d(y, w, nil, o)
		lhs, rhs := dot(cy.data, y.data), dot(x.data, xt.data)
		if !(math.Abs(lhs-rhs) <= 1e-10*(1+math.Abs(lhs))) {
			t.Errorf("case %d: ⟨conv x, y⟩ = %.15g, ⟨x, convᵀ y⟩ = %.15g", i, lhs, rhs)
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// convSeq fills a tensor with f(i), the same inputs as the PyTorch script
// that made the golden values below.
func convSeq(f func(i float64) float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = f(float64(i))
	}
	return t
}

// TestConvMatchesPyTorch compares each op with PyTorch 1.13 (float64) on
// fixed inputs x[i] = sin(0.37i + 0.1), w[i] = cos(0.23i)/2, b[i] = i/10 − 0.2,
// through two checksums of the output: Σ yᵢ and Σ yᵢ cos i. The values
// were printed by torch.nn.functional (conv2d, conv_transpose2d,
// avg_pool2d, interpolate) in the script kept in the commit message.
func TestConvMatchesPyTorch(t *testing.T) {
	X := func(s ...int) *Tensor {
		return convSeq(func(i float64) float64 { return math.Sin(0.37*i + 0.1) }, s...)
	}
	W := func(s ...int) *Tensor {
		return convSeq(func(i float64) float64 { return 0.5 * math.Cos(0.23*i) }, s...)
	}
	B := func(s ...int) *Tensor { return convSeq(func(i float64) float64 { return 0.1*i - 0.2 }, s...) }
	var tp *Tape
	for _, c := range []struct {
		name       string
		y          *Tensor
		shape      []int
		sum, cosum float64
	}{
		{"conv2d", tp.Conv2d(X(2, 4, 5, 6), W(4, 2, 3, 2), B(4), ConvOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 2}, Dilation: [2]int{2, 1}, Groups: 2}),
			[]int{2, 4, 2, 9}, -10.98634630272427, -0.39272233053434857},
		{"conv_transpose2d", tp.ConvTranspose2d(X(2, 4, 3, 2), W(4, 1, 3, 2), B(2), ConvOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 0}, OutputPadding: [2]int{1, 0}, Dilation: [2]int{1, 2}, Groups: 2}),
			[]int{2, 2, 6, 4}, -11.376088846204201, 0.56390942610661454},
		{"conv_transpose2d/pad2", tp.ConvTranspose2d(X(1, 2, 4, 3), W(2, 3, 3, 3), B(3), ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{2, 2}, OutputPadding: [2]int{1, 1}}),
			[]int{1, 3, 6, 4}, -7.7901463821847843, -1.620206863464428},
		{"avg_pool2d", tp.AvgPool2d(X(1, 2, 5, 7), [2]int{3, 2}, [2]int{2, 3}, [2]int{1, 1}),
			[]int{1, 2, 3, 3}, -0.66309830625939459, -0.003850214719396422},
		{"nearest", tp.UpsampleNearest2d(X(1, 2, 3, 4), 3), []int{1, 2, 9, 12}, 44.14579463335587, -6.7059736610409626},
		{"bilinear/2", tp.UpsampleBilinear2d(X(1, 2, 3, 4), 2), []int{1, 2, 6, 8}, 19.620353170380387, 0.99676017241865611},
		{"bilinear/3", tp.UpsampleBilinear2d(X(1, 2, 3, 4), 3), []int{1, 2, 9, 12}, 44.145794633355862, -5.5439503915111006},
	} {
		if !slices.Equal(c.y.shape, c.shape) {
			t.Errorf("%s: shape %v, PyTorch %v", c.name, c.y.shape, c.shape)
			continue
		}
		sum, cosum := 0.0, 0.0
		for i, v := range c.y.data {
			sum += v
			cosum += v * math.Cos(float64(i))
		}
		if !(math.Abs(sum-c.sum) <= 1e-12*(1+math.Abs(c.sum)) && math.Abs(cosum-c.cosum) <= 1e-12*(1+math.Abs(c.cosum))) {
			t.Errorf("%s: checksums %.17g, %.17g; PyTorch %.17g, %.17g", c.name, sum, cosum, c.sum, c.cosum)
		}
	}
}

// Direct definitions of pooling and upsampling, per output pixel.
func avgPoolRef(x *Tensor, k, s, p [2]int) *Tensor {
	n, c, h, w := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	ho, wo := (h+2*p[0]-k[0])/s[0]+1, (w+2*p[1]-k[1])/s[1]+1
	y := Zeros(n, c, ho, wo)
	for pl := range n * c {
		for i := range ho {
			for j := range wo {
				v := 0.0
				for u := range k[0] {
					for q := range k[1] {
						ih, iw := i*s[0]-p[0]+u, j*s[1]-p[1]+q
						if ih >= 0 && ih < h && iw >= 0 && iw < w {
							v += x.data[(pl*h+ih)*w+iw]
						}
					}
				}
				y.data[(pl*ho+i)*wo+j] = v / float64(k[0]*k[1])
			}
		}
	}
	return y
}

func upsampleRef(x *Tensor, s int, bilinear bool) *Tensor {
	n, c, h, w := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	y := Zeros(n, c, h*s, w*s)
	src := func(o, size int) (i0, i1 int, l float64) {
		if !bilinear {
			return o / s, o / s, 0
		}
		f := math.Max((float64(o)+0.5)/float64(s)-0.5, 0)
		i0 = int(f)
		return i0, min(i0+1, size-1), f - float64(i0)
	}
	for pl := range n * c {
		at := func(i, j int) float64 { return x.data[(pl*h+i)*w+j] }
		for i := range h * s {
			for j := range w * s {
				a0, a1, la := src(i, h)
				b0, b1, lb := src(j, w)
				y.data[(pl*h*s+i)*w*s+j] = (1-la)*((1-lb)*at(a0, b0)+lb*at(a0, b1)) + la*((1-lb)*at(a1, b0)+lb*at(a1, b1))
			}
		}
	}
	return y
}

func TestPoolAndUpsampleMatchDefinitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 4))
	for _, c := range []struct {
		x       []int
		k, s, p [2]int
	}{
		{[]int{2, 3, 6, 5}, [2]int{2, 2}, [2]int{}, [2]int{}},
		{[]int{1, 2, 7, 5}, [2]int{3, 2}, [2]int{2, 1}, [2]int{1, 1}},
		{[]int{1, 1, 1, 4}, [2]int{1, 3}, [2]int{1, 1}, [2]int{0, 1}},
		{[]int{2, 1, 5, 5}, [2]int{5, 4}, [2]int{2, 3}, [2]int{2, 2}},
	} {
		x := Randn(rng, c.x...)
		s := c.s
		for i := range 2 {
			if s[i] == 0 {
				s[i] = c.k[i]
			}
		}
		assertClose(t, fmt.Sprintf("AvgPool2d %v %+v", c.x, c), (*Tape)(nil).AvgPool2d(x, c.k, c.s, c.p), avgPoolRef(x, c.k, s, c.p), 1e-13)
	}
	for _, shape := range [][]int{{2, 3, 4, 5}, {1, 1, 1, 1}, {1, 2, 1, 3}} {
		x := Randn(rng, shape...)
		for _, s := range []int{1, 2, 3} {
			assertClose(t, fmt.Sprintf("UpsampleNearest2d %v ×%d", shape, s), (*Tape)(nil).UpsampleNearest2d(x, s), upsampleRef(x, s, false), 1e-13)
			assertClose(t, fmt.Sprintf("UpsampleBilinear2d %v ×%d", shape, s), (*Tape)(nil).UpsampleBilinear2d(x, s), upsampleRef(x, s, true), 1e-13)
		}
	}
}

// TestConvGradCheck checks every conv-family op against central
// differences at orders 1, 2 and 3, with respect to every input. The ops
// are linear (bilinear for the convs), so the output goes through SiLU to
// give the higher orders something to find.
func TestConvGradCheck(t *testing.T) {
	orders := []int{1, 2, 3}
	if testing.Short() {
		orders = []int{1, 2}
	}
	check := func(t *testing.T, name string, f func(tp *Tape, xs []*Tensor) *Tensor, xs []*Tensor, seed uint64) {
		t.Helper()
		for _, order := range orders {
			if err := CheckGrad(f, xs, CheckOptions{Order: order, Seed: seed}); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	rng := rand.New(rand.NewPCG(11, 5))
	for i, c := range convCases() {
		xs := convInputs(rng, c, c.w[0])
		check(t, fmt.Sprintf("Conv2d case %d %v %v %+v", i, c.x, c.w, c.o), func(tp *Tape, xs []*Tensor) *Tensor {
			return tp.SiLU(tp.Conv2d(xs[0], xs[1], biasOf(xs), c.o))
		}, xs, uint64(i))
	}
	for i, c := range convTransposeCases() {
		xs := convInputs(rng, c, c.w[1]*max(c.o.Groups, 1))
		check(t, fmt.Sprintf("ConvTranspose2d case %d %v %v %+v", i, c.x, c.w, c.o), func(tp *Tape, xs []*Tensor) *Tensor {
			return tp.SiLU(tp.ConvTranspose2d(xs[0], xs[1], biasOf(xs), c.o))
		}, xs, uint64(i))
	}
	x := []*Tensor{Randn(rng, 2, 2, 5, 4)}
	check(t, "AvgPool2d", func(tp *Tape, xs []*Tensor) *Tensor {
		return tp.SiLU(tp.AvgPool2d(xs[0], [2]int{3, 2}, [2]int{2, 1}, [2]int{1, 1}))
	}, x, 1)
	check(t, "UpsampleNearest2d", func(tp *Tape, xs []*Tensor) *Tensor { return tp.SiLU(tp.UpsampleNearest2d(xs[0], 2)) }, x, 2)
	check(t, "UpsampleBilinear2d", func(tp *Tape, xs []*Tensor) *Tensor { return tp.SiLU(tp.UpsampleBilinear2d(xs[0], 2)) }, x, 3)
	// A small network of every op, as an energy's score would use them.
	xs := []*Tensor{Randn(rng, 2, 1, 4, 4), Randn(rng, 3, 1, 3, 3), Randn(rng, 3), Randn(rng, 3, 2, 2, 2)}
	check(t, "network", func(tp *Tape, xs []*Tensor) *Tensor {
		h := tp.SiLU(tp.Conv2d(xs[0], xs[1], xs[2], ConvOptions{Padding: [2]int{1, 1}, Stride: [2]int{2, 2}}))
		h = tp.UpsampleBilinear2d(tp.AvgPool2d(h, [2]int{2, 2}, [2]int{}, [2]int{}), 2)
		return tp.SiLU(tp.ConvTranspose2d(h, xs[3], nil, ConvOptions{Stride: [2]int{2, 2}}))
	}, xs, 4)
}

// TestConvSameBitsOnAnyCoreCount runs a conv network's forward pass, its
// score and a second-order parameter gradient on 1 core and on 4; the bits
// must agree (the batch spans several weight-gradient chunks, the products
// several gemm blocks).
func TestConvSameBitsOnAnyCoreCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 6))
	x := Randn(rng, 19, 3, 12, 12)
	w1, b1 := Randn(rng, 16, 3, 3, 3), Randn(rng, 16)
	w2 := Randn(rng, 8, 16, 4, 4)
	run := func() []float64 {
		tp := NewTape()
		xl := x.Detach()
		h := tp.SiLU(tp.Conv2d(xl, w1, b1, ConvOptions{Padding: [2]int{1, 1}}))
		h = tp.AvgPool2d(h, [2]int{2, 2}, [2]int{}, [2]int{})
		e := tp.Sum(tp.SiLU(tp.Conv2d(h, w2, nil, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}})))
		s := tp.Grad([]*Tensor{e}, []*Tensor{xl}, GradOptions{CreateGraph: true})[0]
		gs := tp.Grad([]*Tensor{tp.Sum(tp.Square(s))}, []*Tensor{w1, b1, w2}, GradOptions{})
		out := append([]float64{e.Item()}, s.data...)
		for _, g := range gs {
			out = append(out, g.data...)
		}
		return out
	}
	sameBits(t, "conv", run)
}

// TestConvShapePanics: misuse panics, naming the op and the shapes.
func TestConvShapePanics(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Conv2d", func() { (*Tape)(nil).Conv2d(Zeros(1, 3, 4, 4), Zeros(2, 2, 3, 3), nil, ConvOptions{}) }},
		{"Conv2d", func() { (*Tape)(nil).Conv2d(Zeros(1, 2, 2, 2), Zeros(2, 2, 3, 3), nil, ConvOptions{}) }},
		{"Conv2d", func() { (*Tape)(nil).Conv2d(Zeros(1, 2, 4, 4), Zeros(2, 2, 3, 3), Zeros(3), ConvOptions{}) }},
		{"Conv2d", func() { (*Tape)(nil).Conv2d(Zeros(1, 4, 4, 4), Zeros(3, 2, 3, 3), nil, ConvOptions{Groups: 2}) }},
		{"ConvTranspose2d", func() {
			(*Tape)(nil).ConvTranspose2d(Zeros(1, 2, 4, 4), Zeros(2, 1, 3, 3), nil, ConvOptions{OutputPadding: [2]int{1, 0}})
		}},
		{"AvgPool2d", func() { (*Tape)(nil).AvgPool2d(Zeros(1, 1, 4, 4), [2]int{2, 2}, [2]int{}, [2]int{2, 0}) }},
		{"UpsampleNearest2d", func() { (*Tape)(nil).UpsampleNearest2d(Zeros(4, 4), 2) }},
	} {
		func() {
			defer func() {
				r := recover()
				if msg, ok := r.(string); !ok || !strings.Contains(msg, "tensor: "+c.name) {
					t.Errorf("%s: panic %v, want one naming the op", c.name, r)
				}
			}()
			c.f()
		}()
	}
}

// TestConvWeightGradSumsSamples: the weight gradient of a batch that spans
// several fixed chunks equals the sum of the single-sample gradients, also
// when the tape hands out recycled (dirty) buffers after a Reset.
func TestConvWeightGradSumsSamples(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 7))
	o := ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}
	g := conv2dGeom([]int{1, 2, 5, 5}, []int{3, 2, 3, 3}, o)
	n := 2*g.weightChunk() + 3
	x, w, u := Randn(rng, n, 2, 5, 5), Randn(rng, 3, 2, 3, 3), Randn(rng, n, 3, 3, 3)
	grad := func(tp *Tape, x, u *Tensor) []float64 {
		e := tp.Sum(tp.Mul(tp.Conv2d(x, w, nil, o), u))
		return tp.Grad([]*Tensor{e}, []*Tensor{w}, GradOptions{})[0].Clone().data
	}
	want := make([]float64, w.Len())
	for s := range n {
		addTo(want, grad(NewTape(), (*Tape)(nil).Slice(x, 0, s, s+1), (*Tape)(nil).Slice(u, 0, s, s+1)))
	}
	tp := NewTape()
	for round := range 2 {
		got := grad(tp, x, u)
		for i := range want {
			if !(math.Abs(got[i]-want[i]) <= 1e-10*(1+math.Abs(want[i]))) { // NaN fails
				t.Fatalf("round %d: element %d is %.12g, want %.12g", round, i, got[i], want[i])
			}
		}
		for _, b := range tp.used { // make recycled storage dirty
			fill(b, math.NaN())
		}
		tp.Reset()
	}
}

// TestConv2dSiLU: the fused op gives SiLU(Conv2d) bit for bit on a tape
// that does not record, and the same two ops on one that does, through
// each forward path (the shallow first layer, the in-place grids, im2col
// on a grouped and dilated conv), in both precisions, with and without a
// bias, across pieces of samples (batch 19). Planted: SiLU applied twice
// to the last piece, and the float64 σ used on a Float32 output — each
// failed.
func TestConv2dSiLU(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		x, w []int
		o    ConvOptions
	}{
		{[]int{19, 1, 28, 28}, []int{32, 1, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}},
		{[]int{19, 32, 14, 14}, []int{64, 32, 4, 4}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}},
		{[]int{19, 64, 7, 7}, []int{64, 64, 4, 4}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}},
		{[]int{19, 4, 9, 9}, []int{6, 2, 3, 3}, ConvOptions{Padding: [2]int{2, 1}, Dilation: [2]int{2, 1}, Groups: 2}},
	} {
		for _, prec := range []Precision{Float64, Float32} {
			for _, withBias := range []bool{false, true} {
				x, w := Randn(rng, c.x...), Randn(rng, c.w...).SetPrecision(prec)
				var b *Tensor
				if withBias {
					b = Randn(rng, c.w[0]).SetPrecision(prec)
				}
				ng, ng2 := NewNoGradTape(), NewNoGradTape()
				want := ng.SiLU(ng.Conv2d(x, w, b, c.o))
				got := ng2.Conv2dSiLU(x, w, b, c.o)
				what := fmt.Sprintf("%v→%v %v bias %v", c.x, c.w, prec, withBias)
				equalBits(t, what, got.Data(), want.Data())
				if got.Precision() != want.Precision() || fmt.Sprint(got.Shape()) != fmt.Sprint(want.Shape()) {
					t.Fatalf("%s: precision %v shape %v, want %v %v", what, got.Precision(), got.Shape(), want.Precision(), want.Shape())
				}
				tp := NewTape()
				xl := x.Detach()
				rec := tp.Conv2dSiLU(xl, w, b, c.o)
				equalBits(t, what+" recording", rec.Data(), want.Data())
				gx := tp.Grad([]*Tensor{rec}, []*Tensor{xl}, GradOptions{})[0]
				tp2 := NewTape()
				xl2 := x.Detach()
				gx2 := tp2.Grad([]*Tensor{tp2.SiLU(tp2.Conv2d(xl2, w, b, c.o))}, []*Tensor{xl2}, GradOptions{})[0]
				equalBits(t, what+" gradient", gx.Data(), gx2.Data())
				// Second order, as score matching takes it: ∇_w of ‖∇ₓ Σ y‖²,
				// through SiLU's σ (kept or recomputed) and its derivatives.
				wl, wl2 := w.Detach(), w.Detach()
				second := func(tp *Tape, y, xl, wl *Tensor) []float64 {
					gx := tp.Grad([]*Tensor{y}, []*Tensor{xl}, GradOptions{CreateGraph: true})[0]
					return tp.Grad([]*Tensor{tp.Sum(tp.Square(gx))}, []*Tensor{wl}, GradOptions{})[0].Data()
				}
				tp3, tp4 := NewTape(), NewTape()
				xl3, xl4 := x.Detach(), x.Detach()
				equalBits(t, what+" second order", second(tp3, tp3.Conv2dSiLU(xl3, wl, b, c.o), xl3, wl),
					second(tp4, tp4.SiLU(tp4.Conv2d(xl4, wl2, b, c.o)), xl4, wl2))
			}
		}
	}
}
