package main

import (
	"bufio"
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

// writeTable writes rows of numbers to path atomically, as CSV with the
// given header or as a NumPy .npy array, by extension.
func writeTable(path string, header []string, rows int, cols int, at func(r, c int) float64) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return safefile.WriteFile(path, func(w io.Writer) error {
			bw := bufio.NewWriter(w)
			fmt.Fprintln(bw, strings.Join(header, ","))
			for r := range rows {
				for c := range cols {
					if c > 0 {
						bw.WriteByte(',')
					}
					bw.WriteString(strconv.FormatFloat(at(r, c), 'g', -1, 64))
				}
				bw.WriteByte('\n')
			}
			return bw.Flush()
		})
	case ".npy":
		m := mat.NewDense(rows, cols, nil)
		for r := range rows {
			for c := range cols {
				m.Set(r, c, at(r, c))
			}
		}
		return safefile.WriteFile(path, func(w io.Writer) error { return npyio.Write(w, m) })
	}
	return usagef("output %s: unknown extension (want .csv or .npy)", path)
}

// tensorOf views 2-D points as an [n, 2] tensor.
func tensorOf(pts []float64) *tensor.Tensor { return tensor.New(pts, len(pts)/2, 2) }
