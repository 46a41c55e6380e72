// Package openblas links OpenBLAS (Debian libopenblas-dev) for builds with
// -tags openblas, and pins it to one thread per call: package tensor spreads
// blocks of large products over the cores itself, and OpenBLAS's own threads
// would spin against those goroutines (measured: 30% slower on 2 cores).
//
// It is a package of its own because Go does not allow cgo and Go assembly
// (tensor's vector kernels) in one package. Without the tag it is empty.
package openblas
