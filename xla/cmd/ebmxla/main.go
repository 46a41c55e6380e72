// Command ebmxla trains and samples goebm's MLP models through GoMLX, on
// the backend GOMLX_BACKEND or -backend names: the pure-Go one ("go", the
// default) or a GPU's PJRT plugin ("xla:/abs/path/xla_cuda_plugin.so"). The
// models it writes are ebm's: ebm sample, eval and generate read them.
//
//	ebmxla train -data eightgaussians -loss dsm -out runs/8g-gpu
//	ebmxla sample -model runs/8g-gpu -n 100000 -out draws.csv
//
// train runs the losses this module compiles (dsm, ssm, cd, pcd, fm) with
// ebm train's optimiser (Adam, a cosine learning-rate decay, gradients
// clipped to norm 10; no moving average); sample runs Langevin, MALA or HMC chains from N(0, I) on an
// energy model's MLP and writes their last points as CSV. Both use every
// device the backend reports (-devices all; or -devices 0,2): sample runs
// the chains in blocks, one per device, and train is data-parallel, the
// batch in equal shards. A missing plugin fails at once, in one line.
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/goebm/goebm/internal/safefile"
	"github.com/goebm/goebm/model"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/xla"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ebmxla:", err)
		os.Exit(1)
	}
}

// errUsage is wrapped by errors about the command line.
var errUsage = errors.New("usage: ebmxla train|sample [flags]; ebmxla CMD -h lists the flags")

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "train":
		return runTrain(args[1:], stdout, stderr)
	case "sample":
		return runSample(args[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown command %q: %w", args[0], errUsage)
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ebmxla train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "eightgaussians", "built-in dataset, or a .csv or .npy file of points (as ebm train's)")
	lossName := fs.String("loss", "dsm", "dsm (σ 0.05), ssm (2 Rademacher probes), cd (20 Langevin steps from the data), pcd (replay buffer) or fm (flow matching, independent pairs)")
	out := fs.String("out", "", "model directory to write (required)")
	steps := fs.Int("steps", 2000, "training steps")
	batch := fs.Int("batch", 256, "batch size")
	hidden := fs.Int("hidden", 64, "hidden units per layer")
	layers := fs.Int("layers", 2, "hidden layers")
	act := fs.String("activation", "silu", "activation")
	lr := fs.Float64("lr", 2e-3, "Adam's learning rate, decayed to a fiftieth by a cosine, as ebm train's")
	seed := fs.Uint64("seed", 1, "seed of the weights, the data, the batches and the noise")
	backendFlag := fs.String("backend", "", "GoMLX backend (default $GOMLX_BACKEND, else go)")
	devFlag := fs.String("devices", "all", "devices to train on, data-parallel: all, or their numbers (0,1); -batch must split evenly over them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || *steps < 1 || *batch < 1 {
		return fmt.Errorf("train needs -out, and positive -steps and -batch: %w", errUsage)
	}
	b, err := xla.NewBackend(*backendFlag)
	if err != nil {
		return err
	}
	devs, err := xla.ParseDevices(b, *devFlag)
	if err != nil {
		return err
	}
	if *batch%len(devs) != 0 {
		return fmt.Errorf("-batch %d does not split evenly over %d devices: %w", *batch, len(devs), errUsage)
	}
	c := model.Config{Data: *data, Loss: *lossName, Hidden: *hidden, Layers: *layers, Activation: *act,
		Steps: *steps, Batch: *batch, LR: *lr, Seed: *seed}
	if *lossName == "fm" {
		c.Coupling = "independent"
	}
	train, _, err := model.Data(*data, *seed, 0)
	if err != nil {
		return err
	}
	c.Dim = train.Dim(1)
	obj, err := c.NewLoss(train)
	if err != nil {
		return err
	}
	netGo, err := c.Network(model.KindOf(obj), *seed)
	if err != nil {
		return err
	}
	tr, err := newTraining(b, devs, *lossName, netGo, c.Dim, *batch, *steps, *lr, *seed)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(*seed, 4))
	n, d := train.Dim(0), c.Dim
	xb := make([]float64, *batch*d)
	var last float64
	for s := range *steps {
		for i := range *batch {
			r := rng.IntN(n)
			copy(xb[i*d:(i+1)*d], train.Data()[r*d:(r+1)*d])
		}
		if last, err = tr.step(xb, rng); err != nil {
			return fmt.Errorf("step %d: %w", s+1, err)
		}
	}
	if err := tr.copyTo(netGo); err != nil {
		return err
	}
	m, err := model.New(c, netGo, obj)
	if err != nil {
		return err
	}
	if err := m.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "trained %s on %s for %d steps on backend %s (%s): last loss %.5g; wrote %s\n", *lossName, *data, *steps, b.Name(), onDevices(devs), last, *out)
	return nil
}

