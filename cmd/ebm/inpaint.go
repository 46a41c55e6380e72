package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/model"
	"github.com/goebm/goebm/plot"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/tensor"
)

type inpaintSummary struct {
	Model       string  `json:"model"`
	Mode        string  `json:"mode"` // inpaint or denoise
	Noise       float64 `json:"noise,omitempty"`
	Sampler     string  `json:"sampler"`
	Images      int     `json:"images"`
	Completions int     `json:"completions"`
	Dim         int     `json:"dim"`
	Bounds      string  `json:"bounds"`
	Seconds     float64 `json:"seconds"`
	GradEvals   int64   `json:"gradient_evaluations"`
	Acceptance  float64 `json:"acceptance"`
	Divergences int     `json:"divergences"`
	Out         string  `json:"out,omitempty"`
	Plot        string  `json:"plot,omitempty"`
}

func runInpaint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("inpaint", "Complete images with a trained energy: sample the missing pixels given the observed ones (-mask),\nor clean images given noisy ones (-denoise SIGMA), all images in one sampler call; write the\ncompletions (rows image by image, -completions per image) and, with -plot, a grid of input, mask\nand completions.", stderr)
	dir := fs.String("model", "", "directory of an energy model trained by ebm train (required)")
	in := fs.String("in", "", "images, one per row of the model's dimension (.csv or .npy; required)")
	maskPath := fs.String("mask", "", "observed pixels: 1 observed, 0 missing, one row per image or one row for all (.csv or .npy)")
	sigma := fs.Float64("denoise", 0, "denoise instead: the input is the noisy observation, with this noise standard deviation")
	shape := fs.String("shape", "", "image shape HxW for -plot; default square, or one row")
	sm := fs.String("sampler", "mala", "sampler (ebm list describes them)")
	var cs model.Completion
	fs.IntVar(&cs.Completions, "completions", 4, "completions (chains) per image")
	fs.IntVar(&cs.Warmup, "warmup", 500, "warm-up steps per chain")
	fs.IntVar(&cs.Steps, "steps", 500, "steps per chain after warm-up")
	fs.Uint64Var(&cs.Seed, "seed", 1, "random seed")
	sf := addSamplerSettings(fs)
	bf := addBounds(fs, "reflect")
	o := addOutputs(fs, "write the completions to this .csv or .npy file (required)", "draw input, mask and completions of each image into this .png")
	if err := parse(fs, args); err != nil {
		return err
	}
	denoise := isSet(fs, "denoise")
	ns, err := model.SamplerByName(*sm)
	if err != nil {
		return asUsage(err)
	}
	switch {
	case *dir == "" || *in == "" || o.out == "":
		return usagef("-model, -in and -out are required")
	case denoise == (*maskPath != ""):
		return usagef("give -mask FILE (inpainting) or -denoise SIGMA, one of them")
	case denoise && (!finite(*sigma) || *sigma <= 0):
		return usagef("-denoise %g: the noise level must be positive and finite", *sigma)
	case !ns.Continues || !ns.Constrains:
		return usagef("-sampler %s cannot sample a conditional from given points", ns.Name)
	case cs.Completions < 1 || cs.Steps < 1 || cs.Warmup < 0:
		return usagef("-completions and -steps must be positive, -warmup not negative")
	case !samplerSettingsValid(sf):
		return usagef("-step-size, -leapfrog, -replicas and -max-temp must be finite and not negative, -step-jitter and -leapfrog-jitter in [0, 1)")
	}
	if err := refuse(fs, "-sampler "+ns.Name, ns.Unused()...); err != nil {
		return err
	}
	if err := bf.check(); err != nil {
		return err
	}
	if err := o.check(); err != nil {
		return err
	}
	x, err := dataset.Load(*in)
	if err != nil {
		return fmt.Errorf("-in: %w", err)
	}
	n, d := x.Dim(0), x.Dim(1)
	h, w, err := imageShape(*shape, d)
	if err != nil {
		return err
	}
	m, err := model.Load(*dir)
	if err != nil {
		return err
	}
	e, cfg := m.Density(), m.Config()
	if e == nil {
		return fmt.Errorf("-model %s is %s: it has no energy to condition", *dir, m.Kind().Describe())
	}
	if cfg.Dim != d {
		return fmt.Errorf("-in %s has %d columns, the model takes %d", *in, d, cfg.Dim)
	}
	var observed []bool
	if !denoise {
		if observed, err = readMask(*maskPath, n, d); err != nil {
			return err
		}
	}
	if cs.Bounds, err = bf.bounds(&cfg); err != nil {
		return err
	}
	cs.Sampler = ns.New(*sf)
	if cs.Warmup == 0 {
		cs.Warmup = -1 // none, not the default
	}
	var c *model.Completed
	if denoise {
		c, err = model.Denoise(ctx, e, x.Data(), *sigma, d, cs)
	} else {
		c, err = model.Inpaint(ctx, e, x.Data(), observed, d, cs)
	}
	if err != nil {
		return err
	}
	header := make([]string, d)
	for j := range header {
		header[j] = fmt.Sprintf("x%d", j)
	}
	if err := dataset.Save(o.out, header, tensor.New(c.Final, n*c.Completions, d)); err != nil {
		return err
	}
	if o.plot != "" {
		if err := completionGrid(o.plot, x.Data(), observed, c, h, w); err != nil {
			return fmt.Errorf("-plot: %w", err)
		}
	}
	s := inpaintSummary{Model: *dir, Mode: "inpaint", Sampler: ns.Name, Images: n, Completions: c.Completions, Dim: d,
		Bounds: bf.String(cs.Bounds), Seconds: c.Seconds, GradEvals: c.Run.Info.GradEvals, Out: o.out, Plot: o.plot}
	if denoise {
		s.Mode, s.Noise = "denoise", *sigma
	}
	sampled := model.Sampled{Result: c.Run}
	s.Acceptance, s.Divergences = sampled.Acceptance(), sampled.Divergences()
	if o.json {
		return json.NewEncoder(stdout).Encode(s)
	}
	fmt.Fprintf(stdout, "%s: %d images × %d completions with %s on model %s in %.2fs, %d gradients; acceptance %.3f, divergences %d, bounds %s\n",
		s.Mode, n, s.Completions, s.Sampler, s.Model, s.Seconds, s.GradEvals, s.Acceptance, s.Divergences, s.Bounds)
	fmt.Fprintf(stdout, "wrote %d completions to %s\n", n*s.Completions, o.out)
	return nil
}

