package plot

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestImageGrid: a 1×2 grid of 2×2 tiles at scale 3 with a gap of 1 puts
// each pixel where it belongs, black at Lo, white at Hi, grey between,
// NaN in Missing; the PNG written decodes to the same picture.
func TestImageGrid(t *testing.T) {
	tiles := []float64{0, 1, 0.5, math.NaN(), 1, 1, 0, 0}
	img, err := imageGrid(tiles, 1, 2, 2, 2, ImageGridSettings{Scale: 3, Gap: 1})
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 2*(2*3+1)+1 || b.Dy() != 2*3+1+1 {
		t.Fatalf("picture of %v", b)
	}
	// (tile, pixel x, pixel y) → grey level, or −1 for Missing.
	for _, c := range []struct{ tile, x, y, want int }{
		{0, 0, 0, 0}, {0, 1, 0, 255}, {0, 0, 1, 128}, {0, 1, 1, -1}, {1, 0, 0, 255}, {1, 1, 1, 0},
	} {
		for d := range 3 {
			px, py := 1+c.tile*7+c.x*3+d, 1+c.y*3+(2-d)
			got := img.RGBAAt(px, py)
			switch {
			case c.want < 0 && got != Missing:
				t.Errorf("tile %d (%d, %d) at (%d, %d): %v, want Missing", c.tile, c.x, c.y, px, py, got)
			case c.want >= 0 && (int(got.R) != c.want || got.G != got.R || got.B != got.R):
				t.Errorf("tile %d (%d, %d) at (%d, %d): %v, want grey %d", c.tile, c.x, c.y, px, py, got, c.want)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "grid.png")
	if err := ImageGrid(path, tiles, 1, 2, 2, 2, ImageGridSettings{Scale: 3, Gap: 1}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b, _ := dec.At(1+7+3, 1).RGBA(); r>>8 != 255 || g>>8 != 255 || b>>8 != 255 {
		t.Errorf("decoded pixel %d %d %d, want white", r>>8, g>>8, b>>8)
	}
	if _, err := imageGrid(tiles, 2, 2, 2, 2, ImageGridSettings{}); err == nil {
		t.Error("tiles of the wrong count drawn")
	}
}
