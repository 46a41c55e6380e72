package stancsv

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ReadFile reads the chains of the file at path, as Read does, and names
// them after it.
func ReadFile(path string) ([]*Chain, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("stancsv: %w", err)
	}
	defer f.Close()
	chains, err := read(f, path)
	if err != nil {
		return nil, err
	}
	return chains, nil
}

// Read reads the chains of a draws CSV: one from a CmdStan file, or one per
// value of the chain column of goebm's own layout (columns chain, draw,
// then the coordinates; ebm sample's default), in the order they first
// appear. Comment lines ('#') are skipped, except for CmdStan's settings and
// adaptation, which fill each chain's Settings. A ragged or truncated row, a
// field that is not a number, or fewer draws than the settings announce
// give an error naming the line, wrapping ErrInvalid.
func Read(r io.Reader) ([]*Chain, error) { return read(r, "") }

func read(r io.Reader, source string) ([]*Chain, error) {
	where := "stancsv: "
	if source != "" {
		where += source + ": "
	}
	fail := func(line int, format string, a ...any) error {
		if line > 0 {
			return fmt.Errorf("%sline %d: %s: %w", where, line, fmt.Sprintf(format, a...), ErrInvalid)
		}
		return fmt.Errorf("%s%s: %w", where, fmt.Sprintf(format, a...), ErrInvalid)
	}
	br := bufio.NewReader(r)
	c := &Chain{Source: source}
	config := map[string]string{}
	var (
		lineNo int
		header bool
		adapt  string // the metric block being read: "diag" (one line), "dense" (lines until another comment), or ""
	)
	for {
		text, err := br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s%w", where, err)
		}
		if text == "" && errors.Is(err, io.EOF) {
			break
		}
		lineNo++
		complete := strings.HasSuffix(text, "\n")
		text = strings.TrimRight(text, "\r\n")
		switch {
		case strings.HasPrefix(text, "#"):
			body := strings.TrimSpace(text[1:])
			if !header {
				// CmdStan writes "key = value", rstan "key=value".
				k, v, ok := strings.Cut(body, " = ")
				if !ok {
					k, v, ok = strings.Cut(body, "=")
				}
				if ok {
					k = strings.TrimSpace(k)
					if _, seen := config[k]; !seen {
						config[k] = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "(Default)"))
					}
				}
				break
			}
			switch {
			case strings.HasPrefix(body, "Elapsed Time:"):
				c.WarmupSeconds = seconds(body)
			case strings.HasSuffix(body, "seconds (Sampling)"):
				c.SamplingSeconds = seconds(body)
			case strings.HasPrefix(body, "Step size = "):
				v, err := strconv.ParseFloat(strings.TrimPrefix(body, "Step size = "), 64)
				if err != nil {
					return nil, fail(lineNo, "step size %q is not a number", body)
				}
				c.StepSize = v
			case body == "Diagonal elements of inverse mass matrix:":
				adapt = "diag"
			case body == "Elements of inverse mass matrix:":
				adapt = "dense"
			case adapt != "":
				vals, ok := numberList(body)
				if !ok {
					adapt = ""
					break
				}
				c.InvMass = append(c.InvMass, vals...)
				if adapt == "diag" {
					adapt = ""
				}
			}
		case strings.TrimSpace(text) == "":
		case !header:
			c.Names = strings.Split(text, ",")
			seen := map[string]bool{}
			for _, n := range c.Names {
				if n == "" || seen[n] {
					return nil, fail(lineNo, "column name %q empty or repeated in the header", n)
				}
				seen[n] = true
			}
			header = true
		default:
			adapt = ""
			fields := strings.Split(text, ",")
			if len(fields) != len(c.Names) {
				if !complete && len(fields) < len(c.Names) {
					return nil, fail(lineNo, "the file ends inside a row (%d of %d fields): truncated", len(fields), len(c.Names))
				}
				return nil, fail(lineNo, "%d fields, the header has %d", len(fields), len(c.Names))
			}
			for j, f := range fields {
				v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
				if err != nil {
					return nil, fail(lineNo, "column %s: %q is not a number", c.Names[j], f)
				}
				c.Values = append(c.Values, v)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if !header {
		return nil, fail(0, "no header line (an empty file, or only comments)")
	}
	if err := c.settings(config); err != nil {
		return nil, fail(0, "%v", err)
	}
	if c.index("chain") >= 0 && c.index("draw") >= 0 && c.index("lp__") < 0 {
		return splitChains(c)
	}
	if c.Draws > 0 {
		// CmdStan keeps iterations 0, thin, 2·thin, … (⌈n/thin⌉ of them),
		// goebm's Run every thin-th (⌊n/thin⌋): either count is whole.
		thin := max(c.Thin, 1)
		want := (c.Draws + thin - 1) / thin
		warm := 0
		if c.SaveWarmup {
			warm = (c.Warmup + thin - 1) / thin
		}
		if got := c.Len(); got != want+warm && got != c.Draws/thin+warm {
			return nil, fail(0, "%d draws, but num_samples = %d, thin = %d (and save_warmup) make %d: truncated?", got, c.Draws, thin, want+warm)
		}
		c.Values = c.Values[warm*len(c.Names):]
	}
	return []*Chain{c}, nil
}

