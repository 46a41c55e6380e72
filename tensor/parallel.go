package tensor

import (
	"runtime"
	"sync/atomic"

	"github.com/goebm/goebm/internal/panics"
)

// Element-wise work is split across cores only above twice this many
// elements: below it, waking a core costs more than it saves. Waking a
// parked core takes tens of microseconds on a virtual machine, and an
// element-wise pass over 4096 values a few: at the old grain of 4096, every
// loss at TorchEBM's small scale (64×128 activations) ran 1.5–1.8× slower on
// two cores than on one (ebm bench -cores 1,2).
const grain = 1 << 15

// The kernels take a core limit as the tape holds it (Tape.SetCores): the
// most cores they may use, 0 for every core. resolveCores turns it into a
// number of cores, only where work is large enough to split: it reads
// GOMAXPROCS, which takes the scheduler's lock (14 ns), and small ops run
// by the thousand.
func resolveCores(cores int) int {
	if cores == 1 {
		return 1
	}
	p := runtime.GOMAXPROCS(0)
	if cores <= 0 {
		return p
	}
	return min(cores, p)
}

// coresFor is the cores a pass over n values runs on, given the core
// limit: one below 2·grain, all it may use above. parallelFor splits by
// it, and the sums run their fixed pieces on it (the pieces, and so the
// bits, are the same either way; when sums split from one piece of 16K
// values, approximate SM at the small scale ran 0.82–0.88× as fast on two
// cores as on one).
func coresFor(cores, n int) int {
	if n < 2*grain {
		return 1
	}
	return resolveCores(cores)
}

// forks counts the calls that ran pieces on other goroutines: tests read it
// to check that a tape's core limit (Tape.SetCores) reaches every op.
var forks atomic.Int64

// parallelMACs is the number of multiply-adds from which a matrix product
// runs its blocks on several cores, for the same reason (a 256×128×128
// product, 4M, gained nothing from a second core): below it, they run one
// after another (the same blocks, so the same bits).
const parallelMACs = 1 << 23

// parallelFor calls fn over [0, n) in contiguous pieces, on as many
// goroutines as the core limit allows when n is large. fn must write
// disjoint outputs for disjoint ranges; the result then does not depend on
// the number of cores. A panic in fn reaches the caller (as a
// *panics.Error), where a recover can see it, instead of ending the
// process from a worker goroutine.
func parallelFor(cores, n int, fn func(lo, hi int)) {
	parts := min(coresFor(cores, n), n/grain)
	if parts <= 1 {
		fn(0, n)
		return
	}
	forks.Add(1)
	panics.Go(parts, func(k int) { fn(n*k/parts, n*(k+1)/parts) })
}

// parallelRows calls fn over row ranges [r0, r1) of a rows×width array,
// on as many goroutines as the core limit allows when the array is large.
func parallelRows(cores, rows, width int, fn func(r0, r1 int)) {
	if width == 0 || rows*width < 2*grain {
		fn(0, rows)
		return
	}
	parallelFor(cores, rows*width, func(lo, hi int) {
		// Round both ends up to a row boundary, so that neighbouring ranges
		// neither overlap nor leave a gap.
		fn((lo+width-1)/width, (hi+width-1)/width)
	})
}

// chunked splits [0, n) into pieces of size chunk, whose boundaries do not
// depend on the number of cores, and runs fn(c, lo, hi) for each piece c,
// spread over as many goroutines as the core limit allows. Reductions
// combine per-piece results in piece order, so they give the same bits on
// 1 core or 16. A panic in fn reaches the caller, as in parallelFor.
func chunked(cores, n, chunk int, fn func(c, lo, hi int)) {
	pieces := (n + chunk - 1) / chunk
	workers := 1
	if pieces > 1 {
		workers = min(resolveCores(cores), pieces)
	}
	if workers <= 1 {
		for c := range pieces {
			fn(c, c*chunk, min(n, (c+1)*chunk))
		}
		return
	}
	forks.Add(1)
	panics.Go(workers, func(w int) {
		for c := w; c < pieces; c += workers {
			fn(c, c*chunk, min(n, (c+1)*chunk))
		}
	})
}
