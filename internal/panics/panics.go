package panics

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// Error is a panic caught on another goroutine: the value passed to panic
// and the stack of the goroutine that panicked.
type Error struct {
	Value any
	Stack []byte
}

// Error returns the panic's value, as a panic prints it.
func (e *Error) Error() string { return fmt.Sprint(e.Value) }

// Unwrap returns the value when it is an error (a runtime error, say).
func (e *Error) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Catch, deferred directly by a goroutine, recovers a panic and stores it in
// *dst with the goroutine's stack, unless *dst holds one already. A panic
// that is an *Error already (from a nested pool) keeps its stack.
func Catch(dst **Error) {
	r := recover()
	if r == nil || *dst != nil {
		return
	}
	if e, ok := r.(*Error); ok {
		*dst = e
		return
	}
	*dst = &Error{Value: r, Stack: debug.Stack()}
}

// Raise panics with the first non-nil Error of errs, if any.
func Raise(errs ...*Error) {
	for _, e := range errs {
		if e != nil {
			panic(e)
		}
	}
}

// Go calls fn(i) for each i in [0, n), each on a goroutine of its own, and
// returns when all have; a panic in one is raised again on the caller's
// goroutine, as an *Error, once they have. The pools that spread work over
// the cores run their workers so.
func Go(n int, fn func(i int)) {
	caught := make([]*Error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer Catch(&caught[i])
			fn(i)
		}()
	}
	wg.Wait()
	Raise(caught...)
}
