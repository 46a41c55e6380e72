package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goebm/goebm/internal/limit"
)

// TestConfigSizes: sizes in config.json, and the same settings given to
// Network (as ebm train's flags are), are bounded, and the error names the
// field.
func TestConfigSizes(t *testing.T) {
	for _, c := range []struct {
		json, msg string
	}{
		{`{"dim": 2, "hidden": -16, "layers": 2}`, "dim × hidden: dimension 1 is -16, negative"},
		{`{"dim": 1, "hidden": 1048576, "layers": 1073741824}`, "layers × hidden × hidden: shape [1073741824 1048576 1048576] overflows"},
		{`{"dim": 4294967296, "hidden": 4294967296, "layers": 1}`, "dim × hidden: shape [4294967296 4294967296] overflows"},
		{`{"dim": 2, "hidden": 16, "layers": 4611686018427387904}`, "layers × hidden × hidden"},
		{fmt.Sprintf(`{"dim": 2, "hidden": 1, "layers": %d}`, limit.Memory()/800), "layers: shape ["},
		{`{"dim": 2, "hidden": 16, "layers": 2, "batch": 1152921504606846976}`, "batch × dim"},
		{`{"dim": 2, "hidden": 16, "layers": 2, "steps": -1}`, "steps: -1 is negative"},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(c.json), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := ReadConfig(dir)
		if !errors.Is(err, ErrNotModel) || !strings.Contains(err.Error(), "config.json: "+c.msg) {
			t.Errorf("ReadConfig(%s): %v; want ErrNotModel and %q", c.json, err, c.msg)
		}
		if cfg.Hidden < 0 {
			continue // Network refuses it before the sizes, in its own words
		}
		if _, err := cfg.Network(KindEnergy, 1); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Network(%s): %v; want ErrInvalid and %q", c.json, err, c.msg)
		}
	}
	if _, err := ReadConfig("testdata/twomoons-fm"); err != nil {
		t.Errorf("a good config: %v", err)
	}
}

// FuzzParseConfig: no config.json makes the parser panic, and a config it
// accepts writes and reads back to itself.
func FuzzParseConfig(f *testing.F) {
	good, err := os.ReadFile("testdata/twomoons-fm/config.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"dim": 2, "hidden": 17179869184, "layers": 2}`))
	f.Add([]byte(`{"dim": -1}`))
	f.Add([]byte(`{"data": "x.csv", "loss": "cd", "cd_reg": 1e308, "cd_sampler": "mala"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseConfig(b)
		if err != nil {
			return
		}
		again, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := parseConfig(again)
		if err != nil || !reflect.DeepEqual(c2, c) {
			t.Fatalf("config %+v reads back as %+v, %v", c, c2, err)
		}
	})
}