// readMask reads an inpainting mask for n images of dimension d: n rows, or
// one for all, of 0 (missing) and 1 (observed).
func readMask(path string, n, d int) ([]bool, error) {
	t, err := dataset.Load(path)
	if err != nil {
		return nil, fmt.Errorf("-mask: %w", err)
	}
	if t.Dim(1) != d || (t.Dim(0) != n && t.Dim(0) != 1) {
		return nil, fmt.Errorf("-mask %s is %d×%d; the images need %d×%d or 1×%d", path, t.Dim(0), t.Dim(1), n, d, d)
	}
	out := make([]bool, t.Len())
	for i, v := range t.Data() {
		if v != 0 && v != 1 {
			return nil, fmt.Errorf("-mask %s: value %g at row %d, column %d: must be 0 (missing) or 1 (observed)", path, v, i/d, i%d)
		}
		out[i] = v == 1
	}
	return out, nil
}

// imageShape parses -shape HxW for images of dimension d; empty means
// square when d is a square, else one row of d pixels.
func imageShape(s string, d int) (h, w int, err error) {
	if s == "" {
		if r := int(math.Round(math.Sqrt(float64(d)))); r*r == d {
			return r, r, nil
		}
		return 1, d, nil
	}
	hs, ws, ok := strings.Cut(strings.ToLower(s), "x")
	h, err1 := strconv.Atoi(hs)
	w, err2 := strconv.Atoi(ws)
	if !ok || err1 != nil || err2 != nil || h < 1 || w < 1 || h*w != d {
		return 0, 0, usagef("-shape %q: want HxW with H·W = %d, the images' dimension", s, d)
	}
	return h, w, nil
}

// completionGrid draws, per image, its input, then its mask (the observed
// pixels, missing ones marked) when inpainting or its posterior mean when
// denoising, then its completions.
func completionGrid(path string, images []float64, observed []bool, c *model.Completed, h, w int) error {
	d, k := c.Dim, c.Completions
	cols := 2 + k
	tiles := make([]float64, 0, c.Images*cols*d)
	for i := range c.Images {
		img := images[i*d : (i+1)*d]
		tiles = append(tiles, img...)
		if observed == nil {
			tiles = append(tiles, c.Mean[i*d:(i+1)*d]...)
		} else {
			for j, v := range img {
				if !observed[(i*d+j)%len(observed)] {
					v = math.NaN()
				}
				tiles = append(tiles, v)
			}
		}
		tiles = append(tiles, c.Final[i*k*d:(i+1)*k*d]...)
	}
	return plot.ImageGrid(path, tiles, c.Images, cols, h, w, plot.ImageGridSettings{})
}

