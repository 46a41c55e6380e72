package panics

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

// plantedPanic panics; its name must appear in the stack that Raise carries.
func plantedPanic() { panic("planted") }

func TestCatchAndRaise(t *testing.T) {
	var caught [3]*Error
	var wg sync.WaitGroup
	for i := range caught {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer Catch(&caught[i])
			if i == 1 {
				plantedPanic()
			}
		}()
	}
	wg.Wait()
	defer func() {
		e, ok := recover().(*Error)
		if !ok {
			t.Fatalf("Raise did not panic with an *Error")
		}
		if e.Error() != "planted" || !strings.Contains(string(e.Stack), "plantedPanic") {
			t.Errorf("raised %q with stack\n%s\nwant the worker's, through plantedPanic", e.Error(), e.Stack)
		}
	}()
	Raise(caught[:]...)
	t.Fatal("Raise returned")
}

func TestRaiseNone(t *testing.T) {
	Raise(nil, nil)
}

func TestNestedAndUnwrap(t *testing.T) {
	inner := &Error{Value: errors.ErrUnsupported, Stack: []byte("inner stack")}
	var got *Error
	func() {
		defer Catch(&got)
		panic(inner)
	}()
	if got != inner {
		t.Errorf("a caught *Error was wrapped again: %v", got)
	}
	if !errors.Is(got, errors.ErrUnsupported) {
		t.Errorf("Unwrap does not reach the panic's error")
	}
}

// TestGo: every index runs once, and a panic on one of the goroutines
// reaches the caller as an *Error after all have run.
func TestGo(t *testing.T) {
	var ran [5]int
	func() {
		defer func() {
			e, ok := recover().(*Error)
			if !ok || e.Value != "planted" {
				t.Errorf("recovered %v; want the planted panic as an *Error", e)
			}
		}()
		Go(len(ran), func(i int) {
			ran[i]++
			if i == 3 {
				plantedPanic()
			}
		})
	}()
	for i, r := range ran {
		if r != 1 {
			t.Errorf("index %d ran %d times", i, r)
		}
	}
	Go(0, func(int) { t.Error("fn called for n = 0") })
}
