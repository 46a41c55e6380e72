//go:build openblas

package tensor

// #cgo LDFLAGS: -lopenblas
import "C"

import "gonum.org/v1/netlib/blas/netlib"

// blasImpl is OpenBLAS through gonum's netlib binding (Debian libopenblas-dev).
var blasImpl netlib.Implementation

// BLAS names the BLAS implementation this build uses.
const BLAS = "openblas"
