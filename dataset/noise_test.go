package dataset

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// TestNoiseZeroCanBeAsked: a Noise of 0, asked for, gives points exactly on
// the noiseless shape (the unit circle, the checkerboard's dark squares,
// the grid), while a nil Noise keeps the default sd (the circle's radii
// have sd 0.05 within 5 standard errors), and WithNoise sets it on a
// generator ByName returns.
func TestNoiseZeroCanBeAsked(t *testing.T) {
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(4, 4)) }
	const n = 4000
	radiusSD := func(g Generator) float64 {
		d := g.Sample(rng(), n).Data()
		var s, s2 float64
		for i := range n {
			r := math.Hypot(d[2*i], d[2*i+1])
			s += r / n
			s2 += r * r / n
		}
		return math.Sqrt(s2 - s*s)
	}
	on := Circle{Noise: Float(0)}.Sample(rng(), n).Data()
	for i := range n {
		if r := math.Hypot(on[2*i], on[2*i+1]); math.Abs(r-1) > 1e-15 {
			t.Fatalf("circle with noise 0: radius %.17g, want 1", r)
		}
	}
	for _, c := range []struct {
		g  Generator
		sd float64
	}{{Circle{}, 0.05}, {Circle{Noise: Float(0.2)}, 0.2}} {
		// The radius's sd is the noise sd to O(sd²); its SE is sd/√(2n).
		if sd := radiusSD(c.g); math.Abs(sd-c.sd) > 5*c.sd/math.Sqrt(2*n)+c.sd*c.sd {
			t.Errorf("%+v: radii of sd %.4f, want %.4f", c.g, sd, c.sd)
		}
	}
	board, err := ByName("checkerboard")
	if err != nil {
		t.Fatal(err)
	}
	clean, err := WithNoise(board, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := clean.Sample(rng(), n).Data()
	for i := range n {
		x, y := d[2*i], d[2*i+1]
		if math.Abs(x) > 4 || math.Abs(y) > 4 || int(math.Floor(x)+math.Floor(y))%2 == 0 {
			t.Fatalf("checkerboard with noise 0: point (%g, %g) off the dark squares", x, y)
		}
	}
	want := Checkerboard{Noise: Float(0)}.Sample(rng(), n).Data()
	for i := range d {
		if d[i] != want[i] {
			t.Fatalf("WithNoise(checkerboard, 0) and Checkerboard{Noise: Float(0)} differ at %d", i)
		}
	}
	// The default still adds noise: some points leave the dark squares.
	d = board.Sample(rng(), n).Data()
	off := 0
	for i := range n {
		if int(math.Floor(d[2*i])+math.Floor(d[2*i+1]))%2 == 0 {
			off++
		}
	}
	if off == 0 {
		t.Errorf("checkerboard with the default noise 0.01: no point off the dark squares")
	}
	d = Grid{PerDim: 3, Noise: Float(0)}.Sample(rng(), 9).Data()
	for _, v := range d {
		if v != -1 && v != 0 && v != 1 {
			t.Errorf("grid with noise 0: coordinate %g, want −1, 0 or 1", v)
		}
	}
	for name, f := range map[string]func() error{
		"no noise setting": func() error { _, err := WithNoise(GaussianMixture{}, 0.1); return err },
		"negative":         func() error { _, err := WithNoise(Circle{}, -1); return err },
		"nan":              func() error { _, err := WithNoise(Circle{}, math.NaN()); return err },
	} {
		if err := f(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}
