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
	"slices"
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

// rawParams builds a version-1 parameter file of one parameter named "w"
// with the given rank and dimensions and no values, with a valid checksum.
func rawParams(rank uint32, dims ...uint64) []byte {
	le := binary.LittleEndian
	b := []byte(paramMagic)
	b = le.AppendUint32(b, 1)
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
		{"version 2, unknown element type", paramsV2(3, 0, 0), `parameter "w": unknown element type 3`},
		{"version 2, float32 values cut", paramsV2(byte(Float32), 1, 3), "reading values of w"},
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

// paramsV2 builds a version-2 parameter file of one parameter named "w" of
// element type code dt and the given dimensions, followed by words 8-byte
// values 0, 1, 2, …, and a valid checksum.
func paramsV2(dt byte, words int, dims ...uint64) []byte {
	le := binary.LittleEndian
	b := []byte(paramMagic)
	b = le.AppendUint32(b, 2)
	b = le.AppendUint32(b, 1)
	b = le.AppendUint32(b, 1)
	b = append(b, 'w', dt)
	b = le.AppendUint32(b, uint32(len(dims)))
	for _, d := range dims {
		b = le.AppendUint64(b, d)
	}
	for i := range words {
		b = le.AppendUint64(b, math.Float64bits(float64(i)))
	}
	return le.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// paramsV1 is the version-1 file of ps, as builds before the element type
// wrote it: version 2 without the element type bytes.
func paramsV1(t *testing.T, ps []Param) []byte {
	t.Helper()
	le := binary.LittleEndian
	b := []byte(paramMagic)
	b = le.AppendUint32(b, 1)
	b = le.AppendUint32(b, uint32(len(ps)))
	for _, p := range ps {
		b = le.AppendUint32(b, uint32(len(p.Name)))
		b = append(b, p.Name...)
		b = le.AppendUint32(b, uint32(p.Value.Rank()))
		for _, d := range p.Value.Shape() {
			b = le.AppendUint64(b, uint64(d))
		}
		for _, v := range p.Value.Data() {
			b = le.AppendUint64(b, math.Float64bits(v))
		}
	}
	return le.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// TestParamFileElementType: files carry the element type; version-1 files,
// which do not, load as float64; a float32 file is refused by a float64
// model with ErrDType, naming the parameter and both types, and leaves the
// model as it was; a float32 model writes float32 values (its parameters'
// float32 roundings), reads them back, and refuses a float64 file;
// DecodeParams gives each parameter the precision of its element type.
func TestParamFileElementType(t *testing.T) {
	dir := t.TempDir()
	src := newTestMLP(t, 1, 2, 8, 1)
	var v2 bytes.Buffer
	if err := WriteParams(&v2, src.Params()); err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint32(v2.Bytes()[8:]); got != 2 {
		t.Fatalf("WriteParams wrote version %d, want 2", got)
	}
	// The first parameter's element type follows its name.
	name := src.Params()[0].Name
	if got := DType(v2.Bytes()[20+len(name)]); got != Float64 {
		t.Fatalf("element type %v in the file, want float64", got)
	}
	v1 := paramsV1(t, src.Params())
	if len(v1) != v2.Len()-len(src.Params()) {
		t.Fatalf("version 1 file of %d bytes, want one byte per parameter fewer than version 2's %d", len(v1), v2.Len())
	}
	path := filepath.Join(dir, "v1.params")
	if err := os.WriteFile(path, v1, 0o644); err != nil {
		t.Fatal(err)
	}
	dst := newTestMLP(t, 2, 2, 8, 1)
	if err := Load(path, dst); err != nil {
		t.Fatalf("version 1 file: %v", err)
	}
	if !sameParams(snapshot(src), snapshot(dst)) {
		t.Fatal("version 1 file loaded other values")
	}

	f32 := encodeParams(src.Params(), Float32)
	path = filepath.Join(dir, "f32.params")
	if err := os.WriteFile(path, f32, 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(dst)
	err := Load(path, newTestMLP(t, 3, 2, 8, 1))
	want := `parameter "` + name + `" holds float32 values in the file, the model float64`
	if !errors.Is(err, ErrDType) || errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), want) {
		t.Errorf("float32 file into a float64 model: error %v; want ErrDType and %q", err, want)
	}
	if err := Load(path, dst); err == nil || !sameParams(before, snapshot(dst)) {
		t.Error("a refused float32 file changed the model")
	}
	dec, err := DecodeParams(bytes.NewReader(f32))
	if err != nil || dec[0].Value.Precision() != tensor.Float32 {
		t.Errorf("DecodeParams of a float32 file: error %v, want float32 parameters", err)
	}

	// A float32 model writes float32 values and reads its own file back.
	m32 := newTestMLP(t, 1, 2, 8, 1)
	SetPrecision(m32, tensor.Float32)
	var b32 bytes.Buffer
	if err := WriteParams(&b32, m32.Params()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b32.Bytes(), f32) {
		t.Error("a float32 model's file is not the float32 encoding of its parameters")
	}
	r32 := newTestMLP(t, 4, 2, 8, 1)
	SetPrecision(r32, tensor.Float32)
	if err := ReadParams(bytes.NewReader(f32), r32.Params()); err != nil {
		t.Fatalf("float32 file into a float32 model: %v", err)
	}
	if err := ReadParams(&v2, r32.Params()); !errors.Is(err, ErrDType) {
		t.Errorf("float64 file into a float32 model: error %v, want ErrDType", err)
	}
	// The float32 payload is read as such: its parameters decode to the
	// float32 roundings of the model's.
	ds, err := decodeParams(f32)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range src.Params() {
		for j, v := range p.Value.Data() {
			if ds[i].dtype != Float32 || ds[i].values[j] != float64(float32(v)) {
				t.Fatalf("parameter %s element %d: %v %v, want float32 %v", p.Name, j, ds[i].dtype, ds[i].values[j], float32(v))
			}
		}
	}
}

// FuzzDecodeParams: no file makes the decoder panic; whatever decodes writes
// back to parameters that decode to the same names, shapes and bits, and a
// version-2 file to the same bytes.
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
	f.Add(paramsV2(byte(Float64), 2, 2, 1))
	f.Add(encodeParams(m.Params(), Float32))
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := DecodeParams(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrDType) {
				t.Fatalf("error %v wraps neither ErrFormat nor ErrDType", err)
			}
			return
		}
		var again bytes.Buffer
		if err := WriteParams(&again, ps); err != nil {
			t.Fatal(err)
		}
		if binary.LittleEndian.Uint32(b[8:]) == paramVersion && !bytes.Equal(again.Bytes(), b) {
			t.Fatal("decoded parameters write back to other bytes")
		}
		back, err := DecodeParams(&again)
		if err != nil {
			t.Fatalf("written back parameters do not decode: %v", err)
		}
		for i, p := range ps {
			q := back[i]
			if q.Name != p.Name || !slices.Equal(q.Value.Shape(), p.Value.Shape()) {
				t.Fatalf("parameter %d: %s %v written back as %s %v", i, p.Name, p.Value.Shape(), q.Name, q.Value.Shape())
			}
			for j, v := range p.Value.Data() {
				if math.Float64bits(v) != math.Float64bits(q.Value.Data()[j]) {
					t.Fatalf("parameter %s element %d: %v written back as %v", p.Name, j, v, q.Value.Data()[j])
				}
			}
		}
	})
}