// training is one of the losses ebmxla trains, with the draws it needs.
type training struct {
	tr     *xla.Trainer
	net    interface{ CopyTo(nn.Module) error }
	d, n   int
	draw   func(x []float64, rng *rand.Rand) ([]*tensors.Tensor, error)
	replay *xla.Replay
}

// onDevices names the devices for a report.
func onDevices(devs []compute.DeviceNum) string {
	if len(devs) == 1 {
		return fmt.Sprintf("device %d", devs[0])
	}
	return fmt.Sprintf("devices %v", devs)
}

func newTraining(b compute.Backend, devs []compute.DeviceNum, name string, net nn.Module, d, n, steps int, lr float64, seed uint64) (*training, error) {
	t := &training{d: d, n: n}
	// ebm train's optimiser: a cosine decay to a fiftieth, gradients clipped to norm 10.
	opt := xla.Adam{Schedule: schedule.Cosine{Start: lr, End: lr / 50, Steps: steps}, ClipNorm: 10}
	var l xla.Loss
	var trainable xla.Trainable
	if name == "fm" {
		tm, ok := net.(*nn.TimeMLP)
		if !ok {
			return nil, fmt.Errorf("fm trains a TimeMLP, not a %T", net)
		}
		m, err := xla.FromTimeMLP(tm, d)
		if err != nil {
			return nil, err
		}
		trainable, t.net, l = m, m.MLP, xla.FlowMatching{}
		t.draw = func(x []float64, rng *rand.Rand) ([]*tensors.Tensor, error) {
			ts := make([]float64, n)
			for i := range ts {
				ts[i] = rng.Float64()
			}
			return []*tensors.Tensor{xla.Tensor(x, n, d), xla.Tensor(normals(rng, n*d), n, d), xla.Tensor(ts, n, 1)}, nil
		}
		return t, t.trainer(b, devs, l, trainable, opt)
	}
	m, err := xla.FromMLP(net)
	if err != nil {
		return nil, err
	}
	trainable, t.net = m, m
	switch name {
	case "dsm":
		l = xla.DSM{Sigma: 0.05}
		t.draw = func(x []float64, rng *rand.Rand) ([]*tensors.Tensor, error) {
			return []*tensors.Tensor{xla.Tensor(x, n, d), xla.Tensor(normals(rng, n*d), n, d)}, nil
		}
	case "ssm":
		l = xla.SSM{}
		t.draw = func(x []float64, rng *rand.Rand) ([]*tensors.Tensor, error) {
			v := make([]float64, 2*n*d)
			for i := range v {
				v[i] = float64(2*int(rng.Uint64()&1) - 1)
			}
			return []*tensors.Tensor{xla.Tensor(x, n, d), xla.Tensor(v, 2, n, d)}, nil
		}
	case "cd":
		l = xla.CD{}
		t.draw = func(x []float64, rng *rand.Rand) ([]*tensors.Tensor, error) {
			c, err := xla.NewChains(b, m, xla.Langevin{StepSize: 0.005}, xla.Tensor(x, n, d), rng.Int64())
			if err != nil {
				return nil, err
			}
			if err := c.Spread(devs); err != nil {
				return nil, err
			}
			if err := c.Run(20); err != nil {
				return nil, err
			}
			return []*tensors.Tensor{xla.Tensor(x, n, d), c.X()}, nil
		}
	case "pcd":
		l = xla.CD{}
		t.draw = func(x []float64, rng *rand.Rand) ([]*tensors.Tensor, error) {
			if t.replay == nil {
				r, err := xla.NewReplay(b, m, xla.Langevin{StepSize: 0.005}, d, xla.ReplayOptions{Devices: devs}, seed)
				if err != nil {
					return nil, err
				}
				t.replay = r
			}
			neg, err := t.replay.Negatives(n, 20)
			if err != nil {
				return nil, err
			}
			return []*tensors.Tensor{xla.Tensor(x, n, d), xla.Tensor(neg, len(neg)/d, d)}, nil
		}
	default:
		return nil, fmt.Errorf("-loss %q: ebmxla trains dsm, ssm, cd, pcd or fm: %w", name, errUsage)
	}
	return t, t.trainer(b, devs, l, trainable, opt)
}

