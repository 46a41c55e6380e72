package dataset

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
)

// maxClasses bounds a label read from a file: a class count any model here
// could hold an output or an embedding for, far above real sets' hundreds.
const maxClasses = 1 << 16

// ReadNPYImages reads images from a .npy array of shape [n, C, H, W] (or
// [n, H, W], one channel), in C order, and their labels from a second .npy
// array of shape [n] or [n, 1] (none when labels is nil). Both files are
// checked as ReadNPY checks its files. Pixels must be whole numbers 0 … 255
// (Levels 256): uint8, as images are usually saved, or any integer or float
// type holding such values; labels whole numbers 0 … 65535 of any integer
// or float type, one per image.
func ReadNPYImages(images, labels io.Reader) (*Images, error) {
	h, data, err := readNPYArray(images, npyKindOf, "an integer or float type")
	if err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	s := h.shape
	if len(s) == 3 {
		s = []int{s[0], 1, s[1], s[2]}
	}
	if len(s) != 4 || s[0] == 0 || s[1] == 0 || s[2] == 0 || s[3] == 0 {
		return nil, fmt.Errorf("images: array of shape %v; want [n, C, H, W] or [n, H, W], none zero", h.shape)
	}
	im := &Images{Pixels: make([]uint8, len(data)/h.size), C: s[1], H: s[2], W: s[3], Levels: 256}
	for i := range im.Pixels {
		v := npyValue(h, data, i)
		if !(v >= 0 && v <= 255 && v == math.Trunc(v)) {
			return nil, fmt.Errorf("images: value %d (image %d) is %v; want whole numbers 0 to 255 (x.round().astype(np.uint8) for images in [0, 255])", i, i/im.Dim(), v)
		}
		im.Pixels[i] = uint8(v)
	}
	if labels == nil {
		return im, nil
	}
	h, data, err = readNPYArray(labels, npyKindOf, "an integer or float type")
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	if len(h.shape) == 2 && h.shape[1] == 1 {
		h.shape = h.shape[:1]
	}
	if len(h.shape) != 1 {
		return nil, fmt.Errorf("labels: array of shape %v; want [n] or [n, 1]", h.shape)
	}
	if n := im.Len(); h.shape[0] != n {
		return nil, fmt.Errorf("%d labels for %d images", h.shape[0], n)
	}
	im.Labels = make([]int, h.shape[0])
	for i := range im.Labels {
		v := npyValue(h, data, i)
		if !(v >= 0 && v < maxClasses && v == math.Trunc(v)) {
			return nil, fmt.Errorf("labels: label %d is %v; want whole numbers 0 to %d", i, v, maxClasses-1)
		}
		im.Labels[i] = int(v)
	}
	return im, nil
}

// LoadNPYImages reads images and labels from .npy files (see
// ReadNPYImages); labels "" reads no labels.
func LoadNPYImages(images, labels string) (*Images, error) {
	return loadPair(images, labels, ReadNPYImages)
}

// npyKindOf returns the byte order and size of a numeric descr: a byte
// order ('<', '>', '|' or '=', little-endian unless '>'; none also means
// little-endian) then 'f' with 4 or 8 bytes, or 'i' or 'u' with 1, 2, 4 or
// 8, as NumPy writes them ('|u1' for uint8, '<i8' for int64).
func npyKindOf(descr string) (binary.ByteOrder, int, bool) {
	s := descr
	var order binary.ByteOrder = binary.LittleEndian
	if s != "" && strings.ContainsRune("<>|=", rune(s[0])) {
		if s[0] == '>' {
			order = binary.BigEndian
		}
		s = s[1:]
	}
	switch s {
	case "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8":
		return order, int(s[1] - '0'), true
	}
	return nil, 0, false
}

// npyValue returns value i of an array that readNPYArray read with
// npyKindOf, as float64: exact for floats and for integers up to 2⁵³ in
// magnitude, more than pixels and labels need.
func npyValue(h npyHeader, data []byte, i int) float64 {
	b := data[i*h.size:]
	var u uint64
	switch h.size {
	case 1:
		u = uint64(b[0])
	case 2:
		u = uint64(h.order.Uint16(b))
	case 4:
		u = uint64(h.order.Uint32(b))
	default:
		u = h.order.Uint64(b)
	}
	switch kind := h.descr[len(h.descr)-2]; {
	case kind == 'f' && h.size == 4:
		return float64(math.Float32frombits(uint32(u)))
	case kind == 'f':
		return math.Float64frombits(u)
	case kind == 'u':
		return float64(u)
	}
	shift := 64 - 8*h.size // a signed integer: sign-extend from its top bit
	return float64(int64(u<<shift) >> shift)
}
