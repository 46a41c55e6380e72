//go:build amd64 && !purego

#include "textflag.h"

// ROWS8 loads the arguments of copyPlanesAVX512 and cvtRows32AVX512 (dst
// DI, src SI, rows BX, the strides in bytes: dstStride R8, shifted left by
// dshift, and srcStride R9) and sets K1 to the last n mod 8 values of a
// row and DX to a row's whole vectors of eight. (Defined before the first
// function, where vet does not take its arguments for that function's.)
#define ROWS8(dshift) \
	MOVQ dst+0(FP), DI; \
	MOVQ src+8(FP), SI; \
	MOVQ rows+16(FP), BX; \
	MOVQ n+24(FP), DX; \
	MOVQ dstStride+32(FP), R8; \
	MOVQ srcStride+40(FP), R9; \
	SHLQ dshift, R8; \
	SHLQ $3, R9; \
	MOVQ DX, CX; \
	ANDQ $7, CX; \
	MOVQ $1, AX; \
	SHLQ CX, AX; \
	DECQ AX; \
	KMOVW AX, K1; \
	SHRQ $3, DX

// Indexes of the even and of the odd float64 lanes of two registers, for
// VPERMT2PD (bit 3 picks the second register).
DATA evenidx<>+0(SB)/8, $0
DATA evenidx<>+8(SB)/8, $2
DATA evenidx<>+16(SB)/8, $4
DATA evenidx<>+24(SB)/8, $6
DATA evenidx<>+32(SB)/8, $8
DATA evenidx<>+40(SB)/8, $10
DATA evenidx<>+48(SB)/8, $12
DATA evenidx<>+56(SB)/8, $14
GLOBL evenidx<>(SB), RODATA|NOPTR, $64
DATA oddidx<>+0(SB)/8, $1
DATA oddidx<>+8(SB)/8, $3
DATA oddidx<>+16(SB)/8, $5
DATA oddidx<>+24(SB)/8, $7
DATA oddidx<>+32(SB)/8, $9
DATA oddidx<>+40(SB)/8, $11
DATA oddidx<>+48(SB)/8, $13
DATA oddidx<>+56(SB)/8, $15
GLOBL oddidx<>(SB), RODATA|NOPTR, $64

// SPLIT8 splits the eight pairs in Z0 and Z1 into their first values, to
// float32 in Y2, and their second, to float32 in Y0.
#define SPLIT8 \
	VMOVAPD Z0, Z2; \
	VPERMT2PD Z1, Z6, Z2; \
	VPERMT2PD Z1, Z7, Z0; \
	VCVTPD2PS Z2, Y2; \
	VCVTPD2PS Z0, Y0

// func splitPairs32(ev, od *float32, src *float64, n int)
// ev[k] = float32(src[2k]) and od[k] = float32(src[2k+1]) for k < n: a
// stride-2 convolution's image row split into its two column phases,
// eight pairs a step, the last 0–7 under masks.
TEXT ·splitPairs32(SB), NOSPLIT, $0-32
	MOVQ ev+0(FP), DI
	MOVQ od+8(FP), DX
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), CX
	VMOVDQU64 evenidx<>(SB), Z6
	VMOVDQU64 oddidx<>(SB), Z7

loop8:
	CMPQ CX, $8
	JLT tail
	VMOVUPD 0(SI), Z0
	VMOVUPD 64(SI), Z1
	SPLIT8
	VMOVUPS Y2, (DI)
	VMOVUPS Y0, (DX)
	ADDQ $128, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JMP loop8

tail:
	TESTQ CX, CX
	JZ done
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K3 // n float32 lanes
	SHLQ $1, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1 // 2n float64 lanes, the first eight
	SHRQ $8, AX
	KMOVW AX, K2 // and the rest
	VMOVUPD.Z 0(SI), K1, Z0
	VMOVUPD.Z 64(SI), K2, Z1
	SPLIT8
	VMOVUPS Y2, K3, (DI)
	VMOVUPS Y0, K3, (DX)

done:
	VZEROUPPER
	RET

