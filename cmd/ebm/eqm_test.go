package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/goebm/goebm/model"
)

// TestTrainEqMSettingsAndCallbacks: ebm train records the eqm flags in
// config.json as given (a threshold of 0 included, the defaults left
// out), and -callbacks reaches the run: log writes its lines, and
// early-stop with a patience of 1 on the raw loss ends it before its
// steps, saying so.
func TestTrainEqMSettingsAndCallbacks(t *testing.T) {
	quick := []string{"train", "-data", "twomoons", "-loss", "eqm", "-steps", "40", "-batch", "16", "-hidden", "8", "-layers", "1"}
	out := filepath.Join(t.TempDir(), "m")
	stdout, stderr, err := ebm(t, append(quick, "-out", out, "-eqm-threshold", "0", "-eqm-lambda", "3", "-eqm-dispersion", "0.2", "-eqm-tau", "0.5",
		"-callbacks", "log:every=20")...)
	if err != nil {
		t.Fatal(err)
	}
	c, err := model.ReadConfig(out)
	if err != nil {
		t.Fatal(err)
	}
	if c.EqMThreshold == nil || *c.EqMThreshold != 0 || c.EqMLambda != 3 || c.EqMDispersion != 0.2 || c.EqMDispersionTemp != 0.5 || c.EqMScale != "" || c.EqMStart != nil {
		t.Errorf("config: %+v", c)
	}
	if !strings.Contains(stderr, "step 20/40  loss ") || !strings.Contains(stderr, "step 40/40  loss ") || !strings.Contains(stdout, "for 40 steps") {
		t.Errorf("log: stderr %q, stdout %q", stderr, stdout)
	}

	out = filepath.Join(t.TempDir(), "p")
	if _, _, err := ebm(t, append(quick, "-out", out, "-eqm-scale", "piecewise", "-eqm-start", "0")...); err != nil {
		t.Fatal(err)
	}
	if c, err := model.ReadConfig(out); err != nil || c.EqMScale != "piecewise" || c.EqMStart == nil || *c.EqMStart != 0 || c.EqMThreshold != nil || c.EqMLambda != 0 {
		t.Errorf("piecewise config: %+v, %v", c, err)
	}

	out = filepath.Join(t.TempDir(), "e")
	stdout, stderr, err = ebm(t, append(quick, "-out", out, "-callbacks", "early-stop:patience=1,smooth=0")...)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stdout, "for 40 steps") || !strings.Contains(stderr, "early stop at step") {
		t.Errorf("early stop: stdout %q, stderr %q", stdout, stderr)
	}
}
