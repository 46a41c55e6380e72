package dataset

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/goebm/goebm/internal/safefile"
	"github.com/goebm/goebm/tensor"
	"github.com/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

// ErrFormat is wrapped by errors about a file name whose extension is
// neither .csv nor .npy.
var ErrFormat = errors.New("unknown file format")

// CheckExt returns nil when path names a file Save and Load understand
// (.csv or .npy), and an error wrapping ErrFormat otherwise, so that a
// program can refuse a bad output name before doing any work.
func CheckExt(path string) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".npy":
		return nil
	}
	return fmt.Errorf("dataset: %s: extension %q (want .csv or .npy): %w", path, filepath.Ext(path), ErrFormat)
}

// Save writes the rows of x ([n, d]) to path atomically (the file appears
// whole or not at all), by extension: .csv with header as its first line
// (none when nil), or .npy as a float64 array of shape [n, d]. Load reads
// both back.
func Save(path string, header []string, x *tensor.Tensor) error {
	if err := CheckExt(path); err != nil {
		return err
	}
	if x.Rank() != 2 {
		return fmt.Errorf("dataset: %s: points of shape %v; want [n, d]", path, x.Shape())
	}
	csv := strings.EqualFold(filepath.Ext(path), ".csv")
	err := safefile.WriteFile(path, func(w io.Writer) error {
		if csv {
			return WriteCSV(w, header, x)
		}
		return WriteNPY(w, x)
	})
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	return nil
}

// WriteCSV writes the rows of x ([n, d]) as comma-separated numbers, each in
// the shortest form that reads back exactly, after a header line when
// header is not nil (it must then have d names).
func WriteCSV(w io.Writer, header []string, x *tensor.Tensor) error {
	n, d := x.Dim(0), x.Dim(1)
	if header != nil && len(header) != d {
		return fmt.Errorf("%d header names for %d columns", len(header), d)
	}
	bw := bufio.NewWriter(w)
	if header != nil {
		bw.WriteString(strings.Join(header, ","))
		bw.WriteByte('\n')
	}
	buf := make([]byte, 0, 32)
	for i := range n {
		for j, v := range x.Data()[i*d : (i+1)*d] {
			if j > 0 {
				bw.WriteByte(',')
			}
			bw.Write(strconv.AppendFloat(buf[:0], v, 'g', -1, 64))
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteNPY writes x ([n, d]) as a NumPy .npy float64 array of shape [n, d].
func WriteNPY(w io.Writer, x *tensor.Tensor) error {
	return npyio.Write(w, mat.NewDense(x.Dim(0), x.Dim(1), x.Data()))
}
