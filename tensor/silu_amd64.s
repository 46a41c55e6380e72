//go:build amd64 && !purego

#include "textflag.h"

// σ(x) = 1/(1 + e^−x) and SiLU x·σ(x), four lanes at a time with AVX2 and FMA.
// The operations and their order are those of sigmoid in sigmoid.go, so both
// give the same bits: see that file for the algorithm.

// BROADCAST defines name<> as four copies of the 64-bit pattern bits, one
// 32-byte vector.
#define BROADCAST(name, bits) \
	DATA name<>+0(SB)/8, bits; \
	DATA name<>+8(SB)/8, bits; \
	DATA name<>+16(SB)/8, bits; \
	DATA name<>+24(SB)/8, bits; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

BROADCAST(negmask, $0x8000000000000000)
BROADCAST(log2e, $0x3ff71547652b82fe)
BROADCAST(magic, $0x4338000000000000)
BROADCAST(ln2hi, $0x3fe62e42fee00000)
BROADCAST(ln2lo, $0x3dea39ef35793c76)
BROADCAST(one, $0x3ff0000000000000)
BROADCAST(tlo, $0xc049000000000000)
BROADCAST(thi, $0x4086200000000000)
BROADCAST(c0, $0x3e21eed8eff8d898)
BROADCAST(c1, $0x3e5ae64567f544e4)
BROADCAST(c2, $0x3e927e4fb7789f5c)
BROADCAST(c3, $0x3ec71de3a556c734)
BROADCAST(c4, $0x3efa01a01a01a01a)
BROADCAST(c5, $0x3f2a01a01a01a01a)
BROADCAST(c6, $0x3f56c16c16c16c17)
BROADCAST(c7, $0x3f81111111111111)
BROADCAST(c8, $0x3fa5555555555555)
BROADCAST(c9, $0x3fc5555555555555)
BROADCAST(c10, $0x3fe0000000000000)
BROADCAST(c11, $0x3ff0000000000000)
BROADCAST(c12, $0x3ff0000000000000)
// HORNER evaluates the polynomial with coefficients c0…c12 by Horner's rule,
// p ← p·r + cᵢ for i = 1…12 after p = c0, one step(cᵢ) at a time. FMA1 takes
// the step for one vector (r in Y0, p in Y2), FMA3 for three at once, each
// step interleaved across them (r in Y0, Y3, Y6; p in Y2, Y5, Y8).
#define HORNER(step) \
	step(c1); step(c2); step(c3); step(c4); step(c5); step(c6); \
	step(c7); step(c8); step(c9); step(c10); step(c11); step(c12)
#define FMA1(c) VFMADD213PD c<>(SB), Y0, Y2
#define FMA3(c) \
	VFMADD213PD c<>(SB), Y0, Y2; \
	VFMADD213PD c<>(SB), Y3, Y5; \
	VFMADD213PD c<>(SB), Y6, Y8

// func siluAVX2(x, s, y *float64, n int)
// s[i] = σ(x[i]), then y[i] = x[i]·s[i], for i < n, n a multiple of 4.
// s and y may be the same array: y is stored after s.
TEXT ·siluAVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ s+8(FP), DI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	VMOVUPD log2e<>(SB), Y9
	VMOVUPD magic<>(SB), Y10
	VMOVUPD ln2hi<>(SB), Y11
	VMOVUPD ln2lo<>(SB), Y12
	VMOVUPD one<>(SB), Y13
	VMOVUPD tlo<>(SB), Y14
	VMOVUPD thi<>(SB), Y15

loop12:
	CMPQ CX, $12
	JLT loop4
	VMOVUPD 0(SI), Y0
	VMOVUPD 32(SI), Y3
	VMOVUPD 64(SI), Y6
	VXORPD negmask<>(SB), Y0, Y0
	VXORPD negmask<>(SB), Y3, Y3
	VXORPD negmask<>(SB), Y6, Y6
	VMAXPD Y0, Y14, Y0
	VMAXPD Y3, Y14, Y3
	VMAXPD Y6, Y14, Y6
	VMINPD Y0, Y15, Y0
	VMINPD Y3, Y15, Y3
	VMINPD Y6, Y15, Y6
	VMOVAPD Y10, Y1
	VMOVAPD Y10, Y4
	VMOVAPD Y10, Y7
	VFMADD231PD Y9, Y0, Y1
	VFMADD231PD Y9, Y3, Y4
	VFMADD231PD Y9, Y6, Y7
	VSUBPD Y10, Y1, Y2
	VSUBPD Y10, Y4, Y5
	VSUBPD Y10, Y7, Y8
	VFNMADD231PD Y11, Y2, Y0
	VFNMADD231PD Y11, Y5, Y3
	VFNMADD231PD Y11, Y8, Y6
	VFNMADD231PD Y12, Y2, Y0
	VFNMADD231PD Y12, Y5, Y3
	VFNMADD231PD Y12, Y8, Y6
	VMOVUPD c0<>(SB), Y2
	VMOVUPD c0<>(SB), Y5
	VMOVUPD c0<>(SB), Y8
	HORNER(FMA3)
	VPSLLQ $52, Y1, Y1
	VPSLLQ $52, Y4, Y4
	VPSLLQ $52, Y7, Y7
	VPADDQ Y1, Y2, Y2
	VPADDQ Y4, Y5, Y5
	VPADDQ Y7, Y8, Y8
	VADDPD Y13, Y2, Y2
	VADDPD Y13, Y5, Y5
	VADDPD Y13, Y8, Y8
	VDIVPD Y2, Y13, Y2
	VDIVPD Y5, Y13, Y5
	VDIVPD Y8, Y13, Y8
	VMOVUPD 0(SI), Y1 // x, kept in registers: s and y may be x
	VMOVUPD 32(SI), Y4
	VMOVUPD 64(SI), Y7
	VCMPPD $3, Y1, Y1, Y0
	VCMPPD $3, Y4, Y4, Y3
	VCMPPD $3, Y7, Y7, Y6
	VORPD Y0, Y2, Y2
	VORPD Y3, Y5, Y5
	VORPD Y6, Y8, Y8
	VMOVUPD Y2, 0(DI)
	VMOVUPD Y5, 32(DI)
	VMOVUPD Y8, 64(DI)
	VMULPD Y1, Y2, Y2
	VMULPD Y4, Y5, Y5
	VMULPD Y7, Y8, Y8
	VMOVUPD Y2, 0(DX)
	VMOVUPD Y5, 32(DX)
	VMOVUPD Y8, 64(DX)
	ADDQ $96, SI
	ADDQ $96, DI
	ADDQ $96, DX
	SUBQ $12, CX
	JMP loop12

