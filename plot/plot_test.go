package plot

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/goebm/goebm/eval"
)

// TestDensityGrid checks the grid's cell centres and the peak-normalised
// density of a known energy, ½‖x‖².
func TestDensityGrid(t *testing.T) {
	box := eval.Box{Lo: [2]float64{-2, -1}, Hi: [2]float64{2, 1}}
	g, err := DensityGrid(func(dst, pts []float64) error {
		for i := range dst {
			x, y := pts[2*i], pts[2*i+1]
			dst[i] = 0.5*(x*x+y*y) + 1000 // a large constant must not matter
		}
		return nil
	}, box, 4)
	if err != nil {
		t.Fatal(err)
	}
	if g.X(0) != -1.5 || g.X(3) != 1.5 || g.Y(0) != -0.75 || g.Y(2) != 0.25 {
		t.Errorf("cell centres x %v %v, y %v %v", g.X(0), g.X(3), g.Y(0), g.Y(2))
	}
	// The peak is at the four central cells (±0.5, ±0.25).
	peak := 0.5 * (0.25 + 0.0625)
	for c := range 4 {
		for r := range 4 {
			x, y := g.X(c), g.Y(r)
			want := math.Exp(peak - 0.5*(x*x+y*y))
			if math.Abs(g.Z(c, r)-want) > 1e-12 {
				t.Errorf("Z(%d, %d) = %v, want %v", c, r, g.Z(c, r), want)
			}
		}
	}
}

func decodePNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Errorf("%s is %v", path, b)
	}
}

func TestPictures(t *testing.T) {
	dir := t.TempDir()
	box := eval.Box{Lo: [2]float64{-1, -1}, Hi: [2]float64{1, 1}}
	g, err := DensityGrid(func(dst, pts []float64) error {
		for i := range dst {
			dst[i] = pts[2*i] * pts[2*i]
		}
		return nil
	}, box, 20)
	if err != nil {
		t.Fatal(err)
	}
	pts := []float64{0, 0, 0.5, -0.5, -0.2, 0.1}
	d := filepath.Join(dir, "d.png")
	if err := Density(d, "test", g, Points{XY: pts, Max: 2, Color: Red, Label: "samples"}, Points{XY: pts, Max: 10, Color: Gray}); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, d)
	c := filepath.Join(dir, "c.png")
	if err := Curve(c, "loss", "step", "loss", []float64{0, 1, 2}, []float64{3, 2, 1.5}); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, c)
	tr := filepath.Join(dir, "t.png")
	draws := make([]float64, 2*5*3) // 2 chains × 5 draws × 3 dimensions
	for i := range draws {
		draws[i] = math.Sin(float64(i))
	}
	if err := Traces(tr, draws, 2, 5, 3); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, tr)
}
