package dataset

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/goebm/goebm/tensor"
)

// ErrInvalid is wrapped by errors about an invalid generator setting.
var ErrInvalid = errors.New("invalid dataset setting")

// Generator draws points from a synthetic distribution.
type Generator interface {
	// Sample returns n points, shape [n, 2].
	Sample(rng *rand.Rand, n int) *tensor.Tensor
}

// componentPoints returns len(centres) groups of isotropic Gaussian points
// of sd sd around the centres, as groupedPoints arranges them.
func componentPoints(rng *rand.Rand, n int, centres [][2]float64, sd float64) *tensor.Tensor {
	return groupedPoints(rng, n, len(centres), func(c int) (x, y float64) {
		return centres[c][0] + sd*rng.NormFloat64(), centres[c][1] + sd*rng.NormFloat64()
	})
}

// groupedPoints returns n points in k equal groups (the first n mod k one
// larger), those of group c drawn by at(c), shuffled.
func groupedPoints(rng *rand.Rand, n, k int, at func(c int) (x, y float64)) *tensor.Tensor {
	t := tensor.Zeros(n, 2)
	d := t.Data()
	i := 0
	for c := range k {
		m := n / k
		if c < n%k {
			m++
		}
		for range m {
			d[2*i], d[2*i+1] = at(c)
			i++
		}
	}
	shuffleRows(rng, d, 2)
	return t
}

// noisyPoints returns n points: point i is at(i) plus isotropic Gaussian
// noise of sd noise, drawn for x then y after at's own draws.
func noisyPoints(rng *rand.Rand, n int, noise float64, at func(i int) (x, y float64)) *tensor.Tensor {
	t := tensor.Zeros(n, 2)
	d := t.Data()
	for i := range n {
		x, y := at(i)
		d[2*i] = x + noise*rng.NormFloat64()
		d[2*i+1] = y + noise*rng.NormFloat64()
	}
	return t
}

func shuffleRows(rng *rand.Rand, d []float64, w int) {
	rng.Shuffle(len(d)/w, func(a, b int) {
		for j := range w {
			d[a*w+j], d[b*w+j] = d[b*w+j], d[a*w+j]
		}
	})
}

// GaussianMixture has Components Gaussians of sd Std evenly on a circle of
// radius Radius; zero values mean 8, 0.05 and 1.
type GaussianMixture struct {
	Components  int
	Std, Radius float64
}

// Sample draws n points.
func (g GaussianMixture) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	k := cmp.Or(max(g.Components, 0), 8) // a negative count means the default too
	r := cmp.Or(g.Radius, 1)
	centres := make([][2]float64, k)
	for c := range centres {
		a := 2 * math.Pi * float64(c) / float64(k)
		centres[c] = [2]float64{r * math.Cos(a), r * math.Sin(a)}
	}
	return componentPoints(rng, n, centres, cmp.Or(g.Std, 0.05))
}

// EightGaussians is the 8-Gaussian mixture of the EBM literature: centres at
// the 4 axis directions and 4 diagonals, scaled by Scale, sd Std; zero values
// mean 2 and 0.02.
type EightGaussians struct{ Std, Scale float64 }

// Sample draws n points.
func (g EightGaussians) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	s := cmp.Or(g.Scale, 2)
	h := s / math.Sqrt2
	centres := [][2]float64{{s, 0}, {-s, 0}, {0, s}, {0, -s}, {h, h}, {h, -h}, {-h, h}, {-h, -h}}
	return componentPoints(rng, n, centres, cmp.Or(g.Std, 0.02))
}

// TwoMoons is two interleaving half circles: half the points on the upper
// unit half circle, half on the lower one shifted by (1, −0.5), with Gaussian
// noise of sd Noise (nil means 0.05).
type TwoMoons struct{ Noise *float64 }

// Sample draws n points.
func (g TwoMoons) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	noise := or(g.Noise, 0.05)
	outer := n / 2
	t := noisyPoints(rng, n, noise, func(i int) (x, y float64) {
		a := math.Pi * rng.Float64()
		x, y = math.Cos(a), math.Sin(a)
		if i >= outer {
			x, y = 1-x, 0.5-y
		}
		return x, y
	})
	shuffleRows(rng, t.Data(), 2)
	return t
}

