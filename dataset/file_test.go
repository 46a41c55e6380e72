package dataset

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
)

// npyFile builds a version-1 .npy file with the given header dict and data.
func npyFile(dict string, data []byte) []byte {
	b := []byte(npyMagic + "\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)+1))
	return append(append(append(b, dict...), '\n'), data...)
}

// f8 returns vs as little-endian float64 bytes.
func f8(vs ...float64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func TestReadNPYHeaders(t *testing.T) {
	be := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, math.Float32bits(1.5)), math.Float32bits(-2))
	for _, c := range []struct {
		name  string
		file  []byte
		shape []int
		vals  []float64
	}{
		{"numpy's own", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }", f8(3, 4)), []int{2, 1}, []float64{3, 4}},
		{"1-D, keys reordered, double quotes", npyFile(`{"shape": (2,), "fortran_order": False, "descr": "<f8"}`, f8(3, 4)), []int{2, 1}, []float64{3, 4}},
		{"Python 2 longs", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 2L), }", f8(3, 4)), []int{1, 2}, []float64{3, 4}},
		{"big-endian float32", npyFile("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be), []int{2, 1}, []float64{1.5, -2}},
	} {
		got, err := ReadNPY(bytes.NewReader(c.file))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !slices.Equal(got.Shape(), c.shape) || !slices.Equal(got.Data(), c.vals) {
			t.Errorf("%s: shape %v values %v; want %v %v", c.name, got.Shape(), got.Data(), c.shape, c.vals)
		}
	}
}

// TestReadNPYRefuses: every bad file is an error that says what is wrong,
// never a panic.
func TestReadNPYRefuses(t *testing.T) {
	good := npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }", f8(3, 4))
	v2 := []byte(npyMagic + "\x02\x00\xff\xff\xff\x7f{")
	dict := func(shape string) []byte {
		return npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': "+shape+", }", f8(1))
	}
	for _, c := range []struct {
		name string
		file []byte
		msg  string
	}{
		{"empty", nil, "no \\x93NUMPY magic"},
		{"wrong magic", append([]byte("\x93NUMPZ"), good[6:]...), "no \\x93NUMPY magic"},
		{"version 4", append([]byte(npyMagic+"\x04\x00"), good[8:]...), "format version 4.0"},
		{"no header length", good[:9], "truncated header"},
		{"header past the end", v2, "header of 2147483647 bytes in a file of 13"},
		{"negative shape", dict("(-1, 2)"), "array: dimension 0 is -1, negative"},
		{"overflowing shape", dict("(4294967296, 4294967296)"), "array: shape [4294967296 4294967296] overflows"},
		{"shape beyond an int", dict("(99999999999999999999,)"), "not an int"},
		{"larger than memory", dict("(1073741824, 536870912)"), "more than this machine's memory"},
		{"data short", good[:len(good)-1], "needs 16 data bytes, the file has 15"},
		{"data long", append(good, 0), "needs 16 data bytes, the file has 17"},
		{"no values", dict("(0, 3)")[:len(dict("(0, 3)"))-8], "holds no values"},
		{"rank 3", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1), }", f8(1)), "want [n, d] or [n]"},
		{"Fortran", npyFile("{'descr': '<f8', 'fortran_order': True, 'shape': (1, 1), }", f8(1)), "Fortran order"},
		{"int64", npyFile("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", f8(1)), "type <i8"},
		{"NaN", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f8(1, math.NaN())), "value 1 (row 1) is NaN"},
		{"missing key", npyFile("{'descr': '<f8', 'shape': (1,), }", f8(1)), "want the keys"},
		{"unknown key", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", f8(1)), `unknown key "x"`},
		{"key twice", npyFile("{'descr': '<f8', 'descr': '<f8'}", f8(1)), `key "descr" twice`},
		{"unterminated", npyFile("{'descr': '<f8", f8(1)), "unterminated string"},
		{"no brace", npyFile("'descr'", nil), "no '{'"},
		{"open tuple", npyFile("{'shape': (1, 2", nil), "shape: "},
		{"bad bool", npyFile("{'fortran_order': false}", nil), "not True or False"},
		{"trailing", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), } x", f8(1)), `"x" after the dict`},
	} {
		_, err := ReadNPY(bytes.NewReader(c.file))
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v; want one mentioning %q", c.name, err, c.msg)
		}
	}
	// Every cut inside a file, header included, is an error.
	for n := range len(good) {
		if _, err := ReadNPY(bytes.NewReader(good[:n])); err == nil {
			t.Errorf("file cut at byte %d of %d accepted", n, len(good))
		}
	}
}

func TestReadCSVByteOrderMark(t *testing.T) {
	for _, in := range []string{"\uFEFF1,2\n3,4\n", "\uFEFFx,y\n1,2\n3,4\n"} {
		got, err := ReadCSV(strings.NewReader(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if want := []float64{1, 2, 3, 4}; !slices.Equal(got.Data(), want) {
			t.Errorf("%q: read %v; want %v", in, got.Data(), want)
		}
	}
	// A mark elsewhere is not skipped.
	if _, err := ReadCSV(strings.NewReader("1,2\n\uFEFF3,4\n")); err == nil || !strings.Contains(err.Error(), "line 2, column 1") {
		t.Errorf("a mark inside: error %v", err)
	}
}
