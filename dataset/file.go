package dataset

import (
	"bufio"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/goebm/goebm/internal/limit"
	"github.com/goebm/goebm/tensor"
)

// Load reads points from a file, by extension: .csv (see ReadCSV) or .npy (a
// NumPy array of shape [n, d] or [n], float64 or float32: see ReadNPY).
// Every value must be finite.
func Load(path string) (*tensor.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	var t *tensor.Tensor
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv":
		t, err = ReadCSV(f)
	case ".npy":
		t, err = ReadNPY(f)
	default:
		return nil, fmt.Errorf("dataset: %s: unknown extension %q (want .csv or .npy)", path, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", path, err)
	}
	return t, nil
}

// ReadCSV reads one point per line of comma-separated numbers, after a
// UTF-8 byte-order mark if there is one. A first line that is not all
// numbers is taken as a header. Lines must have the same
// number of fields; errors name the line and column.
func ReadCSV(r io.Reader) (*tensor.Tensor, error) {
	br := bufio.NewReader(r)
	// A UTF-8 byte-order mark, as spreadsheets write, would otherwise make
	// the first number unreadable and the first row a header.
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.Comment = '#'
	cr.FieldsPerRecord = -1 // checked here, with a clearer message
	var data []float64
	d, line := -1, 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("line %d: %v", pe.Line, pe.Err)
		}
		if err != nil {
			return nil, err
		}
		line, _ = cr.FieldPos(0)
		row := make([]float64, len(rec))
		ok := true
		for j, s := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				if d < 0 && len(data) == 0 && ok && j == 0 {
					ok = false // perhaps a header
					break
				}
				return nil, fmt.Errorf("line %d, column %d: %q is not a number", line, j+1, s)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("line %d, column %d: %v is not finite", line, j+1, v)
			}
			row[j] = v
		}
		if !ok {
			if line != 1 {
				return nil, fmt.Errorf("line %d: %q is not a number", line, rec[0])
			}
			continue // the header
		}
		if d < 0 {
			d = len(row)
		} else if len(row) != d {
			return nil, fmt.Errorf("line %d: %d fields, earlier lines have %d", line, len(row), d)
		}
		data = append(data, row...)
	}
	if d <= 0 || len(data) == 0 {
		return nil, errors.New("no data rows")
	}
	return tensor.New(data, len(data)/d, d), nil
}

// The .npy format (NumPy's NEP 1), read here rather than by npyio, whose
// header parser panics on truncated or hostile headers:
//
//	magic     6 bytes "\x93NUMPY", then the version: major, minor bytes
//	length    uint16 (version 1) or uint32 (versions 2 and 3), little-endian
//	header    a Python dict literal of that length, space-padded, ending in
//	          '\n': {'descr': '<f8', 'fortran_order': False, 'shape': (n, d), }
//	data      the values, shape's product of them, in the descr's type
const npyMagic = "\x93NUMPY"

// ReadNPY reads a NumPy .npy array of shape [n, d] or [n] (one column), in
// C order, of float64 or float32 values, little- or big-endian. The header
// is checked whole (magic, version, length, the dict's three keys, a shape
// that package limit bounds) and the data length must match it.
func ReadNPY(r io.Reader) (*tensor.Tensor, error) {
	h, data, err := readNPYArray(r, npyType, "float64 or float32")
	if err != nil {
		return nil, err
	}
	order, size, items := h.order, h.size, len(data)/h.size
	shape := h.shape
	switch len(shape) {
	case 1:
		shape = []int{shape[0], 1}
	case 2:
	default:
		return nil, fmt.Errorf("array of shape %v; want [n, d] or [n]", h.shape)
	}
	if items == 0 {
		return nil, fmt.Errorf("array of shape %v holds no values", h.shape)
	}
	vals := make([]float64, items)
	for i := range vals {
		if size == 4 {
			vals[i] = float64(math.Float32frombits(order.Uint32(data[4*i:])))
		} else {
			vals[i] = math.Float64frombits(order.Uint64(data[8*i:]))
		}
		if v := vals[i]; math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("value %d (row %d) is %v, not finite", i, i/shape[1], v)
		}
	}
	return tensor.New(vals, shape...), nil
}

// readNPYArray reads a .npy file's header and data, checked against each
// other: the magic, version and header length, the header dict, a shape
// that package limit bounds, a type that types knows (want describes those
// in errors), data bytes exactly as many as the shape needs, and C order.
func readNPYArray(r io.Reader, types func(descr string) (binary.ByteOrder, int, bool), want string) (npyHeader, []byte, error) {
	var h npyHeader
	raw, err := io.ReadAll(r)
	if err != nil {
		return h, nil, err
	}
	if len(raw) < len(npyMagic)+2 || string(raw[:len(npyMagic)]) != npyMagic {
		return h, nil, errors.New("not a NumPy .npy file: no \\x93NUMPY magic")
	}
	off := len(npyMagic) + 2
	var hlen int
	switch major := raw[len(npyMagic)]; major {
	case 1:
		if len(raw) < off+2 {
			return h, nil, errors.New("not a NumPy .npy file: truncated header")
		}
		hlen, off = int(binary.LittleEndian.Uint16(raw[off:])), off+2
	case 2, 3:
		if len(raw) < off+4 {
			return h, nil, errors.New("not a NumPy .npy file: truncated header")
		}
		hlen, off = int(binary.LittleEndian.Uint32(raw[off:])), off+4
	default:
		return h, nil, fmt.Errorf("not a NumPy .npy file: format version %d.%d, this build reads 1 to 3", major, raw[len(npyMagic)+1])
	}
	if hlen > len(raw)-off {
		return h, nil, fmt.Errorf("not a NumPy .npy file: header of %d bytes in a file of %d", hlen, len(raw))
	}
	h, err = parseNPYHeader(string(raw[off : off+hlen]))
	if err != nil {
		return h, nil, fmt.Errorf("not a NumPy .npy file: header: %w", err)
	}
	data := raw[off+hlen:]
	items, err := limit.Elems("array", h.shape...)
	if err != nil {
		return h, nil, err
	}
	var ok bool
	if h.order, h.size, ok = types(h.descr); !ok {
		return h, nil, fmt.Errorf("array of type %s; want %s", h.descr, want)
	}
	if want := items * h.size; len(data) != want {
		return h, nil, fmt.Errorf("array of shape %v needs %d data bytes, the file has %d (truncated or corrupted)", h.shape, want, len(data))
	}
	if h.fortran {
		return h, nil, errors.New("array is in Fortran order; save it with np.ascontiguousarray")
	}
	return h, data, nil
}

