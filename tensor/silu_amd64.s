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
	VMOVUPD 0(SI), Y1
	VMOVUPD 32(SI), Y4
	VMOVUPD 64(SI), Y7
	VCMPPD $3, Y1, Y1, Y1
	VCMPPD $3, Y4, Y4, Y4
	VCMPPD $3, Y7, Y7, Y7
	VORPD Y1, Y2, Y2
	VORPD Y4, Y5, Y5
	VORPD Y7, Y8, Y8
	VMOVUPD Y2, 0(DI)
	VMOVUPD Y5, 32(DI)
	VMOVUPD Y8, 64(DI)
	VMULPD 0(SI), Y2, Y2
	VMULPD 32(SI), Y5, Y5
	VMULPD 64(SI), Y8, Y8
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
	VCMPPD $3, Y1, Y1, Y1
	VORPD Y1, Y2, Y2
	VMOVUPD Y2, 0(DI)
	VMULPD 0(SI), Y2, Y2
	VMOVUPD Y2, 0(DX)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $4, CX
	JMP loop4

done:
	VZEROUPPER
	RET
