package main

import (
	"io"

	"github.com/goebm/goebm/internal/safefile"
	"gonum.org/v1/plot/vg/vgimg"
)

// saveImage writes a canvas as PNG atomically.
func saveImage(img *vgimg.Canvas, path string) error {
	return safefile.WriteFile(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}
