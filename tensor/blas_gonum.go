//go:build !openblas

package tensor

import "gonum.org/v1/gonum/blas/gonum"

// blasImpl is gonum's pure-Go BLAS; build with -tags openblas for OpenBLAS.
var blasImpl gonum.Implementation

// BLAS names the BLAS implementation this build uses.
const BLAS = "gonum"
