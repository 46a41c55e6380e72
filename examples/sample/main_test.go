package main

import (
	"context"
	"strings"
	"testing"
)

func TestRunSmall(t *testing.T) {
	var b strings.Builder
	err := run(context.Background(), []string{"-energy", "gaussian", "-dim", "2", "-warmup", "100", "-steps", "200"}, &b)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ess_bulk", "rhat", "x1", "acceptance"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
}

func TestRunBadInput(t *testing.T) {
	for _, args := range [][]string{{"-energy", "nope"}, {"-sampler", "nope"}, {"-dim", "0"}, {"-chains", "0"}, {"-steps", "-1"}} {
		if err := run(context.Background(), args, &strings.Builder{}); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	err := run(context.Background(), []string{"-sampler", "nope"}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "nuts") {
		t.Errorf("unknown sampler: error %v, want the valid names listed", err)
	}
}