// SwissRoll is the spiral (t·cos t, t·sin t), t uniform on
// [πL, 3πL] with L = ArcLength, plus noise of sd Noise, then centred and
// divided by twice the mean of the coordinates' sds, as TorchEBM does. A
// zero ArcLength means 3, a nil Noise 0.05.
type SwissRoll struct {
	Noise     *float64
	ArcLength float64
}

// Sample draws n points.
func (g SwissRoll) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	l, noise := cmp.Or(g.ArcLength, 3), or(g.Noise, 0.05)
	t := noisyPoints(rng, n, noise, func(int) (x, y float64) {
		s := l * math.Pi * (1 + 2*rng.Float64())
		return s * math.Cos(s), s * math.Sin(s)
	})
	d := t.Data()
	if n > 1 {
		var mean, sd [2]float64
		for i := range n {
			for j := range 2 {
				mean[j] += d[2*i+j] / float64(n)
			}
		}
		for i := range n {
			for j := range 2 {
				u := d[2*i+j] - mean[j]
				sd[j] += u * u / float64(n-1)
			}
		}
		scale := (math.Sqrt(sd[0]) + math.Sqrt(sd[1])) // 2 × the mean sd
		for i := range n {
			for j := range 2 {
				d[2*i+j] = (d[2*i+j] - mean[j]) / scale
			}
		}
	}
	return t
}

// Circle is the circle of radius Radius with Gaussian noise of sd Noise; a
// zero Radius means 1, a nil Noise 0.05.
type Circle struct {
	Noise  *float64
	Radius float64
}

// Sample draws n points.
func (g Circle) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	r, noise := cmp.Or(g.Radius, 1), or(g.Noise, 0.05)
	return noisyPoints(rng, n, noise, func(int) (x, y float64) {
		a := 2 * math.Pi * rng.Float64()
		return r * math.Cos(a), r * math.Sin(a)
	})
}

// Checkerboard is uniform on the unit squares of [−L, L]² whose corner
// indices ⌊x⌋ + ⌊y⌋ are odd, L = RangeLimit, plus noise of sd Noise; a
// zero RangeLimit means 4, a nil Noise 0.01 (TorchEBM's default until its
// #320 made it 0: ask for that with Noise: Float(0)).
type Checkerboard struct {
	RangeLimit float64
	Noise      *float64
}

// Sample draws n points.
func (g Checkerboard) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	l, noise := cmp.Or(g.RangeLimit, 4), or(g.Noise, 0.01)
	return noisyPoints(rng, n, noise, func(int) (x, y float64) {
		for { // rejection: redraw until the square is a dark one
			x, y = l*(2*rng.Float64()-1), l*(2*rng.Float64()-1)
			if int(math.Floor(x)+math.Floor(y))%2 != 0 {
				return x, y
			}
		}
	})
}

// Pinwheel has Classes curved blades: in blade c a point has radius
// R·√u (u uniform, R = RadialScale) and angle 2πc/Classes + S·√u + N(0, A²)
// (S = SpiralScale, A = AngularScale), plus noise of sd Noise. Zero values
// mean 5 blades and R = 2; nil scales mean S = 5, A = 0.1 and Noise 0.05,
// and each may be set to 0 (straight blades, thin blades, no noise).
type Pinwheel struct {
	Classes                   int
	RadialScale               float64
	SpiralScale, AngularScale *float64
	Noise                     *float64
}

// Sample draws n points.
func (g Pinwheel) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	k := cmp.Or(max(g.Classes, 0), 5) // a negative count means the default too
	rs, ss, as, noise := cmp.Or(g.RadialScale, 2), or(g.SpiralScale, 5), or(g.AngularScale, 0.1), or(g.Noise, 0.05)
	t := groupedPoints(rng, n, k, func(c int) (x, y float64) {
		u := math.Sqrt(rng.Float64())
		a := 2*math.Pi*float64(c)/float64(k) + ss*u + as*rng.NormFloat64()
		return rs * u * math.Cos(a), rs * u * math.Sin(a)
	})
	d := t.Data()
	for j := range d {
		d[j] += noise * rng.NormFloat64()
	}
	return t
}

