package tensor

import (
	"runtime"
	"testing"

	"github.com/goebm/goebm/internal/panics"
)

// TestParallelPanicReachesCaller: a panic inside a piece run on a worker
// goroutine is re-raised on the caller's goroutine as a *panics.Error, so
// that a recover there (package cli's, a test's) sees it instead of the
// process dying from the worker.
func TestParallelPanicReachesCaller(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, c := range []struct {
		name string
		run  func(fn func(lo int))
	}{
		{"parallelFor", func(fn func(int)) { parallelFor(4, 16*grain, func(lo, _ int) { fn(lo) }) }},
		{"chunked", func(fn func(int)) { chunked(4, 16*grain, grain, func(_, lo, _ int) { fn(lo) }) }},
	} {
		func() {
			defer func() {
				e, ok := recover().(*panics.Error)
				if !ok || e.Value != "planted" {
					t.Errorf("%s: recovered %v; want the planted panic as a *panics.Error", c.name, e)
				}
			}()
			// Panic in a piece other than the first, which a worker runs.
			c.run(func(lo int) {
				if lo > 0 {
					panic("planted")
				}
			})
		}()
	}
}
