package xla

import (
	"slices"
	"testing"
)

// TestReplayPersists checks persistent CD's buffer: a draw changes exactly
// the rows it returns, the same seed gives the same draws, and chains that
// continue across draws (30 Langevin steps each, no restarts) reach the
// Langevin moments of TestLangevinMoments, which 30 steps from noise do not.
func TestReplayPersists(t *testing.T) {
	b := testBackend(t)
	const eta = 0.05
	small := func() *Replay {
		r, err := NewReplay(b, gauss, Langevin{StepSize: eta}, 2, ReplayOptions{Size: 50, InitSteps: 2}, 7)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r1, r2 := small(), small()
	before := slices.Clone(r1.Rows())
	neg, err := r1.Negatives(10, 3)
	if err != nil {
		t.Fatal(err)
	}
	neg2, err := r2.Negatives(10, 3)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "same seed", neg, neg2, 0)
	changed := 0
	for i := range 50 {
		if !slices.Equal(before[2*i:2*i+2], r1.Rows()[2*i:2*i+2]) {
			changed++
			if !slices.ContainsFunc(chunks(neg, 2), func(row []float64) bool { return slices.Equal(row, r1.Rows()[2*i:2*i+2]) }) {
				t.Errorf("row %d changed to %v, which is not a returned negative", i, r1.Rows()[2*i:2*i+2])
			}
		}
	}
	if changed != 10 {
		t.Errorf("%d rows changed, want 10", changed)
	}

	const n = 3000
	r, err := NewReplay(b, gauss, Langevin{StepSize: eta}, 2, ReplayOptions{Size: n, NewSampleRatio: -1, InitSteps: -1}, 8)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := r.Negatives(n, 30); err != nil {
			t.Fatal(err)
		}
	}
	want := make([]float64, 2)
	for j, p := range gaussPrec {
		want[j] = 2 / (p * (2 - eta*p))
	}
	checkMoments(t, "persistent chains", r.Rows(), 2, gaussMean, want)
}

// chunks splits v into rows of d.
func chunks(v []float64, d int) [][]float64 {
	var out [][]float64
	for i := 0; i < len(v); i += d {
		out = append(out, v[i:i+d])
	}
	return out
}
