package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/goebm/goebm/stancsv"
)

// TestDiagMatchesStan runs ebm diag -json on Stan's four reference chains
// and checks the values Stan's unit tests require of them, at Stan's
// tolerances (diag/testdata/README.md).
func TestDiagMatchesStan(t *testing.T) {
	out, _, err := ebm(t, append([]string{"diag", "-json"}, bernFiles...)...)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Chains  int
		Columns []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Chains != 4 {
		t.Fatalf("%d chains, want 4", s.Chains)
	}
	want := map[string]map[string]float64{
		"lp__":  {"ess_bulk": 1512.7684, "ess_tail": 1591.9707, "rhat": 1.00073, "mcse_mean": 0.02016, "mcse_sd": 0.03553},
		"theta": {"ess_bulk": 1407.5124, "ess_tail": 1291.7131, "rhat": 1.006789, "mcse_mean": 0.00323, "mcse_sd": 0.00216},
	}
	tol := map[string]float64{"ess_bulk": 1e-4, "ess_tail": 1e-4, "rhat": 1e-5, "mcse_mean": 1e-4, "mcse_sd": 1e-4}
	found := 0
	for _, c := range s.Columns {
		w, ok := want[c["name"].(string)]
		if !ok {
			continue
		}
		found++
		for k, v := range w {
			if got, _ := c[k].(float64); math.Abs(got-v) > tol[k] {
				t.Errorf("%s %s = %.7g, Stan %.7g (tolerance %g)", c["name"], k, got, v, tol[k])
			}
		}
	}
	if found != 2 {
		t.Errorf("found %d of lp__ and theta", found)
	}
}

