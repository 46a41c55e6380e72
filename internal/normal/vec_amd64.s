//go:build !purego

#include "textflag.h"

// func fillAVX2(s *[4][4]uint64, buf *[256]uint64)
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
	MOVQ $64, CX // 256 words, 4 a round

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
