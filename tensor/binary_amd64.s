//go:build amd64 && !purego

#include "textflag.h"

// The element-wise binary ops (opAdd, opSub, opMul, opDiv) on float64 with
// AVX-512, 32 values an iteration in four registers: both operands vectors
// (binVV512), b one value (binVS512) or a one value (binSV512). n is a
// positive multiple of 32. Each value is the one IEEE operation the Go loop
// does, so the same bits.

// VV32 sets the 32 values at DI to those at SI OP those at BX, and steps on.
#define VV32(OP) \
	VMOVUPD (SI), Z0; VMOVUPD 64(SI), Z1; VMOVUPD 128(SI), Z2; VMOVUPD 192(SI), Z3; \
	OP (BX), Z0, Z0; OP 64(BX), Z1, Z1; OP 128(BX), Z2, Z2; OP 192(BX), Z3, Z3; \
	VMOVUPD Z0, (DI); VMOVUPD Z1, 64(DI); VMOVUPD Z2, 128(DI); VMOVUPD Z3, 192(DI); \
	ADDQ $256, SI; ADDQ $256, BX; ADDQ $256, DI

// VS32 sets the 32 values at DI to those at SI OP Z8's, and steps on.
#define VS32(OP) \
	VMOVUPD (SI), Z0; VMOVUPD 64(SI), Z1; VMOVUPD 128(SI), Z2; VMOVUPD 192(SI), Z3; \
	OP Z8, Z0, Z0; OP Z8, Z1, Z1; OP Z8, Z2, Z2; OP Z8, Z3, Z3; \
	VMOVUPD Z0, (DI); VMOVUPD Z1, 64(DI); VMOVUPD Z2, 128(DI); VMOVUPD Z3, 192(DI); \
	ADDQ $256, SI; ADDQ $256, DI

// SV32 sets the 32 values at DI to Z8's OP those at BX, and steps on.
#define SV32(OP) \
	VMOVUPD (BX), Z0; VMOVUPD 64(BX), Z1; VMOVUPD 128(BX), Z2; VMOVUPD 192(BX), Z3; \
	OP Z0, Z8, Z0; OP Z1, Z8, Z1; OP Z2, Z8, Z2; OP Z3, Z8, Z3; \
	VMOVUPD Z0, (DI); VMOVUPD Z1, 64(DI); VMOVUPD Z2, 128(DI); VMOVUPD Z3, 192(DI); \
	ADDQ $256, BX; ADDQ $256, DI

// OPS runs BODY(op) CX times for the op in AX (1 sub, 2 mul, 3 div, else
// add), each op its own loop at its own labels, and returns.
#define OPS(BODY, add, sub, mul, div) \
	CMPQ AX, $1; JEQ sub; CMPQ AX, $2; JEQ mul; CMPQ AX, $3; JEQ div; \
add: ; BODY(VADDPD); DECQ CX; JNZ add; VZEROUPPER; RET; \
sub: ; BODY(VSUBPD); DECQ CX; JNZ sub; VZEROUPPER; RET; \
mul: ; BODY(VMULPD); DECQ CX; JNZ mul; VZEROUPPER; RET; \
div: ; BODY(VDIVPD); DECQ CX; JNZ div; VZEROUPPER; RET

// func binVV512(op int, dst, a, b *float64, n int)
//
// dst[i] = a[i] op b[i] for i < n.
TEXT ·binVV512(SB), NOSPLIT, $0-40
	MOVQ op+0(FP), AX
	MOVQ dst+8(FP), DI
	MOVQ a+16(FP), SI
	MOVQ b+24(FP), BX
	MOVQ n+32(FP), CX
	SHRQ $5, CX
	OPS(VV32, vvadd, vvsub, vvmul, vvdiv)

// func binVS512(op int, dst, a, b *float64, n int)
//
// dst[i] = a[i] op b[0] for i < n.
TEXT ·binVS512(SB), NOSPLIT, $0-40
	MOVQ op+0(FP), AX
	MOVQ dst+8(FP), DI
	MOVQ a+16(FP), SI
	MOVQ b+24(FP), BX
	MOVQ n+32(FP), CX
	VBROADCASTSD (BX), Z8
	SHRQ $5, CX
	OPS(VS32, vsadd, vssub, vsmul, vsdiv)

// func binSV512(op int, dst, a, b *float64, n int)
//
// dst[i] = a[0] op b[i] for i < n.
TEXT ·binSV512(SB), NOSPLIT, $0-40
	MOVQ op+0(FP), AX
	MOVQ dst+8(FP), DI
	MOVQ a+16(FP), SI
	MOVQ b+24(FP), BX
	MOVQ n+32(FP), CX
	VBROADCASTSD (SI), Z8
	SHRQ $5, CX
	OPS(SV32, svadd, svsub, svmul, svdiv)
