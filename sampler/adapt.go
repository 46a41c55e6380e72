package sampler

import "math"

// dualAveraging tunes a step size so that the mean acceptance statistic
// approaches a target (Nesterov's dual averaging as adapted by Hoffman and
// Gelman 2014, with Stan's constants γ = 0.05, t₀ = 10, κ = 0.75).
type dualAveraging struct {
	target, mu, logBar, hBar float64
	m                        int
}

func newDualAveraging(step, target float64) *dualAveraging {
	return &dualAveraging{target: target, mu: math.Log(10 * step)}
}

// update takes one acceptance statistic and returns the next step size.
func (a *dualAveraging) update(accept float64) float64 {
	if math.IsNaN(accept) {
		accept = 0
	}
	accept = math.Min(accept, 1)
	a.m++
	m := float64(a.m)
	a.hBar = (1-1/(m+10))*a.hBar + (a.target-accept)/(m+10)
	logStep := a.mu - math.Sqrt(m)/0.05*a.hBar
	eta := math.Pow(m, -0.75)
	a.logBar = eta*logStep + (1-eta)*a.logBar
	return math.Exp(logStep)
}

// final returns the averaged step size, the one to sample with.
func (a *dualAveraging) final() float64 { return math.Exp(a.logBar) }

// restart begins a new adaptation window from step size step.
func (a *dualAveraging) restart(step float64) {
	*a = dualAveraging{target: a.target, mu: math.Log(10 * step)}
}

// windows is Stan's warm-up schedule for the mass matrix: a fast initial
// buffer (75 steps) for the step size alone, slow windows doubling from 25
// steps in which draws are collected to estimate the variances, and a fast
// final buffer (50 steps). Short warm-ups shrink the buffers as Stan does.
type windows struct {
	warmup, initBuf, termBuf, end int // end: last step of the current window
	size                          int
}

func newWindows(warmup int) *windows {
	w := &windows{warmup: warmup, initBuf: 75, termBuf: 50, size: 25}
	if warmup < 20 {
		w.initBuf, w.termBuf, w.size = warmup, 0, 0
	} else if w.initBuf+w.termBuf+w.size > warmup {
		w.initBuf = warmup * 15 / 100
		w.termBuf = warmup / 10
		w.size = warmup - w.initBuf - w.termBuf
	}
	w.end = w.initBuf + w.size - 1
	return w
}

// collecting reports whether step t collects draws for the variance.
func (w *windows) collecting(t int) bool {
	return w.size > 0 && t >= w.initBuf && t < w.warmup-w.termBuf
}

// windowEnds reports whether step t ends a slow window, and moves to the next
// (twice as long, stretched to the final buffer if the one after would not fit).
func (w *windows) windowEnds(t int) bool {
	if !w.collecting(t) || t != w.end {
		return false
	}
	w.size *= 2
	next := t + w.size
	if next+2*w.size > w.warmup-w.termBuf-1 {
		next = w.warmup - w.termBuf - 1
	}
	w.end = next
	return true
}

// welford accumulates a running mean and variance per coordinate.
type welford struct {
	n        int
	mean, ss []float64
}

func (w *welford) add(x []float64) {
	if w.mean == nil {
		w.mean, w.ss = make([]float64, len(x)), make([]float64, len(x))
	}
	w.n++
	for j, v := range x {
		dv := v - w.mean[j]
		w.mean[j] += dv / float64(w.n)
		w.ss[j] += dv * (v - w.mean[j])
	}
}

// variance returns Stan's regularised estimate: the sample variance shrunk
// towards 1e-3 with weight 5/(n + 5).
func (w *welford) variance(dst []float64) {
	n := float64(w.n)
	for j := range dst {
		v := w.ss[j] / (n - 1)
		dst[j] = (n/(n+5))*v + 1e-3*(5/(n+5))
	}
	w.n = 0
	clear(w.mean)
	clear(w.ss)
}
