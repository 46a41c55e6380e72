package bench_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/internal/normal"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
	"github.com/goebm/goebm/train"
)

// The image training steps that bench/peer/imagepeer.py times against
// TorchEBM (bench/peer/torchebm_images.py mirrors them): a ResNet energy
// (nn.NewResNetEnergy, SiLU, one block per stage) trained by Adam on the
// training split of a real image set scaled to [−1, 1], batch 64, with
//
//	pcd  persistent CD, 20 Langevin steps of step 0.01, a replay buffer of
//	     10,000 chains with 5% restarts, no warm steps on the buffer
//	dsm  denoising score matching, σ = 0.1
//
// on the digits (8×8, widths 16, 32) and Fashion-MNIST (28×28, widths 32,
// 64; skipped when Debian's dataset-fashion-mnist is not installed).
const (
	imageBatch    = 64
	imageLangevin = 0.01
	imageK        = 20
	imageSigma    = 0.1
	imageLR       = 1e-4
	// imageWarm untimed steps come first, so that a timed step is a steady
	// one: the replay buffer exists and the tape has its storage.
	imageWarm = 1
)

// imageSet is one image set of the peer comparison and its network widths.
type imageSet struct {
	name     string
	channels []int
	load     func() (*dataset.Images, error)
}

var imageSets = []imageSet{
	{"digits", []int{16, 32}, dataset.Digits},
	{"fashion", []int{32, 64}, fashion},
}

// imageLosses are the losses of the peer comparison by name.
var imageLosses = []struct {
	name string
	new  func() loss.EnergyLoss
}{
	{"pcd", func() loss.EnergyLoss {
		return loss.ContrastiveDivergence{K: imageK, Persistent: true, InitSteps: -1,
			Sampler: sampler.Langevin{StepSize: schedule.Constant(imageLangevin)}}
	}},
	{"dsm", func() loss.EnergyLoss { return loss.DenoisingScoreMatching{Sigma: imageSigma} }},
}

// fashion reads Fashion-MNIST from where Debian installs it, or returns an
// error wrapping fs.ErrNotExist.
func fashion() (*dataset.Images, error) {
	if _, err := os.Stat(dataset.FashionMNISTDir); err != nil {
		return nil, err
	}
	return dataset.FashionMNIST("")
}

// trainImages returns the training split of the set scaled to [−1, 1]
// (dequantised with seed 1) and the image's shape; ok is false when the
// set is not installed.
func trainImages(s imageSet) (x *tensor.Tensor, im *dataset.Images, ok bool, err error) {
	all, err := s.load()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	tr, _ := all.Split()
	return tr.Scaled(rand.New(rand.NewPCG(1, 1))), tr, true, nil
}

// imageNet returns the set's ResNet energy, seeded.
func imageNet(s imageSet, im *dataset.Images) (*nn.ResNet, error) {
	return nn.NewResNetEnergy(rand.New(rand.NewPCG(2, 2)), im.C, im.H, im.W,
		nn.ResNetSettings{Channels: s.channels, Activation: nn.SiLU()})
}

// BenchmarkImageTrainStep times one whole training step of a train.Trainer
// (the loss, its parameter gradient and Adam's update) of a ResNet energy on
// real images, per image set, loss and network precision:
// BenchmarkImageTrainStep/data=fashion/loss=pcd/prec=float32. The first
// imageWarm steps of each run are not timed.
func BenchmarkImageTrainStep(b *testing.B) {
	for _, s := range imageSets {
		b.Run("data="+s.name, func(b *testing.B) {
			x, im, ok, err := trainImages(s)
			if err != nil {
				b.Fatal(err)
			}
			if !ok {
				b.Skipf("%s is not installed", s.name)
			}
			for _, l := range imageLosses {
				for _, prec := range []tensor.Precision{tensor.Float64, tensor.Float32} {
					b.Run("loss="+l.name+"/prec="+prec.String(), func(b *testing.B) {
						net, err := imageNet(s, im)
						if err != nil {
							b.Fatal(err)
						}
						nn.SetPrecision(net, prec)
						warm := train.StepFunc(func(_ *train.Trainer, st train.Status) error {
							if st.Step == imageWarm {
								b.ResetTimer()
							}
							return nil
						})
						tr, err := train.New(net, l.new(), &optim.Adam{LR: imageLR}, x, train.Config{
							Steps: imageWarm + b.N, BatchSize: imageBatch, Seed: 3, Progress: io.Discard, Hooks: []train.Hook{warm}})
						if err != nil {
							b.Fatal(err)
						}
						if _, err := tr.Run(context.Background()); err != nil {
							b.Fatal(err)
						}
					})
				}
			}
		})
	}
}

