package main

import (
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/goebm/goebm/scalar"
)

// scalarOps are the ops stan_ops.R times, in its order and with its names;
// each adds op(x[i]) or op(x[i], x[i−1]) for i ≥ 1 to the log density,
// and the baseline adds x[i], so that the difference is the op alone.
var scalarOps = []struct {
	name string
	f    func(tp *scalar.Tape, a, b scalar.Var) scalar.Var
}{
	{"baseline", func(_ *scalar.Tape, a, _ scalar.Var) scalar.Var { return a }},
	{"add", (*scalar.Tape).Add},
	{"mul", (*scalar.Tape).Mul},
	{"div", (*scalar.Tape).Div},
	{"exp", func(tp *scalar.Tape, a, _ scalar.Var) scalar.Var { return tp.Exp(a) }},
	{"square", func(tp *scalar.Tape, a, _ scalar.Var) scalar.Var { return tp.Square(a) }},
	{"log", func(tp *scalar.Tape, a, _ scalar.Var) scalar.Var { return tp.Log(a) }},
	{"inv_logit", func(tp *scalar.Tape, a, _ scalar.Var) scalar.Var { return tp.Sigmoid(a) }},
	{"log1p_exp", func(tp *scalar.Tape, a, _ scalar.Var) scalar.Var { return tp.Softplus(a) }},
	{"tanh", func(tp *scalar.Tape, a, _ scalar.Var) scalar.Var { return tp.Tanh(a) }},
}

// opModel is stan_ops.R's model: x = 0.5 + 1.5·logistic(u) element-wise
// (Stan's interval transform, with its log-Jacobian), then Σ op.
func opModel(op func(tp *scalar.Tape, a, b scalar.Var) scalar.Var) func(tp *scalar.Tape, u []scalar.Var) scalar.Var {
	var x []scalar.Var
	return func(tp *scalar.Tape, u []scalar.Var) scalar.Var {
		x = x[:0]
		lp := tp.Const(0)
		for _, ui := range u {
			s := tp.Sigmoid(ui)
			x = append(x, tp.AddScalar(tp.Scale(s, 1.5), 0.5))
			lp = tp.Add(lp, tp.Log(tp.Mul(s, tp.Neg(tp.AddScalar(s, -1)))))
		}
		for i := 1; i < len(x); i++ {
			lp = tp.Add(lp, op(tp, x[i], x[i-1]))
		}
		return lp
	}
}

// goebmOpSeconds returns the seconds per gradient of each op's model.
func goebmOpSeconds(n int) []float64 {
	u := make([]float64, n)
	for i := range u {
		u[i] = float64(i%7)/7 - 0.4
	}
	g := make([]float64, n)
	var secs []float64
	for _, op := range scalarOps {
		tp := scalar.NewTape(0)
		f := opModel(op.f)
		tp.Gradient(f, u, g)
		best := 1e300
		for range 30 { // the fastest of 30 repeats of 200 gradients
			start := time.Now()
			for range 200 {
				tp.Gradient(f, u, g)
			}
			best = min(best, time.Since(start).Seconds()/200)
		}
		secs = append(secs, best)
	}
	return secs
}

// runOps times each op per element, goebm's scalar tape against Stan's math
// library, in interleaved rounds.
func runOps(dir string, rounds, n int, w io.Writer) error {
	ratios := make([][]float64, len(scalarOps))
	ns := make([][2][]float64, len(scalarOps))
	for r := range rounds {
		var rows []float64
		for _, op := range scalarOps {
			s, err := stanOpSeconds(dir, n, op.name)
			if err != nil {
				return err
			}
			rows = append(rows, s)
		}
		ours := goebmOpSeconds(n)
		for i := 1; i < len(scalarOps); i++ {
			g := (ours[i] - ours[0]) / float64(n-1) * 1e9
			s := (rows[i] - rows[0]) / float64(n-1) * 1e9
			ns[i][0], ns[i][1] = append(ns[i][0], g), append(ns[i][1], s)
			ratios[i] = append(ratios[i], s/g)
		}
		fmt.Fprintf(w, "round %d: gradient of the baseline (N = %d): goebm %.1f µs, Stan %.1f µs\n", r+1, n, ours[0]*1e6, rows[0]*1e6)
	}
	fmt.Fprintf(w, "\nns per op (forward and backward), median over %d rounds; ratio Stan/goebm median [min–max]\n", rounds)
	for i := 1; i < len(scalarOps); i++ {
		fmt.Fprintf(w, "%-10s goebm %6.1f  Stan %6.1f  ratio %s\n", scalarOps[i].name, median(ns[i][0]), median(ns[i][1]), spread(ratios[i]))
	}
	return nil
}

// stanOpSeconds runs stan_ops.R for one op and returns the seconds per
// gradient it prints last.
func stanOpSeconds(dir string, n int, op string) (float64, error) {
	cmd := exec.Command("Rscript", "bench/peer/bayesstan/stan_ops.R", dir, strconv.Itoa(n), op)
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("running Stan's %s model through Rscript: %w", op, err)
	}
	f := strings.Fields(string(out))
	if len(f) == 0 {
		return 0, fmt.Errorf("the Stan model of %s printed no time", op)
	}
	return strconv.ParseFloat(f[len(f)-1], 64)
}
