//go:build openblas

package tensor

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
import "C"

import "gonum.org/v1/netlib/blas/netlib"

// blasImpl is OpenBLAS through gonum's netlib binding (Debian libopenblas-dev).
var blasImpl netlib.Implementation

// BLAS names the BLAS implementation this build uses.
const BLAS = "openblas"

func init() {
	// gemm spreads blocks over the cores itself; OpenBLAS's own threads
	// would spin against those goroutines (measured: 30% slower on 2 cores).
	C.openblas_set_num_threads(1)
}