// Grid is a PerDim×PerDim grid of points on [−L, L]², L = RangeLimit, with
// noise of sd Noise; point i is grid point i mod PerDim². Zero values mean
// 10 and 1, a nil Noise 0.01.
type Grid struct {
	PerDim     int
	RangeLimit float64
	Noise      *float64
}

// Sample draws n points.
func (g Grid) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	k := cmp.Or(max(g.PerDim, 0), 10) // a negative count means the default too
	l, noise := cmp.Or(g.RangeLimit, 1), or(g.Noise, 0.01)
	coord := func(i int) float64 {
		if k == 1 {
			return -l
		}
		return -l + 2*l*float64(i)/float64(k-1)
	}
	return noisyPoints(rng, n, noise, func(i int) (x, y float64) {
		p := i % (k * k)
		return coord(p / k), coord(p % k)
	})
}

var generators = map[string]struct {
	g   Generator
	doc string
}{
	"gaussianmixture": {GaussianMixture{}, "8 Gaussians of sd 0.05 on the unit circle"},
	"eightgaussians":  {EightGaussians{}, "8 Gaussians of sd 0.02, centres at radius 2"},
	"twomoons":        {TwoMoons{}, "two interleaving half circles, noise 0.05"},
	"swissroll":       {SwissRoll{}, "a standardised spiral, noise 0.05"},
	"circle":          {Circle{}, "the unit circle, noise 0.05"},
	"checkerboard":    {Checkerboard{}, "uniform on the dark squares of [-4, 4]²"},
	"pinwheel":        {Pinwheel{}, "5 curved blades"},
	"grid":            {Grid{}, "a 10×10 grid on [-1, 1]², noise 0.01"},
}

// Names returns the generators' names, sorted, each with a one-line
// description.
func Names() [][2]string {
	var out [][2]string
	for name, g := range generators {
		out = append(out, [2]string{name, g.doc})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// ByName returns the generator with TorchEBM's defaults for a name
// (case-insensitive; "8gaussians" and "moons" are accepted too), or an error
// listing the valid names.
func ByName(name string) (Generator, error) {
	key := strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(name))
	switch key {
	case "8gaussians":
		key = "eightgaussians"
	case "moons":
		key = "twomoons"
	}
	if g, ok := generators[key]; ok {
		return g.g, nil
	}
	var names []string
	for _, nd := range Names() {
		names = append(names, nd[0])
	}
	return nil, fmt.Errorf("dataset: unknown dataset %q (valid: %s)", name, strings.Join(names, ", "))
}

// WithNoise returns g with its noise sd set to sd, 0 included, for the
// generators that add Gaussian noise to their points (TwoMoons, SwissRoll,
// Circle, Checkerboard, Pinwheel, Grid), or an error wrapping ErrInvalid
// for the others and for a negative or non-finite sd.
func WithNoise(g Generator, sd float64) (Generator, error) {
	if !(sd >= 0) || math.IsInf(sd, 0) {
		return nil, fmt.Errorf("dataset: noise sd %g: want a finite sd ≥ 0: %w", sd, ErrInvalid)
	}
	p := Float(sd)
	switch v := g.(type) {
	case TwoMoons:
		v.Noise = p
		return v, nil
	case SwissRoll:
		v.Noise = p
		return v, nil
	case Circle:
		v.Noise = p
		return v, nil
	case Checkerboard:
		v.Noise = p
		return v, nil
	case Pinwheel:
		v.Noise = p
		return v, nil
	case Grid:
		v.Noise = p
		return v, nil
	}
	return nil, fmt.Errorf("dataset: a %T has no noise setting: %w", g, ErrInvalid)
}

// Float returns a pointer to v: the value of an optional setting, such as
// a generator's Noise, where nil means the default and 0 is a value that
// can be asked for.
func Float(v float64) *float64 { return &v }

// or returns *p, or def when p is nil.
func or(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}
