package dataset

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestDigits(t *testing.T) {
	im, err := Digits()
	if err != nil {
		t.Fatal(err)
	}
	if im.Len() != 1797 || im.Dim() != 64 || len(im.Pixels) != 1797*64 || im.Levels != 17 {
		t.Fatalf("digits: %d images of %d pixels (%d values), %d levels", im.Len(), im.Dim(), len(im.Pixels), im.Levels)
	}
	// The first image is a 0 (sklearn's digits.images[0]), the counts per
	// class are sklearn's.
	if !slices.Equal(im.Pixels[:16], []uint8{0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0}) || im.Labels[0] != 0 {
		t.Errorf("first image %v, label %d", im.Pixels[:16], im.Labels[0])
	}
	count := make([]int, 10)
	for _, y := range im.Labels {
		count[y]++
	}
	if want := []int{178, 182, 177, 183, 181, 182, 181, 179, 174, 180}; !slices.Equal(count, want) {
		t.Errorf("class counts %v, want %v", count, want)
	}
	train, test := im.Split()
	if train.Len() != 1438 || test.Len() != 359 || test.Labels[0] != im.Labels[4] ||
		!slices.Equal(test.Pixels[:64], im.Pixels[4*64:5*64]) || !slices.Equal(train.Pixels[4*64:5*64], im.Pixels[5*64:6*64]) {
		t.Errorf("split: %d train, %d test, or not by i mod 5 = 4", train.Len(), test.Len())
	}
	if byName, err := ImagesByName("Digits"); err != nil || !slices.Equal(byName.Pixels, im.Pixels) {
		t.Errorf("ImagesByName(Digits): %v", err)
	}
	if _, err := ImagesByName("mnist"); err == nil {
		t.Error("ImagesByName(mnist): no error")
	}
}

// TestScaled: every scaled value lies in its pixel's bin, the noise fills
// the bin uniformly (mean offset ½ within 4 SE), and the same seed gives the
// same points.
func TestScaled(t *testing.T) {
	im, err := Digits()
	if err != nil {
		t.Fatal(err)
	}
	x := im.Scaled(rand.New(rand.NewPCG(3, 4)))
	if x.Dim(0) != 1797 || x.Dim(1) != 64 {
		t.Fatalf("shape %v", x.Shape())
	}
	w := math.Exp(im.LogBinWidth())
	if math.Abs(w-2.0/17) > 1e-15 {
		t.Errorf("bin width %g, want 2/17", w)
	}
	sum := 0.0
	for j, v := range x.Data() {
		u := (v+1)/w - float64(im.Pixels[j]) // the noise, in [0, 1)
		if !(u >= 0 && u < 1) || v < -1 || v > 1 {
			t.Fatalf("value %d: %g is outside pixel %d's bin", j, v, im.Pixels[j])
		}
		sum += u
	}
	n := float64(x.Len())
	if mean, se := sum/n, math.Sqrt(1.0/12/n); math.Abs(mean-0.5) > 4*se {
		t.Errorf("mean dequantisation offset %g, want 0.5 ± %g", mean, 4*se)
	}
	if y := im.Scaled(rand.New(rand.NewPCG(3, 4))); !slices.Equal(x.Data(), y.Data()) {
		t.Error("same seed, different points")
	}
}

// TestIsImageSet: names are recognised without reading the set (so that a
// missing Fashion-MNIST is reported as missing, not as an unknown name).
func TestIsImageSet(t *testing.T) {
	for name, want := range map[string]bool{"digits": true, "Fashion-MNIST": true, "fashion-mnist": true, "twomoons": false, "": false, "digits.csv": false} {
		if got := IsImageSet(name); got != want {
			t.Errorf("IsImageSet(%q) = %v, want %v", name, got, want)
		}
	}
}
