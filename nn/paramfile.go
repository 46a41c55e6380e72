package nn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"slices"

	"github.com/goebm/goebm/internal/limit"
	"github.com/goebm/goebm/internal/safefile"
	"github.com/goebm/goebm/tensor"
)

// The parameter file format, version 2. All integers are little-endian.
//
//	magic    8 bytes  "GOEBMPRM"
//	version  uint32   2
//	count    uint32   number of parameters
//	count times:
//	  nameLen  uint32, then the name in UTF-8
//	  dtype    uint8    element type: 1 float64, 2 float32 (see DType)
//	  rank     uint32, then rank dimensions as uint64
//	  values   IEEE 754 bits of the element type, row-major, product of dimensions
//	crc      uint32   CRC-32 (IEEE) of every byte before it
//
// Version 1 is the same without the dtype byte, every value a float64; it
// is still read, as float64. WriteParams writes version 2. NumPy reads the
// values of a parameter with np.frombuffer(..., dtype), dtype being "<f8" or
// "<f4" (DType.NumPy).
const (
	paramMagic   = "GOEBMPRM"
	paramVersion = 2
)

// DType is the element type of a parameter in a parameter file: that of
// the parameter's tensor.Precision. A Float32 parameter is written as
// float32 values (half the bytes; its products compute in float32 anyway),
// and reading refuses a file whose element type is not the model's, with an
// error wrapping ErrDType.
type DType uint8

// The element types of the parameter file format, by their codes there.
const (
	Float64 DType = 1
	Float32 DType = 2
)

