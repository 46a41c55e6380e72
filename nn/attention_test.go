package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/goebm/goebm/tensor"
)

// mhaNaive computes multi-head self-attention with plain loops, the
// textbook definition, for one sequence x ([L][dim]).
func mhaNaive(m *MultiHeadAttention, x [][]float64, causal bool) [][]float64 {
	l, dim := len(x), len(x[0])
	h := m.Heads
	dh := dim / h
	w, b := m.QKV.W.Data(), m.QKV.B.Data()
	proj := make([][]float64, l) // [L][3·dim]
	for i := range l {
		proj[i] = make([]float64, 3*dim)
		for c := range 3 * dim {
			s := b[c]
			for j := range dim {
				s += x[i][j] * w[j*3*dim+c]
			}
			proj[i][c] = s
		}
	}
	heads := make([][]float64, l) // [L][dim], heads side by side
	for i := range heads {
		heads[i] = make([]float64, dim)
	}
	for hd := range h {
		q := func(i, d int) float64 { return proj[i][hd*dh+d] }
		k := func(i, d int) float64 { return proj[i][dim+hd*dh+d] }
		v := func(i, d int) float64 { return proj[i][2*dim+hd*dh+d] }
		for i := range l {
			sc := make([]float64, l)
			mx := math.Inf(-1)
			for j := range l {
				sc[j] = math.Inf(-1)
				if causal && j > i {
					continue
				}
				s := 0.0
				for d := range dh {
					s += q(i, d) * k(j, d)
				}
				sc[j] = s / math.Sqrt(float64(dh))
				mx = math.Max(mx, sc[j])
			}
			z := 0.0
			for j := range sc {
				sc[j] = math.Exp(sc[j] - mx)
				z += sc[j]
			}
			for d := range dh {
				s := 0.0
				for j := range l {
					s += sc[j] / z * v(j, d)
				}
				heads[i][hd*dh+d] = s
			}
		}
	}
	wo, bo := m.Out.W.Data(), m.Out.B.Data()
	out := make([][]float64, l)
	for i := range l {
		out[i] = make([]float64, dim)
		for c := range dim {
			s := bo[c]
			for j := range dim {
				s += heads[i][j] * wo[j*dim+c]
			}
			out[i][c] = s
		}
	}
	return out
}

// TestMultiHeadAttentionKnown compares the layer with the loop definition.
// Dropping the head permutation in ForwardOpts (mixing positions and heads)
// fails it.
func TestMultiHeadAttentionKnown(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, l, dim, heads = 3, 5, 6, 3
	m, err := NewMultiHeadAttention(rng, dim, heads)
	if err != nil {
		t.Fatal(err)
	}
	fillNormal(rng, m.QKV.B.Data(), 0.3) // exercise the biases too
	fillNormal(rng, m.Out.B.Data(), 0.3)
	x := tensor.Randn(rng, n, l, dim)
	for _, causal := range []bool{false, true} {
		got := m.ForwardOpts(nil, x, tensor.AttentionOptions{Causal: causal})
		if s := got.Shape(); len(s) != 3 || s[0] != n || s[1] != l || s[2] != dim {
			t.Fatalf("shape %v, want [%d %d %d]", s, n, l, dim)
		}
		for b := range n {
			seq := make([][]float64, l)
			for i := range l {
				seq[i] = x.Data()[(b*l+i)*dim : (b*l+i+1)*dim]
			}
			want := mhaNaive(m, seq, causal)
			for i := range l {
				for c := range dim {
					if g := got.At(b, i, c); math.Abs(g-want[i][c]) > 1e-12 {
						t.Fatalf("causal %v: out[%d,%d,%d] = %.15g, want %.15g", causal, b, i, c, g, want[i][c])
					}
				}
			}
		}
	}
}

func TestMultiHeadAttentionGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m, err := NewMultiHeadAttention(rng, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	fillNormal(rng, m.Out.B.Data(), 0.3)
	x := tensor.Randn(rng, 2, 3, 4)
	ps := Values(m.Params())
	xs := append([]*tensor.Tensor{x}, ps...)
	f := func(tp *tensor.Tape, in []*tensor.Tensor) *tensor.Tensor {
		mm := &MultiHeadAttention{Heads: 2, QKV: &Linear{W: in[1], B: in[2]}, Out: &Linear{W: in[3], B: in[4]}}
		return mm.ForwardOpts(tp, in[0], tensor.AttentionOptions{Causal: true})
	}
	for order := 1; order <= 3; order++ {
		if err := tensor.CheckGrad(f, xs, tensor.CheckOptions{Order: order, Seed: 9}); err != nil {
			t.Errorf("order %d: %v", order, err)
		}
	}
}

func TestMultiHeadAttentionStructure(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	m, err := NewMultiHeadAttention(rng, 64, 4)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range m.Params() {
		names = append(names, p.Name)
	}
	if got, want := strings.Join(names, " "), "qkv.weight qkv.bias out.weight out.bias"; got != want {
		t.Errorf("param names %q, want %q", got, want)
	}
	if got, want := NumParams(m), 64*192+192+64*64+64; got != want {
		t.Errorf("NumParams %d, want %d", got, want)
	}
	bound := func(d []float64) float64 {
		b := 0.0
		for _, v := range d {
			b = math.Max(b, math.Abs(v))
		}
		return b
	}
	// Xavier-uniform bound √(6/(64+192)) ≈ 0.153; Linear's 1/√64 = 0.125.
	if b := bound(m.QKV.W.Data()); b > math.Sqrt(6.0/256) || b < 0.9*math.Sqrt(6.0/256) {
		t.Errorf("qkv weight max |w| = %g, want just under %g", b, math.Sqrt(6.0/256))
	}
	if b := bound(m.Out.W.Data()); b > 0.125 || b < 0.9*0.125 {
		t.Errorf("out weight max |w| = %g, want just under 0.125", b)
	}
	if bound(m.QKV.B.Data()) != 0 || bound(m.Out.B.Data()) != 0 {
		t.Error("biases not zero")
	}
	for _, bad := range [][2]int{{6, 4}, {0, 1}, {4, 0}} {
		if _, err := NewMultiHeadAttention(rng, bad[0], bad[1]); err == nil {
			t.Errorf("width %d with %d heads accepted", bad[0], bad[1])
		}
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("no panic for an input of the wrong width")
		}
	}()
	m.Forward(nil, tensor.Zeros(2, 3, 5))
}

// BenchmarkMultiHeadAttention times a self-attention layer, forward and
// forward+backward (weights and input), at a small transformer's size.
func BenchmarkMultiHeadAttention(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	m, _ := NewMultiHeadAttention(rng, 128, 4)
	x := tensor.Randn(rng, 128, 16, 128)
	ins := append([]*tensor.Tensor{x}, Values(m.Params())...)
	b.Run("fwd/n=128/L=16/dim=128/heads=4", func(b *testing.B) {
		tp := tensor.NewNoGradTape()
		b.ReportAllocs()
		for b.Loop() {
			m.Forward(tp, x)
			tp.Reset()
		}
	})
	b.Run("fwdbwd/n=128/L=16/dim=128/heads=4", func(b *testing.B) {
		tp := tensor.NewTape()
		b.ReportAllocs()
		for b.Loop() {
			y := m.Forward(tp, x)
			tp.Grad([]*tensor.Tensor{tp.Sum(tp.Square(y))}, ins, tensor.GradOptions{})
			tp.Reset()
		}
	})
}
