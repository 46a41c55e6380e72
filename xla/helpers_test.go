package xla

import (
	"math"
	"sync"
	"testing"

	"github.com/gomlx/compute"
)

// The backend of every test: $GOMLX_BACKEND, else the pure-Go one.
var (
	backendOnce sync.Once
	backend     compute.Backend
	backendErr  error
)

func testBackend(t testing.TB) compute.Backend {
	t.Helper()
	backendOnce.Do(func() { backend, backendErr = NewBackend("") })
	if backendErr != nil {
		t.Fatal(backendErr)
	}
	return backend
}

// float32Tol is the tolerance of float32 results against goebm's float64
// engine: |got − want| ≤ tol·max(1, max|want|), elementwise.
const float32Tol = 1e-4

// near checks got against want within tol relative to want's largest
// magnitude (at least 1).
func near(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	scale := 1.0
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	worst, at := 0.0, 0
	for i := range got {
		if d := math.Abs(got[i] - want[i]); !(d <= worst) {
			worst, at = d, i
		}
	}
	t.Logf("%s: worst |got − want| %.3g (scale %.3g)", name, worst, scale)
	if !(worst <= tol*scale) {
		t.Errorf("%s: |got − want| = %.3g at %d (got %.8g, want %.8g), over %.3g", name, worst, at, got[at], want[at], tol*scale)
	}
}