// Indexes that interleave the lanes of two registers, for VPERMT2PD: the
// first four of each, then the last four.
DATA loidx<>+0(SB)/8, $0
DATA loidx<>+8(SB)/8, $8
DATA loidx<>+16(SB)/8, $1
DATA loidx<>+24(SB)/8, $9
DATA loidx<>+32(SB)/8, $2
DATA loidx<>+40(SB)/8, $10
DATA loidx<>+48(SB)/8, $3
DATA loidx<>+56(SB)/8, $11
GLOBL loidx<>(SB), RODATA|NOPTR, $64
DATA hiidx<>+0(SB)/8, $4
DATA hiidx<>+8(SB)/8, $12
DATA hiidx<>+16(SB)/8, $5
DATA hiidx<>+24(SB)/8, $13
DATA hiidx<>+32(SB)/8, $6
DATA hiidx<>+40(SB)/8, $14
DATA hiidx<>+48(SB)/8, $7
DATA hiidx<>+56(SB)/8, $15
GLOBL hiidx<>(SB), RODATA|NOPTR, $64

// MERGE8 interleaves the eight values in Z0 with the eight in Z1, the
// first eight pairs into Z2 and the last into Z0.
#define MERGE8 \
	VMOVAPD Z0, Z2; \
	VPERMT2PD Z1, Z6, Z2; \
	VPERMT2PD Z1, Z7, Z0

