package main

import (
	"context"
	"strings"
	"testing"
)

func TestRunSmall(t *testing.T) {
	var b strings.Builder
	if err := run(context.Background(), []string{"-data", "twomoons", "-loss", "dsm", "-steps", "20", "-hidden", "8"}, &b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"twomoons", "NLL", "MMD²", "Gaussian"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q: %s", want, b.String())
		}
	}
}

func TestRunBadInput(t *testing.T) {
	for _, args := range [][]string{{"-data", "nope"}, {"-loss", "nope"}, {"-steps", "0"}, {"-lr", "-1"}} {
		if err := run(context.Background(), args, &strings.Builder{}); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
