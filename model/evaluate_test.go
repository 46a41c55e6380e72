package model

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/tensor"
)

// TestEvaluate checks the scores of the stored flow against ebm eval's
// (cmd/ebm/testdata/eval-flow.golden), and that a data file is scored on
// the tenth that the model's seed held out, whatever Evaluate's seed.
func TestEvaluate(t *testing.T) {
	ctx := context.Background()
	m, err := Load("testdata/twomoons-fm")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Evaluate(ctx, m, "", 200, 99)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%.3f %.3f %.5f", a.NLL, a.GaussianNLL, a.MMD2); got != "1.881 1.858 0.00466" || a.Test.Dim(0) != 200 {
		t.Errorf("NLL, Gaussian NLL, MMD² %s on %d points; want 1.881 1.858 0.00466 on 200", got, a.Test.Dim(0))
	}
	file := filepath.Join(t.TempDir(), "pts.csv")
	if err := dataset.Save(file, nil, tensor.Randn(rand.New(rand.NewPCG(1, 1)), 50, 2)); err != nil {
		t.Fatal(err)
	}
	_, held, err := Data(file, m.Config().Seed, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a, err = Evaluate(ctx, m, file, 200, 12345); err != nil || !slices.Equal(a.Test.Data(), held.Data()) {
		t.Errorf("on a file: %v; test points %v, want the held-out %v", err, a.Test, held.Data())
	}
	if _, err := Evaluate(ctx, m, "", 1, 99); !errors.Is(err, ErrInvalid) {
		t.Errorf("one test point: %v, want ErrInvalid", err)
	}
}
