package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/goebm/goebm/model"
)

// TestTrainDataNoise: -noise 0 is honoured (TorchEBM's checkerboard noise
// default is 0 since its #320): config.json records data_noise 0 and the
// model's training points are the noiseless checkerboard; without -noise
// the config has no data_noise and the default 0.01 applies.
func TestTrainDataNoise(t *testing.T) {
	for _, c := range []struct {
		args  []string
		noise *float64
	}{{[]string{"-noise", "0"}, new(float64)}, {nil, nil}} {
		out := filepath.Join(t.TempDir(), "m")
		if err := train(t, append([]string{"-data", "checkerboard", "-out", out}, c.args...)...); err != nil {
			t.Fatal(err)
		}
		cfg, b := readConfig(t, out)
		if (cfg.DataNoise == nil) != (c.noise == nil) || (c.noise != nil && *cfg.DataNoise != *c.noise) {
			t.Fatalf("%v: config.json %s", c.args, b)
		}
		x, _, err := cfg.Points(0)
		if err != nil {
			t.Fatal(err)
		}
		off := 0
		for i := range x.Dim(0) {
			u, v := x.Data()[2*i], x.Data()[2*i+1]
			if int(math.Floor(u)+math.Floor(v))%2 == 0 {
				off++
			}
		}
		if (off == 0) != (c.noise != nil) {
			t.Errorf("%v: %d points off the dark squares", c.args, off)
		}
	}
	for _, bad := range [][]string{{"-noise", "-1"}, {"-noise", "0", "-data", "gaussianmixture"}} {
		if err := train(t, append([]string{"-out", filepath.Join(t.TempDir(), "m")}, bad...)...); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// readConfig reads the config.json of the model directory dir, and its
// bytes for messages.
func readConfig(t *testing.T, dir string) (model.Config, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg model.Config
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg, b
}

// TestTrainLossFlags: the score-matching, NCE, CD and EMA flags reach config.json,
// a run with a σ schedule resumes, and a flag the loss does not read is
// refused.
func TestTrainLossFlags(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m")
	if err := train(t, "-loss", "dsm", "-sigma", "0.2", "-sigma-end", "0.05", "-sm-penalty", "0.1", "-out", out); err != nil {
		t.Fatal(err)
	}
	cfg, b := readConfig(t, out)
	if cfg.Sigma != 0.2 || cfg.SigmaEnd != 0.05 || cfg.SMPenalty != 0.1 {
		t.Errorf("config.json %s", b)
	}
	if err := train(t, "-loss", "dsm", "-sigma", "0.2", "-sigma-end", "0.05", "-sm-penalty", "0.1", "-out", out, "-resume"); err != nil {
		t.Errorf("-resume: %v", err)
	}
	for _, args := range [][]string{{"-loss", "ssm", "-projection", "sphere"}, {"-loss", "nce", "-nce-noise", "full"}, {"-loss", "cd", "-cd-step-end", "0.001"}} {
		if err := train(t, append(args, "-out", filepath.Join(t.TempDir(), "m"))...); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
	// -cd-reg 0 is recorded as 0 (none), not dropped for the default.
	out = filepath.Join(t.TempDir(), "m")
	if err := train(t, "-loss", "cd", "-cd-reg", "0", "-out", out); err != nil {
		t.Fatal(err)
	}
	if cfg, b = readConfig(t, out); cfg.CDReg == nil || *cfg.CDReg != 0 {
		t.Errorf("-cd-reg 0: config.json %s", b)
	}
	// So is -cd-noise 0 (chains that descend the energy); unset, it is absent.
	out = filepath.Join(t.TempDir(), "m")
	if err := train(t, "-loss", "cd", "-cd-noise", "0", "-out", out); err != nil {
		t.Fatal(err)
	}
	if cfg, b = readConfig(t, out); cfg.CDNoise == nil || *cfg.CDNoise != 0 || cfg.CDReg == nil || *cfg.CDReg != 0.1 {
		t.Errorf("-cd-noise 0: config.json %s", b)
	}
	// -ema keeps a moving average of the weights, which the model is.
	out = filepath.Join(t.TempDir(), "m")
	if err := train(t, "-loss", "dsm", "-ema", "0.99", "-out", out); err != nil {
		t.Fatal(err)
	}
	if cfg, b = readConfig(t, out); cfg.EMA != 0.99 || !exists(filepath.Join(out, "model_ema.params")) {
		t.Errorf("-ema 0.99: config.json %s, or no model_ema.params", b)
	}
	for _, bad := range [][]string{{"-loss", "pcd", "-sigma", "0.1"}, {"-loss", "ssm", "-projection", "cube"}} {
		if err := train(t, append(bad, "-out", filepath.Join(t.TempDir(), "m"))...); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
