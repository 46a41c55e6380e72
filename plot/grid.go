package plot

import (
	"cmp"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"github.com/goebm/goebm/internal/safefile"
)

// Missing is the colour ImageGrid marks missing (NaN) pixels with.
var Missing = color.RGBA{R: 220, G: 30, B: 30, A: 255}

// ImageGridSettings are ImageGrid's; the zero value means the defaults.
type ImageGridSettings struct {
	// Lo and Hi are the values drawn black and white; Lo == Hi (as in the
	// zero value) means the range of the finite values.
	Lo, Hi float64
	// Scale is the number of screen pixels per image pixel; 0 means enough
	// for tiles about 64 pixels wide.
	Scale int
	// Gap is the number of pixels between tiles; 0 means 2.
	Gap int
}

// ImageGrid writes a PNG of rows×cols grey-scale tiles of h×w pixels,
// atomically: tile (r, c) is tiles[(r·cols + c)·h·w:][:h·w], row-major,
// drawn from black at Lo to white at Hi; NaN pixels, missing ones, are
// marked in Missing. For inpainting, a row per image: the input, its mask
// (observed pixels shown, missing ones NaN) and its completions.
func ImageGrid(path string, tiles []float64, rows, cols, h, w int, s ImageGridSettings) error {
	img, err := imageGrid(tiles, rows, cols, h, w, s)
	if err != nil {
		return err
	}
	if err := safefile.WriteFile(path, func(out io.Writer) error { return png.Encode(out, img) }); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// imageGrid draws the tiles of ImageGrid.
func imageGrid(tiles []float64, rows, cols, h, w int, s ImageGridSettings) (*image.RGBA, error) {
	if rows < 1 || cols < 1 || h < 1 || w < 1 || len(tiles) != rows*cols*h*w {
		return nil, fmt.Errorf("plot: %d values for %d×%d tiles of %d×%d pixels", len(tiles), rows, cols, h, w)
	}
	lo, hi := s.Lo, s.Hi
	if lo == hi {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, v := range tiles {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if !(lo < hi) { // no finite value, or all alike
			lo, hi = lo-1, lo+1
		}
	}
	scale := cmp.Or(s.Scale, max(1, 64/max(w, h)))
	gap := cmp.Or(s.Gap, 2)
	if scale < 1 || gap < 0 || scale*max(w, h) > 4096 || rows*cols > 1<<16 {
		return nil, fmt.Errorf("plot: image grid at scale %d with gap %d for %d×%d tiles of %d×%d pixels is too large or negative", scale, gap, rows, cols, h, w)
	}
	tw, th := w*scale+gap, h*scale+gap
	img := image.NewRGBA(image.Rect(0, 0, cols*tw+gap, rows*th+gap))
	bg := color.RGBA{R: 128, G: 128, B: 160, A: 255}
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = bg.R, bg.G, bg.B, bg.A
	}
	for r := range rows {
		for c := range cols {
			tile := tiles[(r*cols+c)*h*w : (r*cols+c+1)*h*w]
			for y := range h {
				for x := range w {
					v := tile[y*w+x]
					col := Missing
					if !math.IsNaN(v) {
						g := uint8(math.Round(255 * math.Min(1, math.Max(0, (v-lo)/(hi-lo)))))
						col = color.RGBA{R: g, G: g, B: g, A: 255}
					}
					x0, y0 := gap+c*tw+x*scale, gap+r*th+y*scale
					for dy := range scale {
						for dx := range scale {
							img.SetRGBA(x0+dx, y0+dy, col)
						}
					}
				}
			}
		}
	}
	return img, nil
}
