package interpolant

import (
	"errors"
	"strings"
	"testing"
)

func TestByName(t *testing.T) {
	for _, c := range []struct {
		name string
		want Interpolant
	}{
		{"linear", Linear{}}, {"Cosine", Cosine{}},
		{"variance-preserving", VariancePreserving{}}, {"VariancePreserving", VariancePreserving{}}, {"vp", VariancePreserving{}},
	} {
		if got, err := ByName(c.name); err != nil || got != c.want {
			t.Errorf("ByName(%q) = %#v, %v; want %#v", c.name, got, err, c.want)
		}
	}
	for _, nd := range Names() {
		if _, err := ByName(nd[0]); err != nil || nd[1] == "" {
			t.Errorf("listed name %q (%q): %v", nd[0], nd[1], err)
		}
	}
	_, err := ByName("sigmoid")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "linear, cosine, variance-preserving") {
		t.Errorf("ByName(unknown): %v, want ErrInvalid listing the names", err)
	}
}

func TestPredictionByName(t *testing.T) {
	for _, nd := range PredictionNames() {
		p, err := PredictionByName(nd[0])
		if err != nil || p.String() != nd[0] || nd[1] == "" {
			t.Errorf("listed %q (%q): %v, %v", nd[0], nd[1], p, err)
		}
	}
	if _, err := PredictionByName("data"); !errors.Is(err, ErrInvalid) {
		t.Errorf("data: %v, want ErrInvalid (not a trainable prediction)", err)
	}
}
