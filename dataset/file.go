package dataset

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/goebm/goebm/tensor"
	"github.com/sbinet/npyio"
)

// Load reads points from a file, by extension: .csv (see ReadCSV) or .npy (a
// NumPy array of shape [n, d] or [n], float64 or float32, read with
// github.com/sbinet/npyio). Every value must be finite.
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

// ReadCSV reads one point per line of comma-separated numbers. A first line
// that is not all numbers is taken as a header. Lines must have the same
// number of fields; errors name the line and column.
func ReadCSV(r io.Reader) (*tensor.Tensor, error) {
	cr := csv.NewReader(r)
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

// ReadNPY reads a NumPy .npy array of shape [n, d] or [n] (one column), in
// C order, of float64 or float32 values. The file is read whole and its
// length checked against the header: npyio (v0.6.0) fills a short read with
// earlier values instead of failing.
func ReadNPY(r io.Reader) (*tensor.Tensor, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	br := bytes.NewReader(raw)
	nr, err := npyio.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("not a NumPy .npy file: %w", err)
	}
	h := nr.Header
	items := 1
	for _, s := range h.Descr.Shape {
		items *= s
	}
	size := 8
	if strings.HasSuffix(h.Descr.Type, "f4") || h.Descr.Type == "float32" {
		size = 4
	}
	if want := items * size; br.Len() != want {
		return nil, fmt.Errorf("array of shape %v needs %d data bytes, the file has %d (truncated or corrupted)", h.Descr.Shape, want, br.Len())
	}
	if h.Descr.Fortran {
		return nil, errors.New("array is in Fortran order; save it with np.ascontiguousarray")
	}
	shape := h.Descr.Shape
	switch len(shape) {
	case 1:
		shape = []int{shape[0], 1}
	case 2:
	default:
		return nil, fmt.Errorf("array of shape %v; want [n, d] or [n]", h.Descr.Shape)
	}
	var data []float64
	switch h.Descr.Type {
	case "<f8", "f8", "float64":
		err = nr.Read(&data)
	case "<f4", "f4", "float32":
		var f32 []float32
		err = nr.Read(&f32)
		for _, v := range f32 {
			data = append(data, float64(v))
		}
	default:
		return nil, fmt.Errorf("array of type %s; want float64 or float32", h.Descr.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("array of type %s and shape %v: %w", h.Descr.Type, h.Descr.Shape, err)
	}
	if len(data) != shape[0]*shape[1] || len(data) == 0 {
		return nil, fmt.Errorf("array of shape %v holds %d values", h.Descr.Shape, len(data))
	}
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("value %d (row %d) is %v, not finite", i, i/shape[1], v)
		}
	}
	return tensor.New(data, shape...), nil
}
