package nn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goebm/goebm/tensor"
)

func newTestMLP(t *testing.T, seed uint64, sizes ...int) *Sequential {
	t.Helper()
	m, err := NewMLP(rand.New(rand.NewPCG(seed, 0)), sizes, SiLU(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func snapshot(m Module) [][]float64 {
	var out [][]float64
	for _, p := range m.Params() {
		out = append(out, append([]float64(nil), p.Value.Data()...))
	}
	return out
}

func sameParams(a, b [][]float64) bool {
	for i := range a {
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.params")
	src := newTestMLP(t, 1, 2, 16, 16, 1)
	if err := Save(path, src); err != nil {
		t.Fatal(err)
	}
	dst := newTestMLP(t, 2, 2, 16, 16, 1)
	if err := Load(path, dst); err != nil {
		t.Fatal(err)
	}
	if !sameParams(snapshot(src), snapshot(dst)) {
		t.Fatal("loaded parameters differ from saved ones")
	}
	x := tensor.Randn(rand.New(rand.NewPCG(3, 3)), 4, 2)
	a, b := src.Forward(nil, x).Data(), dst.Forward(nil, x).Data()
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("loaded model computes a different function")
		}
	}
}

// TestLoadRefusesBadFiles: each bad file gives an error and leaves the
// model exactly as it was.
func TestLoadRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	var good bytes.Buffer
	if err := WriteParams(&good, newTestMLP(t, 1, 2, 8, 1).Params()); err != nil {
		t.Fatal(err)
	}
	g := good.Bytes()
	corrupt := append([]byte(nil), g...)
	corrupt[len(corrupt)/2] ^= 0x40
	var other bytes.Buffer
	WriteParams(&other, newTestMLP(t, 1, 2, 9, 1).Params())
	var bigger bytes.Buffer
	WriteParams(&bigger, newTestMLP(t, 1, 2, 8, 8, 1).Params())
	var smaller bytes.Buffer
	WriteParams(&smaller, newTestMLP(t, 1, 2, 8, 1).Params()[:3])

	for _, c := range []struct {
		name   string
		data   []byte
		format bool // wants ErrFormat
	}{
		{"empty", nil, true},
		{"header only", g[:8], true},
		{"truncated", g[:len(g)-9], true},
		{"one byte short", g[:len(g)-1], true},
		{"corrupted", corrupt, true},
		{"foreign", []byte("PK\x03\x04 this is a zip file, not parameters"), true},
		{"wrong shape", other.Bytes(), false},
		{"extra parameter", bigger.Bytes(), false},
		{"missing parameter", smaller.Bytes(), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name)
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			m := newTestMLP(t, 5, 2, 8, 1)
			before := snapshot(m)
			err := Load(path, m)
			if err == nil {
				t.Fatal("no error")
			}
			if c.format && !errors.Is(err, ErrFormat) {
				t.Errorf("error %v, want ErrFormat", err)
			}
			if !sameParams(before, snapshot(m)) {
				t.Error("model changed by a failed load")
			}
		})
	}
	if err := Load(filepath.Join(dir, "absent"), newTestMLP(t, 5, 2, 8, 1)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error %v, want os.ErrNotExist", err)
	}
}

// rawParams builds a parameter file of one parameter named "w" with the
// given rank and dimensions and no values, with a valid checksum.
func rawParams(rank uint32, dims ...uint64) []byte {
	le := binary.LittleEndian
	b := []byte(paramMagic)
	b = le.AppendUint32(b, paramVersion)
	b = le.AppendUint32(b, 1)
	b = le.AppendUint32(b, 1)
	b = append(b, 'w')
	b = le.AppendUint32(b, rank)
	for _, d := range dims {
		b = le.AppendUint64(b, d)
	}
	return le.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// TestDecodeBoundsSizes: ranks and dimensions from the file are bounded
// before anything is allocated for them, and the error names the parameter.
func TestDecodeBoundsSizes(t *testing.T) {
	for _, c := range []struct {
		name string
		file []byte
		msg  string
	}{
		// 29 bytes that once asked for a 34 GB slice of dimensions.
		{"huge rank", rawParams(math.MaxUint32), `parameter "w": rank 4294967295`},
		{"overflowing shape", rawParams(2, 1<<34, 1<<34), `parameter "w": shape [17179869184 17179869184] overflows`},
		{"larger than memory", rawParams(2, 1<<30, 1<<29), `parameter "w": shape [1073741824 536870912] needs`},
		{"beyond an int", rawParams(1, 1<<63), `parameter "w": dimension 0 is 9223372036854775808`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "huge rank" && len(c.file) != 29 {
				t.Fatalf("file of %d bytes, want 29", len(c.file))
			}
			_, err := DecodeParams(bytes.NewReader(c.file))
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %v; want ErrFormat and %q", err, c.msg)
			}
		})
	}
}

// FuzzDecodeParams: no file makes the decoder panic, and whatever decodes
// writes back to the same bytes.
func FuzzDecodeParams(f *testing.F) {
	var good bytes.Buffer
	m, err := NewMLP(rand.New(rand.NewPCG(1, 0)), []int{2, 3, 1}, SiLU(), nil)
	if err != nil {
		f.Fatal(err)
	}
	if err := WriteParams(&good, m.Params()); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add(rawParams(math.MaxUint32))
	f.Add(rawParams(2, 1<<34, 1<<34))
	f.Add(rawParams(0))
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := DecodeParams(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		var again bytes.Buffer
		if err := WriteParams(&again, ps); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), b) {
			t.Fatal("decoded parameters write back to other bytes")
		}
	})
}
