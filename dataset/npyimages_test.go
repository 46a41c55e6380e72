package dataset

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// npyOf builds a .npy file of the given type and shape around data.
func npyOf(descr, shape string, data []byte) []byte {
	return npyFile("{'descr': '"+descr+"', 'fortran_order': False, 'shape': "+shape+", }", data)
}

// orNil returns a reader of b, or a nil io.Reader (not a nil *bytes.Reader)
// when b is nil.
func orNil(b []byte) io.Reader {
	if b == nil {
		return nil
	}
	return bytes.NewReader(b)
}

// TestNPYValue: each integer and float type decodes to its known value.
func TestNPYValue(t *testing.T) {
	f4 := binary.BigEndian.AppendUint32(nil, math.Float32bits(1.5))
	for _, c := range []struct {
		descr string
		b     []byte
		want  float64
	}{
		{"|u1", []byte{200}, 200},
		{"|i1", []byte{0x80}, -128},
		{"<i2", []byte{0xff, 0xff}, -1},
		{"<u2", []byte{0xff, 0xff}, 65535},
		{">i2", []byte{0x01, 0x2c}, 300},
		{">i4", []byte{0x80, 0, 0, 0}, math.MinInt32},
		{"<i8", []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, -2},
		{"<u8", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, math.MaxUint64},
		{">f4", f4, 1.5},
		{"f8", f8(-3.25), -3.25},
	} {
		h, data, err := readNPYArray(bytes.NewReader(npyOf(c.descr, "(1,)", c.b)), npyKindOf, "numbers")
		if err != nil {
			t.Errorf("%s: %v", c.descr, err)
			continue
		}
		if got := npyValue(h, data, 0); got != c.want {
			t.Errorf("%s % x: %v, want %v", c.descr, c.b, got, c.want)
		}
	}
}

func TestReadNPYImages(t *testing.T) {
	px := seq(2 * 3 * 2 * 2)
	var f4 []byte
	for _, v := range px[:8] {
		f4 = binary.LittleEndian.AppendUint32(f4, math.Float32bits(float32(v)))
	}
	for _, c := range []struct {
		name           string
		images, labels []byte
		c, h, w        int
		pixels         []byte
		ys             []int
	}{
		{"uint8 [n, C, H, W], int64 labels", npyOf("|u1", "(2, 3, 2, 2)", px), npyOf("<i8", "(2,)", append(binary.LittleEndian.AppendUint64(nil, 7), make([]byte, 8)...)), 3, 2, 2, px, []int{7, 0}},
		{"float32 [n, H, W], [n, 1] float labels", npyOf("<f4", "(2, 2, 2)", f4), npyOf("<f8", "(2, 1)", f8(1, 65535)), 1, 2, 2, px[:8], []int{1, 65535}},
		{"unlabelled", npyOf("|u1", "(1, 1, 4, 1)", px[:4]), nil, 1, 4, 1, px[:4], nil},
	} {
		im, err := ReadNPYImages(bytes.NewReader(c.images), orNil(c.labels))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if im.C != c.c || im.H != c.h || im.W != c.w || im.Levels != 256 || !bytes.Equal(im.Pixels, c.pixels) || !slices.Equal(im.Labels, c.ys) {
			t.Errorf("%s: read [%d %d %d] %v %v", c.name, im.C, im.H, im.W, im.Pixels, im.Labels)
		}
	}

	images := npyOf("|u1", "(2, 1, 1, 2)", []byte{0, 255, 3, 4})
	for _, c := range []struct {
		name           string
		images, labels []byte
		msg            string
	}{
		{"counts differ", images, npyOf("|u1", "(3,)", []byte{1, 2, 3}), "3 labels for 2 images"},
		{"negative label", images, npyOf("|i1", "(2,)", []byte{1, 0xff}), "label 1 is -1"},
		{"fractional label", images, npyOf("<f8", "(2,)", f8(1, 2.5)), "label 1 is 2.5"},
		{"label too large", images, npyOf("<u4", "(2,)", []byte{0, 0, 0, 0, 0, 0, 1, 0}), "label 1 is 65536"},
		{"labels [n, 2]", images, npyOf("|u1", "(2, 2)", []byte{1, 2, 3, 4}), "labels: array of shape [2 2]"},
		{"labels cut", images, npyOf("|u1", "(2,)", []byte{1}), "labels: array of shape [2] needs 2 data bytes"},
		{"pixel 256", npyOf("<i2", "(1, 1, 1, 1)", []byte{0, 1}), nil, "value 0 (image 0) is 256"},
		{"pixel 0.5", npyOf("<f8", "(1, 1, 1, 2)", f8(1, 0.5)), nil, "value 1 (image 0) is 0.5"},
		{"pixel NaN", npyOf("<f8", "(1, 1, 1, 1)", f8(math.NaN())), nil, "is NaN"},
		{"rank 2", npyOf("|u1", "(2, 2)", []byte{1, 2, 3, 4}), nil, "images: array of shape [2 2]; want [n, C, H, W]"},
		{"no images", npyOf("|u1", "(0, 1, 2, 2)", nil), nil, "images: array of shape [0 1 2 2]"},
		{"complex", npyOf("<c16", "(1, 1, 1, 1)", make([]byte, 16)), nil, "type <c16; want an integer or float type"},
		{"huge", npyOf("|u1", "(4294967296, 4294967296, 1, 1)", nil), nil, "overflows"},
	} {
		_, err := ReadNPYImages(bytes.NewReader(c.images), orNil(c.labels))
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v; want one mentioning %q", c.name, err, c.msg)
		}
	}
}

func TestLoadNPYImages(t *testing.T) {
	dir := t.TempDir()
	x, y := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	os.WriteFile(x, npyOf("|u1", "(2, 1, 1, 2)", []byte{0, 255, 3, 4}), 0o644)
	os.WriteFile(y, npyOf("|u1", "(1,)", []byte{1}), 0o644)
	if im, err := LoadNPYImages(x, ""); err != nil || im.Len() != 2 || im.Labels != nil {
		t.Errorf("unlabelled: %v", err)
	}
	if _, err := LoadNPYImages(x, y); err == nil || !strings.Contains(err.Error(), "x.npy and "+y+": 1 labels for 2 images") {
		t.Errorf("mismatch: %v", err)
	}
}
