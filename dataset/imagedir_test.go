package dataset

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writePNG encodes img as a PNG file at dir/name, making dir.
func writePNG(t *testing.T, dir, name string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// greyImage is a 3×2 image.Gray of pixels v, v+1, ….
func greyImage(v uint8) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, 3, 2))
	for i := range g.Pix {
		g.Pix[i] = v + uint8(i)
	}
	return g
}

// TestLoadImageDir: labels follow the sorted folder names, images come
// class by class and by file name, and a set of grey pictures is grey
// whatever the PNG colour types.
func TestLoadImageDir(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "cat"), "b.png", greyImage(10))
	// An RGB file of a grey picture, 16-bit grey, and a paletted grey.
	rgb := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	g16 := image.NewGray16(image.Rect(0, 0, 3, 2))
	pal := image.NewPaletted(image.Rect(0, 0, 3, 2), color.Palette{color.Gray{0}, color.Gray{77}})
	for i := range 6 {
		rgb.Set(i%3, i/3, color.NRGBA{uint8(20 + i), uint8(20 + i), uint8(20 + i), 255})
		g16.SetGray16(i%3, i/3, color.Gray16{uint16(30+i)<<8 | 0xff})
		pal.SetColorIndex(i%3, i/3, uint8(i%2))
	}
	writePNG(t, filepath.Join(dir, "cat"), "a.PNG", rgb)
	writePNG(t, filepath.Join(dir, "ant"), "z.png", g16)
	writePNG(t, filepath.Join(dir, "bee"), "p.png", pal)
	os.WriteFile(filepath.Join(dir, "cat", "notes.txt"), []byte("not an image"), 0o644)
	os.WriteFile(filepath.Join(dir, "cat", ".hidden.png"), []byte("not an image"), 0o644)

	im, err := LoadImageDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint8{30, 31, 32, 33, 34, 35, 0, 77, 0, 77, 0, 77, 20, 21, 22, 23, 24, 25, 10, 11, 12, 13, 14, 15}
	if im.C != 1 || im.H != 2 || im.W != 3 || im.Levels != 256 || !bytes.Equal(im.Pixels, want) ||
		!slices.Equal(im.Labels, []int{0, 1, 2, 2}) || !slices.Equal(im.Classes, []string{"ant", "bee", "cat"}) {
		t.Fatalf("read [%d %d %d] %v, labels %v, classes %v", im.C, im.H, im.W, im.Pixels, im.Labels, im.Classes)
	}

	// One colour pixel, transparent, makes the set colour: planes R, G, B,
	// the colour kept without its alpha.
	col := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	col.Set(1, 0, color.NRGBA{200, 100, 50, 0})
	writePNG(t, filepath.Join(dir, "dog"), "c.png", col)
	im, err = LoadImageDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	last := im.Pixels[4*18:]
	if im.C != 3 || len(im.Pixels) != 5*18 || !bytes.Equal(im.Pixels[:18], slices.Concat(want[:6], want[:6], want[:6])) ||
		!bytes.Equal(last, []uint8{0, 200, 0, 0, 0, 0, 0, 100, 0, 0, 0, 0, 0, 50, 0, 0, 0, 0}) || im.Labels[4] != 3 {
		t.Errorf("colour: C %d, first image %v, last %v", im.C, im.Pixels[:18], last)
	}

	// No class folders: the PNGs in the folder, unlabelled.
	flat := t.TempDir()
	writePNG(t, flat, "1.png", greyImage(0))
	writePNG(t, flat, "2.png", greyImage(6))
	if im, err := LoadImageDir(flat); err != nil || im.Len() != 2 || im.Labels != nil || im.Classes != nil || !bytes.Equal(im.Pixels, seqFrom(0, 12)) {
		t.Errorf("unlabelled: %v", err)
	}
	// A pixel with only blue apart is colour too.
	blue := image.NewRGBA(image.Rect(0, 0, 3, 2))
	blue.Set(2, 1, color.RGBA{9, 9, 60, 255})
	writePNG(t, flat, "3.png", blue)
	im, err = LoadImageDir(flat)
	if err != nil {
		t.Fatal(err)
	}
	if im.C != 3 || im.Pixels[2*18+12+5] != 60 {
		t.Errorf("blue pixel: C %d, blue plane %v", im.C, im.Pixels[2*18+12:])
	}
}

// seqFrom returns n bytes v, v+1, ….
func seqFrom(v uint8, n int) []uint8 {
	b := make([]uint8, n)
	for i := range b {
		b[i] = v + uint8(i)
	}
	return b
}

func TestLoadImageDirRefuses(t *testing.T) {
	odd := t.TempDir()
	writePNG(t, filepath.Join(odd, "a"), "1.png", greyImage(0))
	writePNG(t, filepath.Join(odd, "b"), "2.png", image.NewGray(image.Rect(0, 0, 2, 3)))
	empty := t.TempDir()
	writePNG(t, filepath.Join(empty, "a"), "1.png", greyImage(0))
	os.Mkdir(filepath.Join(empty, "b"), 0o755)
	both := t.TempDir()
	writePNG(t, filepath.Join(both, "a"), "1.png", greyImage(0))
	writePNG(t, both, "stray.png", greyImage(0))
	broken := t.TempDir()
	writePNG(t, filepath.Join(broken, "a"), "1.png", greyImage(0))
	os.WriteFile(filepath.Join(broken, "a", "2.png"), []byte("\x89PNG\r\n\x1a\nnot really"), 0o644)
	for _, c := range []struct {
		name, dir, msg string
	}{
		{"odd size", odd, filepath.Join(odd, "b", "2.png") + " is 2×3 (width×height), but " + filepath.Join(odd, "a", "1.png") + " is 3×2"},
		{"empty class", empty, "class folder " + filepath.Join(empty, "b") + " holds no PNG files"},
		{"stray file", both, "both class folders and PNG files (stray.png)"},
		{"broken PNG", broken, filepath.Join(broken, "a", "2.png") + ": "},
		{"nothing", t.TempDir(), "holds no PNG files and no class folders"},
		{"no folder", filepath.Join(odd, "nope"), "no such file"},
	} {
		_, err := LoadImageDir(c.dir)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v; want one mentioning %q", c.name, err, c.msg)
		}
	}
}
