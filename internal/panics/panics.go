package panics

import (
	"fmt"
	"runtime/debug"
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