// trainer compiles the training steps, data-parallel over devs.
func (t *training) trainer(b compute.Backend, devs []compute.DeviceNum, l xla.Loss, net xla.Trainable, opt xla.Adam) error {
	tr, err := xla.NewTrainer(b, l, net, opt)
	if err != nil {
		return err
	}
	t.tr = tr
	return tr.Spread(devs)
}

// step draws the loss's inputs for the batch x and takes a training step.
func (t *training) step(x []float64, rng *rand.Rand) (float64, error) {
	in, err := t.draw(x, rng)
	if err != nil {
		return 0, err
	}
	return t.tr.Step(in...)
}

// copyTo writes the trained parameters into the goebm network.
func (t *training) copyTo(net nn.Module) error {
	if tm, ok := net.(*nn.TimeMLP); ok {
		return t.net.CopyTo(tm.MLP)
	}
	return t.net.CopyTo(net)
}

func normals(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func runSample(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ebmxla sample", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("model", "", "energy model directory (ebm train's or ebmxla train's; required)")
	n := fs.Int("n", 1000, "chains, one draw each")
	steps := fs.Int("steps", 1000, "steps per chain")
	kind := fs.String("sampler", "mala", "langevin, mala or hmc")
	step := fs.Float64("step", 0.01, "step size")
	leapfrog := fs.Int("leapfrog", 10, "HMC's leapfrog steps")
	unroll := fs.Int("unroll", 10, "steps compiled into one call (fewer dispatches on a GPU; the same draws)")
	seed := fs.Int64("seed", 1, "seed of the starting points and the chains")
	out := fs.String("out", "", "CSV file of the draws (default stdout)")
	backendFlag := fs.String("backend", "", "GoMLX backend (default $GOMLX_BACKEND, else go)")
	devFlag := fs.String("devices", "all", "devices to run the chains on, in blocks: all, or their numbers (0,1)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *n < 1 || *steps < 0 || *unroll < 1 {
		return fmt.Errorf("sample needs -model, positive -n and -unroll, and -steps not negative: %w", errUsage)
	}
	var k xla.Kernel
	switch *kind {
	case "langevin":
		k = xla.Langevin{StepSize: *step}
	case "mala":
		k = xla.MALA{StepSize: *step}
	case "hmc":
		k = xla.HMC{StepSize: *step, LeapfrogSteps: *leapfrog}
	default:
		return fmt.Errorf("-sampler %q: want langevin, mala or hmc: %w", *kind, errUsage)
	}
	b, err := xla.NewBackend(*backendFlag)
	if err != nil {
		return err
	}
	devs, err := xla.ParseDevices(b, *devFlag)
	if err != nil {
		return err
	}
	m, err := model.Load(*dir)
	if err != nil {
		return err
	}
	if m.Kind() != model.KindEnergy {
		return fmt.Errorf("-model %s is %s; ebmxla samples energy models", *dir, m.Kind().Describe())
	}
	en, err := xla.FromMLP(m.Net())
	if err != nil {
		return err
	}
	d := m.Config().Dim
	rng := rand.New(rand.NewPCG(uint64(*seed), 5))
	c, err := xla.NewChains(b, en, k, xla.Tensor(normals(rng, *n*d), *n, d), *seed)
	if err != nil {
		return err
	}
	if err := c.Spread(devs); err != nil {
		return err
	}
	if err := c.Unroll(min(*unroll, max(*steps, 1))); err != nil {
		return err
	}
	if err := c.Run(*steps); err != nil {
		return err
	}
	draws := xla.Float64s(c.X())
	write := func(w io.Writer) error { return writeCSV(w, draws, d) }
	if *out == "" {
		err = write(stdout)
	} else {
		err = safefile.WriteFile(*out, write) // nothing half-written
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d chains × %d %s steps on backend %s (%s): acceptance %.3f\n", *n, *steps, *kind, b.Name(), onDevices(devs), c.AcceptRate())
	return nil
}

// writeCSV writes rows of d values.
func writeCSV(w io.Writer, x []float64, d int) error {
	cw := csv.NewWriter(w)
	row := make([]string, d)
	for i := 0; i < len(x); i += d {
		for j := range row {
			row[j] = strconv.FormatFloat(x[i+j], 'g', 8, 64)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
