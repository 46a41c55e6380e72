package stancsv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.csv")

// nutsRun samples a 2-D standard normal with NUTS, keeping the trajectory.
func nutsRun(t *testing.T, chains int) *sampler.Result {
	t.Helper()
	r, err := sampler.NUTS{}.Sample(context.Background(), energy.Harmonic{}, sampler.Options{
		Chains: chains, Dim: 2, Warmup: 100, Steps: 5, Seed: 3, Trajectory: true})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestWriteGolden keeps the whole file NUTS's first chain writes: the
// settings' comments, the header, the adaptation block and the rows.
func TestWriteGolden(t *testing.T) {
	r := nutsRun(t, 1)
	c, err := FromResult(r, 0, nil, Settings{Model: "harmonic", Sampler: "nuts", Seed: 3, ID: 1, Warmup: 100, Draws: 5, MaxDepth: 10, Delta: 0.8, Metric: "diag_e"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, c); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "chain.golden.csv")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./stancsv -update writes it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("wrote:\n%s\nwant:\n%s", b.String(), want)
	}
	header := "lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,x.1,x.2"
	if !strings.Contains(b.String(), "\n"+header+"\n# Adaptation terminated\n# Step size = ") {
		t.Errorf("no CmdStan header %q followed by the adaptation block", header)
	}
}

