package schedule

import (
	"errors"
	"math"
	"testing"
)

func TestSchedules(t *testing.T) {
	const tol = 1e-12
	for _, c := range []struct {
		name string
		s    Schedule
		step int
		want float64
	}{
		{"constant", Constant(0.3), 1000, 0.3},
		{"func", Func(func(s int) float64 { return float64(s) / 2 }), 5, 2.5},
		{"linear/start", Linear{1, 0, 10}, 0, 1},
		{"linear/mid", Linear{1, 0, 10}, 3, 0.7},
		{"linear/after", Linear{1, 0, 10}, 50, 0},
		{"linear/no steps", Linear{1, 0, 0}, 0, 0},
		{"cosine/start", Cosine{1, 0.1, 100}, 0, 1},
		{"cosine/half", Cosine{1, 0.1, 100}, 50, 0.55},
		{"cosine/end", Cosine{1, 0.1, 100}, 100, 0.1},
		{"cosine/quarter", Cosine{2, 0, 4}, 1, 1 + math.Sqrt2/2},
		{"exponential", Exponential{1, 0.5, 0}, 3, 0.125},
		{"exponential/floor", Exponential{1, 0.5, 0.2}, 3, 0.2},
		{"multistep/before", MultiStep{1, []int{10, 20}, 0.1}, 9, 1},
		{"multistep/at", MultiStep{1, []int{10, 20}, 0.1}, 10, 0.1},
		{"multistep/after both", MultiStep{1, []int{10, 20}, 0.1}, 25, 0.01},
		{"warmup/start", Warmup{10, 0, Constant(1)}, 0, 0},
		{"warmup/ramp", Warmup{10, 0, Constant(1)}, 4, 0.4},
		{"warmup/then", Warmup{10, 0, Linear{1, 0, 10}}, 15, 0.5},
		{"temperature/transport", Temperature{0.15, 0.8, 200, 0, 1}, 0, 0},
		{"temperature/switch", Temperature{0.15, 0.8, 200, 0, 1}, 160, 0},
		{"temperature/ramp", Temperature{0.15, 0.8, 200, 0, 1}, 180, 0.075},
		{"temperature/end", Temperature{0.15, 0.8, 200, 0, 1}, 200, 0.15},
		{"temperature/held", Temperature{0.15, 0.8, 200, 0, 1}, 900, 0.15},
		{"temperature/T=3.25 ramp", Temperature{0.15, 0.8, 325, 0, 3.25}, 90, 0.075},
		{"temperature/T=3.25 plateau", Temperature{0.15, 0.8, 325, 0, 3.25}, 200, 0.15},
		{"temperature/from 0.9", Temperature{0.2, 0.8, 10, 0.9, 1}, 0, 0.1},
	} {
		if got := c.s.At(c.step); math.Abs(got-c.want) > tol {
			t.Errorf("%s: At(%d) = %g, want %g", c.name, c.step, got, c.want)
		}
	}
}

func TestValidate(t *testing.T) {
	good := []Schedule{Constant(1), Linear{1, 0, 5}, Cosine{1, 0, 5}, Exponential{1, 0.9, 0},
		MultiStep{1, []int{2, 5}, 0.5}, Warmup{3, 0, Cosine{1, 0, 9}}, Func(func(int) float64 { return 1 }),
		Temperature{0.15, 0.8, 200, 0, 3.25}, Temperature{0, 0, 0, 0, 0}}
	for _, s := range good {
		if err := Validate(s); err != nil {
			t.Errorf("%#v: %v", s, err)
		}
	}
	bad := []Schedule{nil, Constant(math.NaN()), Linear{1, 0, -1}, Cosine{math.Inf(1), 0, 5},
		Exponential{1, 0, 0}, MultiStep{1, []int{5, 2}, 0.5}, Warmup{0, 0, Constant(1)},
		Warmup{3, 0, nil}, Warmup{3, 0, Linear{1, 0, -2}},
		Temperature{0.15, 1, 200, 0, 1}, Temperature{-0.1, 0.8, 200, 0, 1}, Temperature{0.15, 0.8, -1, 0, 1},
		Temperature{0.15, 0.8, 200, 1, 0}, Temperature{0.15, 0.8, 200, 0, math.Inf(1)}, Temperature{math.NaN(), 0.8, 200, 0, 1}}
	for _, s := range bad {
		if err := Validate(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("%#v: error %v, want ErrInvalid", s, err)
		}
	}
}