// npyType returns the byte order and size of a descr this package reads:
// float64 or float32, little-endian unless it says '>'. The names without a
// byte order ("f8", "float64") are read as little-endian, as they always were.
func npyType(descr string) (binary.ByteOrder, int, bool) {
	switch descr {
	case "<f8", "f8", "float64":
		return binary.LittleEndian, 8, true
	case ">f8":
		return binary.BigEndian, 8, true
	case "<f4", "f4", "float32":
		return binary.LittleEndian, 4, true
	case ">f4":
		return binary.BigEndian, 4, true
	}
	return nil, 0, false
}

// npyHeader is what a .npy header dict says, and the byte order and size
// of its type.
type npyHeader struct {
	descr   string
	fortran bool
	shape   []int
	order   binary.ByteOrder
	size    int
}

// parseNPYHeader parses the header dict: exactly the keys descr (a string),
// fortran_order (True or False) and shape (a tuple of integers, Python 2's
// "3L" too), in any order, quoted either way, with an optional trailing
// comma, followed by nothing but spaces and a newline.
func parseNPYHeader(s string) (npyHeader, error) {
	var h npyHeader
	p := &npyParser{s: s}
	if !p.eat('{') {
		return h, errors.New("no '{'")
	}
	seen := map[string]bool{}
	for !p.eat('}') {
		key, err := p.str()
		if err != nil {
			return h, err
		}
		if seen[key] {
			return h, fmt.Errorf("key %q twice", key)
		}
		seen[key] = true
		if !p.eat(':') {
			return h, fmt.Errorf("no ':' after %q", key)
		}
		switch key {
		case "descr":
			h.descr, err = p.str()
		case "fortran_order":
			h.fortran, err = p.boolean()
		case "shape":
			h.shape, err = p.tuple()
		default:
			return h, fmt.Errorf("unknown key %q", key)
		}
		if err != nil {
			return h, fmt.Errorf("%s: %w", key, err)
		}
		if !p.eat(',') && !p.peek('}') {
			return h, fmt.Errorf("no ',' or '}' after %s", key)
		}
	}
	if len(seen) != 3 {
		return h, errors.New("want the keys descr, fortran_order and shape")
	}
	if rest := strings.Trim(p.s[p.i:], " \n"); rest != "" {
		return h, fmt.Errorf("%q after the dict", rest)
	}
	return h, nil
}

// npyParser reads the tokens of a header dict from s, skipping spaces.
type npyParser struct {
	s string
	i int
}

func (p *npyParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// peek reports whether the next token starts with c.
func (p *npyParser) peek(c byte) bool {
	p.skip()
	return p.i < len(p.s) && p.s[p.i] == c
}

// eat consumes c if it comes next.
func (p *npyParser) eat(c byte) bool {
	if !p.peek(c) {
		return false
	}
	p.i++
	return true
}

// str reads a string quoted by ' or " (without escapes, which the header
// never needs).
func (p *npyParser) str() (string, error) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", fmt.Errorf("no string at byte %d", p.i)
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string at byte %d", p.i)
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

func (p *npyParser) boolean() (bool, error) {
	p.skip()
	for _, w := range []string{"True", "False"} {
		if strings.HasPrefix(p.s[p.i:], w) {
			p.i += len(w)
			return w == "True", nil
		}
	}
	return false, fmt.Errorf("not True or False at byte %d", p.i)
}

// tuple reads a tuple of integers: (), (n,), (n, d), ...
func (p *npyParser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, fmt.Errorf("no '(' at byte %d", p.i)
	}
	shape := []int{}
	for !p.eat(')') {
		p.skip()
		j := p.i
		if j < len(p.s) && p.s[j] == '-' {
			j++
		}
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(p.s[p.i:j])
		if err != nil {
			return nil, fmt.Errorf("dimension %d: %q is not an int", len(shape), p.s[p.i:j])
		}
		p.i = j
		if p.i < len(p.s) && p.s[p.i] == 'L' {
			p.i++
		}
		shape = append(shape, n)
		if !p.eat(',') && !p.peek(')') {
			return nil, fmt.Errorf("no ',' or ')' after dimension %d", len(shape)-1)
		}
	}
	return shape, nil
}
