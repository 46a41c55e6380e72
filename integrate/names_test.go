package integrate

import (
	"errors"
	"strings"
	"testing"
)

func TestByName(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"euler", "euler"}, {"Midpoint", "midpoint"}, {"heun", "heun"}, {"RK4", "rk4"}, {"rk-38", "rk38"},
		{"adaptive_heun", "adaptive_heun"}, {"AdaptiveHeun", "adaptive_heun"},
		{"bosh3", "bosh3"}, {"bogacki-shampine", "bosh3"},
		{"dopri5", "dopri5"}, {"DormandPrince", "dopri5"}, {"dop853", "dop853"}, {"dormand-prince-853", "dop853"},
	} {
		if got, err := ByName(c.name); err != nil || got.Name != c.want {
			t.Errorf("ByName(%q) = %q, %v; want %q", c.name, got.Name, err, c.want)
		}
	}
	// Every tableau is listed, under its own name.
	if len(Names()) != len(Methods) {
		t.Errorf("%d names for %d methods", len(Names()), len(Methods))
	}
	for _, nd := range Names() {
		if tb, err := ByName(nd[0]); err != nil || tb.Name != nd[0] || nd[1] == "" {
			t.Errorf("listed name %q (%q): tableau %q, %v", nd[0], nd[1], tb.Name, err)
		}
	}
	_, err := ByName("rk45")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "euler, midpoint, heun, rk4, rk38, adaptive_heun, bosh3, dopri5, dop853") {
		t.Errorf("ByName(unknown): %v, want ErrInvalid listing the names", err)
	}
}
