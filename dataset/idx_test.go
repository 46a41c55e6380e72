package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// idxFile builds an IDX file of the given item type and sizes around data.
func idxFile(typ byte, dims []int, data []byte) []byte {
	b := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

// gz returns b gzipped.
func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// seq returns n bytes 0, 1, 2, … (mod 256), stand-in pixels.
func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func TestReadIDX(t *testing.T) {
	data := seq(2 * 3 * 4)
	plain := idxFile(idxUbyte, []int{2, 3, 4}, data)
	for name, file := range map[string][]byte{"plain": plain, "gzipped": gz(plain)} {
		dims, got, err := ReadIDX(bytes.NewReader(file))
		if err != nil || !slices.Equal(dims, []int{2, 3, 4}) || !bytes.Equal(got, data) {
			t.Errorf("%s: shape %v, %d bytes, %v", name, dims, len(got), err)
		}
	}
}

// TestReadIDXRefuses: every bad file is an error that says what is wrong.
func TestReadIDXRefuses(t *testing.T) {
	good := idxFile(idxUbyte, []int{2, 3}, seq(6))
	badSum := gz(good)
	badSum[len(badSum)-6] ^= 1 // the CRC-32 of the data
	for _, c := range []struct {
		name string
		file []byte
		msg  string
	}{
		{"empty", nil, "truncated: 0 of the 4 bytes of its magic"},
		{"wrong magic", append([]byte{0, 1}, good[2:]...), "not an IDX file"},
		{"float32 items", idxFile(0x0D, []int{1}, []byte{0, 0, 0, 0}), "item type 0x0d (float32)"},
		{"rank 0", idxFile(idxUbyte, nil, nil), "rank 0"},
		{"rank 9", idxFile(idxUbyte, make([]int, 9), nil), "rank 9"},
		{"sizes cut", good[:9], "5 of the 8 bytes of its sizes"},
		{"data cut", good[:len(good)-1], "truncated: shape [2 3] needs 6 data bytes, the file has 5"},
		{"trailing byte", append(slices.Clone(good), 0), "trailing bytes after the 6 data bytes"},
		{"larger than memory", idxFile(idxUbyte, []int{1 << 31, 1 << 31, 1 << 31}, nil), "IDX: shape"},
		{"gzip checksum", badSum, "checksum"},
		{"gzip cut in the header", gz(good)[:12], "IDX file truncated"},
		{"gzip cut in the trailer", gz(good)[:len(gz(good))-4], "IDX data: unexpected EOF"},
	} {
		_, _, err := ReadIDX(bytes.NewReader(c.file))
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v; want one mentioning %q", c.name, err, c.msg)
		}
	}
	for name, file := range map[string][]byte{"plain": good, "gzipped": gz(good)} {
		for n := range len(file) {
			if _, _, err := ReadIDX(bytes.NewReader(file[:n])); err == nil {
				t.Errorf("%s file cut at byte %d of %d accepted", name, n, len(file))
			}
		}
	}
}

func TestReadIDXImages(t *testing.T) {
	px := seq(3 * 2 * 2)
	images := idxFile(idxUbyte, []int{3, 2, 2}, px)
	im, err := ReadIDXImages(bytes.NewReader(images), bytes.NewReader(idxFile(idxUbyte, []int{3}, []byte{4, 0, 9})))
	if err != nil {
		t.Fatal(err)
	}
	if im.Len() != 3 || im.C != 1 || im.H != 2 || im.W != 2 || im.Levels != 256 || !bytes.Equal(im.Pixels, px) || !slices.Equal(im.Labels, []int{4, 0, 9}) {
		t.Errorf("read %+v", im)
	}
	if im, err := ReadIDXImages(bytes.NewReader(images), nil); err != nil || im.Len() != 3 || im.Labels != nil {
		t.Errorf("unlabelled: %v", err)
	}
	for _, c := range []struct {
		name           string
		images, labels []byte
		msg            string
	}{
		{"counts differ", images, idxFile(idxUbyte, []int{2}, []byte{1, 2}), "2 labels for 3 images"},
		{"images of rank 2", idxFile(idxUbyte, []int{3, 4}, px), nil, "images: IDX shape [3 4]; want [n, H, W]"},
		{"no images", idxFile(idxUbyte, []int{0, 2, 2}, nil), nil, "images: IDX shape [0 2 2]"},
		{"labels of rank 2", images, idxFile(idxUbyte, []int{3, 1}, []byte{1, 2, 3}), "labels: IDX shape [3 1]; want [n]"},
		{"labels cut", images, idxFile(idxUbyte, []int{3}, []byte{1, 2}), "labels: IDX file truncated"},
	} {
		_, err := ReadIDXImages(bytes.NewReader(c.images), bytes.NewReader(c.labels))
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v; want one mentioning %q", c.name, err, c.msg)
		}
	}
}

