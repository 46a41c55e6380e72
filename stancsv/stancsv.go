package stancsv

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/goebm/goebm/sampler"
)

// ErrInvalid is wrapped by errors about a file or chain that does not have
// the layout, and about chains that cannot be summarised together.
var ErrInvalid = errors.New("invalid draws file")

// SamplerColumns are the columns CmdStan writes before the parameters, in
// its order: Stan's per-draw report on the sampler.
var SamplerColumns = []string{"lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"}

// Settings are what a file's comments say about the run that made its
// chain. Zero values are not written.
type Settings struct {
	// Model names the target (CmdStan's model = …).
	Model string
	// Sampler is goebm's sampler name: "nuts" and "hmc" are written as
	// CmdStan's algorithm = hmc with engine = nuts or static, others as
	// algorithm = NAME. Read maps CmdStan's back the same way.
	Sampler string
	// Seed is the run's seed; ID the chain's id, counted from 1 as CmdStan
	// counts them (goebm's chain c of a run with -chain-offset K has id
	// K + c + 1).
	Seed uint64
	ID   int
	// Warmup is the number of warm-up iterations, Draws the number of
	// iterations after it (num_samples, before thinning), Thin the
	// thinning (0 means 1).
	Warmup, Draws, Thin int
	// MaxDepth is NUTS's largest tree depth (the tree-depth warning's
	// limit); 0 for other samplers.
	MaxDepth int
	// Delta is the acceptance statistic the step size was adapted towards
	// (adapt delta); 0 when nothing was adapted.
	Delta float64
	// Metric is CmdStan's name of the metric: "diag_e", "unit_e" or
	// "dense_e"; empty for samplers without one.
	Metric string
	// StepSize is the step size after adaptation ("# Step size = …"); 0
	// writes no adaptation block.
	StepSize float64
	// InvMass is the inverse metric after adaptation: the diagonal for
	// diag_e, d×d row-major for dense_e.
	InvMass []float64
	// SaveWarmup reports that the file holds the warm-up draws too
	// (CmdStan's save_warmup); Read drops them.
	SaveWarmup bool
	// WarmupSeconds and SamplingSeconds are the times the footer reports
	// ("# Elapsed Time: …"), which rstan's reader requires; 0 when not
	// measured. Read fills them from CmdStan's footer.
	WarmupSeconds, SamplingSeconds float64
}

// Chain is one chain's draws: a column per name, a row per draw.
type Chain struct {
	Settings
	// Names are the column names, Values the draws row by row:
	// Values[k·len(Names) + j] is column j of draw k.
	Names  []string
	Values []float64
	// Source names where the chain was read from (a file, with the chain's
	// number for goebm's files of several chains), for messages.
	Source string
}

// Len returns the number of draws.
func (c *Chain) Len() int {
	if len(c.Names) == 0 {
		return 0
	}
	return len(c.Values) / len(c.Names)
}

// Column returns the draws of the column named name, and whether there is
// one.
func (c *Chain) Column(name string) ([]float64, bool) {
	j := c.index(name)
	if j < 0 {
		return nil, false
	}
	n, w := c.Len(), len(c.Names)
	out := make([]float64, n)
	for k := range out {
		out[k] = c.Values[k*w+j]
	}
	return out, true
}

func (c *Chain) index(name string) int {
	for j, n := range c.Names {
		if n == name {
			return j
		}
	}
	return -1
}

// Params returns the names of the columns that are not the sampler's: those
// that do not end in "__", as CmdStan tells them apart.
func (c *Chain) Params() []string {
	var out []string
	for _, n := range c.Names {
		if !strings.HasSuffix(n, "__") {
			out = append(out, n)
		}
	}
	return out
}

// ParamNames returns CmdStan's names of the d coordinates of a point,
// x.1 … x.d: the elements of one vector x.
func ParamNames(d int) []string {
	out := make([]string, d)
	for j := range out {
		out[j] = "x." + strconv.Itoa(j+1)
	}
	return out
}

