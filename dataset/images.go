package dataset

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/goebm/goebm/tensor"
)

// digitsGz is the UCI optical digits (see data/README.md for the source and
// licence): 1,797 lines of 64 pixels 0–16 and a label.
//
//go:embed data/digits.csv.gz
var digitsGz []byte

// Images is a set of images, labelled or not, whose pixels are integers
// 0 … Levels−1.
type Images struct {
	// Pixels holds image i's C·H·W pixels, row-major ([C, H, W]), at
	// Pixels[i·C·H·W : (i+1)·C·H·W].
	Pixels []uint8
	// Labels holds each image's class, or is nil for unlabelled images.
	Labels []int
	// Classes names the classes by label where the names are known.
	Classes []string
	// C, H and W are the channels, the height and the width.
	C, H, W int
	// Levels is the number of pixel values.
	Levels int
	// held is the number of images at the end that are an official test
	// split, which Split holds out instead of its fixed fifth.
	held int
}

// Len returns the number of images.
func (im *Images) Len() int {
	if d := im.Dim(); d > 0 {
		return len(im.Pixels) / d
	}
	return 0
}

// Dim returns the pixels per image, C·H·W.
func (im *Images) Dim() int { return im.C * im.H * im.W }

// Split returns the training and test images: a set's official test split
// where it has one (Fashion-MNIST's last 10,000), and otherwise by a fixed
// rule: image i is held out when i mod 5 = 4, a fifth of the set (359 of
// the 1,797 digits), the same on every run and machine.
func (im *Images) Split() (train, test *Images) {
	train, test = im.empty(), im.empty()
	d, n := im.Dim(), im.Len()
	for i := range n {
		dst := train
		if (im.held == 0 && i%5 == 4) || (im.held > 0 && i >= n-im.held) {
			dst = test
		}
		dst.Pixels = append(dst.Pixels, im.Pixels[i*d:(i+1)*d]...)
		if im.Labels != nil {
			dst.Labels = append(dst.Labels, im.Labels[i])
		}
	}
	return train, test
}

func (im *Images) empty() *Images {
	return &Images{C: im.C, H: im.H, W: im.W, Levels: im.Levels, Classes: im.Classes}
}

// Scaled returns the images as points of [−1, 1]^(C·H·W), [n, C·H·W],
// uniformly dequantised: pixel v becomes 2(v + u)/Levels − 1 with u drawn
// from U[0, 1) by rng, pixel after pixel and image after image, so that
// value v fills the bin [2v/Levels − 1, 2(v+1)/Levels − 1) and a density
// fitted to the points is a density of the pixels (see LogBinWidth).
func (im *Images) Scaled(rng *rand.Rand) *tensor.Tensor {
	x := make([]float64, len(im.Pixels))
	for j, v := range im.Pixels {
		x[j] = 2*(float64(v)+rng.Float64())/float64(im.Levels) - 1
	}
	return tensor.New(x, im.Len(), im.Dim())
}

// LogBinWidth is the log of the width 2/Levels of a pixel value's bin in
// Scaled's units. A density p of the scaled points gives the pixels v the
// probability P(v) = ∫_bin p, and by Jensen's inequality
//
//	−log P(v) ≤ E_u[−log p(x)] − D·LogBinWidth    (D = C·H·W)
//
// so that a model's NLL of dequantised points in nats, minus D times this,
// bounds the NLL of the pixels, in nats per image.
func (im *Images) LogBinWidth() float64 { return math.Log(2 / float64(im.Levels)) }

// Digits returns the UCI optical digits (E. Alpaydin and C. Kaynak, 1998,
// CC BY 4.0; embedded in the package): 1,797 grey 8×8 images, [1, 8, 8],
// with pixel values 0 … 16 (Levels 17) and labels 0 … 9.
func Digits() (*Images, error) {
	zr, err := gzip.NewReader(bytes.NewReader(digitsGz))
	if err != nil {
		return nil, fmt.Errorf("dataset: digits: %w", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("dataset: digits: %w", err)
	}
	im := &Images{C: 1, H: 8, W: 8, Levels: 17}
	for n, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(strings.TrimSpace(line), ",")
		if len(f) != 65 {
			return nil, fmt.Errorf("dataset: digits: line %d has %d fields, want 65", n+1, len(f))
		}
		for j, s := range f {
			v, err := strconv.Atoi(s)
			if err != nil || v < 0 || (j < 64 && v >= im.Levels) || (j == 64 && v > 9) {
				return nil, fmt.Errorf("dataset: digits: line %d, field %d: %q", n+1, j+1, s)
			}
			if j < 64 {
				im.Pixels = append(im.Pixels, uint8(v))
			} else {
				im.Labels = append(im.Labels, v)
			}
		}
	}
	return im, nil
}

// imageSets are the image data sets by name; load reads a set that lives in
// files from dir, or from its usual place when dir is "".
var imageSets = map[string]struct {
	load func(dir string) (*Images, error)
	doc  string
}{
	"digits": {func(dir string) (*Images, error) {
		if dir != "" {
			return nil, fmt.Errorf("dataset: digits are embedded, not read from a directory (%s)", dir)
		}
		return Digits()
	}, "UCI optical digits: 1,797 8×8 images (64-d), a fixed fifth held out"},
	"fashion-mnist": {FashionMNIST, "Fashion-MNIST: 70,000 28×28 images (784-d), the official 10,000 held out"},
}

// ImageNames returns the image data sets' names with a one-line
// description, sorted by name.
func ImageNames() [][2]string {
	var out [][2]string
	for name, s := range imageSets {
		out = append(out, [2]string{name, s.doc})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// IsImageSet reports whether name (case-insensitive) names an image data
// set, without reading it: a set that lives in files may be missing, and
// that is a different error from an unknown name.
func IsImageSet(name string) bool {
	_, ok := imageSets[strings.ToLower(name)]
	return ok
}

// ImagesByName returns the image data set of a name (case-insensitive), or
// an error naming the valid ones. Sets that live in files are read from
// their usual place; LoadImages reads them from a directory.
func ImagesByName(name string) (*Images, error) { return LoadImages(name, "") }

// LoadImages returns the image data set of a name, as ImagesByName does,
// reading a set that lives in files (fashion-mnist) from dir when dir is
// not "". The embedded digits refuse a dir.
func LoadImages(name, dir string) (*Images, error) {
	s, ok := imageSets[strings.ToLower(name)]
	if !ok {
		var valid []string
		for _, n := range ImageNames() {
			valid = append(valid, n[0])
		}
		return nil, fmt.Errorf("dataset: unknown image data set %q (valid: %s)", name, strings.Join(valid, ", "))
	}
	return s.load(dir)
}