// TestImagePeerExport writes, per image set, what torchebm_images.py
// --check compares against PyTorch and TorchEBM: the network's weights
// (<set>.params) and, in <set>.check.params, 16 training images x, their
// energies and scores ∇ₓE(x), and denoising score matching at σ = 0.1 on x
// with the noise ε it drew (replayed from the loss's seed) and its value.
// The files go to $GOEBM_IMAGEPEER_DIR (Fashion-MNIST only then, when
// installed), else to a temporary folder.
//
// It checks the replay: goebm's loss on x equals
// ½ mean‖∇ₓE(x + σε) − ε/σ‖² computed from the replayed ε, to 1e-12
// relative; a wrong ε would not reproduce it.
func TestImagePeerExport(t *testing.T) {
	dir, all := os.Getenv("GOEBM_IMAGEPEER_DIR"), true
	if dir == "" {
		dir, all = t.TempDir(), false
	}
	for _, s := range imageSets {
		if s.name != "digits" && !all {
			continue
		}
		x, im, ok, err := trainImages(s)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Logf("%s is not installed: not exported", s.name)
			continue
		}
		net, err := imageNet(s, im)
		if err != nil {
			t.Fatal(err)
		}
		const n = 16
		d := x.Dim(1)
		x = tensor.New(x.Data()[:n*d], n, d)
		tp := tensor.NewTape()
		e := net.Forward(tp, x)
		g := tp.Grad([]*tensor.Tensor{e}, []*tensor.Tensor{x}, tensor.GradOptions{})[0]

		const seed = 7
		dsm, err := loss.DenoisingScoreMatching{Sigma: imageSigma}.Loss(tensor.NewTape(), net, x, rand.New(rand.NewPCG(seed, seed)))
		if err != nil {
			t.Fatal(err)
		}
		replay := rand.New(rand.NewPCG(seed, seed))
		eps, noisy := tensor.Zeros(n, d), x.Clone()
		normal.New(replay).Fill(eps.Data()) // the loss's draws
		for i, v := range eps.Data() {
			noisy.Data()[i] += imageSigma * v
		}
		tp = tensor.NewTape()
		gn := tp.Grad([]*tensor.Tensor{net.Forward(tp, noisy)}, []*tensor.Tensor{noisy}, tensor.GradOptions{})[0]
		want := 0.0
		for i, gi := range gn.Data() {
			r := gi - eps.Data()[i]/imageSigma
			want += r * r / 2 / n
		}
		if got := dsm.Item(); math.Abs(got-want) > 1e-12*math.Abs(want) {
			t.Fatalf("%s: DSM %.15g, from the replayed noise %.15g", s.name, got, want)
		}

		if err := nn.Save(filepath.Join(dir, s.name+".params"), net); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(dir, s.name+".check.params"))
		if err != nil {
			t.Fatal(err)
		}
		err = nn.WriteParams(f, []nn.Param{{Name: "x", Value: x}, {Name: "energy", Value: e}, {Name: "score", Value: g},
			{Name: "eps", Value: eps}, {Name: "dsm", Value: tensor.New([]float64{dsm.Item()}, 1)}})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(fmt.Errorf("%s: %w", s.name, err))
		}
	}
}
