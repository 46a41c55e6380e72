// Package panics carries a panic from a worker goroutine to the goroutine
// that waits for it.
//
// A panic on a goroutine of its own ends the process: no recover in the
// caller can see it, so a library that fans work out to goroutines (the
// sampler's blocks of chains, a flow's chunks of points) would turn a bug
// in an energy or a kernel into a crash that its caller can neither catch
// nor report. Each worker defers Catch, which stores the panic with the
// worker's stack in an *Error; after the workers are done the caller calls
// Raise, which panics again with that Error on the caller's goroutine, so
// that recover there (as in package cli) sees it, and the stack printed
// is the one where the bug is. Go does both for a fan-out of n
// goroutines.
package panics
