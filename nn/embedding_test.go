package nn

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/goebm/goebm/tensor"
)

func TestEmbeddingLookup(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	e, err := NewEmbedding(rng, 3, 2, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !e.HasNull() || e.Null() != 3 || e.W.Dim(0) != 4 {
		t.Fatalf("null row: HasNull %v, Null %d, rows %d; want true, 3, 4", e.HasNull(), e.Null(), e.W.Dim(0))
	}
	w := e.W.Data()
	got := e.Lookup(nil, []int{2, e.Null(), 0}).Data()
	want := append(append(slices.Clone(w[4:6]), w[6:8]...), w[0:2]...)
	if !slices.Equal(got, want) {
		t.Errorf("Lookup: %v, want %v", got, want)
	}
	if f := e.Forward(nil, tensor.New([]float64{2, 3, 0}, 3, 1)).Data(); !slices.Equal(f, want) {
		t.Errorf("Forward of float labels: %v, want %v", f, want)
	}
	// The gradient adds into looked-up rows: label 1 twice gets twice the
	// gradient, label 0 none.
	tp := tensor.NewTape()
	g := tp.Grad([]*tensor.Tensor{e.Lookup(tp, []int{1, 1, 2})}, []*tensor.Tensor{e.W}, tensor.GradOptions{})[0]
	if want := []float64{0, 0, 2, 2, 1, 1, 0, 0}; !slices.Equal(g.Data(), want) {
		t.Errorf("gradient %v, want %v", g.Data(), want)
	}

	plain, _ := NewEmbedding(rng, 3, 2, false, XavierUniform)
	if plain.HasNull() || plain.W.Dim(0) != 3 {
		t.Errorf("without null: %d rows, want 3", plain.W.Dim(0))
	}
	for name, f := range map[string]func(){
		"null label without null row": func() { plain.Lookup(nil, []int{3}) },
		"negative label":              func() { e.Lookup(nil, []int{-1}) },
		"fractional label":            func() { e.Forward(nil, tensor.New([]float64{0.5}, 1)) },
		"drop without null row":       func() { plain.DropLabels(nil, []int{0}, 0.5, rng) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	if _, err := NewEmbedding(rng, 0, 2, true, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("0 classes: error %v, want ErrInvalid", err)
	}
}

// TestEmbeddingInitAndDrop: the default rows are N(0, 1) and DropLabels
// drops a fraction p, each within 4 standard errors.
func TestEmbeddingInitAndDrop(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	e, _ := NewEmbedding(rng, 100, 100, true, nil)
	mean, sq := 0.0, 0.0
	for _, v := range e.W.Data() {
		mean += v
		sq += v * v
	}
	n := float64(e.W.Len())
	mean /= n
	variance := sq/n - mean*mean
	if math.Abs(mean) > 4/math.Sqrt(n) || math.Abs(variance-1) > 4*math.Sqrt(2/n) {
		t.Errorf("init mean %g, variance %g; want 0 and 1 (n = %g)", mean, variance, n)
	}
	labels := make([]int, 10000)
	for i := range labels {
		labels[i] = i % 100
	}
	const p = 0.1
	out := e.DropLabels(nil, labels, p, rng)
	dropped := 0
	for i, l := range out {
		switch l {
		case e.Null():
			dropped++
		case labels[i]:
		default:
			t.Fatalf("label %d became %d", labels[i], l)
		}
	}
	m := float64(len(labels))
	if se := math.Sqrt(p * (1 - p) / m); math.Abs(float64(dropped)/m-p) > 4*se {
		t.Errorf("dropped %d of %g, want about %g", dropped, m, p*m)
	}
	if got := e.DropLabels(make([]int, 3), []int{1, 2, 3}, 0, rng); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("p = 0 changed labels: %v", got)
	}
}