loop4:
	CMPQ CX, $4
	JLT done
	VMOVUPD 0(SI), Y0
	VXORPD negmask<>(SB), Y0, Y0
	VMAXPD Y0, Y14, Y0
	VMINPD Y0, Y15, Y0
	VMOVAPD Y10, Y1
	VFMADD231PD Y9, Y0, Y1
	VSUBPD Y10, Y1, Y2
	VFNMADD231PD Y11, Y2, Y0
	VFNMADD231PD Y12, Y2, Y0
	VMOVUPD c0<>(SB), Y2
	HORNER(FMA1)
	VPSLLQ $52, Y1, Y1
	VPADDQ Y1, Y2, Y2
	VADDPD Y13, Y2, Y2
	VDIVPD Y2, Y13, Y2
	VMOVUPD 0(SI), Y1
	VCMPPD $3, Y1, Y1, Y0
	VORPD Y0, Y2, Y2
	VMOVUPD Y2, 0(DI)
	VMULPD Y1, Y2, Y2
	VMOVUPD Y2, 0(DX)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $4, CX
	JMP loop4

done:
	VZEROUPPER
	RET

// func siluAVX512(x, s, y *float64, n int)
// siluAVX2 with AVX-512: four vectors of eight lanes a step, so that the
// Horner chains of 32 elements are in flight at once; the same operations
// in the same order, so the same bits. n is a multiple of 32.
#define FMA4(c) \
	VFMADD213PD c, Z0, Z2; \
	VFMADD213PD c, Z3, Z5; \
	VFMADD213PD c, Z6, Z8; \
	VFMADD213PD c, Z9, Z11
#define HORNER512 \
	FMA4(Z21); FMA4(Z22); FMA4(Z23); FMA4(Z24); FMA4(Z25); FMA4(Z26); \
	FMA4(Z27); FMA4(Z28); FMA4(Z29); FMA4(Z30); FMA4(Z17); FMA4(Z17)