// writeFashion writes a small Fashion-MNIST look-alike into dir: n training
// and m test images, the images gzipped and the labels plain, as the
// reader must take either, with labels i mod 10 but firstLabel first. It returns the pixels and labels it wrote.
func writeFashion(t *testing.T, dir string, n, m int, firstLabel byte) ([]byte, []int) {
	t.Helper()
	var px []byte
	var ys []int
	for _, s := range []struct {
		name string
		n    int
	}{{"train", n}, {"t10k", m}} {
		p := seq(s.n * 28 * 28)
		p[0] = byte(s.n) // tells the two files apart
		l := make([]byte, s.n)
		for i := range l {
			l[i] = byte(i % 10)
			if i == 0 {
				l[i] = firstLabel
			}
			ys = append(ys, int(l[i]))
		}
		px = append(px, p...)
		write := func(name string, b []byte) {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write(s.name+"-images-idx3-ubyte.gz", gz(idxFile(idxUbyte, []int{s.n, 28, 28}, p)))
		write(s.name+"-labels-idx1-ubyte", idxFile(idxUbyte, []int{s.n}, l))
	}
	return px, ys
}

func TestFashionMNISTFromDir(t *testing.T) {
	dir := t.TempDir()
	px, ys := writeFashion(t, dir, 5, 3, 9)
	im, err := LoadImages("Fashion-MNIST", dir)
	if err != nil {
		t.Fatal(err)
	}
	if im.Len() != 8 || im.C != 1 || im.H != 28 || im.W != 28 || !bytes.Equal(im.Pixels, px) || !slices.Equal(im.Labels, ys) || im.Classes[9] != "Ankle boot" {
		t.Fatalf("read %d images [%d %d %d], labels %v", im.Len(), im.C, im.H, im.W, im.Labels)
	}
	train, test := im.Split()
	if train.Len() != 5 || test.Len() != 3 || !bytes.Equal(test.Pixels, px[5*784:]) || !slices.Equal(test.Labels, ys[5:]) || test.Classes[0] != "T-shirt/top" {
		t.Errorf("split %d/%d, not the official test files", train.Len(), test.Len())
	}

	bad := t.TempDir()
	writeFashion(t, bad, 5, 3, 10)
	if _, err := FashionMNIST(bad); err == nil || !strings.Contains(err.Error(), "label 0 is 10; want 0 to 9") {
		t.Errorf("label 10: %v", err)
	}
	if _, err := FashionMNIST(t.TempDir()); err == nil || !strings.Contains(err.Error(), "sudo apt-get install dataset-fashion-mnist") ||
		!strings.Contains(err.Error(), "give the directory") {
		t.Errorf("no files: %v", err)
	}
	if _, err := LoadImages("digits", dir); err == nil {
		t.Error("digits from a directory: no error")
	}
}

// TestFashionMNIST reads the real files where Debian's package put them
// (half a second; ten under -race, so -short skips it). It is skipped when
// they are absent, unless GOEBM_FASHION=1 asks for them.
func TestFashionMNIST(t *testing.T) {
	if os.Getenv("GOEBM_FASHION") != "1" {
		if testing.Short() {
			t.Skip("-short: not reading Fashion-MNIST's 70,000 images (GOEBM_FASHION=1 does)")
		}
		if _, err := os.Stat(FashionMNISTDir); err != nil {
			t.Skip("no Fashion-MNIST (apt-get install dataset-fashion-mnist; GOEBM_FASHION=1 makes this a failure)")
		}
	}
	im, err := ImagesByName("fashion-mnist")
	if err != nil {
		t.Fatal(err)
	}
	train, test := im.Split()
	if train.Len() != 60000 || test.Len() != 10000 || im.Dim() != 784 || im.Levels != 256 {
		t.Fatalf("%d training and %d test images of %d pixels", train.Len(), test.Len(), im.Dim())
	}
	// Known values: the first labels of each file, image 0's pixel sum,
	// all pixels' sum, and 6,000 training images per class.
	sum := func(b []byte) (s int) {
		for _, v := range b {
			s += int(v)
		}
		return s
	}
	count := make([]int, 10)
	for _, y := range train.Labels {
		count[y]++
	}
	if !slices.Equal(train.Labels[:5], []int{9, 0, 0, 3, 0}) || !slices.Equal(test.Labels[:5], []int{9, 2, 1, 1, 6}) ||
		sum(train.Pixels[:784]) != 76247 || sum(train.Pixels) != 3431114169 || slices.Max(count) != 6000 || slices.Min(count) != 6000 {
		t.Errorf("labels %v, %v; pixel sums %d, %d; class counts %v", train.Labels[:5], test.Labels[:5], sum(train.Pixels[:784]), sum(train.Pixels), count)
	}
}

// FuzzReadIDX: no file makes the reader panic, a plain file it accepts is
// exactly the encoding of what it read, and a gzipped one reads the same
// after re-encoding.
func FuzzReadIDX(f *testing.F) {
	good := idxFile(idxUbyte, []int{2, 3}, seq(6))
	f.Add(good)
	f.Add(gz(good))
	f.Add(good[:9])
	f.Add(idxFile(idxUbyte, []int{1 << 31, 1 << 31}, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		dims, data, err := ReadIDX(bytes.NewReader(b))
		if err != nil {
			return
		}
		again := idxFile(idxUbyte, dims, data)
		if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			if !bytes.Equal(again, b) {
				t.Fatalf("%x read as %v %x, which encodes as %x", b, dims, data, again)
			}
			return
		}
		d2, data2, err := ReadIDX(bytes.NewReader(again))
		if err != nil || !slices.Equal(dims, d2) || !bytes.Equal(data, data2) {
			t.Fatalf("%v %x reads back as %v %x, %v", dims, data, d2, data2, err)
		}
	})
}
