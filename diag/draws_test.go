package diag

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"testing"
)

// TestSummarizeDraws checks that each coordinate is cut out of the
// interleaved layout, chain by chain, and named.
func TestSummarizeDraws(t *testing.T) {
	const chains, kept, dim = 2, 6, 3
	// Coordinate j of draw k of chain c is 100j + 10c + k: the chains of
	// coordinate j are {100j + k} and {100j + 10 + k}.
	draws := make([]float64, 0, chains*kept*dim)
	for c := range chains {
		for k := range kept {
			for j := range dim {
				draws = append(draws, float64(100*j+10*c+k))
			}
		}
	}
	tab := SummarizeDraws(draws, chains, kept, dim)
	if len(tab) != dim {
		t.Fatalf("%d rows, want %d", len(tab), dim)
	}
	for j, row := range tab {
		var want [][]float64
		for c := range chains {
			var ch []float64
			for k := range kept {
				ch = append(ch, float64(100*j+10*c+k))
			}
			want = append(want, ch)
		}
		if name := []string{"x0", "x1", "x2"}[j]; row.Name != name {
			t.Errorf("row %d named %q, want %q", j, row.Name, name)
		}
		// Printed, so that NaN (too few draws for an ESS) equals NaN.
		if w := Summarize(want); fmt.Sprint(row.Summary) != fmt.Sprint(w) {
			t.Errorf("row %d: %+v, want %+v", j, row.Summary, w)
		}
		// The mean of {0..5} ∪ {10..15}, shifted by 100j.
		if m := 100*float64(j) + 7.5; math.Abs(row.Mean-m) > 1e-12 {
			t.Errorf("row %d: mean %g, want %g", j, row.Mean, m)
		}
	}
}

func TestSummarizeDrawsPanicsOnBadShape(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for 5 draws of 2 chains × 1 kept × 2 dimensions")
		}
	}()
	SummarizeDraws(make([]float64, 5), 2, 1, 2)
}

// TestCoordinateJSON checks the keys and that undefined values become null.
func TestCoordinateJSON(t *testing.T) {
	c := Coordinate{"x0", Summary{Mean: 1.5, SD: 2, MCSEMean: 0.1, MCSESD: 0.2, Q5: -1, Median: 1, Q95: 4,
		ESSBulk: 300, ESSTail: math.Inf(1), Rhat: math.NaN()}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ess_bulk":300,"ess_tail":null,"mcse_mean":0.1,"mcse_sd":0.2,"mean":1.5,"median":1,"name":"x0","q5":-1,"q95":4,"rhat":null,"sd":2}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestTablePrintMatchesWriteTable(t *testing.T) {
	a, b := Summary{Mean: 1, SD: 2, Rhat: 1.01}, Summary{Mean: -3, SD: 0.5, ESSBulk: 40}
	var got, want bytes.Buffer
	if err := (Table{{"a", a}, {"b", b}}).Print(&got); err != nil {
		t.Fatal(err)
	}
	WriteTable(&want, []string{"a", "b"}, []Summary{a, b})
	if got.String() != want.String() {
		t.Errorf("Print wrote\n%s\nWriteTable\n%s", got.String(), want.String())
	}
}