// String returns "float64" or "float32".
func (d DType) String() string {
	switch d {
	case Float64:
		return "float64"
	case Float32:
		return "float32"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// NumPy returns the NumPy dtype string of the file's values: "<f8" or "<f4".
func (d DType) NumPy() string {
	if d == Float32 {
		return "<f4"
	}
	return "<f8"
}

// size is the number of bytes of one element, or 0 for an unknown type.
func (d DType) size() int {
	switch d {
	case Float64:
		return 8
	case Float32:
		return 4
	}
	return 0
}

// ErrDType is wrapped by errors about a parameter whose element type in a
// file is not the model's.
var ErrDType = errors.New("element type mismatch")

// ErrFormat is wrapped by errors about files that are not valid parameter
// files: truncated, corrupted or foreign.
var ErrFormat = errors.New("not a valid goebm parameter file")

// DTypeOf returns the element type in which a parameter of precision p is
// stored.
func DTypeOf(p tensor.Precision) DType {
	if p == tensor.Float32 {
		return Float32
	}
	return Float64
}

// precision returns the tensor.Precision of values of element type d.
func (d DType) precision() tensor.Precision {
	if d == Float32 {
		return tensor.Float32
	}
	return tensor.Float64
}

// WriteParams writes ps in the parameter file format, each parameter as the
// element type of its precision (DTypeOf): Float32 parameters are rounded
// to float32.
func WriteParams(w io.Writer, ps []Param) error {
	_, err := w.Write(encodeParams(ps, 0))
	return err
}

// encodeParams returns the parameter file of ps with values of type force
// (rounded to it, for Float32), or when force is 0 each parameter's in the
// type of its precision.
func encodeParams(ps []Param, force DType) []byte {
	var buf bytes.Buffer
	buf.WriteString(paramMagic)
	le := binary.LittleEndian
	buf.Write(le.AppendUint32(nil, paramVersion))
	buf.Write(le.AppendUint32(nil, uint32(len(ps))))
	for _, p := range ps {
		dt := force
		if dt == 0 {
			dt = DTypeOf(p.Value.Precision())
		}
		buf.Write(le.AppendUint32(nil, uint32(len(p.Name))))
		buf.WriteString(p.Name)
		buf.WriteByte(byte(dt))
		shape := p.Value.Shape()
		buf.Write(le.AppendUint32(nil, uint32(len(shape))))
		for _, d := range shape {
			buf.Write(le.AppendUint64(nil, uint64(d)))
		}
		b := make([]byte, dt.size()*p.Value.Len())
		for i, v := range p.Value.Data() {
			if dt == Float32 {
				le.PutUint32(b[4*i:], math.Float32bits(float32(v)))
			} else {
				le.PutUint64(b[8*i:], math.Float64bits(v))
			}
		}
		buf.Write(b)
	}
	buf.Write(le.AppendUint32(nil, crc32.ChecksumIEEE(buf.Bytes())))
	return buf.Bytes()
}

// ReadParams reads a parameter file into ps, matching by name. Every
// parameter of ps must be in the file with the element type of its
// precision (DTypeOf) and its shape, and the file may hold no others. The
// whole file is checked before anything is copied, so on error ps is
// unchanged.
func ReadParams(r io.Reader, ps []Param) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	read, err := decodeParams(b)
	if err != nil {
		return err
	}
	byName := make(map[string]decoded, len(read))
	for _, d := range read {
		if _, dup := byName[d.name]; dup {
			return fmt.Errorf("nn: parameter %q appears twice in the file: %w", d.name, ErrFormat)
		}
		byName[d.name] = d
	}
	inModel := make(map[string]bool, len(ps))
	for _, p := range ps {
		d, ok := byName[p.Name]
		if !ok {
			return fmt.Errorf("nn: parameter %q is missing from the file", p.Name)
		}
		if err := d.checkDType(DTypeOf(p.Value.Precision())); err != nil {
			return err
		}
		if want := p.Value.Shape(); !slices.Equal(d.shape, want) {
			return fmt.Errorf("nn: parameter %q has shape %v in the file, the model wants %v", p.Name, d.shape, want)
		}
		inModel[p.Name] = true
	}
	for _, d := range read {
		if !inModel[d.name] {
			return fmt.Errorf("nn: the file has parameter %q, which the model lacks", d.name)
		}
	}
	for _, p := range ps {
		copy(p.Value.Data(), byName[p.Name].values)
	}
	return nil
}

// DecodeParams reads every parameter of a parameter file as new leaf
// tensors, in file order, each of the precision of its element type: for
// containers, such as checkpoints, that hold more than one model's
// parameters.
func DecodeParams(r io.Reader) ([]Param, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	ds, err := decodeParams(b)
	if err != nil {
		return nil, err
	}
	out := make([]Param, len(ds))
	for i, d := range ds {
		out[i] = Param{Name: d.name, Value: tensor.New(d.values, d.shape...).SetPrecision(d.dtype.precision())}
	}
	return out, nil
}

type decoded struct {
	name   string
	dtype  DType
	shape  []int
	values []float64
}

// checkDType refuses a parameter whose element type is not want, the
// model's.
func (d decoded) checkDType(want DType) error {
	if d.dtype != want {
		return fmt.Errorf("nn: parameter %q holds %s values in the file, the model %s: %w", d.name, d.dtype, want, ErrDType)
	}
	return nil
}

func decodeParams(b []byte) ([]decoded, error) {
	le := binary.LittleEndian
	if len(b) < len(paramMagic)+12 || string(b[:len(paramMagic)]) != paramMagic {
		return nil, fmt.Errorf("nn: no %s header: %w", paramMagic, ErrFormat)
	}
	body, sum := b[:len(b)-4], le.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("nn: checksum mismatch (truncated or corrupted, %d bytes): %w", len(b), ErrFormat)
	}
	off := len(paramMagic)
	next := func(n int, what string) ([]byte, error) {
		if n < 0 || off+n > len(body) {
			return nil, fmt.Errorf("nn: file ends at byte %d reading %s: %w", len(body), what, ErrFormat)
		}
		s := body[off : off+n]
		off += n
		return s, nil
	}
	u32 := func(what string) (int, error) {
		s, err := next(4, what)
		if err != nil {
			return 0, err
		}
		return int(le.Uint32(s)), nil
	}
	v, err := u32("version")
	if err != nil {
		return nil, err
	}
	if v != 1 && v != paramVersion {
		return nil, fmt.Errorf("nn: file format version %d, this build reads 1 and %d: %w", v, paramVersion, ErrFormat)
	}
	count, err := u32("parameter count")
	if err != nil {
		return nil, err
	}
	var out []decoded
	for range count {
		nl, err := u32("name length")
		if err != nil {
			return nil, err
		}
		name, err := next(nl, "name")
		if err != nil {
			return nil, err
		}
		dt := Float64 // version 1 has no element type: all float64
		if v >= 2 {
			s, err := next(1, "element type of "+string(name))
			if err != nil {
				return nil, err
			}
			if dt = DType(s[0]); dt.size() == 0 {
				return nil, fmt.Errorf("nn: parameter %q: unknown element type %d: %w", name, s[0], ErrFormat)
			}
		}
		rank, err := u32("rank of " + string(name))
		if err != nil {
			return nil, err
		}
		// Each dimension takes 8 bytes, so the bytes left bound the rank
		// before anything is allocated for it.
		if rank > (len(body)-off)/8 {
			return nil, fmt.Errorf("nn: parameter %q: rank %d, more dimensions than the file has bytes for: %w", name, rank, ErrFormat)
		}
		shape := make([]int, rank)
		for i := range shape {
			s, _ := next(8, "shape of "+string(name))
			d := le.Uint64(s)
			if d > math.MaxInt {
				return nil, fmt.Errorf("nn: parameter %q: dimension %d is %d, beyond an int: %w", name, i, d, ErrFormat)
			}
			shape[i] = int(d)
		}
		n, err := limit.Elems(fmt.Sprintf("parameter %q", name), shape...)
		if err != nil {
			return nil, fmt.Errorf("nn: %w: %w", err, ErrFormat)
		}
		if n > (len(body)-off)/dt.size() {
			return nil, fmt.Errorf("nn: file ends at byte %d reading values of %s: %w", len(body), name, ErrFormat)
		}
		s, _ := next(dt.size()*n, "values of "+string(name))
		vals := make([]float64, n)
		for i := range vals {
			if dt == Float32 {
				vals[i] = float64(math.Float32frombits(le.Uint32(s[4*i:])))
			} else {
				vals[i] = math.Float64frombits(le.Uint64(s[8*i:]))
			}
		}
		out = append(out, decoded{string(name), dt, shape, vals})
	}
	if off != len(body) {
		return nil, fmt.Errorf("nn: %d stray bytes after the last parameter: %w", len(body)-off, ErrFormat)
	}
	return out, nil
}

// Save writes m's parameters to path atomically: a crash leaves either the
// old file or the new one.
func Save(path string, m Module) error {
	if err := safefile.WriteFile(path, func(w io.Writer) error { return WriteParams(w, m.Params()) }); err != nil {
		return fmt.Errorf("nn: save: %w", err)
	}
	return nil
}

// Load reads parameters saved by Save into m, which must have the same
// parameter names, element type and shapes. On error m is unchanged.
func Load(path string, m Module) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("nn: load: %w", err)
	}
	defer f.Close()
	if err := ReadParams(f, m.Params()); err != nil {
		return fmt.Errorf("nn: load %s: %w", path, err)
	}
	return nil
}
