package bayes_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/goebm/goebm/bayes"
	"github.com/goebm/goebm/bijector"
	"github.com/goebm/goebm/dist"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/scalar"
)

func TestReadReference(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		p := filepath.Join(dir, "ref.csv")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ref, err := bayes.ReadReference(write("# Stan, a long run\nname,mean,sd,ess\nmu,4.4,3.3,1e5\ntheta[1],6.2,5.6,1e5\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ref) != 2 || ref["mu"] != (bayes.Moments{Mean: 4.4, SD: 3.3}) || ref["theta[1]"].SD != 5.6 {
		t.Errorf("read %v", ref)
	}
	for _, bad := range []string{"mu,4.4\n", "mu,x,1\n", "mu,1,0\n", "mu,1,1\nmu,2,1\n"} {
		if _, err := bayes.ReadReference(write(bad)); !errors.Is(err, bayes.ErrInvalid) {
			t.Errorf("%q: %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := bayes.ReadReference(filepath.Join(dir, "none.csv")); err == nil {
		t.Error("a missing file gave no error")
	}
}

// TestAgainst: a normal's draws against its exact moments give |z| within
// the Monte Carlo error, and a shifted reference gives the shift in sds.
func TestAgainst(t *testing.T) {
	post, err := bayes.New(bayes.Model{
		Params: []bayes.Param{{Name: "a"}, {Name: "s", Constraint: bijector.Positive()}},
		LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var {
			return tp.Add(dist.Normal(tp, p[0][0], tp.Const(1), tp.Const(2)), dist.Exponential(tp, p[1][0], tp.Const(1)))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	fit, err := post.Sample(context.Background(), sampler.NUTS{}, sampler.Options{Chains: 4, Warmup: 500, Steps: 1000, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	z, missing := fit.Against(bayes.Reference{"a": {Mean: 1, SD: 2}, "b": {Mean: 0, SD: 1}})
	if len(missing) != 1 || missing[0] != "s" || len(z) != 1 {
		t.Fatalf("z %v, missing %v; want a scored and s missing", z, missing)
	}
	if math.Abs(z["a"]) > 0.1 { // 4 MCSE of the mean are about 0.1 sd here
		t.Errorf("z of a = %.3f, want within 0.1", z["a"])
	}
	shifted, _ := fit.Against(bayes.Reference{"a": {Mean: 2, SD: 2}})
	if d := shifted["a"] - z["a"]; math.Abs(d+0.5) > 1e-12 {
		t.Errorf("a reference mean 1 higher moved z by %v, want −0.5", d)
	}
}