// func mergePairs(dst, ev, od *float64, n int)
// dst[2k] = ev[k] and dst[2k+1] = od[k] for k < n: a stride-2 row put
// together from its two column phases (splitPairs32's inverse, in float64),
// eight pairs a step, the last 0–7 under masks.
TEXT ·mergePairs(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ ev+8(FP), SI
	MOVQ od+16(FP), DX
	MOVQ n+24(FP), CX
	VMOVDQU64 loidx<>(SB), Z6
	VMOVDQU64 hiidx<>(SB), Z7

mloop8:
	CMPQ CX, $8
	JLT mtail
	VMOVUPD (SI), Z0
	VMOVUPD (DX), Z1
	MERGE8
	VMOVUPD Z2, 0(DI)
	VMOVUPD Z0, 64(DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $128, DI
	SUBQ $8, CX
	JMP mloop8

mtail:
	TESTQ CX, CX
	JZ mdone
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K3 // n values of each phase
	SHLQ $1, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1 // 2n values of the row, the first eight
	SHRQ $8, AX
	KMOVW AX, K2 // and the rest
	VMOVUPD.Z (SI), K3, Z0
	VMOVUPD.Z (DX), K3, Z1
	MERGE8
	VMOVUPD Z2, K1, 0(DI)
	VMOVUPD Z0, K2, 64(DI)

mdone:
	VZEROUPPER
	RET

// func cvtRows32AVX512(dst *float32, src *float64, rows, n, dstStride, srcStride int)
// One plane of copyPlanesAVX512 into float32: dst[r·dstStride + j] =
// float32(src[r·srcStride + j]) for r < rows, j < n, rounding as the
// float32 products' packing does. Eight values a step, the last 0–7 under
// a mask. The source is prefetched 1 KB ahead: the hardware's prefetcher
// does not follow masked loads (Zen 5), and short rows, mostly masked,
// were read at 6 GB/s from memory not in cache (14-value rows; 25 GB/s
// prefetched, as rows of whole vectors are read). padPhases32AVX512, whose
// loads are all masked, likewise: 11 → 35 GB/s.
TEXT ·cvtRows32AVX512(SB), NOSPLIT, $0-48
	ROWS8($2)
	TESTQ BX, BX
	JZ vdone

vrow:
	MOVQ SI, AX
	MOVQ DI, R10
	MOVQ DX, CX

vvec:
	TESTQ CX, CX
	JZ vtail
	PREFETCHT0 1024(AX)
	VMOVUPD (AX), Z0
	VCVTPD2PS Z0, Y0
	VMOVUPS Y0, (R10)
	ADDQ $64, AX
	ADDQ $32, R10
	DECQ CX
	JMP vvec

vtail:
	PREFETCHT0 1024(AX)
	VMOVUPD.Z (AX), K1, Z0
	VCVTPD2PS Z0, Y0
	VMOVUPS Y0, K1, (R10)
	ADDQ R9, SI
	ADDQ R8, DI
	DECQ BX
	JNZ vrow

vdone:
	VZEROUPPER
	RET

// func padPhases32AVX512(dst *float32, src *float64, masks *uint16, chunks, hs, phase, ws, w, ymax, ph, pw int)
// padPhases32: padded row Y (image row Y − ph, or zeros outside [0, ymax))
// is row Y div 2 of the row phase Y mod 2, its even padded columns going
// to one column phase and its odd to the other. Each run of eight columns
// of the two phases takes sixteen padded pixels, read from the image row
// under the run's masks (pixels outside the image read as zeros; the
// masked lanes are not touched, even before the row's start) and split as
// splitPairs32 splits them; the rows of the two row phases are written
// alternately, DI the next row's and DX the other's.
TEXT ·padPhases32AVX512(SB), NOSPLIT, $0-88
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ hs+32(FP), BX
	SHLQ $1, BX // padded rows
	MOVQ phase+40(FP), R8
	SHLQ $2, R8 // bytes between the column phases' planes
	LEAQ (DI)(R8*2), DX // the odd row phase
	MOVQ ws+48(FP), R9
	SHLQ $2, R9
	MOVQ w+56(FP), R10
	SHLQ $3, R10
	MOVQ ph+72(FP), CX
	NEGQ CX // image row yy = Y − ph
	MOVQ CX, AX
	IMULQ R10, AX
	ADDQ AX, SI
	MOVQ pw+80(FP), AX
	SHLQ $3, AX
	SUBQ AX, SI // SI: padded pixel (Y, 0), outside the image
	VMOVDQU64 evenidx<>(SB), Z6
	VMOVDQU64 oddidx<>(SB), Z7
	VPXORD Z5, Z5, Z5
	TESTQ BX, BX
	JZ pdone

prow:
	MOVQ DI, R13
	MOVQ masks+16(FP), R12
	MOVQ chunks+24(FP), R11
	CMPQ CX, ymax+64(FP)
	JCC pzero // yy < 0 or yy ≥ ymax, unsigned
	MOVQ SI, AX

pchunk:
	PREFETCHT0 1024(AX) // see cvtRows32AVX512
	KMOVW 0(R12), K1
	KMOVW 2(R12), K2
	KMOVW 4(R12), K3
	VMOVUPD.Z 0(AX), K1, Z0
	VMOVUPD.Z 64(AX), K2, Z1
	SPLIT8
	VMOVUPS Y2, K3, (R13)
	VMOVUPS Y0, K3, (R13)(R8*1)
	ADDQ $128, AX
	ADDQ $32, R13
	ADDQ $8, R12
	DECQ R11
	JNZ pchunk
	JMP pnext

pzero:
	KMOVW 4(R12), K3
	VMOVUPS Y5, K3, (R13)
	VMOVUPS Y5, K3, (R13)(R8*1)
	ADDQ $32, R13
	ADDQ $8, R12
	DECQ R11
	JNZ pzero

pnext:
	ADDQ R10, SI
	INCQ CX
	ADDQ R9, DI
	XCHGQ DI, DX
	DECQ BX
	JNZ prow

pdone:
	VZEROUPPER
	RET

// func mergePhases2(x, p *float64, masks *uint16, chunks, rows, w, pstride, ld, fp, ph, pw int, bias *float64)
// An image plane of a stride-2 adjoint put together from its four phase
// planes (convInterleave): image row yy is padded row Y = yy + ph, row
// Y div 2 (below fp, else zeros) of the row phase Y mod 2; its padded
// column X = xx + pw is column X div 2 of the column phase X mod 2, the
// phase (r, rv) plane at p + (2r + rv)·pstride, rows ld apart. Each run of
// sixteen padded columns takes eight values from each column phase under
// the run's load mask (phaseMasks' layout: zeros past the phases' fq
// columns), merged as mergePairs merges them, plus the bias unless nil,
// and stored under its two store masks (the image's w columns; the masked
// lanes are not touched, even before the row's start).
TEXT ·mergePhases2(SB), NOSPLIT, $0-96
	MOVQ x+0(FP), DI
	MOVQ pw+80(FP), AX
	SHLQ $3, AX
	SUBQ AX, DI // DI: padded column 0 of the image row
	MOVQ p+8(FP), SI
	MOVQ rows+32(FP), BX
	MOVQ pstride+48(FP), R8
	SHLQ $3, R8
	MOVQ ld+56(FP), R9
	SHLQ $3, R9
	MOVQ ph+72(FP), CX // padded row Y
	MOVQ bias+88(FP), DX
	VPXORD Z9, Z9, Z9
	TESTQ DX, DX
	JZ mpconst
	VBROADCASTSD (DX), Z9

mpconst:
	VMOVDQU64 loidx<>(SB), Z6
	VMOVDQU64 hiidx<>(SB), Z7
	TESTQ BX, BX
	JZ mpdone

mprow:
	MOVQ masks+16(FP), R11
	MOVQ chunks+24(FP), R12
	MOVQ DI, AX
	MOVQ CX, R13
	SHRQ $1, R13 // q
	CMPQ R13, fp+64(FP)
	JGE mpzero
	IMULQ R9, R13
	ADDQ SI, R13
	TESTQ $1, CX
	JZ mpchunk
	LEAQ (R13)(R8*2), R13 // the odd row phase

mpchunk:
	KMOVW 0(R11), K1
	KMOVW 2(R11), K2
	KMOVW 4(R11), K3
	VMOVUPD.Z (R13), K1, Z0
	VMOVUPD.Z (R13)(R8*1), K1, Z1
	MERGE8
	TESTQ DX, DX
	JZ mpstore
	VADDPD Z9, Z2, Z2
	VADDPD Z9, Z0, Z0

mpstore:
	VMOVUPD Z2, K2, (AX)
	VMOVUPD Z0, K3, 64(AX)
	ADDQ $64, R13
	ADDQ $128, AX
	ADDQ $8, R11
	DECQ R12
	JNZ mpchunk
	JMP mpnext

mpzero:
	KMOVW 2(R11), K2
	KMOVW 4(R11), K3
	VMOVUPD Z9, K2, (AX)
	VMOVUPD Z9, K3, 64(AX)
	ADDQ $128, AX
	ADDQ $8, R11
	DECQ R12
	JNZ mpzero

mpnext:
	MOVQ w+40(FP), R13
	LEAQ (DI)(R13*8), DI
	INCQ CX
	DECQ BX
	JNZ mprow

mpdone:
	VZEROUPPER
	RET

// func copyPlanesAVX512(dst, src *float64, rows, n, dstStride, srcStride, planes, dstPlane, srcPlane int)
// Copies n values from src + k·srcPlane + r·srcStride to dst + k·dstPlane +
// r·dstStride for each plane k < planes and row r < rows: a grid's short
// rows (3 to 28 values in the conv energy), which a memmove per row spends
// more on calling than on copying, and a piece's planes in one call, where
// a call per plane of 3–8 rows cost more than its copy. Eight values a
// step, the last 0–7 under a mask.
TEXT ·copyPlanesAVX512(SB), NOSPLIT, $0-72
	ROWS8($3)
	MOVQ planes+48(FP), R10
	MOVQ dstPlane+56(FP), R11
	MOVQ srcPlane+64(FP), R12
	SHLQ $3, R11
	SHLQ $3, R12
	MOVQ BX, R13 // rows a plane
	TESTQ R13, R13
	JZ pdone
	TESTQ R10, R10
	JZ pdone
	// from a plane's end to the next plane's start
	MOVQ R13, AX
	IMULQ R8, AX
	SUBQ AX, R11
	MOVQ R13, AX
	IMULQ R9, AX
	SUBQ AX, R12

pplane:
	MOVQ R13, BX

prow:
	XORQ AX, AX
	MOVQ DX, CX

pvec:
	TESTQ CX, CX
	JZ ptail
	VMOVUPD (SI)(AX*1), Z0
	VMOVUPD Z0, (DI)(AX*1)
	ADDQ $64, AX
	DECQ CX
	JMP pvec

ptail:
	VMOVUPD.Z (SI)(AX*1), K1, Z0
	VMOVUPD Z0, K1, (DI)(AX*1)
	ADDQ R9, SI
	ADDQ R8, DI
	DECQ BX
	JNZ prow
	ADDQ R12, SI
	ADDQ R11, DI
	DECQ R10
	JNZ pplane

pdone:
	VZEROUPPER
	RET
