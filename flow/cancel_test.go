package flow

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/tensor"
)

// TestGenerateCancelled checks that a generation cancelled part way, with
// fixed steps, adaptively and by the SDE, evaluates the field no more and
// returns context.Canceled.
func TestGenerateCancelled(t *testing.T) {
	for name, g := range map[string]Generator{
		"fixed":    {Steps: 1000},
		"adaptive": {Adaptive: &integrate.Adaptive{RTol: 1e-10, ATol: 1e-10}},
		"sde":      {Steps: 1000, SDE: &SDE{Norm: 0.125}},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		field := gaussianField([]float64{2, -1}, 0.5)
		g.Field = func(dst []float64, t float64, x []float64) {
			if calls++; calls == 5 {
				cancel()
			}
			field(dst, t, x)
		}
		_, _, err := g.Generate(ctx, 100, 2, 1)
		if !errors.Is(err, context.Canceled) || calls != 5 {
			t.Errorf("%s: %v after %d evaluations; want context.Canceled after 5", name, err, calls)
		}
	}
}

// TestLogDensityCancelled checks that a density cancelled part way stops
// evaluating the field within a chunk's RK4 stage and returns
// context.Canceled, and that a panic in the field reaches the caller.
func TestLogDensityCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	calls := 0
	v := func(tp *tensor.Tape, x *tensor.Tensor, t float64) *tensor.Tensor {
		mu.Lock()
		if calls++; calls == 5 {
			cancel()
		}
		mu.Unlock()
		return tp.Scale(x, -1)
	}
	x := tensor.Zeros(2000, 2) // 8 chunks
	_, err := LogDensity(ctx, v, x, 0, 1, 1000)
	if !errors.Is(err, context.Canceled) || calls > 5+runtime.GOMAXPROCS(0) {
		t.Errorf("%v after %d evaluations; want context.Canceled after about 5", err, calls)
	}

	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "planted field bug") {
			t.Errorf("a panic in the field: recovered %v", r)
		}
	}()
	LogDensity(context.Background(), func(*tensor.Tape, *tensor.Tensor, float64) *tensor.Tensor { panic("planted field bug") }, x, 0, 1, 10)
	t.Error("LogDensity returned after a panic in the field")
}
