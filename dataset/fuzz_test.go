package dataset

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/goebm/goebm/tensor"
)

// sameBits reports whether a and b have the same shape and the same bits.
func sameBits(a, b *tensor.Tensor) bool {
	return slices.Equal(a.Shape(), b.Shape()) && slices.EqualFunc(a.Data(), b.Data(), func(x, y float64) bool {
		return math.Float64bits(x) == math.Float64bits(y)
	})
}

// FuzzReadNPY: no file makes the reader panic, and what it reads writes
// and reads back bit for bit.
func FuzzReadNPY(f *testing.F) {
	var good bytes.Buffer
	if err := WriteNPY(&good, tensor.New([]float64{1, -2.5, 3e300, 0}, 2, 2)); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:40])
	f.Add(npyFile("{'descr': '>f4', 'fortran_order': False, 'shape': (1L,), }", []byte{0x3f, 0xc0, 0, 0}))
	f.Add(npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 2), }", nil))
	f.Add(npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := ReadNPY(bytes.NewReader(b))
		if err != nil {
			return
		}
		var again bytes.Buffer
		if err := WriteNPY(&again, x); err != nil {
			t.Fatal(err)
		}
		y, err := ReadNPY(&again)
		if err != nil || !sameBits(x, y) {
			t.Fatalf("%v reads back as %v, %v", x, y, err)
		}
	})
}

// FuzzReadCSV: no text makes the reader panic, and what it reads writes
// and reads back bit for bit.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{"x,y\n1,2\n# note\n3.5, -4\n", "\uFEFF1,2\n3,4\n", "1,2\n3\n", "1,\"2\n", "a\n-0\n1e308\n", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := ReadCSV(bytes.NewReader(b))
		if err != nil {
			return
		}
		var again bytes.Buffer
		if err := WriteCSV(&again, nil, x); err != nil {
			t.Fatal(err)
		}
		y, err := ReadCSV(&again)
		if err != nil || !sameBits(x, y) {
			t.Fatalf("%v reads back as %v, %v", x, y, err)
		}
	})
}