TEXT ·siluAVX512(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ s+8(FP), DI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSD negmask<>(SB), Z12
	VBROADCASTSD log2e<>(SB), Z13
	VBROADCASTSD magic<>(SB), Z14
	VBROADCASTSD ln2hi<>(SB), Z15
	VBROADCASTSD ln2lo<>(SB), Z16
	VBROADCASTSD one<>(SB), Z17 // also c11 and c12
	VBROADCASTSD tlo<>(SB), Z18
	VBROADCASTSD thi<>(SB), Z19
	VBROADCASTSD c0<>(SB), Z20
	VBROADCASTSD c1<>(SB), Z21
	VBROADCASTSD c2<>(SB), Z22
	VBROADCASTSD c3<>(SB), Z23
	VBROADCASTSD c4<>(SB), Z24
	VBROADCASTSD c5<>(SB), Z25
	VBROADCASTSD c6<>(SB), Z26
	VBROADCASTSD c7<>(SB), Z27
	VBROADCASTSD c8<>(SB), Z28
	VBROADCASTSD c9<>(SB), Z29
	VBROADCASTSD c10<>(SB), Z30

loop32:
	CMPQ CX, $32
	JLT done512
	VMOVUPD 0(SI), Z0
	VMOVUPD 64(SI), Z3
	VMOVUPD 128(SI), Z6
	VMOVUPD 192(SI), Z9
	VPXORQ Z12, Z0, Z0
	VPXORQ Z12, Z3, Z3
	VPXORQ Z12, Z6, Z6
	VPXORQ Z12, Z9, Z9
	VMAXPD Z0, Z18, Z0
	VMAXPD Z3, Z18, Z3
	VMAXPD Z6, Z18, Z6
	VMAXPD Z9, Z18, Z9
	VMINPD Z0, Z19, Z0
	VMINPD Z3, Z19, Z3
	VMINPD Z6, Z19, Z6
	VMINPD Z9, Z19, Z9
	VMOVAPD Z14, Z1
	VMOVAPD Z14, Z4
	VMOVAPD Z14, Z7
	VMOVAPD Z14, Z10
	VFMADD231PD Z13, Z0, Z1
	VFMADD231PD Z13, Z3, Z4
	VFMADD231PD Z13, Z6, Z7
	VFMADD231PD Z13, Z9, Z10
	VSUBPD Z14, Z1, Z2
	VSUBPD Z14, Z4, Z5
	VSUBPD Z14, Z7, Z8
	VSUBPD Z14, Z10, Z11
	VFNMADD231PD Z15, Z2, Z0
	VFNMADD231PD Z15, Z5, Z3
	VFNMADD231PD Z15, Z8, Z6
	VFNMADD231PD Z15, Z11, Z9
	VFNMADD231PD Z16, Z2, Z0
	VFNMADD231PD Z16, Z5, Z3
	VFNMADD231PD Z16, Z8, Z6
	VFNMADD231PD Z16, Z11, Z9
	VMOVAPD Z20, Z2
	VMOVAPD Z20, Z5
	VMOVAPD Z20, Z8
	VMOVAPD Z20, Z11
	HORNER512
	VPSLLQ $52, Z1, Z1
	VPSLLQ $52, Z4, Z4
	VPSLLQ $52, Z7, Z7
	VPSLLQ $52, Z10, Z10
	VPADDQ Z1, Z2, Z2
	VPADDQ Z4, Z5, Z5
	VPADDQ Z7, Z8, Z8
	VPADDQ Z10, Z11, Z11
	VADDPD Z17, Z2, Z2
	VADDPD Z17, Z5, Z5
	VADDPD Z17, Z8, Z8
	VADDPD Z17, Z11, Z11
	VDIVPD Z2, Z17, Z2
	VDIVPD Z5, Z17, Z5
	VDIVPD Z8, Z17, Z8
	VDIVPD Z11, Z17, Z11
	// NaN lanes: all bits set, as siluAVX2's OR with the unordered mask.
	VMOVUPD 0(SI), Z1
	VMOVUPD 64(SI), Z4
	VMOVUPD 128(SI), Z7
	VMOVUPD 192(SI), Z10
	VCMPPD $3, Z1, Z1, K1
	VCMPPD $3, Z4, Z4, K2
	VCMPPD $3, Z7, Z7, K3
	VCMPPD $3, Z10, Z10, K4
	VPTERNLOGQ $0xff, Z2, Z2, K1, Z2
	VPTERNLOGQ $0xff, Z5, Z5, K2, Z5
	VPTERNLOGQ $0xff, Z8, Z8, K3, Z8
	VPTERNLOGQ $0xff, Z11, Z11, K4, Z11
	VMOVUPD Z2, 0(DI)
	VMOVUPD Z5, 64(DI)
	VMOVUPD Z8, 128(DI)
	VMOVUPD Z11, 192(DI)
	VMULPD Z1, Z2, Z2
	VMULPD Z4, Z5, Z5
	VMULPD Z7, Z8, Z8
	VMULPD Z10, Z11, Z11
	VMOVUPD Z2, 0(DX)
	VMOVUPD Z5, 64(DX)
	VMOVUPD Z8, 128(DX)
	VMOVUPD Z11, 192(DX)
	ADDQ $256, SI
	ADDQ $256, DI
	ADDQ $256, DX
	SUBQ $32, CX
	JMP loop32

done512:
	VZEROUPPER
	RET

// func siluGradAVX512(d, gr, x, s *float64, n int)
// d[i] = gr[i]·(s[i] + (x[i]·s[i])·(1 − s[i])) for i < n, n a multiple of
// 16: gr·SiLU′(x) given s = σ(x), the operations of siluD1 in its order,
// unfused, so the same bits as the Go loop.
TEXT ·siluGradAVX512(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), DI
	MOVQ gr+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ s+24(FP), BX
	MOVQ n+32(FP), CX
	VBROADCASTSD one<>(SB), Z31
	XORQ AX, AX

gloop:
	VMOVUPD (BX)(AX*8), Z0
	VMOVUPD 64(BX)(AX*8), Z1
	VMULPD (SI)(AX*8), Z0, Z2
	VMULPD 64(SI)(AX*8), Z1, Z3
	VSUBPD Z0, Z31, Z4
	VSUBPD Z1, Z31, Z5
	VMULPD Z4, Z2, Z2
	VMULPD Z5, Z3, Z3
	VADDPD Z2, Z0, Z2
	VADDPD Z3, Z1, Z3
	VMULPD (DX)(AX*8), Z2, Z2
	VMULPD 64(DX)(AX*8), Z3, Z3
	VMOVUPD Z2, (DI)(AX*8)
	VMOVUPD Z3, 64(DI)(AX*8)
	ADDQ $16, AX
	CMPQ AX, CX
	JLT gloop
	VZEROUPPER
	RET

// func siluGrad12AVX512(dg, dx, h, gr, x, s *float64, n int)
// dg[i] = h[i]·SiLU′(x[i]) and dx[i] = (h[i]·gr[i])·SiLU″(x[i]) given s =
// σ(x), for i < n, n a multiple of 8: the two gradients of siluGrad's
// first-order VJP (siluD1 and siluD2, unfused, in their orders, so the
// same bits as the two Go loops) in one pass over h, x and s.
TEXT ·siluGrad12AVX512(SB), NOSPLIT, $0-56
	MOVQ dg+0(FP), DI
	MOVQ dx+8(FP), R8
	MOVQ h+16(FP), R9
	MOVQ gr+24(FP), DX
	MOVQ x+32(FP), SI
	MOVQ s+40(FP), BX
	MOVQ n+48(FP), CX
	VBROADCASTSD one<>(SB), Z31
	VADDPD Z31, Z31, Z30 // 2
	XORQ AX, AX

g12loop:
	VMOVUPD (BX)(AX*8), Z0 // s
	VMOVUPD (SI)(AX*8), Z1 // x
	VMOVUPD (R9)(AX*8), Z2 // h
	VSUBPD Z0, Z31, Z3     // 1 − s
	VMULPD Z0, Z1, Z4      // x·s
	VMULPD Z3, Z4, Z4      // ·(1 − s)
	VADDPD Z4, Z0, Z4      // s + …: SiLU′
	VMULPD Z4, Z2, Z4
	VMOVUPD Z4, (DI)(AX*8)
	VMULPD Z3, Z0, Z5      // s·(1 − s)
	VMULPD Z30, Z0, Z6     // 2s
	VSUBPD Z6, Z31, Z6     // 1 − 2s
	VMULPD Z6, Z1, Z6      // x·(1 − 2s)
	VADDPD Z6, Z30, Z6     // 2 + …
	VMULPD Z6, Z5, Z5      // SiLU″
	VMULPD (DX)(AX*8), Z2, Z6 // h·g
	VMULPD Z5, Z6, Z6
	VMOVUPD Z6, (R8)(AX*8)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT g12loop
	VZEROUPPER
	RET

BROADCAST(elo, $0xc086200000000000)
BROADCAST(gc2, $0x3ff9884533d43651) // 2√(2/π)
BROADCAST(ga, $0x3fa6e4e26d4801f7)  // 0.044715
BROADCAST(ga3, $0x3fc12ba9d1f60179) // 3·0.044715

// EXPCONST loads the constants EXP8 reads: Z13 log2e, Z14 magic, Z15 and
// Z16 ln 2 in two parts, Z17 one (c11 and c12), Z20–Z30 c0–c10.
#define EXPCONST \
	VBROADCASTSD log2e<>(SB), Z13; \
	VBROADCASTSD magic<>(SB), Z14; \
	VBROADCASTSD ln2hi<>(SB), Z15; \
	VBROADCASTSD ln2lo<>(SB), Z16; \
	VBROADCASTSD one<>(SB), Z17; \
	VBROADCASTSD c0<>(SB), Z20; \
	VBROADCASTSD c1<>(SB), Z21; \
	VBROADCASTSD c2<>(SB), Z22; \
	VBROADCASTSD c3<>(SB), Z23; \
	VBROADCASTSD c4<>(SB), Z24; \
	VBROADCASTSD c5<>(SB), Z25; \
	VBROADCASTSD c6<>(SB), Z26; \
	VBROADCASTSD c7<>(SB), Z27; \
	VBROADCASTSD c8<>(SB), Z28; \
	VBROADCASTSD c9<>(SB), Z29; \
	VBROADCASTSD c10<>(SB), Z30

// EXP8 sets Z2 = e^t for the eight t in Z0, clobbering Z0 and Z1: sigmoid's
// exponential in its order (k = t·log2e + magic, n = k − magic, r = t − n·ln 2
// in two parts, Horner's degree-12 polynomial, n added to the exponent bits).
#define EXP8 \
	VMOVAPD Z14, Z1; \
	VFMADD231PD Z13, Z0, Z1; \
	VSUBPD Z14, Z1, Z2; \
	VFNMADD231PD Z15, Z2, Z0; \
	VFNMADD231PD Z16, Z2, Z0; \
	VMOVAPD Z20, Z2; \
	VFMADD213PD Z21, Z0, Z2; \
	VFMADD213PD Z22, Z0, Z2; \
	VFMADD213PD Z23, Z0, Z2; \
	VFMADD213PD Z24, Z0, Z2; \
	VFMADD213PD Z25, Z0, Z2; \
	VFMADD213PD Z26, Z0, Z2; \
	VFMADD213PD Z27, Z0, Z2; \
	VFMADD213PD Z28, Z0, Z2; \
	VFMADD213PD Z29, Z0, Z2; \
	VFMADD213PD Z30, Z0, Z2; \
	VFMADD213PD Z17, Z0, Z2; \
	VFMADD213PD Z17, Z0, Z2; \
	VPSLLQ $52, Z1, Z1; \
	VPADDQ Z1, Z2, Z2

// func expAVX512(x, y *float64, n int)
// y[i] = expSoft(x[i]) for i < n, n a positive multiple of 8: sigmoid's
// exponential (the operations of expSoft in its order, so the same bits),
// then 0 in the lanes below −708 and all bits set (NaN) in NaN lanes. y
// may be x. One vector a step: the steps' Horner chains are independent,
// and the CPU overlaps them.
TEXT ·expAVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	EXPCONST
	VBROADCASTSD elo<>(SB), Z18
	VBROADCASTSD thi<>(SB), Z19

eloop:
	VMOVUPD (SI), Z3
	VMINPD Z3, Z19, Z0 // t = min(708, x)
	EXP8
	VCMPPD $1, Z18, Z3, K1 // x < −708, −∞ included
	VPXORQ Z2, Z2, K1, Z2
	VCMPPD $3, Z3, Z3, K2 // NaN
	VPTERNLOGQ $0xff, Z2, Z2, K2, Z2
	VMOVUPD Z2, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $8, CX
	JNZ eloop
	VZEROUPPER
	RET

// GELUSIG sets Z2 = σ(z) for z = 2√(2/π)(v + 0.044715v³) of the eight v in
// Z3 (geluTanhZ, then sigmoid, in their orders), z left in Z4; all bits set
// (NaN) where z is NaN. Needs EXPCONST's registers and Z11 ga, Z12 negmask,
// Z18 tlo, Z19 thi, Z31 gc2; clobbers Z0 and Z1.
#define GELUSIG \
	VMULPD Z11, Z3, Z4; \
	VMULPD Z3, Z4, Z4; \
	VMULPD Z3, Z4, Z4; \
	VADDPD Z4, Z3, Z4; \
	VMULPD Z4, Z31, Z4; \
	VPXORQ Z12, Z4, Z0; \
	VMAXPD Z0, Z18, Z0; \
	VMINPD Z0, Z19, Z0; \
	EXP8; \
	VADDPD Z17, Z2, Z2; \
	VDIVPD Z2, Z17, Z2; \
	VCMPPD $3, Z4, Z4, K1; \
	VPTERNLOGQ $0xff, Z2, Z2, K1, Z2

#define GELUCONST \
	EXPCONST; \
	VBROADCASTSD ga<>(SB), Z11; \
	VBROADCASTSD negmask<>(SB), Z12; \
	VBROADCASTSD tlo<>(SB), Z18; \
	VBROADCASTSD thi<>(SB), Z19; \
	VBROADCASTSD gc2<>(SB), Z31

// func geluTanhAVX512(x, y *float64, n int)
// y[i] = x[i]·σ(z(x[i])) for i < n, n a positive multiple of 8: GELUTanh
// with geluTanhGeneric's operations in its order, so the same bits.
TEXT ·geluTanhAVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	GELUCONST

gfloop:
	VMOVUPD (SI), Z3
	GELUSIG
	VMULPD Z2, Z3, Z2
	VMOVUPD Z2, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $8, CX
	JNZ gfloop
	VZEROUPPER
	RET

// func geluTanhVJPAVX512(d, gr, x *float64, n int)
// d[i] = gr[i]·(s + v·s·(1 − s)·2√(2/π)·(1 + 3·0.044715·v²)), v = x[i] and
// s = σ(z(v)), for i < n, n a positive multiple of 8: geluTanhVJPGeneric's
// operations in its order, so the same bits.
TEXT ·geluTanhVJPAVX512(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ gr+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	GELUCONST
	VBROADCASTSD ga3<>(SB), Z10

gbloop:
	VMOVUPD (SI), Z3
	GELUSIG
	VMULPD Z2, Z3, Z5 // v·s
	VSUBPD Z2, Z17, Z6 // 1 − s
	VMULPD Z6, Z5, Z5
	VMULPD Z31, Z5, Z5
	VMULPD Z10, Z3, Z6 // 3·0.044715·v
	VMULPD Z3, Z6, Z6
	VADDPD Z17, Z6, Z6
	VMULPD Z6, Z5, Z5
	VADDPD Z5, Z2, Z5 // s + …
	VMULPD (DX), Z5, Z5
	VMOVUPD Z5, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $8, CX
	JNZ gbloop
	VZEROUPPER
	RET

// siluF32AVX512's constants, float32: the clamp of x, −log₂e, 1.5·2²³,
// ln 2 in two parts (the first of nine bits, so n·ln2hi is exact) and the
// Taylor coefficients 1/k! of e^r, k = 7 down to 2 (those of 1 and 0
// are the constant 1).
DATA s32lo<>+0(SB)/4, $0xc2b00000
GLOBL s32lo<>(SB), RODATA|NOPTR, $4
DATA s32hi<>+0(SB)/4, $0x42ae0000
GLOBL s32hi<>(SB), RODATA|NOPTR, $4
DATA s32nlog2e<>+0(SB)/4, $0xbfb8aa3b
GLOBL s32nlog2e<>(SB), RODATA|NOPTR, $4
DATA s32magic<>+0(SB)/4, $0x4b400000
GLOBL s32magic<>(SB), RODATA|NOPTR, $4
DATA s32ln2hi<>+0(SB)/4, $0x3f318000
GLOBL s32ln2hi<>(SB), RODATA|NOPTR, $4
DATA s32ln2lo<>+0(SB)/4, $0xb95e8083
GLOBL s32ln2lo<>(SB), RODATA|NOPTR, $4
DATA s32one<>+0(SB)/4, $0x3f800000
GLOBL s32one<>(SB), RODATA|NOPTR, $4
DATA s32c7<>+0(SB)/4, $0x39500d01
GLOBL s32c7<>(SB), RODATA|NOPTR, $4
DATA s32c6<>+0(SB)/4, $0x3ab60b61
GLOBL s32c6<>(SB), RODATA|NOPTR, $4
DATA s32c5<>+0(SB)/4, $0x3c088889
GLOBL s32c5<>(SB), RODATA|NOPTR, $4
DATA s32c4<>+0(SB)/4, $0x3d2aaaab
GLOBL s32c4<>(SB), RODATA|NOPTR, $4
DATA s32c3<>+0(SB)/4, $0x3e2aaaab
GLOBL s32c3<>(SB), RODATA|NOPTR, $4
DATA s32c2<>+0(SB)/4, $0x3f000000
GLOBL s32c2<>(SB), RODATA|NOPTR, $4

// SIGMA32CONST loads the float32 σ's constants into Z16–Z28.
#define SIGMA32CONST \
	VBROADCASTSS s32lo<>(SB), Z16; \
	VBROADCASTSS s32hi<>(SB), Z17; \
	VBROADCASTSS s32nlog2e<>(SB), Z18; \
	VBROADCASTSS s32magic<>(SB), Z19; \
	VBROADCASTSS s32ln2hi<>(SB), Z20; \
	VBROADCASTSS s32ln2lo<>(SB), Z21; \
	VBROADCASTSS s32one<>(SB), Z22; \
	VBROADCASTSS s32c7<>(SB), Z23; \
	VBROADCASTSS s32c6<>(SB), Z24; \
	VBROADCASTSS s32c5<>(SB), Z25; \
	VBROADCASTSS s32c4<>(SB), Z26; \
	VBROADCASTSS s32c3<>(SB), Z27; \
	VBROADCASTSS s32c2<>(SB), Z28

// CVT16R rounds the sixteen float64 values in lo and hi to float32 in z
// (y its low half; yt a scratch half register).
#define CVT16R(lo, hi, y, z, yt) \
	VCVTPD2PS lo, y; \
	VCVTPD2PS hi, yt; \
	VINSERTF32X8 $1, yt, z, z

// SIG32R sets s to σ of the sixteen float32 values in v (see
// siluF32AVX512); it uses v, t1 and t2.
#define SIG32R(v, t1, t2, s) \
	VMINPS Z17, v, v; \
	VMAXPS Z16, v, v; \
	VMOVAPS Z19, t1; \
	VFMADD231PS Z18, v, t1; \
	VSUBPS Z19, t1, t2; \
	VFNMSUB231PS Z20, t2, v; \
	VFNMADD231PS Z21, t2, v; \
	VMOVAPS Z23, s; \
	VFMADD213PS Z24, v, s; \
	VFMADD213PS Z25, v, s; \
	VFMADD213PS Z26, v, s; \
	VFMADD213PS Z27, v, s; \
	VFMADD213PS Z28, v, s; \
	VFMADD213PS Z22, v, s; \
	VFMADD213PS Z22, v, s; \
	VPSLLD $23, t1, t1; \
	VPADDD t1, s, s; \
	VADDPS Z22, s, s; \
	VDIVPS s, Z22, s

// SIG32X2 is SIG32R on two sets of registers at once, their operations
// interleaved: one step's chain of dependent operations is long, and two
// keep the pipelines busier (σ of 32 values 1.1× faster than one set after
// the other).
#define SIG32X2(v, t1, t2, s, w, u1, u2, r) \
	VMINPS Z17, v, v; \
	VMINPS Z17, w, w; \
	VMAXPS Z16, v, v; \
	VMAXPS Z16, w, w; \
	VMOVAPS Z19, t1; \
	VMOVAPS Z19, u1; \
	VFMADD231PS Z18, v, t1; \
	VFMADD231PS Z18, w, u1; \
	VSUBPS Z19, t1, t2; \
	VSUBPS Z19, u1, u2; \
	VFNMSUB231PS Z20, t2, v; \
	VFNMSUB231PS Z20, u2, w; \
	VFNMADD231PS Z21, t2, v; \
	VFNMADD231PS Z21, u2, w; \
	VMOVAPS Z23, s; \
	VMOVAPS Z23, r; \
	VFMADD213PS Z24, v, s; \
	VFMADD213PS Z24, w, r; \
	VFMADD213PS Z25, v, s; \
	VFMADD213PS Z25, w, r; \
	VFMADD213PS Z26, v, s; \
	VFMADD213PS Z26, w, r; \
	VFMADD213PS Z27, v, s; \
	VFMADD213PS Z27, w, r; \
	VFMADD213PS Z28, v, s; \
	VFMADD213PS Z28, w, r; \
	VFMADD213PS Z22, v, s; \
	VFMADD213PS Z22, w, r; \
	VFMADD213PS Z22, v, s; \
	VFMADD213PS Z22, w, r; \
	VPSLLD $23, t1, t1; \
	VPSLLD $23, u1, u1; \
	VPADDD t1, s, s; \
	VPADDD u1, r, r; \
	VADDPS Z22, s, s; \
	VADDPS Z22, r, r; \
	VDIVPS s, Z22, s; \
	VDIVPS r, Z22, r

// WIDEN32R widens the sixteen float32 values in s (ys its low half) to
// float64 in lo (the first eight) and hi (yhi its low half).
#define WIDEN32R(s, ys, lo, yhi, hi) \
	VCVTPS2PD ys, lo; \
	VEXTRACTF32X8 $1, s, yhi; \
	VCVTPS2PD yhi, hi

// CVT16, SIG32 and WIDEN32 are those on Z0 and Z1 → Z2 → Z6 → Z7 and Z8,
// with Z3–Z5 for scratch.
#define CVT16 CVT16R(Z0, Z1, Y2, Z2, Y3)
#define SIG32 SIG32R(Z2, Z4, Z5, Z6)
#define WIDEN32 WIDEN32R(Z6, Y6, Z7, Y8, Z8)

// SIGMA32 sets Z7 and Z8 to σ of the sixteen float64 values in Z0 and Z1
// (CVT16, SIG32, WIDEN32); it uses Z2–Z6.
#define SIGMA32 CVT16; SIG32; WIDEN32

// LOADX16 loads the step's sixteen float64 values of x at SI into Z0 and
// Z1 under the masks K1 and K2 (zeros past the last).
#define LOADX16 VMOVUPD.Z 0(SI), K1, Z0; VMOVUPD.Z 64(SI), K2, Z1

// ALL16 sets K1 and K2 to all eight lanes each: the whole steps' masks.
#define ALL16 MOVQ $0xff, AX; KMOVW AX, K1; KMOVW AX, K2

// STEP16 goes to full for a whole step of sixteen values (CX ≥ 16), to
// done when none is left, and else sets the masks of the last 1–15
// (MASK16) and goes on into the step.
#define STEP16(full, done) CMPQ CX, $16; JGE full; TESTQ CX, CX; JZ done; MASK16

// MASK16 sets K1 and K2 to the first CX (1–15) of sixteen float64 lanes
// and CX to 16, for a step's masked last values.
#define MASK16 \
	MOVQ $1, AX; \
	SHLQ CX, AX; \
	DECQ AX; \
	KMOVW AX, K1; \
	SHRQ $8, AX; \
	KMOVW AX, K2; \
	MOVQ $16, CX

// func siluF32AVX512(x, s, y *float64, n int)
// s = σ(x) computed in float32 and y = x·s in float64 (unless y is nil: σ
// alone), sixteen values a step, the last n mod 16 under masks; s and y
// may be x, and each other.
// x is rounded to float32 and clamped to [−88, 87], so that 2ⁿ below stays
// a normal float32 (and σ there is 1, or below float32's least normal);
// e^−x = 2ⁿ·e^r with n = round(−x·log₂e) by adding and subtracting
// 1.5·2²³, r = −x − n·ln 2 (|r| ≤ ln 2/2) and e^r by its Taylor polynomial
// of degree 7 (truncation below 6·10⁻⁹, a tenth of float32's unit of
// rounding) in Horner form with fused multiply-adds; 2ⁿ is added to the
// exponent bits; σ = 1/(1 + e^−x) by a division, then widened. y
// multiplies the unrounded x, so SiLU(x) = x where σ is 1 and NaN stays
// NaN.
TEXT ·siluF32AVX512(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ s+8(FP), DI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	SIGMA32CONST
	ALL16

s32loop:
	CMPQ CX, $32
	JLT s32one
	VMOVUPD 0(SI), Z0
	VMOVUPD 64(SI), Z1
	VMOVUPD 128(SI), Z9
	VMOVUPD 192(SI), Z10
	CVT16
	CVT16R(Z9, Z10, Y11, Z11, Y12)
	SIG32X2(Z2, Z4, Z5, Z6, Z11, Z12, Z13, Z14)
	WIDEN32
	WIDEN32R(Z14, Y14, Z15, Y29, Z29)
	VMOVUPD Z7, 0(DI)
	VMOVUPD Z8, 64(DI)
	VMOVUPD Z15, 128(DI)
	VMOVUPD Z29, 192(DI)
	TESTQ DX, DX
	JZ s32next2
	VMULPD Z7, Z0, Z0
	VMULPD Z8, Z1, Z1
	VMULPD Z15, Z9, Z9
	VMULPD Z29, Z10, Z10
	VMOVUPD Z0, 0(DX)
	VMOVUPD Z1, 64(DX)
	VMOVUPD Z9, 128(DX)
	VMOVUPD Z10, 192(DX)
	ADDQ $256, DX

s32next2:
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $32, CX
	JMP s32loop

s32one:
	STEP16(s32full, s32done)

s32full:
	LOADX16
	SIGMA32
	VMOVUPD Z7, K1, 0(DI)
	VMOVUPD Z8, K2, 64(DI)
	TESTQ DX, DX
	JZ s32next // σ alone
	VMULPD Z7, Z0, Z0
	VMULPD Z8, Z1, Z1
	VMOVUPD Z0, K1, 0(DX)
	VMOVUPD Z1, K2, 64(DX)
	ADDQ $128, DX

s32next:
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $16, CX
	JMP s32loop

s32done:
	VZEROUPPER
	RET

// DSILU sets the sixteen float64 values of d at lo(DI) and hi(DI) to those
// of gr at lo(DX) and hi(DX) times SiLU′(x) = s + (x·s)·(1 − s), given x in
// xlo and xhi and s = σ(x) in slo and shi (siluGradAVX512's operations in
// its order), under the masks K1 and K2; a, b, c and e are scratch. Z31
// holds 1.
#define DSILU(xlo, xhi, slo, shi, a, b, c, e, lo, hi) \
	DSILUD(xlo, xhi, slo, shi, a, b, c, e); \
	VMOVUPD.Z lo(DX), K1, c; \
	VMOVUPD.Z hi(DX), K2, e; \
	VMULPD c, a, a; \
	VMULPD e, b, b; \
	VMOVUPD a, K1, lo(DI); \
	VMOVUPD b, K2, hi(DI)

// DSILUW is DSILU for a whole step, unmasked: masked loads and stores,
// even under full masks, ran 2.5× slower than plain ones on memory not in
// cache (Zen 5: the hardware prefetcher does not follow masked loads).
#define DSILUW(xlo, xhi, slo, shi, a, b, c, e, lo, hi) \
	DSILUD(xlo, xhi, slo, shi, a, b, c, e); \
	VMOVUPD lo(DX), c; \
	VMOVUPD hi(DX), e; \
	VMULPD c, a, a; \
	VMULPD e, b, b; \
	VMOVUPD a, lo(DI); \
	VMOVUPD b, hi(DI)

// DSILUD sets a and b to SiLU′ of the sixteen values (DSILU's first part).
#define DSILUD(xlo, xhi, slo, shi, a, b, c, e) \
	VMULPD xlo, slo, a; \
	VMULPD xhi, shi, b; \
	VSUBPD slo, Z31, c; \
	VSUBPD shi, Z31, e; \
	VMULPD c, a, a; \
	VMULPD e, b, b; \
	VADDPD a, slo, a; \
	VADDPD b, shi, b

// func siluGradF32AVX512(d, gr, x *float64, n int)
// d = gr·SiLU′(x) = gr·(s + (x·s)·(1 − s)) with s = σ(x) recomputed as
// siluF32AVX512 computes it, then siluGradAVX512's operations in its
// order: the same bits as siluGradBlock given that s, without reading it
// (d may be gr or x). Sixteen values a step, the last n mod 16 under
// masks.
TEXT ·siluGradF32AVX512(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ gr+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	SIGMA32CONST
	VBROADCASTSD one<>(SB), Z31
	ALL16

gfloop:
	CMPQ CX, $32
	JLT gfone
	VMOVUPD 0(SI), Z0
	VMOVUPD 64(SI), Z1
	VMOVUPD 128(SI), Z9
	VMOVUPD 192(SI), Z10
	CVT16
	CVT16R(Z9, Z10, Y11, Z11, Y12)
	SIG32X2(Z2, Z4, Z5, Z6, Z11, Z12, Z13, Z14)
	WIDEN32
	DSILUW(Z0, Z1, Z7, Z8, Z2, Z3, Z4, Z5, 0, 64)
	WIDEN32R(Z14, Y14, Z7, Y8, Z8)
	DSILUW(Z9, Z10, Z7, Z8, Z2, Z3, Z4, Z5, 128, 192)
	ADDQ $256, SI
	ADDQ $256, DX
	ADDQ $256, DI
	SUBQ $32, CX
	JMP gfloop

gfone:
	STEP16(gffull, gfdone)

gffull:
	LOADX16
	SIGMA32
	DSILU(Z0, Z1, Z7, Z8, Z9, Z10, Z11, Z12, 0, 64)
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, DI
	SUBQ $16, CX
	JMP gfloop

gfdone:
	VZEROUPPER
	RET

// GELUTanh's constants in float32: 0.044715, 2√(2/π) and 3·0.044715.
DATA g32a<>+0(SB)/4, $0x3d372713
GLOBL g32a<>(SB), RODATA|NOPTR, $4
DATA g32k<>+0(SB)/4, $0x3fcc422a
GLOBL g32k<>(SB), RODATA|NOPTR, $4
DATA g32a3<>+0(SB)/4, $0x3e095d4f
GLOBL g32a3<>(SB), RODATA|NOPTR, $4

// GELUZ32 sets Z2 to z = 2√(2/π)·v·(1 + 0.044715v²) of the float32 values
// v in Z2, keeping v in Z9 and v² in Z10 (constants in Z29, Z30).
#define GELUZ32 \
	VMOVAPS Z2, Z9; \
	VMULPS Z9, Z9, Z10; \
	VMOVAPS Z22, Z2; \
	VFMADD231PS Z29, Z10, Z2; \
	VMULPS Z9, Z2, Z2; \
	VMULPS Z30, Z2, Z2

// GELU32CONST loads σ's float32 constants (SIGMA32CONST) and GELUZ32's
// (Z29, Z30).
#define GELU32CONST SIGMA32CONST; VBROADCASTSS g32a<>(SB), Z29; VBROADCASTSS g32k<>(SB), Z30

// GELUSIG32 sets Z6 to σ(z) of the sixteen float64 values x in Z0 and Z1,
// v = x rounded to float32 in Z9 and v² in Z10 (CVT16, GELUZ32, SIG32).
#define GELUSIG32 CVT16; GELUZ32; SIG32

// func geluF32AVX512(x, y *float64, n int)
// y = x·σ(z) (GELUTanh) with v = x rounded to float32, z and σ computed in
// float32 (SIG32) and σ widened; sixteen values a step, the last n mod 16
// under masks; y may be x.
TEXT ·geluF32AVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	GELU32CONST
	ALL16

glloop:
	CMPQ CX, $16
	JLT gltail
	VMOVUPD 0(SI), Z0 // unmasked: see DSILUW
	VMOVUPD 64(SI), Z1
	GELUSIG32
	WIDEN32
	VMULPD Z7, Z0, Z0
	VMULPD Z8, Z1, Z1
	VMOVUPD Z0, 0(DI)
	VMOVUPD Z1, 64(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $16, CX
	JMP glloop

gltail:
	TESTQ CX, CX
	JZ gldone
	MASK16
	LOADX16
	GELUSIG32
	WIDEN32
	VMULPD Z7, Z0, Z0
	VMULPD Z8, Z1, Z1
	VMOVUPD Z0, K1, 0(DI)
	VMOVUPD Z1, K2, 64(DI)

gldone:
	VZEROUPPER
	RET

// GELUD32 sets Z7 and Z8 to GELUTanh's derivative D at the sixteen
// values of x in Z0 and Z1 (see geluVJPF32AVX512), widened to float64:
// 1 − s, v·s, their product times 2√(2/π) and 1 + 3·0.044715v², plus s.
#define GELUD32 \
	GELUSIG32; \
	VSUBPS Z6, Z22, Z11; \
	VMULPS Z6, Z9, Z12; \
	VMULPS Z11, Z12, Z12; \
	VMULPS Z30, Z12, Z12; \
	VMOVAPS Z22, Z13; \
	VFMADD231PS Z31, Z10, Z13; \
	VMULPS Z13, Z12, Z12; \
	VADDPS Z12, Z6, Z6; \
	WIDEN32

// func geluVJPF32AVX512(d, gr, x *float64, n int)
// d = gr·D with D = s + v·s·(1 − s)·2√(2/π)·(1 + 3·0.044715v²), s = σ(z),
// GELUTanh's derivative computed in float32 as geluF32AVX512 computes s,
// then widened; sixteen values a step, the last n mod 16 under masks; d
// may be gr or x.
TEXT ·geluVJPF32AVX512(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ gr+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	GELU32CONST
	VBROADCASTSS g32a3<>(SB), Z31
	ALL16

gvloop:
	CMPQ CX, $16
	JLT gvtail
	VMOVUPD 0(SI), Z0 // unmasked: see DSILUW
	VMOVUPD 64(SI), Z1
	GELUD32
	VMOVUPD 0(DX), Z14
	VMOVUPD 64(DX), Z15
	VMULPD Z14, Z7, Z7
	VMULPD Z15, Z8, Z8
	VMOVUPD Z7, 0(DI)
	VMOVUPD Z8, 64(DI)
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, DI
	SUBQ $16, CX
	JMP gvloop

gvtail:
	TESTQ CX, CX
	JZ gvdone
	MASK16
	LOADX16
	GELUD32
	VMOVUPD.Z 0(DX), K1, Z14
	VMOVUPD.Z 64(DX), K2, Z15
	VMULPD Z14, Z7, Z7
	VMULPD Z15, Z8, Z8
	VMOVUPD Z7, K1, 0(DI)
	VMOVUPD Z8, K2, 64(DI)

gvdone:
	VZEROUPPER
	RET

// G12HALF computes, for the eight lanes of one half (s in sreg, x in
// xreg, h loaded under hmask from hoff), siluGrad12AVX512's two results in
// its order and stores them under the mask: dg = h·SiLU′ at off(DI), dx =
// (h·g)·SiLU″ at off(R8), g at off(DX).
#define G12HALF(sreg, xreg, mask, off) \
	VMOVUPD.Z off(R9), mask, Z9; \
	G12DG(sreg, xreg); \
	VMOVUPD Z4, mask, off(DI); \
	G12D2(sreg, xreg); \
	VMOVUPD.Z off(DX), mask, Z10; \
	VMULPD Z10, Z9, Z6; \
	VMULPD Z5, Z6, Z6; \
	VMOVUPD Z6, mask, off(R8)

// G12HALFW is G12HALF for a whole half, unmasked (see DSILUW).
#define G12HALFW(sreg, xreg, off) \
	VMOVUPD off(R9), Z9; \
	G12DG(sreg, xreg); \
	VMOVUPD Z4, off(DI); \
	G12D2(sreg, xreg); \
	VMOVUPD off(DX), Z10; \
	VMULPD Z10, Z9, Z6; \
	VMULPD Z5, Z6, Z6; \
	VMOVUPD Z6, off(R8)

// G12DG sets Z4 to dg = h·SiLU′ (h in Z9), Z3 to 1 − s.
#define G12DG(sreg, xreg) \
	VSUBPD sreg, Z31, Z3; \
	VMULPD sreg, xreg, Z4; \
	VMULPD Z3, Z4, Z4; \
	VADDPD Z4, sreg, Z4; \
	VMULPD Z4, Z9, Z4

// G12D2 sets Z5 to SiLU″ given Z3 = 1 − s.
#define G12D2(sreg, xreg) \
	VMULPD Z3, sreg, Z5; \
	VMULPD Z30, sreg, Z6; \
	VSUBPD Z6, Z31, Z6; \
	VMULPD Z6, xreg, Z6; \
	VADDPD Z6, Z30, Z6; \
	VMULPD Z6, Z5, Z5

// func siluGrad12F32AVX512(dg, dx, h, gr, x *float64, n int)
// siluGrad12AVX512 with s = σ(x) recomputed as siluF32AVX512 computes it
// (not read): the same bits given that s. Sixteen values a step, the last
// n mod 16 under masks.
TEXT ·siluGrad12F32AVX512(SB), NOSPLIT, $0-48
	MOVQ dg+0(FP), DI
	MOVQ dx+8(FP), R8
	MOVQ h+16(FP), R9
	MOVQ gr+24(FP), DX
	MOVQ x+32(FP), SI
	MOVQ n+40(FP), CX
	SIGMA32CONST
	VBROADCASTSD one<>(SB), Z31
	VADDPD Z31, Z31, Z30 // 2
	ALL16

g12floop:
	CMPQ CX, $32
	JLT g12fone
	VMOVUPD 0(SI), Z0
	VMOVUPD 64(SI), Z1
	VMOVUPD 128(SI), Z15
	VMOVUPD 192(SI), Z29
	CVT16
	CVT16R(Z15, Z29, Y11, Z11, Y12)
	SIG32X2(Z2, Z4, Z5, Z6, Z11, Z12, Z13, Z14)
	WIDEN32
	G12HALFW(Z7, Z0, 0)
	G12HALFW(Z8, Z1, 64)
	WIDEN32R(Z14, Y14, Z7, Y8, Z8)
	G12HALFW(Z7, Z15, 128)
	G12HALFW(Z8, Z29, 192)
	ADDQ $256, SI
	ADDQ $256, R9
	ADDQ $256, DX
	ADDQ $256, DI
	ADDQ $256, R8
	SUBQ $32, CX
	JMP g12floop

g12fone:
	STEP16(g12ffull, g12fdone)

g12ffull:
	LOADX16
	SIGMA32
	G12HALF(Z7, Z0, K1, 0)
	G12HALF(Z8, Z1, K2, 64)
	ADDQ $128, SI
	ADDQ $128, R9
	ADDQ $128, DX
	ADDQ $128, DI
	ADDQ $128, R8
	SUBQ $16, CX
	JMP g12fone

g12fdone:
	VZEROUPPER
	RET
