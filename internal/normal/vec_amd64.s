//go:build !purego

#include "textflag.h"

// func fillAVX2(s *[4][4]uint64, buf *[64]uint64)
//
// Y0–Y3 hold state words s0–s3 of the four lanes. Each round writes
// rotl(s0+s3, 23)+s0 for every lane, then advances the lanes:
// t = s1<<17; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45).
TEXT ·fillAVX2(SB), NOSPLIT, $0-16
	MOVQ s+0(FP), SI
	MOVQ buf+8(FP), DI
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VMOVDQU 64(SI), Y2
	VMOVDQU 96(SI), Y3
	MOVQ $16, CX // 64 words, 4 a round

loop:
	VPADDQ  Y3, Y0, Y4
	VPSLLQ  $23, Y4, Y5
	VPSRLQ  $41, Y4, Y4
	VPOR    Y5, Y4, Y4
	VPADDQ  Y0, Y4, Y4
	VMOVDQU Y4, (DI)
	VPSLLQ  $17, Y1, Y5
	VPXOR   Y0, Y2, Y2
	VPXOR   Y1, Y3, Y3
	VPXOR   Y2, Y1, Y1
	VPXOR   Y3, Y0, Y0
	VPXOR   Y5, Y2, Y2
	VPSLLQ  $45, Y3, Y6
	VPSRLQ  $19, Y3, Y3
	VPOR    Y6, Y3, Y3
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop

	VMOVDQU Y0, 0(SI)
	VMOVDQU Y1, 32(SI)
	VMOVDQU Y2, 64(SI)
	VMOVDQU Y3, 96(SI)
	VZEROUPPER
	RET

// func zigAVX2(src []uint64, dst []float64, kw *[256][2]uint64) int
//
// Per group of four words u: layer l = u & 0xff, magnitude a = (u >> 11) &
// (2⁵²−1); if every k[l] > a, write float64(a)·w[l] with u's sign bit,
// else stop there. The four layers' (k, w) pairs come by four 16-byte loads
// from the byte that holds each layer, and two unpacks sort them into a
// vector of k and one of w: cheaper here than two gathers.
TEXT ·zigAVX2(SB), NOSPLIT, $0-64
	MOVQ src_base+0(FP), SI
	MOVQ src_len+8(FP), CX
	MOVQ dst_base+24(FP), DI
	MOVQ dst_len+32(FP), DX
	CMPQ DX, CX
	CMOVQLT DX, CX
	ANDQ $-4, CX
	MOVQ kw+48(FP), R8
	XORQ AX, AX
	MOVQ $0x000fffffffffffff, R10
	MOVQ R10, X11
	VPBROADCASTQ X11, Y11
	MOVQ $0x4330000000000000, R10
	MOVQ R10, X12
	VPBROADCASTQ X12, Y12
	MOVQ $0x8000000000000000, R10
	MOVQ R10, X13
	VPBROADCASTQ X13, Y13

zloop:
	CMPQ AX, CX
	JGE  zdone
	MOVBQZX     0(SI)(AX*8), R10
	MOVBQZX     8(SI)(AX*8), R11
	MOVBQZX     16(SI)(AX*8), R12
	MOVBQZX     24(SI)(AX*8), R13
	SHLQ        $4, R10
	SHLQ        $4, R11
	SHLQ        $4, R12
	SHLQ        $4, R13
	VMOVDQU     (R8)(R10*1), X4
	VMOVDQU     (R8)(R11*1), X5
	VINSERTI128 $1, (R8)(R12*1), Y4, Y4
	VINSERTI128 $1, (R8)(R13*1), Y5, Y5
	VPUNPCKLQDQ Y5, Y4, Y6 // k of the four layers
	VPUNPCKHQDQ Y5, Y4, Y7 // w
	VMOVDQU     (SI)(AX*8), Y0
	VPSRLQ      $11, Y0, Y2
	VPAND       Y11, Y2, Y2
	VPCMPGTQ    Y2, Y6, Y5
	VMOVMSKPD   Y5, BX
	CMPQ        BX, $15
	JNE         zdone
	VPOR        Y12, Y2, Y8
	VSUBPD      Y12, Y8, Y8
	VMULPD      Y7, Y8, Y8
	VPAND       Y13, Y0, Y9
	VPOR        Y9, Y8, Y8
	VMOVUPD     Y8, (DI)(AX*8)
	ADDQ        $4, AX
	JMP         zloop

zdone:
	VZEROUPPER
	MOVQ AX, ret+56(FP)
	RET

// func fillAVX512(s *[4][4]uint64, buf *[64]uint64)
//
// fillAVX2 with AVX-512VL's 64-bit rotate (VPROLQ) in place of a shift,
// a shift and an OR: the same words, on a shorter chain of dependent
// instructions.
TEXT ·fillAVX512(SB), NOSPLIT, $0-16
	MOVQ s+0(FP), SI
	MOVQ buf+8(FP), DI
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VMOVDQU 64(SI), Y2
	VMOVDQU 96(SI), Y3
	MOVQ $16, CX

loop512:
	VPADDQ  Y3, Y0, Y4
	VPROLQ  $23, Y4, Y4
	VPADDQ  Y0, Y4, Y4
	VMOVDQU Y4, (DI)
	VPSLLQ  $17, Y1, Y5
	VPXOR   Y0, Y2, Y2
	VPXOR   Y1, Y3, Y3
	VPXOR   Y2, Y1, Y1
	VPXOR   Y3, Y0, Y0
	VPXOR   Y5, Y2, Y2
	VPROLQ  $45, Y3, Y3
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop512

	VMOVDQU Y0, 0(SI)
	VMOVDQU Y1, 32(SI)
	VMOVDQU Y2, 64(SI)
	VMOVDQU Y3, 96(SI)
	VZEROUPPER
	RET
