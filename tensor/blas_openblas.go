//go:build openblas

package tensor

import "github.com/goebm/goebm/internal/openblas"

// blasImpl is OpenBLAS (see internal/openblas).
var blasImpl openblas.Implementation

// BLAS names the BLAS implementation this build uses.
const BLAS = "openblas"
