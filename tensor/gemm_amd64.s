//go:build amd64 && !purego

#include "textflag.h"

// func dgemmKernel4x8(k int, a, b, c *float64, ldc int)
//
// c[i·ldc + j] += Σₚ a[4p + i]·b[8p + j] for i < 4, j < 8, p < k (k ≥ 1):
// a 4×8 block of C from a packed 4-row panel of A and a packed 8-column
// panel of B. Eight accumulators (two 4-lane registers per row of C) keep
// both FMA units busy; the sum over p runs in order, so each element's
// rounding does not depend on how C is split.
// ADDROW adds the row of C at DX to the accumulators lo (columns 0–3) and
// hi (4–7) and stores the sums back.
#define ADDROW(lo, hi) \
	VADDPD (DX), lo, lo; \
	VADDPD 32(DX), hi, hi; \
	VMOVUPD lo, (DX); \
	VMOVUPD hi, 32(DX)

TEXT ·dgemmKernel4x8(SB), NOSPLIT, $0-40
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $3, R8
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7

loop:
	VMOVUPD (DI), Y8
	VMOVUPD 32(DI), Y9
	VBROADCASTSD (SI), Y10
	VBROADCASTSD 8(SI), Y11
	VFMADD231PD Y8, Y10, Y0
	VFMADD231PD Y9, Y10, Y1
	VFMADD231PD Y8, Y11, Y2
	VFMADD231PD Y9, Y11, Y3
	VBROADCASTSD 16(SI), Y12
	VBROADCASTSD 24(SI), Y13
	VFMADD231PD Y8, Y12, Y4
	VFMADD231PD Y9, Y12, Y5
	VFMADD231PD Y8, Y13, Y6
	VFMADD231PD Y9, Y13, Y7
	ADDQ $32, SI
	ADDQ $64, DI
	DECQ CX
	JNZ loop

	ADDROW(Y0, Y1)
	ADDQ R8, DX
	ADDROW(Y2, Y3)
	ADDQ R8, DX
	ADDROW(Y4, Y5)
	ADDQ R8, DX
	ADDROW(Y6, Y7)
	VZEROUPPER
	RET
