package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/tensor"
)

// ebm runs the command in-process and returns its stdout, stderr and error.
func ebm(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

// decodePNG reads the PNG at path, failing the test if it cannot.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func mustPNG(t *testing.T, path string) {
	t.Helper()
	img := decodePNG(t, path)
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Fatalf("%s is %v", path, b)
	}
}

// TestEndToEnd trains a tiny model, then samples from it, evaluates it and
// computes energies at points, checking the files and the JSON.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	out, _, err := ebm(t, "train", "-data", "twomoons", "-loss", "dsm", "-steps", "30", "-hidden", "8", "-out", model, "-json")
	if err != nil {
		t.Fatal(err)
	}
	var ts trainSummary
	if err := json.Unmarshal([]byte(out), &ts); err != nil || ts.Steps != 30 || ts.NLLMinusH == nil {
		t.Fatalf("train JSON %q: %+v, %v", out, ts, err)
	}
	for _, f := range []string{"config.json", "model.params", "checkpoint.bin", "metrics.jsonl"} {
		if _, err := os.Stat(filepath.Join(model, f)); err != nil {
			t.Error(err)
		}
	}
	for _, f := range []string{"energy.png", "samples.png", "curves.png"} {
		mustPNG(t, filepath.Join(model, f))
	}

	draws := filepath.Join(dir, "draws.csv")
	plot := filepath.Join(dir, "draws.png")
	out, _, err = ebm(t, "sample", "-model", model, "-sampler", "mala", "-chains", "2", "-warmup", "50", "-steps", "40", "-out", draws, "-plot", plot, "-json")
	if err != nil {
		t.Fatal(err)
	}
	var ss sampleSummary
	if err := json.Unmarshal([]byte(out), &ss); err != nil || ss.Chains != 2 || ss.Draws != 40 {
		t.Fatalf("sample JSON %q: %v", out, err)
	}
	b, _ := os.ReadFile(draws)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if lines[0] != "chain,draw,x0,x1" || len(lines) != 81 {
		t.Fatalf("draws file: header %q, %d lines", lines[0], len(lines))
	}
	mustPNG(t, plot)

	npy := filepath.Join(dir, "draws.npy")
	if _, _, err := ebm(t, "sample", "-energy", "gaussian", "-dim", "3", "-chains", "2", "-warmup", "20", "-steps", "20", "-out", npy, "-plot", filepath.Join(dir, "h.png")); err != nil {
		t.Fatal(err)
	}
	mustPNG(t, filepath.Join(dir, "h.png"))

	pts := filepath.Join(dir, "pts.csv")
	os.WriteFile(pts, []byte("x,y\n0,0\n1,-0.5\n"), 0o644)
	en := filepath.Join(dir, "e.csv")
	if _, _, err := ebm(t, "energy", "-model", model, "-in", pts, "-out", en, "-grad"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(en)
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); lines[0] != "energy,g0,g1" || len(lines) != 3 {
		t.Fatalf("energy file %q", b)
	}

	out, _, err = ebm(t, "eval", "-model", model, "-n", "200", "-json")
	if err != nil {
		t.Fatal(err)
	}
	var es evalSummary
	if err := json.Unmarshal([]byte(out), &es); err != nil || es.Data != "twomoons" || es.Points != 200 {
		t.Fatalf("eval JSON %q: %v", out, err)
	}

	out, _, err = ebm(t, "list", "-json")
	var lists map[string]map[string]string
	if err != nil || json.Unmarshal([]byte(out), &lists) != nil || lists["samplers"]["nuts"] == "" || lists["datasets"]["checkerboard"] == "" {
		t.Fatalf("list JSON %q: %v", out, err)
	}
	out, _, err = ebm(t, "bench", "-scale", "small", "-reps", "1")
	if err != nil || strings.Count(out, "\n") != 7 || !strings.Contains(out, `"case":"hmc_doublewell"`) {
		t.Fatalf("bench output %q: %v", out, err)
	}
}