// FromResult returns chain c of a sampler run in CmdStan's layout, the
// sampler columns from r.Energies and r.StepInfo and the parameters, named
// params (nil: ParamNames), from r.Draws; the run must have kept its
// trajectory (Options.Trajectory). The settings are s, with the step size
// and the metric the run ended with (r.Tuned): "dense_e" with its matrix
// or "diag_e" with its diagonal, unless s.Metric names another.
func FromResult(r *sampler.Result, c int, params []string, s Settings) (*Chain, error) {
	if params == nil {
		params = ParamNames(r.Dim)
	}
	return FromDraws(r, c, r.Draws, params, s)
}

// FromDraws is FromResult with the parameter columns taken from draws, in
// r.Draws's layout but with len(params) values per draw: the draws mapped
// to another space, such as a Bayesian model's constrained parameters.
func FromDraws(r *sampler.Result, c int, draws []float64, params []string, s Settings) (*Chain, error) {
	if r.Draws == nil || r.StepInfo == nil {
		return nil, fmt.Errorf("stancsv: the run kept no trajectory (set sampler.Options.Trajectory): %w", ErrInvalid)
	}
	if c < 0 || c >= r.Chains {
		return nil, fmt.Errorf("stancsv: chain %d of a run of %d: %w", c, r.Chains, ErrInvalid)
	}
	p := len(params)
	if len(draws) != r.Chains*r.Kept*p {
		return nil, fmt.Errorf("stancsv: %d draw values for %d chains of %d draws of %d parameters: %w", len(draws), r.Chains, r.Kept, p, ErrInvalid)
	}
	if c < len(r.Tuned.StepSize) {
		s.StepSize = r.Tuned.StepSize[c]
	}
	d := r.Dim
	switch {
	case r.Tuned.InvMassDense != nil && (s.Metric == "" || s.Metric == "dense_e"):
		s.Metric = "dense_e"
		s.InvMass = append([]float64(nil), r.Tuned.InvMassDense[c*d*d:(c+1)*d*d]...)
	case r.Tuned.InvMass != nil && (s.Metric == "" || s.Metric == "diag_e"):
		s.Metric = "diag_e"
		s.InvMass = append([]float64(nil), r.Tuned.InvMass[c*d:(c+1)*d]...)
	}
	ch := &Chain{Settings: s, Names: append(append([]string(nil), SamplerColumns...), params...)}
	ch.Values = make([]float64, 0, r.Kept*len(ch.Names))
	for k := range r.Kept {
		i := c*r.Kept + k
		in := r.StepInfo[i]
		div := 0.0
		if in.Divergent {
			div = 1
		}
		ch.Values = append(ch.Values, -r.Energies[i], in.AcceptStat, in.StepSize, float64(in.TreeDepth), float64(in.Leapfrog), div, in.Energy)
		ch.Values = append(ch.Values, draws[i*p:(i+1)*p]...)
	}
	return ch, nil
}

// Write writes the chain in CmdStan's layout: the settings as comments,
// the header, the adaptation block, and a row per draw, every number in the
// shortest form that reads back exactly.
func Write(w io.Writer, c *Chain) error {
	if len(c.Names) == 0 || len(c.Values)%len(c.Names) != 0 {
		return fmt.Errorf("stancsv: %d values for %d columns: %w", len(c.Values), len(c.Names), ErrInvalid)
	}
	for _, n := range c.Names {
		if n == "" || strings.ContainsAny(n, ",\n\r\"#") {
			return fmt.Errorf("stancsv: column name %q: %w", n, ErrInvalid)
		}
	}
	bw := bufio.NewWriter(w)
	writeSettings(bw, &c.Settings)
	bw.WriteString(strings.Join(c.Names, ","))
	bw.WriteByte('\n')
	writeAdaptation(bw, &c.Settings)
	buf := make([]byte, 0, 32)
	for k := range c.Len() {
		for j, v := range c.Values[k*len(c.Names) : (k+1)*len(c.Names)] {
			if j > 0 {
				bw.WriteByte(',')
			}
			bw.Write(appendNumber(buf[:0], v))
		}
		bw.WriteByte('\n')
	}
	fmt.Fprintf(bw, "# \n#  Elapsed Time: %s seconds (Warm-up)\n#                %s seconds (Sampling)\n#                %s seconds (Total)\n# \n",
		formatNumber(c.WarmupSeconds), formatNumber(c.SamplingSeconds), formatNumber(c.WarmupSeconds+c.SamplingSeconds))
	return bw.Flush()
}