// TestFromResultColumns checks every column against the run it came from:
// lp__ = −E, the sampler's report, and the draws.
func TestFromResultColumns(t *testing.T) {
	r := nutsRun(t, 2)
	c, err := FromResult(r, 1, []string{"a", "b"}, Settings{Metric: "diag_e"})
	if err != nil {
		t.Fatal(err)
	}
	if c.StepSize != r.Tuned.StepSize[1] || !slices.Equal(c.InvMass, r.Tuned.InvMass[2:4]) {
		t.Errorf("step size %v, inverse mass %v; the run tuned %v, %v", c.StepSize, c.InvMass, r.Tuned.StepSize[1], r.Tuned.InvMass[2:4])
	}
	for k := range r.Kept {
		i := r.Kept + k
		in := r.StepInfo[i]
		want := []float64{-r.Energies[i], in.AcceptStat, in.StepSize, float64(in.TreeDepth), float64(in.Leapfrog), 0, in.Energy, r.Draws[2*i], r.Draws[2*i+1]}
		if in.Divergent {
			want[5] = 1
		}
		if got := c.Values[k*9 : (k+1)*9]; !slices.Equal(got, want) {
			t.Errorf("draw %d: %v, want %v", k, got, want)
		}
		// Stan's energy__ is the Hamiltonian: at least the potential E.
		if in.Energy < r.Energies[i] {
			t.Errorf("draw %d: energy__ %v below E %v", k, in.Energy, r.Energies[i])
		}
	}
	if _, err := FromResult(&sampler.Result{Chains: 1}, 0, nil, Settings{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a run without trajectory: %v", err)
	}
	if _, err := FromDraws(r, 0, r.Draws[1:], []string{"a", "b"}, Settings{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("draws of the wrong length: %v", err)
	}
}

// TestDenseMetricRoundTrip: a run with an adapted dense metric writes it
// (dense_e, its d×d matrix) and reads it back.
func TestDenseMetricRoundTrip(t *testing.T) {
	e, err := energy.NewGaussian([]float64{0, 0}, []float64{1, 0.9, 0.9, 1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := sampler.NUTS{Metric: sampler.MetricDense}.Sample(context.Background(), e,
		sampler.Options{Chains: 2, Warmup: 150, Steps: 20, Seed: 3, Trajectory: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := FromResult(r, 1, nil, Settings{Sampler: "nuts"})
	if err != nil {
		t.Fatal(err)
	}
	if want := r.Tuned.InvMassDense[4:8]; c.Metric != "dense_e" || !slices.Equal(c.InvMass, want) {
		t.Fatalf("metric %q %v, want dense_e %v", c.Metric, c.InvMass, want)
	}
	var b bytes.Buffer
	if err := Write(&b, c); err != nil {
		t.Fatal(err)
	}
	back, err := Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	if back[0].Metric != "dense_e" || !slices.Equal(back[0].InvMass, c.InvMass) {
		t.Errorf("read back metric %q %v, wrote %v", back[0].Metric, back[0].InvMass, c.InvMass)
	}
}

// TestRoundTrip writes chains and reads them back bit for bit, with their
// settings, whatever the numbers (tiny, huge, negative zero, NaN, ±Inf).
func TestRoundTrip(t *testing.T) {
	c := &Chain{
		Settings: Settings{Model: "m", Sampler: "nuts", Seed: 1<<64 - 1, ID: 7, Warmup: 10, Draws: 3, Thin: 1, MaxDepth: 8, Delta: 0.9,
			Metric: "diag_e", StepSize: 0.123456789012345, InvMass: []float64{1e-300, 2.5}, WarmupSeconds: 1.5, SamplingSeconds: 0.25},
		Names:  append(slices.Clone(SamplerColumns), "x.1", "x.2"),
		Values: make([]float64, 27),
	}
	for i := range c.Values {
		c.Values[i] = math.Pi * math.Pow(10, float64(i%7*50-150)) * float64(1-2*(i%2))
	}
	c.Values[8], c.Values[9], c.Values[10], c.Values[11] = math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)
	for _, s := range []Settings{c.Settings, {Sampler: "hmc", Metric: "dense_e", StepSize: 0.5, InvMass: []float64{2, 0.5, 0.5, 3}, Draws: 3}, {Sampler: "mala", Draws: 3}} {
		c.Settings = s
		var b bytes.Buffer
		if err := Write(&b, c); err != nil {
			t.Fatal(err)
		}
		got, err := Read(&b)
		if err != nil {
			t.Fatalf("%s: %v", s.Sampler, err)
		}
		if len(got) != 1 || !slices.Equal(got[0].Names, c.Names) || len(got[0].Values) != len(c.Values) {
			t.Fatalf("%s: read %d chains, names %v", s.Sampler, len(got), got[0].Names)
		}
		for i, v := range got[0].Values {
			if math.Float64bits(v) != math.Float64bits(c.Values[i]) && !(math.IsNaN(v) && math.IsNaN(c.Values[i])) {
				t.Errorf("%s: value %d read back as %v, wrote %v", s.Sampler, i, v, c.Values[i])
			}
		}
		gs := got[0].Settings
		if s.Thin == 0 {
			s.Thin = 1
		}
		if gs.Model != s.Model || gs.Sampler != s.Sampler || gs.Seed != s.Seed || gs.ID != s.ID || gs.Warmup != s.Warmup ||
			gs.Draws != s.Draws || gs.Thin != s.Thin || gs.MaxDepth != s.MaxDepth || gs.Delta != s.Delta || gs.Metric != s.Metric ||
			gs.StepSize != s.StepSize || !slices.Equal(gs.InvMass, s.InvMass) || gs.WarmupSeconds != s.WarmupSeconds || gs.SamplingSeconds != s.SamplingSeconds {
			t.Errorf("%s: settings read back as %+v, wrote %+v", s.Sampler, gs, s)
		}
	}
}

// TestReadCmdStan reads Stan's first Bernoulli chain (CmdStan 2.35): its
// columns, settings, adaptation and first and last draws.
func TestReadCmdStan(t *testing.T) {
	chains, err := ReadFile("../diag/testdata/bern1.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(chains) != 1 {
		t.Fatalf("%d chains, want 1", len(chains))
	}
	c := chains[0]
	if want := append(slices.Clone(SamplerColumns), "theta"); !slices.Equal(c.Names, want) {
		t.Errorf("columns %v, want %v", c.Names, want)
	}
	if !slices.Equal(c.Params(), []string{"theta"}) || c.Len() != 1000 {
		t.Errorf("params %v, %d draws; want [theta], 1000", c.Params(), c.Len())
	}
	want := Settings{Model: "bernoulli_model", Sampler: "nuts", Seed: 86520, ID: 1, Warmup: 1000, Draws: 1000, Thin: 1, MaxDepth: 10,
		Delta: 0.8, Metric: "diag_e", StepSize: 0.883328, InvMass: []float64{0.512256}, WarmupSeconds: 0.003, SamplingSeconds: 0.009}
	got := c.Settings
	if got.Model != want.Model || got.Sampler != want.Sampler || got.Seed != want.Seed || got.ID != want.ID || got.Warmup != want.Warmup ||
		got.Draws != want.Draws || got.Thin != want.Thin || got.MaxDepth != want.MaxDepth || got.Delta != want.Delta ||
		got.Metric != want.Metric || got.StepSize != want.StepSize || !slices.Equal(got.InvMass, want.InvMass) ||
		got.WarmupSeconds != want.WarmupSeconds || got.SamplingSeconds != want.SamplingSeconds {
		t.Errorf("settings %+v, want %+v", got, want)
	}
	first := []float64{-6.80778, 0.991604, 0.883328, 2, 3, 0, 6.81551, 0.208532}
	last := []float64{-6.75167, 0.944383, 0.883328, 2, 3, 0, 7.80575, 0.239427}
	if !slices.Equal(c.Values[:8], first) || !slices.Equal(c.Values[len(c.Values)-8:], last) {
		t.Errorf("first draw %v, last %v; want %v, %v", c.Values[:8], c.Values[len(c.Values)-8:], first, last)
	}
}

func bern(t *testing.T) []*Chain {
	t.Helper()
	var all []*Chain
	for i := 1; i <= 4; i++ {
		c, err := ReadFile("../diag/testdata/bern" + strconv.Itoa(i) + ".csv")
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, c...)
	}
	return all
}

// TestSummarizeMatchesStan summarises the four Bernoulli chains as read and
// compares with the values Stan's unit tests require of them, at Stan's
// tolerances (../diag/testdata/README.md).
func TestSummarizeMatchesStan(t *testing.T) {
	s, err := Summarize(bern(t))
	if err != nil {
		t.Fatal(err)
	}
	if s.Chains != 4 || s.Draws != 1000 || len(s.Rows) != 8 {
		t.Fatalf("%d chains × %d draws, %d rows", s.Chains, s.Draws, len(s.Rows))
	}
	for _, c := range []struct {
		row                                int
		bulk, tail, rhat, mcseMean, mcseSD float64
	}{
		{0, 1512.7684, 1591.9707, 1.00073, 0.02016, 0.03553},
		{7, 1407.5124, 1291.7131, 1.006789, 0.00323, 0.00216},
	} {
		r := s.Rows[c.row]
		check := func(what string, got, want, tol float64) {
			if math.Abs(got-want) > tol {
				t.Errorf("%s %s = %.7g, Stan %.7g (tolerance %g)", r.Name, what, got, want, tol)
			}
		}
		check("bulk ESS", r.ESSBulk, c.bulk, 1e-4)
		check("tail ESS", r.ESSTail, c.tail, 1e-4)
		check("R-hat", r.Rhat, c.rhat, 1e-5)
		check("MCSE mean", r.MCSEMean, c.mcseMean, 1e-4)
		check("MCSE sd", r.MCSESD, c.mcseSD, 1e-4)
	}
	if len(s.Warnings) != 0 || s.Divergent != 0 || s.MaxDepthHits != 0 {
		t.Errorf("warnings on Stan's well-mixed chains: %q", s.Warnings)
	}
	for i, e := range s.EBFMI {
		if !(e > 0.3) {
			t.Errorf("chain %d: E-BFMI %v", i+1, e)
		}
	}
}

// TestEightSchools reads CmdStan's test output of the centred eight
// schools and finds what CmdStan's diagnose test requires of it: 7 of 1000
// transitions divergent and an E-BFMI of 0.26 (testdata/README.md).
func TestEightSchools(t *testing.T) {
	chains, err := ReadFile("testdata/eight_schools.csv")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Summarize(chains)
	if err != nil {
		t.Fatal(err)
	}
	if s.Divergent != 7 || len(s.EBFMI) != 1 || math.Round(s.EBFMI[0]*100) != 26 {
		t.Errorf("%d divergent, E-BFMI %v; CmdStan: 7, 0.26", s.Divergent, s.EBFMI)
	}
	text := strings.Join(s.Warnings, "\n")
	for _, want := range []string{"7 of 1000 (0.70%) transitions ended with a divergence.", "the E-BFMI, 0.26, is below the nominal threshold of 0.30."} {
		if !strings.Contains(text, want) {
			t.Errorf("warnings lack %q:\n%s", want, text)
		}
	}
	if chains[0].Params()[2] != "theta.1" || chains[0].ID != 0 || chains[0].StepSize != 0.117114 || len(chains[0].InvMass) != 10 {
		t.Errorf("params %v, id %d, step %v, metric %v", chains[0].Params(), chains[0].ID, chains[0].StepSize, chains[0].InvMass)
	}
}

// TestReadRstan reads the two chains rstan wrote with sample_file= (its
// key=value settings, iter counting the warm-up, the saved warm-up rows
// dropped) and compares the means, sds and medians with rstan's own summary
// of the same draws (testdata/README.md): rstan summarised the draws at
// full precision, the file holds them to 6 significant digits, hence the
// tolerance of 1e-5 relative.
func TestReadRstan(t *testing.T) {
	var chains []*Chain
	for _, f := range []string{"testdata/rstan_1.csv", "testdata/rstan_2.csv"} {
		c, err := ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		chains = append(chains, c...)
	}
	c := chains[1]
	if c.Len() != 200 || c.ID != 2 || c.Seed != 7 || c.Warmup != 200 || c.Draws != 200 || c.Sampler != "nuts" || c.Metric != "diag_e" ||
		c.MaxDepth != 10 || c.Delta != 0.8 || !(c.StepSize > 0) || len(c.InvMass) != 3 {
		t.Errorf("second chain: %d draws, settings %+v", c.Len(), c.Settings)
	}
	s, err := Summarize(chains)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][3]float64{
		"theta": {0.25117324, 0.1219237, 0.22561273},
		"z.1":   {-0.02787077, 0.9881411, -0.02313609},
		"z.2":   {-0.04792052, 0.9812553, -0.02573291},
		"lp__":  {-8.23881983, 1.2242445, -7.86804577},
	}
	for _, r := range s.Rows {
		w, ok := want[r.Name]
		if !ok {
			continue
		}
		delete(want, r.Name)
		for i, got := range []float64{r.Mean, r.SD, r.Median} {
			if math.Abs(got-w[i]) > 1e-5*math.Max(1, math.Abs(w[i])) {
				t.Errorf("%s: statistic %d = %.8g, rstan %.8g", r.Name, i, got, w[i])
			}
		}
	}
	if len(want) != 0 {
		t.Errorf("no columns %v", want)
	}
}

// TestMatchesStansummary compares every column of the summary of
// CmdStan's eight schools chain with what CmdStan's own test of stansummary
// requires (src/test/interface/stansummary_test.cpp, check_csv_output_include_param,
// values printed to 6 significant digits): Mean, MCSE, StdDev, MAD, 5%,
// 50%, 95%, ESS_bulk, ESS_tail, R_hat.
func TestMatchesStansummary(t *testing.T) {
	chains, err := ReadFile("testdata/eight_schools.csv")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Summarize(chains)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][10]float64{
		"lp__":     {-15.5617, 0.97319, 6.05585, 6.3817, -25.3182, -15.7598, -5.47732, 41.1897, 113.537, 1.00153},
		"energy__": {20.5888, 1.01449, 6.43127, 6.6161, 10.2809, 20.8278, 30.9921, 42.5605, 140.171, 1.00069},
		"theta.6":  {5.001, 0.365016, 5.76072, 5.37947, -4.95375, 5.22746, 14.1688, 230.645, 464.978, 1.00054},
		"theta.7":  {8.54125, 0.650098, 6.22195, 5.35785, -0.814388, 8.09342, 19.2622, 92.3075, 241.177, 1.00244},
	}
	cols := []string{"Mean", "MCSE", "StdDev", "MAD", "5%", "50%", "95%", "ESS_bulk", "ESS_tail", "R_hat"}
	found := 0
	for _, r := range s.Rows {
		w, ok := want[r.Name]
		if !ok {
			continue
		}
		found++
		got := [10]float64{r.Mean, r.MCSE, r.SD, r.MAD, r.Q5, r.Median, r.Q95, r.ESSBulk, r.ESSTail, r.Rhat}
		for i := range got {
			// 6 significant digits: half a unit in the sixth.
			if tol := 5e-6 * math.Abs(w[i]) * 1.0001; math.Abs(got[i]-w[i]) > tol {
				t.Errorf("%s %s = %.7g, stansummary %.6g", r.Name, cols[i], got[i], w[i])
			}
		}
	}
	if found != len(want) {
		t.Errorf("found %d of the %d columns", found, len(want))
	}
}

// TestWarnings plants each problem in well-behaved chains and finds its
// warning (alone, for the sampler's problems).
func TestWarnings(t *testing.T) {
	base := func() []*Chain { return bern(t) }
	for _, c := range []struct {
		name  string
		plant func([]*Chain)
		want  string
	}{
		{"divergence", func(ch []*Chain) { ch[2].Values[5] = 1; ch[3].Values[8*10+5] = 1 }, "2 of 4000 (0.05%) transitions ended with a divergence."},
		{"tree depth", func(ch []*Chain) { ch[0].Values[3] = 10 }, "1 of 4000 (0.03%) transitions hit the maximum treedepth limit of 10, or 2^10 leapfrog steps."},
		{"E-BFMI", func(ch []*Chain) {
			for k := range 1000 { // a slowly drifting energy
				ch[1].Values[k*8+6] = float64(k) / 100
			}
		}, "(chain 2): the E-BFMI, 0.00, is below"},
		{"R-hat", func(ch []*Chain) {
			for k := range 1000 {
				ch[0].Values[k*8+7] += 0.2
			}
		}, "R-hat greater than 1.01: theta."},
		{"ESS", func(ch []*Chain) {
			for _, c := range ch { // each chain sticks for 20 draws at a time
				for k := range 1000 {
					c.Values[k*8+7] = c.Values[(k/20*20)*8+7]
				}
			}
		}, "Bulk ESS below 400 (100 per chain): theta."},
	} {
		ch := base()
		for i, x := range ch {
			x.Source = "bern (chain " + strconv.Itoa(i+1) + ")"
		}
		c.plant(ch)
		s, err := Summarize(ch)
		if err != nil {
			t.Fatal(err)
		}
		// A drift or a stuck chain also spoils the R-hat and ESS; the
		// sampler's problems come alone.
		alone := c.name != "R-hat" && c.name != "ESS"
		if !strings.Contains(strings.Join(s.Warnings, "\n"), c.want) || (alone && len(s.Warnings) != 1) {
			t.Errorf("%s: warnings %q, want one with %q", c.name, s.Warnings, c.want)
		}
	}
}

// TestReadErrors checks that bad files give one clear error each, naming
// the line, and wrapping ErrInvalid.
func TestReadErrors(t *testing.T) {
	head := "# num_samples = 2\na,b\n"
	for _, c := range []struct{ name, file, want string }{
		{"empty", "", "no header line"},
		{"only comments", "# model = m\n", "no header line"},
		{"ragged", head + "1,2\n3,4,5\n", "line 4: 3 fields, the header has 2"},
		{"short row", head + "1\n3,4\n", "line 3: 1 fields, the header has 2"},
		{"truncated row", head + "1,2\n3", "line 4: the file ends inside a row (1 of 2 fields): truncated"},
		{"truncated file", head + "1,2\n", "1 draws, but num_samples = 2, thin = 1 (and save_warmup) make 2: truncated?"},
		{"text", head + "1,2\n3,abc\n", `line 4: column b: "abc" is not a number`},
		{"empty field", head + "1,\n3,4\n", `line 3: column b: "" is not a number`},
		{"repeated column", "a,a\n1,2\n", `line 1: column name "a" empty or repeated`},
		{"bad count", "# thin = two\na\n1\n", `thin = "two" is not a count`},
	} {
		_, err := Read(strings.NewReader(c.file))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	// Stan's nan and inf are numbers.
	ch, err := Read(strings.NewReader("a,b\nnan,inf\n-inf,1\n"))
	if err != nil || !math.IsNaN(ch[0].Values[0]) || !math.IsInf(ch[0].Values[1], 1) {
		t.Errorf("nan and inf: %v, %v", ch, err)
	}
	if _, err := ReadFile("testdata/no-such-file.csv"); err == nil || !strings.Contains(err.Error(), "no-such-file") {
		t.Errorf("missing file: %v", err)
	}
}

// TestThinnedCounts accepts both CmdStan's ⌈n/thin⌉ and goebm's ⌊n/thin⌋
// draws of a thinned run, and nothing else.
func TestThinnedCounts(t *testing.T) {
	head := "# num_samples = 10\n# thin = 3\na\n"
	for rows, ok := range map[string]bool{"1\n2\n3\n": true, "1\n2\n3\n4\n": true, "1\n2\n": false, "1\n2\n3\n4\n5\n": false} {
		if _, err := Read(strings.NewReader(head + rows)); (err == nil) != ok {
			t.Errorf("%d draws of 10 thinned by 3: %v", strings.Count(rows, "\n"), err)
		}
	}
}

// TestSaveWarmup drops the warm-up rows of a file that kept them.
func TestSaveWarmup(t *testing.T) {
	f := "# num_samples = 2\n# num_warmup = 3\n# save_warmup = true\na\n1\n2\n3\n4\n5\n"
	ch, err := Read(strings.NewReader(f))
	if err != nil || !slices.Equal(ch[0].Values, []float64{4, 5}) {
		t.Errorf("read %v, %v; want the draws 4, 5", ch, err)
	}
}

// TestSummaryJSONWithStuckChain marshals the summary of a chain whose
// energy never varies (E-BFMI undefined) and whose draws are constant:
// null, not an error.
func TestSummaryJSONWithStuckChain(t *testing.T) {
	c := &Chain{Names: []string{"energy__", "x"}, Values: []float64{1, 2, 1, 2, 1, 2, 1, 2, 1, 2}, Source: "stuck"}
	s, err := Summarize([]*Chain{c})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil || !strings.Contains(string(b), `"e_bfmi":[null]`) || !strings.Contains(string(b), `"rhat":null`) {
		t.Errorf("JSON %s, %v", b, err)
	}
}

// TestSummarizeRefusesMismatch refuses chains with other columns or
// lengths, and the same chain twice, naming them.
func TestSummarizeRefusesMismatch(t *testing.T) {
	a := &Chain{Names: []string{"x"}, Values: []float64{1, 2, 3, 4, 5}, Source: "a.csv"}
	b := &Chain{Names: []string{"y"}, Values: []float64{1, 2, 3, 4, 5}, Source: "b.csv"}
	c := &Chain{Names: []string{"x"}, Values: []float64{1, 2, 3, 4}, Source: "c.csv"}
	if _, err := Summarize([]*Chain{a, b}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "b.csv has columns y, a.csv has x") {
		t.Errorf("other columns: %v", err)
	}
	if _, err := Summarize([]*Chain{a, c}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "c.csv has 4 draws, a.csv has 5") {
		t.Errorf("other lengths: %v", err)
	}
	a2 := &Chain{Names: []string{"x"}, Values: []float64{1, 2, 3, 4, 5}, Source: "a2.csv"}
	if _, err := Summarize([]*Chain{a, c, a2}[:1:1]); err != nil {
		t.Errorf("one chain: %v", err)
	}
	if _, err := Summarize([]*Chain{a, a2}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "a.csv and a2.csv hold the same draws") {
		t.Errorf("the same chain twice: %v", err)
	}
	if _, err := Summarize(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("no chains: %v", err)
	}
}

// TestReadGoebmLayout reads ebm sample's own CSV (chain, draw, x0, …) as
// one chain per chain value, in order, with the chain and draw columns
// dropped.
func TestReadGoebmLayout(t *testing.T) {
	draws := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12} // 2 chains × 3 draws × 2
	header, rows := dataset.DrawsTable(draws, 2, 3, 2)
	var b bytes.Buffer
	if err := dataset.WriteCSV(&b, header, rows); err != nil {
		t.Fatal(err)
	}
	ch, err := Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 2 || !slices.Equal(ch[0].Names, []string{"x0", "x1"}) || !slices.Equal(ch[1].Values, draws[6:]) || ch[1].ID != 2 {
		t.Errorf("read %d chains: %+v", len(ch), ch)
	}
}
