//go:build amd64 && !purego

#include "textflag.h"

// func addRowsAVX512(dst, x *float64, rows, cols int)
// dst[j] += x[r·cols + j] for r = 0, 1, …, rows−1 in that order, each j <
// cols (rows ≥ 1, cols ≥ 1): column sums, each column's values added one
// by one as a row-by-row addTo adds them, so the same bits. Blocks of 64
// columns keep eight accumulators in registers down all the rows; the last
// cols mod 64 go eight at a time, the final 1–7 under a mask.
TEXT ·addRowsAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ rows+16(FP), BX
	MOVQ cols+24(FP), DX
	MOVQ DX, R8
	SHLQ $3, R8 // row stride in bytes

blk64:
	CMPQ DX, $64
	JLT blk8
	VMOVUPD 0(DI), Z0
	VMOVUPD 64(DI), Z1
	VMOVUPD 128(DI), Z2
	VMOVUPD 192(DI), Z3
	VMOVUPD 256(DI), Z4
	VMOVUPD 320(DI), Z5
	VMOVUPD 384(DI), Z6
	VMOVUPD 448(DI), Z7
	MOVQ SI, AX
	MOVQ BX, CX

r64:
	VADDPD 0(AX), Z0, Z0
	VADDPD 64(AX), Z1, Z1
	VADDPD 128(AX), Z2, Z2
	VADDPD 192(AX), Z3, Z3
	VADDPD 256(AX), Z4, Z4
	VADDPD 320(AX), Z5, Z5
	VADDPD 384(AX), Z6, Z6
	VADDPD 448(AX), Z7, Z7
	ADDQ R8, AX
	DECQ CX
	JNZ r64
	VMOVUPD Z0, 0(DI)
	VMOVUPD Z1, 64(DI)
	VMOVUPD Z2, 128(DI)
	VMOVUPD Z3, 192(DI)
	VMOVUPD Z4, 256(DI)
	VMOVUPD Z5, 320(DI)
	VMOVUPD Z6, 384(DI)
	VMOVUPD Z7, 448(DI)
	ADDQ $512, DI
	ADDQ $512, SI
	SUBQ $64, DX
	JMP blk64

blk8:
	TESTQ DX, DX
	JZ done
	MOVQ $0xff, AX
	CMPQ DX, $8
	JGE mask
	MOVQ DX, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX

mask:
	KMOVW AX, K1
	VMOVUPD.Z (DI), K1, Z0
	MOVQ SI, AX
	MOVQ BX, CX

r8:
	VMOVUPD.Z (AX), K1, Z1
	VADDPD Z1, Z0, Z0
	ADDQ R8, AX
	DECQ CX
	JNZ r8
	VMOVUPD Z0, K1, (DI)
	ADDQ $64, DI
	ADDQ $64, SI
	SUBQ $8, DX
	JG blk8

done:
	VZEROUPPER
	RET
