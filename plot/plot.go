package plot

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/internal/safefile"
	"github.com/goebm/goebm/tensor"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Colours of the point layers.
var (
	// White marks data over a density's dark heat map.
	White = color.RGBA{R: 255, G: 255, B: 255, A: 180}
	// Gray marks data beside model samples.
	Gray = color.RGBA{R: 60, G: 60, B: 60, A: 160}
	// Red marks model samples.
	Red = color.RGBA{R: 220, G: 30, B: 30, A: 200}
)

// Grid is a density on the centres of an N×N grid of cells over Box,
// normalised to peak 1; it is a plotter.GridXYZ.
type Grid struct {
	Box eval.Box
	N   int
	// Values[c·N + r] is the density at column c, row r.
	Values []float64
}

// Dims returns the grid's columns and rows.
func (g Grid) Dims() (int, int) { return g.N, g.N }

// Z returns the density at column c, row r.
func (g Grid) Z(c, r int) float64 { return g.Values[c*g.N+r] }

// X returns the centre of column c.
func (g Grid) X(c int) float64 {
	return g.Box.Lo[0] + (float64(c)+0.5)*(g.Box.Hi[0]-g.Box.Lo[0])/float64(g.N)
}

// Y returns the centre of row r.
func (g Grid) Y(r int) float64 {
	return g.Box.Lo[1] + (float64(r)+0.5)*(g.Box.Hi[1]-g.Box.Lo[1])/float64(g.N)
}

// DensityGrid evaluates exp(−E) on an n×n grid over box, E given as a
// function writing −log p (up to a constant) of 2-D points (row-major) into
// dst, and normalises it to peak 1 (subtracting the smallest E first, so
// that the exponentials do not underflow).
func DensityGrid(negLogDensity func(dst, pts []float64) error, box eval.Box, n int) (Grid, error) {
	g := Grid{Box: box, N: n, Values: make([]float64, n*n)}
	pts := make([]float64, 2*n*n)
	for c := range n {
		for r := range n {
			pts[2*(c*n+r)] = g.X(c)
			pts[2*(c*n+r)+1] = g.Y(r)
		}
	}
	en := make([]float64, n*n)
	if err := negLogDensity(en, pts); err != nil {
		return g, err
	}
	lo := math.Inf(1)
	for _, v := range en {
		lo = math.Min(lo, v)
	}
	for i, v := range en {
		g.Values[i] = math.Exp(lo - v)
	}
	return g, nil
}

// Points is a layer of 2-D points (row-major), of which the first Max are
// drawn, as dots of a colour, named Label in the legend (none when empty).
type Points struct {
	XY    []float64
	Max   int
	Color color.Color
	Label string
}

func (l Points) add(p *plot.Plot) error {
	n := min(len(l.XY)/2, l.Max)
	xys := make(plotter.XYs, n)
	for i := range xys {
		xys[i].X, xys[i].Y = l.XY[2*i], l.XY[2*i+1]
	}
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return err
	}
	s.GlyphStyle.Color = l.Color
	s.GlyphStyle.Radius = vg.Points(1)
	s.GlyphStyle.Shape = draw.CircleGlyph{}
	p.Add(s)
	if l.Label != "" {
		p.Legend.Add(l.Label, s)
	}
	return nil
}

// Density draws g as a heat map with contours at 0.05, 0.2, 0.4, 0.6 and
// 0.8 of the peak, and the layers over it, into a 6×6-inch PNG at path.
func Density(path, title string, g Grid, layers ...Points) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = g.Box.Lo[0], g.Box.Hi[0], g.Box.Lo[1], g.Box.Hi[1]
	p.Legend.Top = true
	p.Legend.TextStyle.Color = color.White // over the dark heat map
	hm := plotter.NewHeatMap(g, moreland.Kindlmann().Palette(255))
	hm.Rasterized = true // no seams between cells
	p.Add(hm)
	levels := []float64{0.05, 0.2, 0.4, 0.6, 0.8}
	p.Add(plotter.NewContour(g, levels, palette.Heat(len(levels), 1)))
	for _, l := range layers {
		if err := l.add(p); err != nil {
			return err
		}
	}
	return Save(p, path)
}

// Curve draws ys against xs as a line, with axis labels, into a 6×6-inch
// PNG at path.
func Curve(path, title, xLabel, yLabel string, xs, ys []float64) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		pts[i].X, pts[i].Y = xs[i], ys[i]
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	l.Color = color.RGBA{B: 200, A: 255}
	p.Add(l)
	return Save(p, path)
}

// Traces draws, for each dimension (at most 6), the trace of every chain's
// draws (layout chains × kept × d) beside their histogram, into a PNG at
// path: the two pictures that show whether chains mix and agree.
func Traces(path string, draws []float64, chains, kept, d int) error {
	k := min(d, 6)
	img := vgimg.New(10*vg.Inch, vg.Length(k)*2*vg.Inch)
	tiles := draw.Tiles{Rows: k, Cols: 2, PadX: vg.Millimeter, PadY: vg.Millimeter}
	plots := make([][]*plot.Plot, k)
	for j := range k {
		tp := plot.New()
		tp.Title.Text = fmt.Sprintf("x%d: traces", j)
		for c := range chains {
			pts := make(plotter.XYs, kept)
			for i := range kept {
				pts[i].X, pts[i].Y = float64(i), draws[(c*kept+i)*d+j]
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return err
			}
			l.Color = plotter.DefaultLineStyle.Color
			if c > 0 {
				l.Color = palette.Heat(max(chains, 2), 1).Colors()[c%max(chains, 2)]
			}
			tp.Add(l)
		}
		vals := make(plotter.Values, 0, chains*kept)
		for i := j; i < len(draws); i += d {
			vals = append(vals, draws[i])
		}
		h, err := plotter.NewHist(vals, 40)
		if err != nil {
			return err
		}
		h.Normalize(1)
		hp := plot.New()
		hp.Title.Text = fmt.Sprintf("x%d: histogram", j)
		hp.Add(h)
		plots[j] = []*plot.Plot{tp, hp}
	}
	canvases := plot.Align(plots, tiles, draw.New(img))
	for r := range k {
		for c := range 2 {
			plots[r][c].Draw(canvases[r][c])
		}
	}
	return writePNG(path, vgimg.PngCanvas{Canvas: img})
}

// Draws pictures MCMC draws (layout chains × kept × d) at path: in 2-D,
// over the density exp(−E) on a 200×200 grid around them; otherwise as
// Traces.
func Draws(path, title string, e energy.Energy, draws []float64, chains, kept, d int) error {
	if d != 2 {
		return Traces(path, draws, chains, kept, d)
	}
	box, err := eval.BoxFor(tensor.New(draws, len(draws)/2, 2), 0.1)
	if err != nil {
		return err
	}
	g, err := DensityGrid(func(dst, pts []float64) error { e.Energy(dst, pts, 2); return nil }, box, 200)
	if err != nil {
		return err
	}
	return Density(path, title, g, Points{XY: draws, Max: 4000, Color: Red, Label: "samples"})
}

// Save writes a plot as a 6×6-inch PNG at path, atomically.
func Save(p *plot.Plot, path string) error {
	w, err := p.WriterTo(6*vg.Inch, 6*vg.Inch, "png")
	if err != nil {
		return err
	}
	return writePNG(path, w)
}

func writePNG(path string, src io.WriterTo) error {
	if err := safefile.WriteFile(path, func(w io.Writer) error { _, err := src.WriteTo(w); return err }); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}
