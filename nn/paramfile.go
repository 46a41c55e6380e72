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

// The parameter file format, version 1. All integers are little-endian.
//
//	magic    8 bytes  "GOEBMPRM"
//	version  uint32   1
//	count    uint32   number of parameters
//	count times:
//	  nameLen  uint32, then the name in UTF-8
//	  rank     uint32, then rank dimensions as uint64
//	  values   float64 bits (IEEE 754), row-major, product of dimensions
//	crc      uint32   CRC-32 (IEEE) of every byte before it
//
// NumPy reads the values of a parameter with np.frombuffer(..., "<f8").
const (
	paramMagic   = "GOEBMPRM"
	paramVersion = 1
)

// ErrFormat is wrapped by errors about files that are not valid parameter
// files: truncated, corrupted or foreign.
var ErrFormat = errors.New("not a valid goebm parameter file")

// WriteParams writes ps in the parameter file format.
func WriteParams(w io.Writer, ps []Param) error {
	var buf bytes.Buffer
	buf.WriteString(paramMagic)
	le := binary.LittleEndian
	buf.Write(le.AppendUint32(nil, paramVersion))
	buf.Write(le.AppendUint32(nil, uint32(len(ps))))
	for _, p := range ps {
		buf.Write(le.AppendUint32(nil, uint32(len(p.Name))))
		buf.WriteString(p.Name)
		shape := p.Value.Shape()
		buf.Write(le.AppendUint32(nil, uint32(len(shape))))
		for _, d := range shape {
			buf.Write(le.AppendUint64(nil, uint64(d)))
		}
		b := make([]byte, 8*p.Value.Len())
		for i, v := range p.Value.Data() {
			le.PutUint64(b[8*i:], math.Float64bits(v))
		}
		buf.Write(b)
	}
	buf.Write(le.AppendUint32(nil, crc32.ChecksumIEEE(buf.Bytes())))
	_, err := w.Write(buf.Bytes())
	return err
}

// ReadParams reads a parameter file into ps, matching by name. Every
// parameter of ps must be in the file with the same shape, and the file may
// hold no others. The whole file is checked before anything is copied, so on
// error ps is unchanged.
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
// tensors, in file order: for containers, such as checkpoints, that hold
// more than one model's parameters.
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
		out[i] = Param{Name: d.name, Value: tensor.New(d.values, d.shape...)}
	}
	return out, nil
}

type decoded struct {
	name   string
	shape  []int
	values []float64
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
	if v != paramVersion {
		return nil, fmt.Errorf("nn: file format version %d, this build reads %d: %w", v, paramVersion, ErrFormat)
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
		s, err := next(8*n, "values of "+string(name))
		if err != nil {
			return nil, err
		}
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = math.Float64frombits(le.Uint64(s[8*i:]))
		}
		out = append(out, decoded{string(name), shape, vals})
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
// parameter names and shapes. On error m is unchanged.
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
