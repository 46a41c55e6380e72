package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FashionMNISTDir is where Debian's package dataset-fashion-mnist installs
// the four IDX files of Fashion-MNIST, gzipped.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// fashionClasses are Fashion-MNIST's class names by label.
var fashionClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// FashionMNIST reads Fashion-MNIST (H. Xiao, K. Rasul and R. Vollgraf,
// 2017, MIT licence) from the directory dir, or from FashionMNISTDir when
// dir is "": the IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each gzipped (.gz) or
// plain. It returns the training images followed by the official test
// split, which Split holds out: 60,000 and 10,000 grey 28×28 images,
// [1, 28, 28], pixels 0 … 255, labels 0 … 9 named in Classes. The counts
// are the files'; the shape and labels are checked.
func FashionMNIST(dir string) (*Images, error) {
	if dir == "" {
		dir = FashionMNISTDir
	}
	var parts [2]*Images
	for i, split := range []string{"train", "t10k"} {
		var paths [2]string
		for j, kind := range []string{"images-idx3", "labels-idx1"} {
			p, err := findGz(dir, split+"-"+kind+"-ubyte")
			if err != nil {
				return nil, err
			}
			paths[j] = p
		}
		im, err := LoadIDX(paths[0], paths[1])
		if err != nil {
			return nil, fmt.Errorf("dataset: fashion-mnist: %w", err)
		}
		if im.H != 28 || im.W != 28 {
			return nil, fmt.Errorf("dataset: fashion-mnist: %s holds %d×%d images; want 28×28", paths[0], im.H, im.W)
		}
		for k, y := range im.Labels {
			if y > 9 {
				return nil, fmt.Errorf("dataset: fashion-mnist: %s: label %d is %d; want 0 to 9", paths[1], k, y)
			}
		}
		parts[i] = im
	}
	im := parts[0]
	im.Pixels = append(im.Pixels, parts[1].Pixels...)
	im.Labels = append(im.Labels, parts[1].Labels...)
	im.Classes = fashionClasses
	im.held = parts[1].Len()
	return im, nil
}

// findGz returns the path of name.gz in dir, or of name if there is no
// name.gz, or an error that says how to get the files.
func findGz(dir, name string) (string, error) {
	for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
		_, err := os.Stat(p)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("dataset: fashion-mnist: %w", err)
		}
	}
	return "", fmt.Errorf("dataset: fashion-mnist: no %s.gz or %s in %s: install Debian's package with "+
		"\"sudo apt-get install dataset-fashion-mnist\" (it puts the files in %s), "+
		"or give the directory that holds the four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, "+
		"t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzipped or not)", name, name, dir, FashionMNISTDir)
}