// seconds parses the number before " seconds" in a line of the footer; 0
// if there is none.
func seconds(s string) float64 {
	s = strings.TrimPrefix(s, "Elapsed Time:")
	f, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	v, _ := strconv.ParseFloat(f, 64)
	return v
}

// numberList parses "a, b, c" as numbers.
func numberList(s string) ([]float64, bool) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, false
		}
		out = append(out, v)
	}
	return out, len(out) > 0
}

// rstanKeys maps the keys of rstan's sample_file comments to CmdStan's.
var rstanKeys = map[string]string{"warmup": "num_warmup", "chain_id": "id", "max_treedepth": "max_depth", "adapt_delta": "delta", "adapt_engaged": "engaged"}

// settings fills c.Settings from the key = value comments of the header,
// CmdStan's or rstan's.
func (c *Chain) settings(config map[string]string) error {
	if _, ok := config["sampler_t"]; ok { // rstan's sample_file
		for from, to := range rstanKeys {
			if v, ok := config[from]; ok {
				config[to] = v
			}
		}
		// iter counts the warm-up; sampler_t is e.g. NUTS(diag_e).
		iter, err1 := strconv.Atoi(config["iter"])
		warm, err2 := strconv.Atoi(config["num_warmup"])
		if err1 != nil || err2 != nil || iter < warm {
			return fmt.Errorf("rstan's iter = %q and warmup = %q are not counts of iterations", config["iter"], config["num_warmup"])
		}
		config["num_samples"] = strconv.Itoa(iter - warm)
		engine, metric, _ := strings.Cut(strings.TrimSuffix(config["sampler_t"], ")"), "(")
		config["algorithm"], config["metric"] = "hmc", metric
		if engine != "NUTS" {
			config["engine"] = "static"
		}
	}
	num := func(key string, dst *int) error {
		v, ok := config[key]
		if !ok {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("%s = %q is not a count", key, v)
		}
		*dst = n
		return nil
	}
	for key, dst := range map[string]*int{"num_samples": &c.Draws, "num_warmup": &c.Warmup, "thin": &c.Thin, "max_depth": &c.MaxDepth, "id": &c.ID} {
		if err := num(key, dst); err != nil {
			return err
		}
	}
	c.Model = config["model"]
	c.Metric = config["metric"]
	if v, ok := config["seed"]; ok {
		c.Seed, _ = strconv.ParseUint(v, 10, 64) // CmdStan may write -1 for a random seed
	}
	if v, ok := config["delta"]; ok {
		c.Delta, _ = strconv.ParseFloat(v, 64)
	}
	c.SaveWarmup = config["save_warmup"] == "true" || config["save_warmup"] == "1"
	if config["engaged"] == "false" || config["engaged"] == "0" {
		c.Delta = 0
	}
	switch alg := config["algorithm"]; {
	case alg == "hmc" && config["engine"] == "static":
		c.Sampler = "hmc"
	case alg == "hmc":
		c.Sampler = "nuts"
		if c.MaxDepth == 0 {
			c.MaxDepth = 10 // CmdStan's default, which it does not always print
		}
	default:
		c.Sampler = alg
	}
	return nil
}

// splitChains splits goebm's layout, with chain and draw columns, into one
// chain per value of the chain column.
func splitChains(all *Chain) ([]*Chain, error) {
	ci, di := all.index("chain"), all.index("draw")
	var names []string
	for j, n := range all.Names {
		if j != ci && j != di {
			names = append(names, n)
		}
	}
	byID := map[float64]*Chain{}
	var out []*Chain
	w := len(all.Names)
	for k := range all.Len() {
		row := all.Values[k*w : (k+1)*w]
		id := row[ci]
		ch := byID[id]
		if ch == nil {
			ch = &Chain{Settings: all.Settings, Names: names, Source: fmt.Sprintf("%s (chain %g)", all.Source, id)}
			ch.ID = int(id) + 1
			byID[id] = ch
			out = append(out, ch)
		}
		for j, v := range row {
			if j != ci && j != di {
				ch.Values = append(ch.Values, v)
			}
		}
	}
	return out, nil
}
