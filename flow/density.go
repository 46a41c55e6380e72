package flow

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/internal/panics"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/tensor"
)

// Field is a velocity field v(x, t) of a flow, recorded on tp so that its
// divergence can be taken: x is [n, d], the result [n, d].
type Field func(tp *tensor.Tape, x *tensor.Tensor, t float64) *tensor.Tensor

// VelocityField returns the velocity, recorded on the tape, of a network
// field f that predicts pred on the path p (nil: the straight one):
// a(t)·x + b(t)·f(x, t) by interpolant.Conversion, f itself for a
// velocity. At a time where the conversion is undefined it panics with an
// error wrapping ErrInvalid (a programmer's error: Generator.Span gives the
// times where it is defined).
func VelocityField(f Field, p interpolant.Interpolant, pred interpolant.Prediction) Field {
	if pred == interpolant.Velocity {
		return f
	}
	if p == nil {
		p = interpolant.Linear{}
	}
	return func(tp *tensor.Tape, x *tensor.Tensor, t float64) *tensor.Tensor {
		a, b, err := interpolant.Conversion(p, t, pred, interpolant.Velocity)
		if err != nil {
			panic(fmt.Errorf("flow: %w: %w", err, ErrInvalid))
		}
		return tp.Add(tp.Scale(x, a), tp.Scale(f(tp, x, t), b))
	}
}

// LogDensity returns log p(x) for each row of x ([n, d]) under the flow
// that carries N(0, I) at time t0 along v to time t1, by the instantaneous
// change of variables (Chen et al. 2018): d log p(x_t)/dt = −∇·v(x_t, t), so
//
//	log p₁(x) = log N(x(t0); 0, I) − ∫ ∇·v dt,
//
// with x(t) and the integral solved together backwards from x at t1 in
// steps RK4 steps, the divergence exact (d backward passes). Rows are solved
// independently, in chunks across the cores. Once ctx is done no chunk
// starts and the chunks under way stop evaluating v at their next RK4
// stage; LogDensity then returns ctx's error. A panic in v is raised again
// on the caller's goroutine.
func LogDensity(ctx context.Context, v Field, x *tensor.Tensor, t0, t1 float64, steps int) ([]float64, error) {
	if x.Rank() != 2 || x.Dim(0) == 0 || steps < 1 || !(t1 != t0) {
		return nil, fmt.Errorf("flow: density of points of shape %v in %d steps from %g to %g: %w", x.Shape(), steps, t0, t1, ErrInvalid)
	}
	n, d := x.Dim(0), x.Dim(1)
	out := make([]float64, n)
	const chunk = 256
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		first  error
		next   = make(chan int)
		caught = make([]*panics.Error, runtime.GOMAXPROCS(0))
	)
	for w := range caught {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				for range next { // drain, so that the sender finishes
				}
			}()
			defer panics.Catch(&caught[w])
			for lo := range next {
				if ctx.Err() != nil {
					continue
				}
				hi := min(lo+chunk, n)
				if err := densityChunk(ctx, v, x.Data()[lo*d:hi*d], out[lo:hi], d, t0, t1, steps); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for lo := 0; lo < n; lo += chunk {
		next <- lo
	}
	close(next)
	wg.Wait()
	panics.Raise(caught...)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, first
}

// densityChunk solves the augmented system for the m rows of x, writing log p
// into out.
func densityChunk(ctx context.Context, v Field, x, out []float64, d int, t0, t1 float64, steps int) error {
	m := len(out)
	// State: the m points, then the m accumulated divergence integrals.
	y := make([]float64, m*(d+1))
	copy(y, x)
	tp := tensor.NewTape()
	drift := func(dst []float64, t float64, y []float64) {
		xl := tensor.New(append([]float64(nil), y[:m*d]...), m, d)
		vt := v(tp, xl, t)
		copy(dst[:m*d], vt.Data())
		div := dst[m*d:]
		clear(div)
		for j := range d {
			sel := tensor.Zeros(m, d)
			for i := range m {
				sel.Data()[i*d+j] = 1
			}
			g := tp.Grad([]*tensor.Tensor{vt}, []*tensor.Tensor{xl}, tensor.GradOptions{GradOutputs: []*tensor.Tensor{sel}, RetainGraph: j < d-1})[0]
			for i := range m {
				div[i] += g.Data()[i*d+j]
			}
		}
		tp.Reset()
	}
	if _, err := integrate.Solve(integrate.RK4, stopping(ctx, drift), y, t1, t0, steps); err != nil {
		return err
	}
	for i := range m {
		ll := -0.5 * float64(d) * math.Log(2*math.Pi)
		for j := range d {
			ll -= 0.5 * y[i*d+j] * y[i*d+j]
		}
		// The divergence integral ran from t1 down to t0: y holds −∫ ∇·v.
		out[i] = ll + y[m*d+i]
		if math.IsNaN(out[i]) {
			return fmt.Errorf("flow: the density of row %d is NaN: %w", i, ErrInvalid)
		}
	}
	return nil
}
