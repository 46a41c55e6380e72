package tensor

import (
	"runtime"
	"sync"

	"github.com/goebm/goebm/internal/panics"
)

// Element-wise work is split across cores only above twice this many
// elements: below it a goroutine costs more than it saves (measured: a
// 128×128 activation, 16384 elements, gains from two).
const grain = 1 << 12

// parallelFor calls fn over [0, n) in contiguous pieces, concurrently when n
// is large. fn must write disjoint outputs for disjoint ranges; the result
// then does not depend on the number of cores. A panic in fn reaches the
// caller (as a *panics.Error), where a recover can see it, instead of
// ending the process from a worker goroutine.
func parallelFor(n int, fn func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if n < 2*grain || p == 1 {
		fn(0, n)
		return
	}
	parts := min(p, n/grain)
	caught := make([]*panics.Error, parts)
	var wg sync.WaitGroup
	for k := range parts {
		lo, hi := n*k/parts, n*(k+1)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer panics.Catch(&caught[k])
			fn(lo, hi)
		}()
	}
	wg.Wait()
	panics.Raise(caught...)
}

// parallelRows calls fn over row ranges [r0, r1) of a rows×width array,
// concurrently when the array is large.
func parallelRows(rows, width int, fn func(r0, r1 int)) {
	if width == 0 || rows*width < 2*grain {
		fn(0, rows)
		return
	}
	parallelFor(rows*width, func(lo, hi int) {
		// Round both ends up to a row boundary, so that neighbouring ranges
		// neither overlap nor leave a gap.
		fn((lo+width-1)/width, (hi+width-1)/width)
	})
}

// chunked splits [0, n) into pieces of size chunk, whose boundaries do not
// depend on the number of cores, and runs fn(c, lo, hi) for each piece c,
// spread over the cores. Reductions combine per-piece results in piece order,
// so they give the same bits on 1 core or 16. A panic in fn reaches the
// caller, as in parallelFor.
func chunked(n, chunk int, fn func(c, lo, hi int)) {
	pieces := (n + chunk - 1) / chunk
	workers := min(runtime.GOMAXPROCS(0), pieces)
	if workers <= 1 {
		for c := range pieces {
			fn(c, c*chunk, min(n, (c+1)*chunk))
		}
		return
	}
	caught := make([]*panics.Error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer panics.Catch(&caught[w])
			for c := w; c < pieces; c += workers {
				fn(c, c*chunk, min(n, (c+1)*chunk))
			}
		}()
	}
	wg.Wait()
	panics.Raise(caught...)
}
