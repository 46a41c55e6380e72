// Package limit bounds the sizes that come from flags and files before
// anything is allocated for them.
//
// A size read from a file or a flag is an attacker's number: a 29-byte file
// can claim a 2³⁴×2³⁴ array, and a product of two large counts can wrap
// around to a small or negative int. Elems multiplies dimensions with an
// overflow check and refuses any array of float64 values larger than the
// machine's memory; Sum adds counts the same way. The bound is the total
// physical memory (sysinfo(2) on Linux, a fixed 64 GiB elsewhere): generous
// enough never to refuse a run that could succeed, tight enough that no
// refused size reaches make, where it would panic or exhaust the machine.
//
// Steps bounds a count of iterations by MaxSteps (2⁴⁰): a step count sizes
// no allocation, but an absurd one would run for ever.
//
// Errors wrap ErrSize and begin with the name the caller gives (a flag, a
// file's field), so that they say which number was wrong.
package limit