// appendNumber appends v in the shortest form that reads back exactly;
// NaN and infinities as Stan writes them (nan, inf, -inf).
func appendNumber(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "nan"...)
	case math.IsInf(v, 1):
		return append(b, "inf"...)
	case math.IsInf(v, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

func formatNumber(v float64) string { return string(appendNumber(nil, v)) }

// writeSettings writes the settings as CmdStan nests its arguments, each
// level indented by two spaces.
func writeSettings(w *bufio.Writer, s *Settings) {
	line := func(depth int, text string) {
		w.WriteString("#" + strings.Repeat("  ", depth) + " " + text + "\n")
	}
	if s.Model != "" {
		line(0, "model = "+s.Model)
	}
	line(0, "method = sample (Default)")
	line(1, "sample")
	line(2, "num_samples = "+strconv.Itoa(s.Draws))
	line(2, "num_warmup = "+strconv.Itoa(s.Warmup))
	line(2, "save_warmup = "+bit(s.SaveWarmup))
	line(2, "thin = "+strconv.Itoa(max(s.Thin, 1)))
	line(2, "adapt")
	line(3, "engaged = "+bit(s.Delta > 0))
	if s.Delta > 0 {
		line(3, "delta = "+formatNumber(s.Delta))
	}
	switch s.Sampler {
	case "nuts", "hmc":
		line(2, "algorithm = hmc")
		line(3, "hmc")
		if s.Sampler == "nuts" {
			line(4, "engine = nuts")
			line(5, "nuts")
			if s.MaxDepth > 0 {
				line(6, "max_depth = "+strconv.Itoa(s.MaxDepth))
			}
		} else {
			line(4, "engine = static")
		}
		if s.Metric != "" {
			line(4, "metric = "+s.Metric)
		}
	case "":
	default:
		line(2, "algorithm = "+s.Sampler)
		if s.Metric != "" {
			line(3, "metric = "+s.Metric)
		}
	}
	line(2, "num_chains = 1")
	if s.ID > 0 {
		line(0, "id = "+strconv.Itoa(s.ID))
	}
	line(0, "random")
	line(1, "seed = "+strconv.FormatUint(s.Seed, 10))
}

// bit writes a boolean setting as 0 or 1, as CmdStan did before 2.33 and as
// every reader (rstan's too) takes it.
func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// writeAdaptation writes the step size and metric after the header, as
// CmdStan does once adaptation ends.
func writeAdaptation(w *bufio.Writer, s *Settings) {
	if s.StepSize <= 0 {
		return
	}
	if s.Delta > 0 && s.Warmup > 0 {
		w.WriteString("# Adaptation terminated\n")
	}
	w.WriteString("# Step size = " + formatNumber(s.StepSize) + "\n")
	list := func(v []float64) {
		w.WriteString("#")
		for i, x := range v {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(" " + formatNumber(x))
		}
		w.WriteByte('\n')
	}
	switch {
	case s.Metric == "unit_e":
		w.WriteString("# No free parameters for unit metric\n")
	case s.Metric == "dense_e" && len(s.InvMass) > 0:
		d := int(math.Round(math.Sqrt(float64(len(s.InvMass)))))
		if d*d != len(s.InvMass) {
			return
		}
		w.WriteString("# Elements of inverse mass matrix:\n")
		for i := range d {
			list(s.InvMass[i*d : (i+1)*d])
		}
	case len(s.InvMass) > 0:
		w.WriteString("# Diagonal elements of inverse mass matrix:\n")
		list(s.InvMass)
	}
}
