package dataset

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/goebm/goebm/internal/limit"
)

// The IDX format (LeCun's, that of MNIST and Fashion-MNIST), often gzipped:
//
//	magic   2 zero bytes, the item type (0x08: unsigned byte), the rank r
//	dims    r sizes, each a big-endian uint32
//	data    the product of the sizes items, in C order
//
// Only unsigned bytes are read: the other types (0x09 signed byte, 0x0B
// int16, 0x0C int32, 0x0D float32, 0x0E float64) hold no images or labels
// of the sets this package reads.
const (
	idxUbyte   = 0x08
	idxMaxRank = 8
)

// idxTypes names the IDX item types, for errors.
var idxTypes = map[byte]string{0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16", 0x0C: "int32", 0x0D: "float32", 0x0E: "float64"}

// ReadIDX reads an IDX array of unsigned bytes, gzip-compressed (told by
// its first two bytes) or plain, and returns its sizes and items. The file
// must hold exactly the items its header's sizes call for: a short file is
// truncated, a long one has trailing bytes, and either is an error, as is a
// wrong magic, item type or rank, or sizes that package limit refuses.
// Nothing is allocated beyond what the file really holds.
func ReadIDX(r io.Reader) (dims []int, data []uint8, err error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(2); err == nil && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		return readIDX(bufio.NewReader(zr))
	}
	return readIDX(br)
}

// readIDX reads a plain IDX file.
func readIDX(r io.Reader) ([]int, []uint8, error) {
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, nil, idxCut("magic", n, 4, err)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, nil, fmt.Errorf("not an IDX file: magic % x, want 00 00 then the type and rank", magic)
	}
	if magic[2] != idxUbyte {
		name, ok := idxTypes[magic[2]]
		if !ok {
			name = "unknown"
		}
		return nil, nil, fmt.Errorf("IDX item type 0x%02x (%s); want 0x08, unsigned bytes", magic[2], name)
	}
	rank := int(magic[3])
	if rank < 1 || rank > idxMaxRank {
		return nil, nil, fmt.Errorf("IDX rank %d; want 1 to %d", rank, idxMaxRank)
	}
	head := make([]byte, 4*rank)
	if n, err := io.ReadFull(r, head); err != nil {
		return nil, nil, idxCut("sizes", n, len(head), err)
	}
	dims := make([]int, rank)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(head[4*i:]))
	}
	items, err := limit.Elems("IDX", dims...)
	if err != nil {
		return nil, nil, err
	}
	// One byte more than the items, to see trailing bytes; ReadAll grows
	// its buffer as data arrive, so a lying header allocates nothing.
	data, err := io.ReadAll(io.LimitReader(r, int64(items)+1))
	if err != nil {
		return nil, nil, fmt.Errorf("IDX data: %w", err)
	}
	switch {
	case len(data) < items:
		return nil, nil, fmt.Errorf("IDX file truncated: shape %v needs %d data bytes, the file has %d", dims, items, len(data))
	case len(data) > items:
		return nil, nil, fmt.Errorf("IDX file has trailing bytes after the %d data bytes of shape %v (wrong sizes or a corrupted file)", items, dims)
	}
	return dims, data, nil
}

// idxCut is the error of a header cut after n of want bytes.
func idxCut(what string, n, want int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("IDX file truncated: %d of the %d bytes of its %s", n, want, what)
	}
	return err
}

// ReadIDXImages reads grey images from an IDX file of shape [n, H, W] and
// their labels from one of shape [n] (none when labels is nil), as MNIST
// and Fashion-MNIST ship them: pixels 0 … 255 (Levels 256), [1, H, W].
// The counts must agree.
func ReadIDXImages(images, labels io.Reader) (*Images, error) {
	dims, px, err := ReadIDX(images)
	if err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	if len(dims) != 3 || dims[0] == 0 || dims[1] == 0 || dims[2] == 0 {
		return nil, fmt.Errorf("images: IDX shape %v; want [n, H, W], none zero", dims)
	}
	im := &Images{Pixels: px, C: 1, H: dims[1], W: dims[2], Levels: 256}
	if labels == nil {
		return im, nil
	}
	ldims, ys, err := ReadIDX(labels)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	if len(ldims) != 1 {
		return nil, fmt.Errorf("labels: IDX shape %v; want [n]", ldims)
	}
	if ldims[0] != dims[0] {
		return nil, fmt.Errorf("%d labels for %d images", ldims[0], dims[0])
	}
	im.Labels = make([]int, len(ys))
	for i, y := range ys {
		im.Labels[i] = int(y)
	}
	return im, nil
}

// LoadIDX reads images and labels from IDX files (see ReadIDXImages),
// gzipped or not; labels "" reads no labels.
func LoadIDX(images, labels string) (*Images, error) {
	return loadPair(images, labels, ReadIDXImages)
}

// loadPair opens an images file and a labels file (none when labels is
// "") and reads them with read, naming the files in its error.
func loadPair(images, labels string, read func(images, labels io.Reader) (*Images, error)) (*Images, error) {
	fi, err := os.Open(images)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer fi.Close()
	var lr io.Reader // a nil interface, not a nil *os.File, for no labels
	if labels != "" {
		fl, err := os.Open(labels)
		if err != nil {
			return nil, fmt.Errorf("dataset: %w", err)
		}
		defer fl.Close()
		lr = fl
	}
	im, err := read(fi, lr)
	if err != nil && labels != "" {
		return nil, fmt.Errorf("dataset: %s and %s: %w", images, labels, err)
	}
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", images, err)
	}
	return im, nil
}