// TestShardsMergeToSingleRun runs 36 chains in one call and as two shards
// (chains 0–4 and 5–35, -chain-offset 5, so that the shards' blocks of
// sampler.BlockSize chains differ from the single run's), each writing
// CmdStan files: the files must be byte for byte the same but for the
// elapsed times (every draw bit for bit: Write writes numbers exactly), and
// ebm diag of the shards' files
// must print what it prints for the single run's. The default layout
// numbers its chain column from the offset.
func TestShardsMergeToSingleRun(t *testing.T) {
	dir := t.TempDir()
	common := []string{"sample", "-energy", "gaussian", "-dim", "3", "-warmup", "30", "-steps", "20", "-seed", "11", "-format", "cmdstan"}
	run := func(out string, chains, offset int) {
		t.Helper()
		args := append(append([]string(nil), common...), "-chains", strconv.Itoa(chains), "-chain-offset", strconv.Itoa(offset), "-out", filepath.Join(dir, out))
		if _, _, err := ebm(t, args...); err != nil {
			t.Fatal(err)
		}
	}
	run("all.csv", 36, 0)
	run("a.csv", 5, 0)
	run("b.csv", 31, 5)
	var single, sharded []string
	for id := 1; id <= 36; id++ {
		single = append(single, filepath.Join(dir, "all_"+strconv.Itoa(id)+".csv"))
		shard := "a_"
		if id > 5 {
			shard = "b_"
		}
		sharded = append(sharded, filepath.Join(dir, shard+strconv.Itoa(id)+".csv"))
	}
	for i := range single {
		a, err := os.ReadFile(single[i])
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(sharded[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(untimed(a), untimed(b)) {
			t.Fatalf("chain %d: %s and %s differ", i+1, single[i], sharded[i])
		}
	}
	one, _, err := ebm(t, append([]string{"diag"}, single...)...)
	if err != nil {
		t.Fatal(err)
	}
	merged, _, err := ebm(t, append([]string{"diag"}, sharded...)...)
	if err != nil || merged != one || !strings.Contains(one, "36 chains × 20 draws") {
		t.Errorf("ebm diag of the shards (%v):\n%s\nof the single run:\n%s", err, merged, one)
	}
	// The default layout: the chain column counts from the offset.
	csv := filepath.Join(dir, "b.csv")
	if _, _, err := ebm(t, "sample", "-energy", "gaussian", "-chains", "2", "-chain-offset", "5", "-warmup", "10", "-steps", "5", "-out", csv); err != nil {
		t.Fatal(err)
	}
	chains, err := stancsv.ReadFile(csv)
	if err != nil || len(chains) != 2 || chains[0].ID != 6 || chains[1].ID != 7 {
		t.Errorf("default layout with -chain-offset 5: %d chains, %v", len(chains), err)
	}
}

// untimed drops the footer's elapsed times, the one part of a file that
// differs from run to run.
func untimed(b []byte) []byte {
	var out [][]byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if !bytes.Contains(l, []byte(" seconds (")) {
			out = append(out, l)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

// TestSampleCmdStanFiles checks the files -format cmdstan writes: one per
// chain, named by chain id, CmdStan's columns and settings, lp__ = −E, and
// no overwriting without -force.
func TestSampleCmdStanFiles(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "draws.csv")
	args := []string{"sample", "-energy", "harmonic", "-dim", "2", "-chains", "2", "-warmup", "50", "-steps", "40", "-seed", "4", "-format", "cmdstan", "-out", out, "-json"}
	stdout, _, err := ebm(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	var s sampleSummary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "draws_1.csv"), filepath.Join(dir, "draws_2.csv")}
	if len(s.Files) != 2 || s.Files[0] != want[0] || s.Files[1] != want[1] {
		t.Fatalf("files %v, want %v", s.Files, want)
	}
	for i, f := range want {
		chains, err := stancsv.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := chains[0]
		if c.ID != i+1 || c.Sampler != "nuts" || c.Seed != 4 || c.Draws != 40 || c.Warmup != 50 || c.MaxDepth != 10 || c.Metric != "diag_e" ||
			len(c.InvMass) != 2 || !(c.StepSize > 0) || c.Len() != 40 || strings.Join(c.Params(), ",") != "x.1,x.2" {
			t.Errorf("%s: %+v, %d draws, params %v", f, c.Settings, c.Len(), c.Params())
		}
		// The harmonic energy is |x|²/2: lp__ = −E.
		lp, _ := c.Column("lp__")
		x1, _ := c.Column("x.1")
		x2, _ := c.Column("x.2")
		for k := range lp {
			if e := (x1[k]*x1[k] + x2[k]*x2[k]) / 2; math.Abs(lp[k]+e) > 1e-12 {
				t.Fatalf("%s draw %d: lp__ %v, −E %v", f, k, lp[k], -e)
			}
		}
	}
	if _, _, err := ebm(t, args...); err == nil || !strings.Contains(err.Error(), "draws_1.csv exists") {
		t.Errorf("second run without -force: %v", err)
	}
	if _, _, err := ebm(t, append(args, "-force")...); err != nil {
		t.Errorf("with -force: %v", err)
	}
}

// TestDiagReadsSampleCSV summarises the default layout of ebm sample -out
// (one file, columns chain, draw, x0, …) and finds the statistics ebm
// sample printed for the same draws.
func TestDiagReadsSampleCSV(t *testing.T) {
	out := filepath.Join(t.TempDir(), "draws.csv")
	sampled, _, err := ebm(t, "sample", "-energy", "gaussian", "-dim", "2", "-chains", "3", "-warmup", "50", "-steps", "60", "-out", out, "-json")
	if err != nil {
		t.Fatal(err)
	}
	summarised, _, err := ebm(t, "diag", "-json", out)
	if err != nil {
		t.Fatal(err)
	}
	var s struct{ Dims []map[string]any }
	var d struct {
		Chains  int
		Draws   int `json:"draws_per_chain"`
		Columns []map[string]any
	}
	if json.Unmarshal([]byte(sampled), &s) != nil || json.Unmarshal([]byte(summarised), &d) != nil {
		t.Fatalf("JSON:\n%s\n%s", sampled, summarised)
	}
	if d.Chains != 3 || d.Draws != 60 || len(d.Columns) != 2 || len(s.Dims) != 2 {
		t.Fatalf("ebm diag: %d chains × %d draws, %d columns", d.Chains, d.Draws, len(d.Columns))
	}
	for j, c := range d.Columns {
		for k, v := range s.Dims[j] {
			if c[k] != v {
				t.Errorf("column %d, %s: ebm diag %v, ebm sample %v", j, k, c[k], v)
			}
		}
	}
}
