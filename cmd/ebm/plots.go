package main

import (
	"fmt"
	"image/color"
	"math"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/eval"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// grid is an energy evaluated on a regular grid, as plotter.GridXYZ.
type grid struct {
	box eval.Box
	n   int
	z   []float64 // z[c*n+r]
}

func (g grid) Dims() (int, int)   { return g.n, g.n }
func (g grid) Z(c, r int) float64 { return g.z[c*g.n+r] }
func (g grid) X(c int) float64 {
	return g.box.Lo[0] + (float64(c)+0.5)*(g.box.Hi[0]-g.box.Lo[0])/float64(g.n)
}
func (g grid) Y(r int) float64 {
	return g.box.Lo[1] + (float64(r)+0.5)*(g.box.Hi[1]-g.box.Lo[1])/float64(g.n)
}

// negLogDensity writes −log p, up to a constant, of 2-D points into dst.
type negLogDensity func(dst, pts []float64) error

// energyOf is the negLogDensity of an energy.
func energyOf(e energy.Energy) negLogDensity {
	return func(dst, pts []float64) error { e.Energy(dst, pts, 2); return nil }
}

// energyGrid evaluates the density exp(−E), normalised to peak 1, on an n×n
// grid over box.
func energyGrid(e negLogDensity, box eval.Box, n int) (grid, error) {
	g := grid{box: box, n: n, z: make([]float64, n*n)}
	pts := make([]float64, 2*n*n)
	for c := range n {
		for r := range n {
			pts[2*(c*n+r)] = g.X(c)
			pts[2*(c*n+r)+1] = g.Y(r)
		}
	}
	en := make([]float64, n*n)
	if err := e(en, pts); err != nil {
		return g, err
	}
	lo := math.Inf(1)
	for _, v := range en {
		lo = math.Min(lo, v)
	}
	for i, v := range en {
		g.z[i] = math.Exp(lo - v)
	}
	return g, nil
}

func xys(data []float64, max int) plotter.XYs {
	n := min(len(data)/2, max)
	out := make(plotter.XYs, n)
	for i := range out {
		out[i].X, out[i].Y = data[2*i], data[2*i+1]
	}
	return out
}

func scatter(p *plot.Plot, pts plotter.XYs, c color.Color, label string) error {
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	s.GlyphStyle.Color = c
	s.GlyphStyle.Radius = vg.Points(1)
	s.GlyphStyle.Shape = draw.CircleGlyph{}
	p.Add(s)
	if label != "" {
		p.Legend.Add(label, s)
	}
	return nil
}

// densityPlot draws a density on a grid as a heat map with contours, and
// pts over it.
func densityPlot(title string, g grid, pts []float64, ptsLabel string) (*plot.Plot, error) {
	box := g.box
	p := plot.New()
	p.Title.Text = title
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = box.Lo[0], box.Hi[0], box.Lo[1], box.Hi[1]
	p.Legend.Top = true
	p.Legend.TextStyle.Color = color.White // over the dark heat map
	hm := plotter.NewHeatMap(g, moreland.Kindlmann().Palette(255))
	hm.Rasterized = true // no seams between cells
	p.Add(hm)
	levels := []float64{0.05, 0.2, 0.4, 0.6, 0.8}
	ct := plotter.NewContour(g, levels, palette.Heat(len(levels), 1))
	p.Add(ct)
	if pts != nil {
		if err := scatter(p, xys(pts, 3000), color.RGBA{R: 255, G: 255, B: 255, A: 180}, ptsLabel); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func savePlot(p *plot.Plot, path string) error {
	return p.Save(6*vg.Inch, 6*vg.Inch, path)
}

// curvesPlot draws the training loss against the step.
func curvesPlot(steps, values []float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "training loss"
	p.X.Label.Text = "step"
	p.Y.Label.Text = "loss"
	pts := make(plotter.XYs, len(steps))
	for i := range steps {
		pts[i].X, pts[i].Y = steps[i], values[i]
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	l.Color = color.RGBA{B: 200, A: 255}
	p.Add(l)
	return p, nil
}

// tracesPlot draws, for each dimension (at most 6), the trace of every
// chain's draws (layout chains × kept × d) beside their histogram, saved to
// path: the two pictures that show whether chains mix and agree.
func tracesPlot(path string, draws []float64, chains, kept, d int) error {
	k := min(d, 6)
	img := vgimg.New(10*vg.Inch, vg.Length(k)*2*vg.Inch)
	dc := draw.New(img)
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
	canvases := plot.Align(plots, tiles, dc)
	for r := range k {
		for c := range 2 {
			plots[r][c].Draw(canvases[r][c])
		}
	}
	return saveImage(img, path)
}

var (
	grayDot = color.RGBA{R: 60, G: 60, B: 60, A: 160}
	redDot  = color.RGBA{R: 220, G: 30, B: 30, A: 200}
)