// addSamplerSettings defines the flags the named samplers are built from,
// of sample and inpaint.
func addSamplerSettings(fs *flag.FlagSet) *model.SamplerSettings {
	sf := &model.SamplerSettings{}
	fs.Float64Var(&sf.StepSize, "step-size", 0, "step size (the initial one where adapted); 0 means the sampler's default")
	fs.IntVar(&sf.Leapfrog, "leapfrog", 0, "HMC and RMHMC leapfrog steps; 0 means 10")
	fs.IntVar(&sf.Replicas, "replicas", 0, "parallel tempering replicas; 0 means 8")
	fs.Float64Var(&sf.MaxTemperature, "max-temp", 0, "parallel tempering's hottest temperature; 0 means 10")
	fs.Float64Var(&sf.StepJitter, "step-jitter", 0, "NUTS and HMC: draw each transition's step within ±this fraction of the tuned one, in [0, 1) (Stan's stepsize_jitter; breaks HMC's periodic trajectories)")
	fs.Float64Var(&sf.LeapfrogJitter, "leapfrog-jitter", 0, "HMC: draw each trajectory's number of leapfrog steps within ±this fraction of -leapfrog, in [0, 1)")
	fs.Var(metricFlag{&sf.MetricKind}, "metric", "the `kind` of metric NUTS and HMC adapt during warm-up: unit (none), diag (the default) or dense (Stan's dense_e, for correlated targets)")
	return sf
}

// metricFlag is -metric: a sampler.MetricKind by name.
type metricFlag struct{ k *sampler.MetricKind }

func (f metricFlag) String() string {
	if f.k == nil {
		return sampler.MetricDiag.String()
	}
	return f.k.String()
}

func (f metricFlag) Set(s string) (err error) {
	*f.k, err = sampler.ParseMetricKind(s)
	return err
}

// samplerSettingsValid says whether the settings are finite and not
// negative, and the jitters below 1.
func samplerSettingsValid(sf *model.SamplerSettings) bool {
	return finite(sf.StepSize) && finite(sf.MaxTemperature) && sf.StepSize >= 0 && sf.Leapfrog >= 0 && sf.Replicas >= 0 && sf.MaxTemperature >= 0 &&
		sf.StepJitter >= 0 && sf.StepJitter < 1 && sf.LeapfrogJitter >= 0 && sf.LeapfrogJitter < 1
}

// boundsFlags are -bounds and -box, of sample and inpaint.
type boundsFlags struct {
	mode, box string
	lo, hi    float64
}

// addBounds defines -bounds, with default def, and -box.
func addBounds(fs *flag.FlagSet, def string) *boundsFlags {
	b := &boundsFlags{}
	fs.StringVar(&b.mode, "bounds", def, "keep the chains in a box: reflect (exact for the Metropolis samplers), clamp (biased: draws pile up on the faces) or none")
	fs.StringVar(&b.box, "box", "", "the box as LO,HI for every coordinate; default the box of the model's training data")
	return b
}

// check validates the flags (usage errors), before any work.
func (b *boundsFlags) check() error {
	switch b.mode {
	case "reflect", "clamp", "none":
	default:
		return usagef("-bounds %q: want reflect, clamp or none", b.mode)
	}
	if b.box == "" {
		return nil
	}
	if b.mode == "none" {
		return usagef("-box %s without -bounds reflect or clamp", b.box)
	}
	los, his, ok := strings.Cut(b.box, ",")
	lo, err1 := strconv.ParseFloat(strings.TrimSpace(los), 64)
	hi, err2 := strconv.ParseFloat(strings.TrimSpace(his), 64)
	if !ok || err1 != nil || err2 != nil || math.IsNaN(lo) || math.IsNaN(hi) || !(lo < hi) {
		return usagef("-box %q: want LO,HI with LO < HI", b.box)
	}
	b.lo, b.hi = lo, hi
	return nil
}

// bounds returns the box the flags give, nil for none: -box, or else the
// box of the data cfg trained on (cfg nil: no model, so -box is needed).
func (b *boundsFlags) bounds(cfg *model.Config) (*sampler.Bounds, error) {
	mode := sampler.Reflect
	switch b.mode {
	case "none":
		return nil, nil
	case "clamp":
		mode = sampler.Clamp
	}
	if b.box != "" {
		return &sampler.Bounds{Lo: []float64{b.lo}, Hi: []float64{b.hi}, Mode: mode}, nil
	}
	if cfg == nil {
		return nil, usagef("-bounds %s needs -box LO,HI without a model to take the box from", b.mode)
	}
	bd, err := model.DataBounds(*cfg, mode)
	if err != nil {
		return nil, fmt.Errorf("-bounds %s: the box of the training data: %w (give -box LO,HI or -bounds none)", b.mode, err)
	}
	return bd, nil
}

// String describes the bounds for a summary.
func (b *boundsFlags) String(bd *sampler.Bounds) string {
	if bd == nil {
		return "none"
	}
	if b.box != "" {
		return fmt.Sprintf("%s [%g, %g]", bd.Mode, b.lo, b.hi)
	}
	return fmt.Sprintf("%s, the training data's box", bd.Mode)
}
