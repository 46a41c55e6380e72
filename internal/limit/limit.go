package limit

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// ErrSize is wrapped by errors about sizes that are negative, overflow an
// int, or need more memory than the machine has.
var ErrSize = errors.New("size out of range")

// elemBytes is the size of the values Elems bounds: float64.
const elemBytes = 8

// Elems returns the product of dims, the number of values in an array of
// that shape, or an error naming what if a dimension is negative or the
// array of float64 values would overflow an int or need more than Memory
// bytes. No dimensions give 1, as for a scalar.
func Elems(what string, dims ...int) (int, error) {
	n := uint64(1)
	for i, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("%s: dimension %d is %d, negative: %w", what, i, d, ErrSize)
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > math.MaxInt/elemBytes {
			return 0, fmt.Errorf("%s: shape %v overflows: %w", what, dims, ErrSize)
		}
		n = lo
	}
	if mem := Memory(); n*elemBytes > mem {
		return 0, fmt.Errorf("%s: shape %v needs %s, more than this machine's memory (%s): %w", what, dims, human(n*elemBytes), human(mem), ErrSize)
	}
	return int(n), nil
}

// Sum returns the sum of counts, or an error naming what if one is negative
// or the sum overflows an int.
func Sum(what string, counts ...int) (int, error) {
	s := 0
	for _, c := range counts {
		if c < 0 {
			return 0, fmt.Errorf("%s: %d is negative: %w", what, c, ErrSize)
		}
		if s > math.MaxInt-c {
			return 0, fmt.Errorf("%s: %v overflows when added: %w", what, counts, ErrSize)
		}
		s += c
	}
	return s, nil
}

// MaxSteps bounds the number of iterations a run may ask for: 2⁴⁰, about
// 10¹², which at a microsecond a step would take 13 days. A count of steps
// sizes no allocation, so the memory does not bound it; without a bound a
// mistyped or hostile 2⁶² would be accepted and run for ever.
const MaxSteps = 1 << 40

// Steps returns the sum of counts of iterations, or an error naming what if
// one is negative or the sum is above MaxSteps.
func Steps(what string, counts ...int) (int, error) {
	s, err := Sum(what, counts...)
	if err == nil && s > MaxSteps {
		return 0, fmt.Errorf("%s: %d steps, above the most a run can take (2^40): %w", what, s, ErrSize)
	}
	return s, err
}

// Memory returns the number of bytes the largest allocation Elems allows
// may take: the machine's physical memory where it can be read.
func Memory() uint64 { return memory }

// memory is read once: the bound must not change during a run.
var memory = physical()

// fallback is the bound where the physical memory cannot be read.
const fallback = 64 << 30

// human formats a byte count in binary units, for errors.
func human(b uint64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	v, i := float64(b), -1
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[i])
}
