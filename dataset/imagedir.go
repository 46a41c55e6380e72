package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	"github.com/goebm/goebm/internal/limit"
)

// LoadImageDir reads a folder of PNG images, labelled by the folders they
// are in: dir/NAME/*.png are the images of class NAME, the class names
// sorted are Classes and a class's label is its index there. With no
// sub-folders, the PNGs in dir itself are read, unlabelled. Images come
// class by class and, within a class, by file name, so that Split's fixed
// fifth holds out a fifth of every class. Files without a .png extension
// and names starting with '.' are skipped.
//
// All images must have the same width and height, and the error names the
// first that does not. Colour: the set is grey, [1, H, W], when every pixel
// of every image has equal red, green and blue (grey PNGs, or colour PNGs
// of grey pictures), and colour, [3, H, W] with the planes red, green,
// blue, otherwise. Pixels are 0 … 255 (Levels 256): 16-bit samples keep
// their high byte, and transparency is dropped, each pixel keeping its
// colour as if opaque.
func LoadImageDir(dir string) (*Images, error) {
	files, classes, err := imageDirFiles(dir)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	im := &Images{C: 3, Levels: 256, Classes: classes}
	grey := true
	var first string
	for i, f := range files {
		b, err := os.ReadFile(f.path)
		if err != nil {
			return nil, fmt.Errorf("dataset: %w", err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("dataset: %s: %w", f.path, err)
		}
		if i == 0 {
			first, im.H, im.W = f.path, cfg.Height, cfg.Width
			// Bound the whole set before decoding any of it.
			if _, err := limit.Elems("images", len(files), 3, im.H, im.W); err != nil {
				return nil, fmt.Errorf("dataset: %s: %w", dir, err)
			}
			im.Pixels = make([]uint8, 0, len(files)*3*im.H*im.W)
		} else if cfg.Height != im.H || cfg.Width != im.W {
			return nil, fmt.Errorf("dataset: %s is %d×%d (width×height), but %s is %d×%d: all images must be the same size",
				f.path, cfg.Width, cfg.Height, first, im.W, im.H)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("dataset: %s: %w", f.path, err)
		}
		var g bool
		im.Pixels, g = appendPlanes(im.Pixels, img)
		grey = grey && g
		if classes != nil {
			im.Labels = append(im.Labels, f.label)
		}
	}
	if grey {
		// Keep each image's red plane, which equals the other two.
		hw := im.H * im.W
		for i := range len(files) {
			copy(im.Pixels[i*hw:(i+1)*hw], im.Pixels[3*i*hw:(3*i+1)*hw])
		}
		im.Pixels, im.C = im.Pixels[:len(files)*hw:len(files)*hw], 1
	}
	return im, nil
}

// appendPlanes appends img's red, green and blue planes, 8 bits each, to
// px, and reports whether every pixel is grey (red = green = blue).
func appendPlanes(px []uint8, img image.Image) ([]uint8, bool) {
	r := img.Bounds()
	hw := r.Dx() * r.Dy()
	n := len(px)
	px = append(px, make([]uint8, 3*hw)...)
	red, green, blue := px[n:n+hw], px[n+hw:n+2*hw], px[n+2*hw:]
	if g, ok := img.(*image.Gray); ok {
		for y := range r.Dy() {
			o := g.PixOffset(r.Min.X, r.Min.Y+y)
			row := g.Pix[o : o+r.Dx()]
			copy(red[y*r.Dx():], row)
			copy(green[y*r.Dx():], row)
			copy(blue[y*r.Dx():], row)
		}
		return px, true
	}
	grey := true
	for y := range r.Dy() {
		for x := range r.Dx() {
			c := color.NRGBAModel.Convert(img.At(r.Min.X+x, r.Min.Y+y)).(color.NRGBA)
			j := y*r.Dx() + x
			red[j], green[j], blue[j] = c.R, c.G, c.B
			grey = grey && c.R == c.G && c.G == c.B
		}
	}
	return px, grey
}

// imageFile is a PNG file of a folder and its label.
type imageFile struct {
	path  string
	label int
}

// imageDirFiles lists the PNG files of dir's class folders, class by class
// and each class's by name, with the sorted class names; or the PNGs in dir
// itself and no classes when it has no sub-folders.
func imageDirFiles(dir string) ([]imageFile, []string, error) {
	var classes, top []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries { // os.ReadDir sorts by name
		switch {
		case strings.HasPrefix(e.Name(), "."):
		case e.IsDir():
			classes = append(classes, e.Name())
		case isPNG(e.Name()):
			top = append(top, e.Name())
		}
	}
	switch {
	case classes == nil && top == nil:
		return nil, nil, fmt.Errorf("%s holds no PNG files and no class folders of them", dir)
	case classes != nil && top != nil:
		return nil, nil, fmt.Errorf("%s holds both class folders and PNG files (%s): put each image in its class's folder", dir, top[0])
	case classes == nil:
		files := make([]imageFile, len(top))
		for i, name := range top {
			files[i] = imageFile{path: filepath.Join(dir, name)}
		}
		return files, nil, nil
	case len(classes) > maxClasses:
		return nil, nil, fmt.Errorf("%s holds %d class folders, more than %d", dir, len(classes), maxClasses)
	}
	var files []imageFile
	for label, class := range classes {
		sub := filepath.Join(dir, class)
		entries, err := os.ReadDir(sub)
		if err != nil {
			return nil, nil, err
		}
		n := len(files)
		for _, e := range entries {
			if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") && isPNG(e.Name()) {
				files = append(files, imageFile{filepath.Join(sub, e.Name()), label})
			}
		}
		if len(files) == n {
			return nil, nil, errors.New("class folder " + sub + " holds no PNG files")
		}
	}
	return files, classes, nil
}

// isPNG reports whether a file name has the extension .png, in any case.
func isPNG(name string) bool { return strings.EqualFold(filepath.Ext(name), ".png") }
