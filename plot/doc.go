// Package plot draws the pictures of ebm: a 2-D density as a heat map with
// contours and points over it (Density, on a Grid from DensityGrid), a
// training curve (Curve), per-dimension chain traces beside histograms
// (Traces), and a grid of grey-scale images with missing pixels marked
// (ImageGrid: inpainting's input, mask and completions). Every picture is a PNG written atomically: a reader never sees
// half a file.
//
// DensityGrid evaluates p ∝ exp(−E) on the centres of an n×n grid and
// divides by its peak, exp(E_min − E), so that a model's density shows
// however large its energies are; the contours are at fixed fractions of
// the peak.
package plot