// TestFlows trains a tiny model with each flow loss, generates from it, and
// checks that sample refuses the flows (they do not run MCMC) while eval
// scores them.
func TestFlows(t *testing.T) {
	dir := t.TempDir()
	for _, l := range []string{"fm", "eqm", "em"} {
		model := filepath.Join(dir, l)
		args := []string{"train", "-data", "checkerboard", "-loss", l, "-steps", "6"}
		if l != "eqm" {
			args = append(args, "-coupling", "greedy")
		}
		out, _, err := ebm(t, append(args, "-hidden", "8", "-batch", "32", "-out", model, "-json")...)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		var ts trainSummary
		if err := json.Unmarshal([]byte(out), &ts); err != nil || ts.Steps != 6 || ts.NLLMinusH == nil || ts.MMD2 == 0 {
			t.Fatalf("%s: train JSON %q: %v", l, out, err)
		}
		for _, f := range []string{"energy.png", "samples.png"} {
			mustPNG(t, filepath.Join(model, f))
		}
		pts, plot := filepath.Join(dir, l+".npy"), filepath.Join(dir, l+".png")
		out, _, err = ebm(t, "generate", "-model", model, "-n", "50", "-out", pts, "-plot", plot, "-json")
		var gs generateSummary
		if err != nil || json.Unmarshal([]byte(out), &gs) != nil || gs.Points != 50 || gs.Kind != map[string]string{"fm": "flow", "eqm": "equilibrium", "em": "potential"}[l] {
			t.Fatalf("%s: generate %q: %v", l, out, err)
		}
		mustPNG(t, plot)
		_, _, err = ebm(t, "sample", "-model", model, "-steps", "5", "-warmup", "5")
		if flow := l != "em"; flow != (err != nil) {
			t.Errorf("%s: sample: %v", l, err)
		}
		if _, _, err := ebm(t, "eval", "-model", model, "-n", "50"); err != nil {
			t.Errorf("%s: eval: %v", l, err)
		}
	}
	if _, _, err := ebm(t, "train", "-loss", "fm", "-coupling", "psychic", "-out", dir); err == nil || !strings.Contains(err.Error(), "exact-ot, greedy") {
		t.Errorf("an unknown coupling: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "there.csv")
	os.WriteFile(existing, []byte("1,2\n"), 0o644)
	for _, c := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{nil, true, "no command"},
		{[]string{"frobnicate"}, true, "valid: train, sample"},
		{[]string{"train", "-data", "spirals", "-out", dir}, true, "checkerboard, circle"},
		{[]string{"train", "-loss", "magic", "-out", dir}, true, "valid: cd, ce, drl, dsm, ed"},
		{[]string{"train"}, true, "-out"},
		{[]string{"train", "-steps", "0", "-out", dir}, true, "positive"},
		{[]string{"train", "-lr", "-1", "-out", dir}, true, "lr -1"},
		{[]string{"train", "-bogus"}, true, "bogus"},
		{[]string{"sample"}, true, "-energy NAME or -model DIR"},
		{[]string{"sample", "-energy", "gaussian", "-model", dir}, true, "not both"},
		{[]string{"sample", "-energy", "banana"}, true, "valid: ackley"},
		{[]string{"sample", "-energy", "gaussian", "-sampler", "gibbs"}, true, "hmc, idem, iefm, langevin"},
		{[]string{"sample", "-energy", "gaussian", "-chains", "0"}, true, "-chains"},
		{[]string{"sample", "-energy", "funnel", "-dim", "1"}, true, "at least 2"},
		{[]string{"sample", "-energy", "himmelblau", "-dim", "3"}, true, "takes only 2"},
		{[]string{"sample", "-energy", "gaussian", "-out", existing}, false, "-force"},
		{[]string{"sample", "-energy", "gaussian", "-out", filepath.Join(dir, "x.txt"), "-steps", "5", "-warmup", "5"}, true, "extension"},
		{[]string{"sample", "-energy", "gaussian", "-plot", "x.jpg"}, true, ".png"},
		{[]string{"sample", "-model", filepath.Join(dir, "nothing")}, false, "not a model directory"},
		{[]string{"energy", "-energy", "gaussian"}, true, "-in and -out"},
		{[]string{"energy", "-energy", "gaussian", "-in", filepath.Join(dir, "missing.csv"), "-out", filepath.Join(dir, "o.csv")}, false, "missing.csv"},
		{[]string{"eval"}, true, "-model"},
		{[]string{"bench", "-scale", "huge"}, true, "valid: small"},
		{[]string{"list", "extra"}, true, "unexpected argument"},
	} {
		_, _, err := ebm(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one mentioning %q", c.args, err, c.want)
			continue
		}
		if errors.Is(err, errUsage) != c.usage {
			t.Errorf("%v: usage error %v, want %v", c.args, errors.Is(err, errUsage), c.usage)
		}
	}
	// A trained model is not overwritten without -force.
	model := filepath.Join(dir, "m")
	if _, _, err := ebm(t, "train", "-data", "circle", "-loss", "dsm", "-steps", "3", "-hidden", "4", "-out", model); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ebm(t, "train", "-data", "circle", "-steps", "3", "-out", model); err == nil || !strings.Contains(err.Error(), "-force") {
		t.Errorf("retraining into a model directory: %v", err)
	}
	// -h explains every flag.
	_, help, err := ebm(t, "sample", "-h")
	if err == nil || !strings.Contains(help, "-step-size") || !strings.Contains(help, "-seed") {
		t.Errorf("sample -h: %v\n%s", err, help)
	}
}

// TestTrainFromFile trains on a CSV file, which holds out a tenth of its
// rows, and evaluates the model on that held-out part.
func TestTrainFromFile(t *testing.T) {
	dir := t.TempDir()
	pts := filepath.Join(dir, "moons.csv")
	x := dataset.TwoMoons{}.Sample(rand.New(rand.NewPCG(1, 1)), 500)
	if err := dataset.Save(pts, []string{"x", "y"}, x); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "m")
	out, _, err := ebm(t, "train", "-data", pts, "-loss", "dsm", "-steps", "20", "-hidden", "8", "-batch", "64", "-out", model)
	if err != nil || !strings.Contains(out, "on held-out data") {
		t.Fatalf("train on a file: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(filepath.Join(model, "config.json"))
	if !strings.Contains(string(b), pts) {
		t.Errorf("config.json does not record the data file:\n%s", b)
	}
	out, _, err = ebm(t, "eval", "-model", model, "-json")
	var es evalSummary
	if err != nil || json.Unmarshal([]byte(out), &es) != nil || es.Points != 50 || es.Data != pts {
		t.Errorf("eval of a file-trained model: %v\n%s", err, out)
	}
	// Beyond 2-D: no energy.png, the samples as .npy, the NLL by AIS.
	three := filepath.Join(dir, "three.csv")
	x3 := make([]float64, 0, 3*60)
	for i := range 60 {
		x3 = append(x3, x.Data()[2*i], x.Data()[2*i+1], x.Data()[2*i]*x.Data()[2*i+1])
	}
	if err := dataset.Save(three, nil, tensor.New(x3, 60, 3)); err != nil {
		t.Fatal(err)
	}
	out, _, err = ebm(t, "train", "-data", three, "-loss", "dsm", "-steps", "20", "-hidden", "8", "-out", model, "-force", "-json")
	var ts trainSummary
	if err != nil || json.Unmarshal([]byte(out), &ts) != nil || ts.AIS == nil || len(ts.AIS.Runs) != 4 {
		t.Fatalf("3-column data: %v\n%s", err, out)
	}
	for name, want := range map[string]bool{"samples.npy": true, "curves.png": true, "energy.png": false, "samples.png": false} {
		if _, err := os.Stat(filepath.Join(model, name)); (err == nil) != want {
			t.Errorf("3-column data: %s written %v; want %v", name, err == nil, want)
		}
	}
	os.WriteFile(three, []byte("1,2,3\n4,5,6\n"), 0o644)
	if _, _, err := ebm(t, "train", "-data", three, "-out", model, "-force"); err == nil || !strings.Contains(err.Error(), "more rows than columns") {
		t.Errorf("3-column data of 2 rows: %v", err)
	}
}

// TestFlowGenerationOptions trains a noise-predicting flow on the cosine
// path (config.json records the prediction; a velocity records none), then
// generates from it by the ODE, adaptively, and by SDEs on that path
// (-diffusion, -diffusion-form with each last step, an SDE -integrator);
// -reverse carries generated points back to the noise they came from
// (within 1e-4, by Dormand–Prince); and the flags refuse settings that do not apply.
func TestFlowGenerationOptions(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "m")
	if _, _, err := ebm(t, "train", "-data", "circle", "-loss", "fm", "-interpolant", "cosine", "-prediction", "noise", "-steps", "3", "-hidden", "4", "-out", m); err != nil {
		t.Fatal(err)
	}
	if cfg, b := readConfig(t, m); cfg.Prediction != "noise" {
		t.Errorf("config.json %s", b)
	}
	vel := filepath.Join(dir, "v")
	if _, _, err := ebm(t, "train", "-data", "circle", "-loss", "fm", "-prediction", "Velocity", "-steps", "3", "-hidden", "4", "-out", vel); err != nil {
		t.Fatal(err)
	}
	if cfg, b := readConfig(t, vel); cfg.Prediction != "" {
		t.Errorf("a velocity's config.json %s", b)
	}
	for _, args := range [][]string{
		{"-integrator", "bosh3"},
		{"-diffusion", "0.5"},
		{"-diffusion-form", "sbdm", "-diffusion-norm", "0.5"},
		{"-diffusion-form", "sigma", "-last-step", "tweedie", "-last-step-size", "0.1"},
		{"-diffusion-form", "increasing-decreasing", "-last-step", "euler", "-integrator", "stochastic_heun"},
		{"-diffusion-form", "constant", "-last-step", "none"},
	} {
		if _, _, err := ebm(t, append([]string{"generate", "-model", m, "-n", "10"}, args...)...); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
	pts, z := filepath.Join(dir, "x.npy"), filepath.Join(dir, "z.npy")
	// A noise network's velocity is b(t)·ε̂ + …, b ≈ −1/t near the start at
	// t = 10⁻³, which an untrained network does not cancel: fixed steps
	// there are far from exact, Dormand–Prince's control is not.
	if _, _, err := ebm(t, "generate", "-model", m, "-n", "20", "-seed", "4", "-integrator", "dopri5", "-out", pts); err != nil {
		t.Fatal(err)
	}
	out, _, err := ebm(t, "generate", "-model", m, "-reverse", pts, "-integrator", "dopri5", "-out", z, "-json")
	var es encodeSummary
	if err != nil || json.Unmarshal([]byte(out), &es) != nil || es.Points != 20 || es.In != pts {
		t.Fatalf("-reverse: %q, %v", out, err)
	}
	got, err := dataset.Load(z)
	if err != nil {
		t.Fatal(err)
	}
	// generate seeds its noise with the -seed's rand.NewPCG(seed, 0).Uint64().
	noise := rand.New(rand.NewPCG(rand.New(rand.NewPCG(4, 0)).Uint64(), 0))
	for i, v := range got.Data() {
		if w := noise.NormFloat64(); math.Abs(v-w) > 1e-4 {
			t.Fatalf("-reverse: coordinate %d is %g, the noise was %g", i, v, w)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"generate", "-model", m, "-last-step", "euler"}, "not with the ODE"},
		{[]string{"generate", "-model", m, "-diffusion", "0.5", "-diffusion-norm", "2"}, "-diffusion-norm: not with -diffusion"},
		{[]string{"generate", "-model", m, "-diffusion", "0.5", "-diffusion-form", "sbdm"}, "not both"},
		{[]string{"generate", "-model", m, "-diffusion-form", "sbdm", "-integrator", "rk4"}, "needs an SDE integrator"},
		{[]string{"generate", "-model", m, "-diffusion-form", "sbdm", "-last-step", "none", "-last-step-size", "0.1"}, "-last-step-size: not with -last-step none"},
		{[]string{"generate", "-model", m, "-diffusion-form", "sbdm", "-last-step", "midpoint"}, "mean, euler, tweedie, none"},
		{[]string{"generate", "-model", m, "-diffusion-form", "sbdm", "-last-step-size", "0.7"}, "below ½"},
		{[]string{"generate", "-model", m, "-diffusion-form", "cosine"}, "constant, SBDM"},
		{[]string{"generate", "-model", m, "-reverse", pts, "-n", "5", "-out", z}, "-n: not with -reverse"},
		{[]string{"generate", "-model", m, "-reverse", pts}, "-out is required"},
		{[]string{"train", "-loss", "eqm", "-prediction", "score", "-out", dir}, "-prediction: not with -loss eqm"},
		{[]string{"train", "-loss", "fm", "-prediction", "data", "-out", dir}, "velocity, score, noise"},
	} {
		if _, _, err := ebm(t, c.args...); !errors.Is(err, errUsage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want a usage error with %q", c.args, err, c.want)
		}
	}
}

// TestSampleBooth: NUTS (the default) on Booth's function, which is the
// Gaussian at (1, 3) with covariance [[10, −8], [−8, 10]]/36, gets each
// coordinate's mean within 4 MCSE of the mode and its sd √(10/36) = 0.527
// within 4 MCSE of the sd.
func TestSampleBooth(t *testing.T) {
	out, _, err := ebm(t, "sample", "-energy", "booth", "-json")
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Dims []struct {
			Mean     float64 `json:"mean"`
			SD       float64 `json:"sd"`
			MCSEMean float64 `json:"mcse_mean"`
			MCSESD   float64 `json:"mcse_sd"`
		} `json:"dims"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if len(r.Dims) != 2 {
		t.Fatalf("%d dimensions in %s", len(r.Dims), out)
	}
	sd := math.Sqrt(10.0 / 36)
	for j, want := range []float64{1, 3} {
		d := r.Dims[j]
		if math.Abs(d.Mean-want) > 4*d.MCSEMean || math.Abs(d.SD-sd) > 4*d.MCSESD {
			t.Errorf("x%d: mean %.4f ± %.4f (want %g), sd %.4f ± %.4f (want %.4f)", j, d.Mean, d.MCSEMean, want, d.SD, d.MCSESD, sd)
		}
	}
}

// TestProfile: an empty path profiles nothing; a path gets a CPU profile
// that go tool pprof reads (a gzipped protocol buffer: gzip's magic bytes);
// a path that cannot be created is an error before anything runs.
func TestProfile(t *testing.T) {
	stop, err := profile("")
	if err != nil || stop() != nil {
		t.Fatalf("no profile: %v", err)
	}
	path := filepath.Join(t.TempDir(), "cpu.prof")
	stop, err = profile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("profile file %d bytes, %v: want a gzipped profile", len(b), err)
	}
	if _, err := profile(filepath.Join(t.TempDir(), "missing", "cpu.prof")); err == nil {
		t.Error("a profile in a missing directory was accepted")
	}
}

// TestGoMLXBackendNote checks that train and sample say, when
// GOMLX_BACKEND is set, that ebmxla is the command that reads it, and that
// other commands do not.
func TestGoMLXBackendNote(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "xla:/opt/xla_cuda_plugin.so")
	for cmd, want := range map[string]bool{"train": true, "sample": true, "list": false} {
		_, stderr, _ := ebm(t, cmd, "-h")
		if got := strings.Contains(stderr, "GOMLX_BACKEND=xla:/opt/xla_cuda_plugin.so is for ebmxla"); got != want {
			t.Errorf("ebm %s: the note is there: %v, want %v (stderr %q)", cmd, got, want, stderr)
		}
	}
}
