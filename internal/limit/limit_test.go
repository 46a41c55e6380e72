package limit

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestElems(t *testing.T) {
	for _, c := range []struct {
		dims []int
		want int
	}{{nil, 1}, {[]int{3}, 3}, {[]int{3, 4, 5}, 60}, {[]int{7, 0, 1 << 40}, 0}, {[]int{1 << 20, 16}, 1 << 24}} {
		got, err := Elems("x", c.dims...)
		if err != nil || got != c.want {
			t.Errorf("Elems(%v) = %d, %v; want %d", c.dims, got, err, c.want)
		}
	}
}

func TestElemsRefuses(t *testing.T) {
	for _, c := range []struct {
		dims []int
		msg  string
	}{
		{[]int{4, -1}, "dimension 1 is -1, negative"},
		{[]int{1 << 34, 1 << 34}, "overflows"},
		{[]int{math.MaxInt, 2}, "overflows"},
		{[]int{math.MaxInt/8 + 1, 1}, "overflows"}, // 8 bytes a value
		{[]int{1 << 30, 1 << 29}, "more than this machine's memory"},
	} {
		_, err := Elems(`parameter "w"`, c.dims...)
		if !errors.Is(err, ErrSize) || !strings.HasPrefix(err.Error(), `parameter "w": `) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Elems(%v): %v; want %q naming the field", c.dims, err, c.msg)
		}
	}
}

func TestElemsMemory(t *testing.T) {
	n := int(Memory() / 8)
	if got, err := Elems("x", n); err != nil || got != n {
		t.Errorf("Elems(%d) at the memory bound = %d, %v", n, got, err)
	}
	if _, err := Elems("x", n+1); !errors.Is(err, ErrSize) {
		t.Errorf("Elems(%d) above the memory bound: %v", n+1, err)
	}
}

func TestSum(t *testing.T) {
	if s, err := Sum("steps", 3, 4, 0); err != nil || s != 7 {
		t.Errorf("Sum = %d, %v; want 7", s, err)
	}
	if _, err := Sum("warmup + steps", 1, math.MaxInt); !errors.Is(err, ErrSize) || !strings.HasPrefix(err.Error(), "warmup + steps: ") {
		t.Errorf("overflowing Sum: %v", err)
	}
	if _, err := Sum("steps", -1); !errors.Is(err, ErrSize) {
		t.Errorf("negative Sum: %v", err)
	}
}

func TestSteps(t *testing.T) {
	if s, err := Steps("warmup + steps", 1000, MaxSteps-1000); err != nil || s != MaxSteps {
		t.Errorf("Steps at the bound = %d, %v", s, err)
	}
	for _, c := range [][]int{{MaxSteps + 1}, {1 << 62}, {MaxSteps, 1}, {math.MaxInt, 1}, {-1}} {
		if _, err := Steps("steps", c...); !errors.Is(err, ErrSize) || !strings.HasPrefix(err.Error(), "steps: ") {
			t.Errorf("Steps(%v): %v; want ErrSize naming steps", c, err)
		}
	}
}

func TestHuman(t *testing.T) {
	for b, want := range map[uint64]string{12: "12 B", 1536: "1.5 KiB", 34 << 30: "34.0 GiB", 1 << 62: "4.0 EiB"} {
		if got := human(b); got != want {
			t.Errorf("human(%d) = %q; want %q", b, got, want)
		}
	}
}
