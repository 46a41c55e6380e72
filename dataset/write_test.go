package dataset

import (
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goebm/goebm/tensor"
)

// TestSaveRoundTrip writes awkward values (tiny, huge, negative zero, many
// digits) to CSV and .npy and reads them back exactly with Load.
func TestSaveRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.Randn(rng, 7, 3)
	copy(x.Data(), []float64{1e-300, -1.7976931348623157e308, math.Copysign(0, -1), 1.0 / 3, 2, -5e-324})
	dir := t.TempDir()
	for _, name := range []string{"p.csv", "p.npy", "P.CSV"} {
		path := filepath.Join(dir, name)
		if err := Save(path, []string{"a", "b", "c"}, x); err != nil {
			t.Fatal(err)
		}
		y, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(y.Shape(), x.Shape()) || !slices.Equal(y.Data(), x.Data()) {
			t.Errorf("%s: read back %v %v, wrote %v %v", name, y.Shape(), y.Data(), x.Shape(), x.Data())
		}
	}
}

func TestWriteCSVFormat(t *testing.T) {
	var b strings.Builder
	if err := WriteCSV(&b, []string{"x0", "x1"}, tensor.New([]float64{0.5, -2, 1e-7, 3}, 2, 2)); err != nil {
		t.Fatal(err)
	}
	if want := "x0,x1\n0.5,-2\n1e-07,3\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	if err := WriteCSV(&b, []string{"x0"}, tensor.Zeros(1, 2)); err == nil {
		t.Error("a header of the wrong length was accepted")
	}
}

func TestSaveRefusesUnknownExtension(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.txt")
	if err := Save(path, nil, tensor.Zeros(1, 2)); !errors.Is(err, ErrFormat) {
		t.Errorf("Save %s: %v, want ErrFormat", path, err)
	}
	if err := CheckExt("a.npy"); err != nil {
		t.Error(err)
	}
}
