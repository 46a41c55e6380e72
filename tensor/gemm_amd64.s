//go:build amd64 && !purego

#include "textflag.h"

// Each kernel's main loop starts on a 64-byte boundary (PCALIGN), so that
// its speed does not depend on where the linker puts the function: the
// float64 kernel's loop ran the conv energy's float64 E(x) 4% slower in
// binaries that placed it 32 bytes off (65.7 against 68.7 ms, 3
// interleaved rounds).

// func dgemmKernel4x8(k int, a *float64, ars, ads int, b *float64, ldb int, c *float64, ldc int)
//
// c[i·ldc + j] += Σₚ a[i·ars + p·ads]·b[p·ldb + j] for i < 4, j < 8,
// p < k (k ≥ 1): a 4×8 block of C with AVX2, read with strides as
// dgemmKernel6x16 reads its operands. Eight accumulators (two 4-lane
// registers per row of C) keep both FMA units busy; the sum over p runs in
// order from zero and is then added to C, so each element's rounding does
// not depend on how C is split.
// ADDROW adds the row of C at DX to the accumulators lo (columns 0–3) and
// hi (4–7) and stores the sums back.
#define ADDROW(lo, hi) \
	VADDPD (DX), lo, lo; \
	VADDPD 32(DX), hi, hi; \
	VMOVUPD lo, (DX); \
	VMOVUPD hi, 32(DX)

TEXT ·dgemmKernel4x8(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ ars+16(FP), R10
	SHLQ $3, R10
	MOVQ ads+24(FP), R11
	SHLQ $3, R11
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R12
	SHLQ $3, R12
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R8
	SHLQ $3, R8
	LEAQ (SI)(R10*2), R9
	ADDQ R10, R9 // R9: row 3 of A
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7

	PCALIGN $64

loop:
	VMOVUPD (DI), Y8
	VMOVUPD 32(DI), Y9
	VBROADCASTSD (SI), Y10
	VBROADCASTSD (SI)(R10*1), Y11
	VFMADD231PD Y8, Y10, Y0
	VFMADD231PD Y9, Y10, Y1
	VFMADD231PD Y8, Y11, Y2
	VFMADD231PD Y9, Y11, Y3
	VBROADCASTSD (SI)(R10*2), Y12
	VBROADCASTSD (R9), Y13
	VFMADD231PD Y8, Y12, Y4
	VFMADD231PD Y9, Y12, Y5
	VFMADD231PD Y8, Y13, Y6
	VFMADD231PD Y9, Y13, Y7
	ADDQ R11, SI
	ADDQ R11, R9
	ADDQ R12, DI
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

// func sgemmKernel6x16(k int, a, b *float32, c *float64, ldc int)
//
// c[i·ldc + j] += float64(Σₚ a[6p + i]·b[16p + j]) for i < 6, j < 16,
// p < k (k ≥ 1), the sum in float32: a 6×16 block of C from a packed 6-row
// panel of A and a packed 16-column panel of B. Twelve accumulators (two
// 8-lane registers per row of C) hide the FMA latency; the sum over p runs
// in order.
// FMAROW multiplies the two B registers by the broadcast a value in bc and
// adds into the row's accumulators lo and hi.
#define FMAROW(bc, lo, hi) \
	VFMADD231PS Y12, bc, lo; \
	VFMADD231PS Y13, bc, hi

// ADD8 widens the 8 float32 sums of acc (whose low half is xacc) to
// float64 and adds them to the 8 doubles of C at off(DX).
#define ADD8(xacc, acc, off) \
	VCVTPS2PD xacc, Y14; \
	VADDPD off(DX), Y14, Y14; \
	VMOVUPD Y14, off(DX); \
	VEXTRACTF128 $1, acc, X15; \
	VCVTPS2PD X15, Y15; \
	VADDPD off+32(DX), Y15, Y15; \
	VMOVUPD Y15, off+32(DX)

TEXT ·sgemmKernel6x16(SB), NOSPLIT, $0-40
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $3, R8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	PCALIGN $64

sloop:
	VMOVUPS (DI), Y12
	VMOVUPS 32(DI), Y13
	VBROADCASTSS (SI), Y14
	VBROADCASTSS 4(SI), Y15
	FMAROW(Y14, Y0, Y1)
	FMAROW(Y15, Y2, Y3)
	VBROADCASTSS 8(SI), Y14
	VBROADCASTSS 12(SI), Y15
	FMAROW(Y14, Y4, Y5)
	FMAROW(Y15, Y6, Y7)
	VBROADCASTSS 16(SI), Y14
	VBROADCASTSS 20(SI), Y15
	FMAROW(Y14, Y8, Y9)
	FMAROW(Y15, Y10, Y11)
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNZ sloop

	ADD8(X0, Y0, 0)
	ADD8(X1, Y1, 64)
	ADDQ R8, DX
	ADD8(X2, Y2, 0)
	ADD8(X3, Y3, 64)
	ADDQ R8, DX
	ADD8(X4, Y4, 0)
	ADD8(X5, Y5, 64)
	ADDQ R8, DX
	ADD8(X6, Y6, 0)
	ADD8(X7, Y7, 64)
	ADDQ R8, DX
	ADD8(X8, Y8, 0)
	ADD8(X9, Y9, 64)
	ADDQ R8, DX
	ADD8(X10, Y10, 0)
	ADD8(X11, Y11, 64)
	VZEROUPPER
	RET

// func packRows16(dst *float32, src *float64, ld int, k int, dld int)
//
// dst[dld·p + j] = float32(src[p·ld + j]) for p < k (k ≥ 1), j < 16: 16
// columns of a panel of B rounded to float32, four lanes per conversion.
TEXT ·packRows16(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	SHLQ $3, R8
	MOVQ k+24(FP), CX
	MOVQ dld+32(FP), R9
	SHLQ $2, R9

ploop:
	VCVTPD2PSY (SI), X0
	VCVTPD2PSY 32(SI), X1
	VCVTPD2PSY 64(SI), X2
	VCVTPD2PSY 96(SI), X3
	VMOVUPS X0, (DI)
	VMOVUPS X1, 16(DI)
	VMOVUPS X2, 32(DI)
	VMOVUPS X3, 48(DI)
	ADDQ R8, SI
	ADDQ R9, DI
	DECQ CX
	JNZ ploop
	VZEROUPPER
	RET

// func packRowsAt16(dst *float32, src *float64, off *int, k int, dld int)
//
// dst[dld·p + j] = float32(src[off[p] + j]) for p < k (k ≥ 1), j < 16:
// packRows16 for rows at arbitrary offsets.
TEXT ·packRowsAt16(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ k+24(FP), CX
	MOVQ dld+32(FP), R9
	SHLQ $2, R9

aloop:
	MOVQ (R8), AX
	LEAQ (SI)(AX*8), BX
	VCVTPD2PSY (BX), X0
	VCVTPD2PSY 32(BX), X1
	VCVTPD2PSY 64(BX), X2
	VCVTPD2PSY 96(BX), X3
	VMOVUPS X0, (DI)
	VMOVUPS X1, 16(DI)
	VMOVUPS X2, 32(DI)
	VMOVUPS X3, 48(DI)
	ADDQ $8, R8
	ADDQ R9, DI
	DECQ CX
	JNZ aloop
	VZEROUPPER
	RET

// func sgemmKernel6x32(k int, a, b *float32, c *float64, ldc int, init *float64)
//
// sgemmKernel6x16 with AVX-512: a 6×32 block of C, sixteen lanes a register,
// twelve accumulators. Each element's sum runs over p in the same order, so
// the two kernels give the same bits. With init not nil, each row of C is
// set to init's 32 values (one per column) plus the sums instead of having
// the sums added: the same float64 additions, on C's initial values read
// from init rather than from C (SETC6x32).
#define FMAROW512(bc, lo, hi) \
	VFMADD231PS Z12, bc, lo; \
	VFMADD231PS Z13, bc, hi

// WIDEN16 widens the 16 float32 sums of acc (whose low half is yacc) to
// float64, adds lo to the first eight and hi to the last eight, and stores
// them to the 16 doubles of C at off(DX).
#define WIDEN16(yacc, acc, off, lo, hi) \
	VCVTPS2PD yacc, Z14; \
	VADDPD lo, Z14, Z14; \
	VMOVUPD Z14, off(DX); \
	VEXTRACTF64X4 $1, acc, Y15; \
	VCVTPS2PD Y15, Z15; \
	VADDPD hi, Z15, Z15; \
	VMOVUPD Z15, off+64(DX)

// ADD16 adds the 16 widened sums to the doubles of C at off(DX).
#define ADD16(yacc, acc, off) WIDEN16(yacc, acc, off, off(DX), off+64(DX))

// ZERO6x32 clears the twelve accumulators of a 6×32 block (Z0–Z11).
#define ZERO6x32 \
	VPXORD Z0, Z0, Z0; VPXORD Z1, Z1, Z1; VPXORD Z2, Z2, Z2; VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; VPXORD Z5, Z5, Z5; VPXORD Z6, Z6, Z6; VPXORD Z7, Z7, Z7; \
	VPXORD Z8, Z8, Z8; VPXORD Z9, Z9, Z9; VPXORD Z10, Z10, Z10; VPXORD Z11, Z11, Z11

// FMAS4x32 adds to Z0–Z7 the step's products of the first four values of
// A's packed column at SI, broadcast, with B's row in Z12–Z13.
#define FMAS4x32 \
	VBROADCASTSS (SI), Z14; VBROADCASTSS 4(SI), Z15; \
	FMAROW512(Z14, Z0, Z1); FMAROW512(Z15, Z2, Z3); \
	VBROADCASTSS 8(SI), Z14; VBROADCASTSS 12(SI), Z15; \
	FMAROW512(Z14, Z4, Z5); FMAROW512(Z15, Z6, Z7)

// FMAS6x32 takes one step of the sum over p: the six values of A's packed
// column at SI (advanced past them), broadcast, times B's row in Z12–Z13.
#define FMAS6x32 \
	FMAS4x32; \
	VBROADCASTSS 16(SI), Z14; VBROADCASTSS 20(SI), Z15; \
	FMAROW512(Z14, Z8, Z9); FMAROW512(Z15, Z10, Z11); \
	ADDQ $24, SI

// ADDC6x32 adds the block's sums to the six rows of C from DX (row stride
// R8 bytes).
#define ADDC6x32 \
	ADD16(Y0, Z0, 0); ADD16(Y1, Z1, 128); ADDQ R8, DX; \
	ADD16(Y2, Z2, 0); ADD16(Y3, Z3, 128); ADDQ R8, DX; \
	ADD16(Y4, Z4, 0); ADD16(Y5, Z5, 128); ADDQ R8, DX; \
	ADD16(Y6, Z6, 0); ADD16(Y7, Z7, 128); ADDQ R8, DX; \
	ADD16(Y8, Z8, 0); ADD16(Y9, Z9, 128); ADDQ R8, DX; \
	ADD16(Y10, Z10, 0); ADD16(Y11, Z11, 128)

// SETC6x32 sets the six rows of C from DX (row stride R8 bytes) to the
// block's sums plus the 32 column values at R10, held in Z16–Z19.
#define SETC6x32 \
	VMOVUPD (R10), Z16; VMOVUPD 64(R10), Z17; VMOVUPD 128(R10), Z18; VMOVUPD 192(R10), Z19; \
	WIDEN16(Y0, Z0, 0, Z16, Z17); WIDEN16(Y1, Z1, 128, Z18, Z19); ADDQ R8, DX; \
	WIDEN16(Y2, Z2, 0, Z16, Z17); WIDEN16(Y3, Z3, 128, Z18, Z19); ADDQ R8, DX; \
	WIDEN16(Y4, Z4, 0, Z16, Z17); WIDEN16(Y5, Z5, 128, Z18, Z19); ADDQ R8, DX; \
	WIDEN16(Y6, Z6, 0, Z16, Z17); WIDEN16(Y7, Z7, 128, Z18, Z19); ADDQ R8, DX; \
	WIDEN16(Y8, Z8, 0, Z16, Z17); WIDEN16(Y9, Z9, 128, Z18, Z19); ADDQ R8, DX; \
	WIDEN16(Y10, Z10, 0, Z16, Z17); WIDEN16(Y11, Z11, 128, Z18, Z19)

TEXT ·sgemmKernel6x32(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $3, R8
	MOVQ init+40(FP), R10
	ZERO6x32

	PCALIGN $64

zloop:
	VMOVUPS (DI), Z12
	VMOVUPS 64(DI), Z13
	FMAS6x32
	ADDQ $128, DI
	DECQ CX
	JNZ zloop

	TESTQ R10, R10
	JNZ zinit
	ADDC6x32
	VZEROUPPER
	RET

zinit:
	SETC6x32
	VZEROUPPER
	RET

// func sgemmKernel6x32At(k int, a, b *float32, off *int, c *float64, ldc int, init *float64)
//
// sgemmKernel6x32 with B read in place: row p of the 32-column panel is
// the 32 values at b + off[p] (a convolution's float32 grid), not a packed
// panel. The same operations in the same order, so the same bits. With
// init not nil, row i of C is set to init[i] + the sums instead of having
// the sums added (a bias, or zeros, in place of a pass that fills C first:
// the same float64 additions).
// SET16 sets the doubles of C at off(DX) to the 16 widened sums plus the
// row's init value, broadcast in Z16.
#define SET16(yacc, acc, off) WIDEN16(yacc, acc, off, Z16, Z16)

TEXT ·sgemmKernel6x32At(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ off+24(FP), R9
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $3, R8
	MOVQ init+48(FP), R10
	ZERO6x32

	PCALIGN $64

atloop:
	MOVQ (R9), AX
	VMOVUPS (DI)(AX*4), Z12
	VMOVUPS 64(DI)(AX*4), Z13
	FMAS6x32
	ADDQ $8, R9
	DECQ CX
	JNZ atloop

	TESTQ R10, R10
	JNZ atinit
	ADDC6x32
	VZEROUPPER
	RET

atinit:
	VBROADCASTSD (R10), Z16
	SET16(Y0, Z0, 0)
	SET16(Y1, Z1, 128)
	ADDQ R8, DX
	VBROADCASTSD 8(R10), Z16
	SET16(Y2, Z2, 0)
	SET16(Y3, Z3, 128)
	ADDQ R8, DX
	VBROADCASTSD 16(R10), Z16
	SET16(Y4, Z4, 0)
	SET16(Y5, Z5, 128)
	ADDQ R8, DX
	VBROADCASTSD 24(R10), Z16
	SET16(Y6, Z6, 0)
	SET16(Y7, Z7, 128)
	ADDQ R8, DX
	VBROADCASTSD 32(R10), Z16
	SET16(Y8, Z8, 0)
	SET16(Y9, Z9, 128)
	ADDQ R8, DX
	VBROADCASTSD 40(R10), Z16
	SET16(Y10, Z10, 0)
	SET16(Y11, Z11, 128)
	VZEROUPPER
	RET

// func dgemmKernel6x16(k int, a *float64, ars, ads int, b *float64, ldb int, c *float64, ldc int)
//
// c[i·ldc + j] += Σₚ a[i·ars + p·ads]·b[p·ldb + j] for i < 6, j < 16,
// p < k (k ≥ 1): a 6×16 block of C with AVX-512, eight lanes a register,
// twelve accumulators. The strides let it read a packed panel (ars 1, ads
// 6; ldb 16) or a matrix where it lies: A's rows (ars lda, ads 1) or
// columns (ars 1, ads lda), B's rows (ldb). The sum over p runs in order
// from zero and is then added to C, as dgemmKernel4x8's does, so the two
// give the same bits.
#define FMAROWD(bc, lo, hi) \
	VFMADD231PD Z12, bc, lo; \
	VFMADD231PD Z13, bc, hi

// ADDROW512 adds the row of C at DX to the accumulators lo (columns 0–7)
// and hi (8–15) and stores the sums back.
#define ADDROW512(lo, hi) \
	VADDPD (DX), lo, lo; \
	VADDPD 64(DX), hi, hi; \
	VMOVUPD lo, (DX); \
	VMOVUPD hi, 64(DX)

TEXT ·dgemmKernel6x16(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ ars+16(FP), R10
	SHLQ $3, R10
	MOVQ ads+24(FP), R11
	SHLQ $3, R11
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R12
	SHLQ $3, R12
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R8
	SHLQ $3, R8
	LEAQ (SI)(R10*2), R9
	ADDQ R10, R9 // R9: row 3 of A
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	VPXORQ Z8, Z8, Z8
	VPXORQ Z9, Z9, Z9
	VPXORQ Z10, Z10, Z10
	VPXORQ Z11, Z11, Z11

	PCALIGN $64

dloop:
	VMOVUPD (DI), Z12
	VMOVUPD 64(DI), Z13
	VBROADCASTSD (SI), Z14
	VBROADCASTSD (SI)(R10*1), Z15
	FMAROWD(Z14, Z0, Z1)
	FMAROWD(Z15, Z2, Z3)
	VBROADCASTSD (SI)(R10*2), Z14
	VBROADCASTSD (R9), Z15
	FMAROWD(Z14, Z4, Z5)
	FMAROWD(Z15, Z6, Z7)
	VBROADCASTSD (R9)(R10*1), Z14
	VBROADCASTSD (R9)(R10*2), Z15
	FMAROWD(Z14, Z8, Z9)
	FMAROWD(Z15, Z10, Z11)
	ADDQ R11, SI
	ADDQ R11, R9
	ADDQ R12, DI
	DECQ CX
	JNZ dloop

	ADDROW512(Z0, Z1)
	ADDQ R8, DX
	ADDROW512(Z2, Z3)
	ADDQ R8, DX
	ADDROW512(Z4, Z5)
	ADDQ R8, DX
	ADDROW512(Z6, Z7)
	ADDQ R8, DX
	ADDROW512(Z8, Z9)
	ADDQ R8, DX
	ADDROW512(Z10, Z11)
	VZEROUPPER
	RET

// LOADT8x8 loads the 8×8 block of doubles whose rows start at SI, SI+R8,
// SI+2·R8 and R9 (row 3), R9+R8, R9+2·R8, R10 (row 6), R10+R8, and
// transposes it: interleaved in pairs (VUNPCKLPD/VUNPCKHPD), then its
// 128-bit lanes gathered twice (VSHUFF64X2), which leaves column q of the
// block in Zq.
#define LOADT8x8 \
	VMOVUPD (SI), Z0; VMOVUPD (SI)(R8*1), Z1; VMOVUPD (SI)(R8*2), Z2; VMOVUPD (R9), Z3; \
	VMOVUPD (R9)(R8*1), Z4; VMOVUPD (R9)(R8*2), Z5; VMOVUPD (R10), Z6; VMOVUPD (R10)(R8*1), Z7; \
	VUNPCKLPD Z1, Z0, Z8; VUNPCKHPD Z1, Z0, Z9; VUNPCKLPD Z3, Z2, Z10; VUNPCKHPD Z3, Z2, Z11; \
	VUNPCKLPD Z5, Z4, Z12; VUNPCKHPD Z5, Z4, Z13; VUNPCKLPD Z7, Z6, Z14; VUNPCKHPD Z7, Z6, Z15; \
	VSHUFF64X2 $0x88, Z10, Z8, Z16; VSHUFF64X2 $0xDD, Z10, Z8, Z17; \
	VSHUFF64X2 $0x88, Z11, Z9, Z18; VSHUFF64X2 $0xDD, Z11, Z9, Z19; \
	VSHUFF64X2 $0x88, Z14, Z12, Z20; VSHUFF64X2 $0xDD, Z14, Z12, Z21; \
	VSHUFF64X2 $0x88, Z15, Z13, Z22; VSHUFF64X2 $0xDD, Z15, Z13, Z23; \
	VSHUFF64X2 $0x88, Z20, Z16, Z0; VSHUFF64X2 $0xDD, Z20, Z16, Z4; \
	VSHUFF64X2 $0x88, Z21, Z17, Z2; VSHUFF64X2 $0xDD, Z21, Z17, Z6; \
	VSHUFF64X2 $0x88, Z22, Z18, Z1; VSHUFF64X2 $0xDD, Z22, Z18, Z5; \
	VSHUFF64X2 $0x88, Z23, Z19, Z3; VSHUFF64X2 $0xDD, Z23, Z19, Z7

// SETUPT8 sets up packT8's and packT8F32's registers from their arguments
// (DI dst, SI src, R8 ld, CX k, R11 dld): R8 and R11 become row strides in
// bytes (esz-byte elements in dst), CX the number of 8×8 blocks, R9 and R10
// rows 3 and 6 of src, R12 and R13 rows 3 and 6 of dst, R14 eight of its
// rows.
#define SETUPT8(esz) \
	SHLQ $3, R8; SHRQ $3, CX; IMULQ $esz, R11; \
	LEAQ (SI)(R8*2), R9; ADDQ R8, R9; LEAQ (R9)(R8*2), R10; ADDQ R8, R10; \
	LEAQ (DI)(R11*2), R12; ADDQ R11, R12; LEAQ (R12)(R11*2), R13; ADDQ R11, R13; \
	MOVQ R11, R14; SHLQ $3, R14

// STORET8 stores r0–r7 with op to dst's eight rows from DI (stride R11;
// R12 and R13 rows 3 and 6): the transposed block's columns, as doubles
// or rounded to floats.
#define STORET8(op, r0, r1, r2, r3, r4, r5, r6, r7) \
	op r0, (DI); op r1, (DI)(R11*1); op r2, (DI)(R11*2); op r3, (R12); \
	op r4, (R12)(R11*1); op r5, (R12)(R11*2); op r6, (R13); op r7, (R13)(R11*1)

// NEXTT8 steps to the next 8×8 block: eight columns of src, eight rows of dst.
#define NEXTT8 \
	ADDQ $64, SI; ADDQ $64, R9; ADDQ $64, R10; ADDQ R14, DI; ADDQ R14, R12; ADDQ R14, R13

// func packT8(dst, src *float64, ld int, k int, dld int)
//
// dst[dld·p + j] = src[j·ld + p] for j < 8, p < k (k a multiple of 8, at
// least 8): eight rows of src transposed into eight columns of dst, eight
// by eight with AVX-512 (a transposed B's panel for the float64 kernels).
TEXT ·packT8(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	MOVQ k+24(FP), CX
	MOVQ dld+32(FP), R11
	SETUPT8(8)

tloop:
	LOADT8x8
	STORET8(VMOVUPD, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	NEXTT8
	DECQ CX
	JNZ tloop
	VZEROUPPER
	RET

// func packT8F32(dst *float32, src *float64, ld int, k int, dld int)
//
// packT8 rounded to float32: dst[dld·p + j] = float32(src[j·ld + p]) (a
// transposed B's panel for the float32 kernels).
TEXT ·packT8F32(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	MOVQ k+24(FP), CX
	MOVQ dld+32(FP), R11
	SETUPT8(4)

t32loop:
	LOADT8x8
	VCVTPD2PS Z0, Y0
	VCVTPD2PS Z1, Y1
	VCVTPD2PS Z2, Y2
	VCVTPD2PS Z3, Y3
	VCVTPD2PS Z4, Y4
	VCVTPD2PS Z5, Y5
	VCVTPD2PS Z6, Y6
	VCVTPD2PS Z7, Y7
	STORET8(VMOVUPS, Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	NEXTT8
	DECQ CX
	JNZ t32loop
	VZEROUPPER
	RET

// func packAT6(pan *float32, a *float64, lda int, k int)
//
// pan[6p + i] = float32(a[p·lda + i]) for i < 6, p < k (k ≥ 1): a six-row
// panel of a transposed A (six columns of A as stored) rounded to float32,
// one stored row's six values at a time through a mask, so nothing past
// them is read or written.
TEXT ·packAT6(SB), NOSPLIT, $0-32
	MOVQ pan+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $3, R8
	MOVQ k+24(FP), CX
	MOVQ $0x3f, AX
	KMOVW AX, K1

atloop6:
	VMOVUPD.Z (SI), K1, Z0
	VCVTPD2PS Z0, Y0
	VMOVUPS Y0, K1, (DI)
	ADDQ R8, SI
	ADDQ $24, DI
	DECQ CX
	JNZ atloop6
	VZEROUPPER
	RET

// func packA6x32(pan *float32, a *float64, lda int, k int, idx *int32)
//
// pan[6p + i] = float32(a[i·lda + p]) for i < 6, p < k (k a multiple of 8,
// at least 8): a six-row panel of A rounded to float32 (packA6), eight
// columns at a time. The six rows' eight values are converted into two
// 16-lane registers (rows 0–1 and 2–3) and one half-filled (rows 4–5);
// each of the three 16-value stretches of the panel is one two-table
// permutation of the first two and a masked permutation of the third,
// with the indices and masks idx holds (packA6Idx).
TEXT ·packA6x32(SB), NOSPLIT, $0-40
	MOVQ pan+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $3, R8
	MOVQ k+24(FP), CX
	MOVQ idx+32(FP), BX
	LEAQ (SI)(R8*2), R9  // row 2
	LEAQ (R9)(R8*2), R10 // row 4
	VMOVDQU32 0(BX), Z16
	VMOVDQU32 64(BX), Z17
	VMOVDQU32 128(BX), Z18
	VMOVDQU32 192(BX), Z19
	VMOVDQU32 256(BX), Z20
	VMOVDQU32 320(BX), Z21
	KMOVW 384(BX), K1
	KMOVW 388(BX), K2
	KMOVW 392(BX), K3

a6loop:
	VCVTPD2PS (SI), Y0
	VCVTPD2PS (SI)(R8*1), Y1
	VCVTPD2PS (R9), Y2
	VCVTPD2PS (R9)(R8*1), Y3
	VCVTPD2PS (R10), Y4
	VCVTPD2PS (R10)(R8*1), Y5
	VINSERTF64X4 $1, Y1, Z0, Z0
	VINSERTF64X4 $1, Y3, Z2, Z2
	VINSERTF64X4 $1, Y5, Z4, Z4
	VMOVDQA32 Z16, Z6
	VMOVDQA32 Z18, Z7
	VMOVDQA32 Z20, Z8
	VPERMI2PS Z2, Z0, Z6
	VPERMI2PS Z2, Z0, Z7
	VPERMI2PS Z2, Z0, Z8
	VPERMPS Z4, Z17, K1, Z6
	VPERMPS Z4, Z19, K2, Z7
	VPERMPS Z4, Z21, K3, Z8
	VMOVUPS Z6, (DI)
	VMOVUPS Z7, 64(DI)
	VMOVUPS Z8, 128(DI)
	ADDQ $64, SI
	ADDQ $64, R9
	ADDQ $64, R10
	ADDQ $192, DI
	SUBQ $8, CX
	JNZ a6loop
	VZEROUPPER
	RET

// func sdotKernel4x4(k int, a *float32, lda int, b *float32, off *int, c *float64, ldc int)
//
// c[i·ldc + j] += Σₚ a[i·lda + p]·b[off[j] + p] for i, j < 4, p < k
// (k ≥ 1): a 4×4 block of the product of two matrices whose rows both run
// along p (a convolution's output gradient against its float32 grid's
// rows, read in place), sixteen p at a time. Lane l of each sum's
// accumulator adds the terms p ≡ l (mod 16) in float32 in order; the
// sixteen lanes are widened and added in float64, then added to C. The
// last k mod 16 values of each row are read through a mask, so nothing
// past a row is read.
// FMA4 adds row a's products with the four B rows (Z20–Z23) to the
// accumulators c0–c3.
#define FMA4(a, c0, c1, c2, c3) \
	VFMADD231PS Z20, a, c0; VFMADD231PS Z21, a, c1; VFMADD231PS Z22, a, c2; VFMADD231PS Z23, a, c3

// LOAD8 loads sixteen values of each row at byte offset AX: A's rows into
// Z16–Z19, B's into Z20–Z23. LOAD8K loads the lanes of mask K1, zeroing
// the others.
#define LOAD8 \
	VMOVUPS (SI)(AX*1), Z16; VMOVUPS (DI)(AX*1), Z17; VMOVUPS (BX)(AX*1), Z18; VMOVUPS (DX)(AX*1), Z19; \
	VMOVUPS (R8)(AX*1), Z20; VMOVUPS (R9)(AX*1), Z21; VMOVUPS (R10)(AX*1), Z22; VMOVUPS (R11)(AX*1), Z23

#define LOAD8K \
	VMOVUPS.Z (SI)(AX*1), K1, Z16; VMOVUPS.Z (DI)(AX*1), K1, Z17; VMOVUPS.Z (BX)(AX*1), K1, Z18; VMOVUPS.Z (DX)(AX*1), K1, Z19; \
	VMOVUPS.Z (R8)(AX*1), K1, Z20; VMOVUPS.Z (R9)(AX*1), K1, Z21; VMOVUPS.Z (R10)(AX*1), K1, Z22; VMOVUPS.Z (R11)(AX*1), K1, Z23

#define FMA16 \
	FMA4(Z16, Z0, Z1, Z2, Z3); FMA4(Z17, Z4, Z5, Z6, Z7); \
	FMA4(Z18, Z8, Z9, Z10, Z11); FMA4(Z19, Z12, Z13, Z14, Z15)

// RED16 adds the sixteen lanes of acc (yacc its lower half) in float64 to
// the double at off(R12): the halves widened and added, then the eight
// doubles summed by swapping halves, quarters and pairs (512-bit
// operations only, so AVX-512F suffices).
#define RED16(acc, yacc, off) \
	VEXTRACTF64X4 $1, acc, Y24; VCVTPS2PD yacc, Z25; VCVTPS2PD Y24, Z26; VADDPD Z26, Z25, Z25; \
	VSHUFF64X2 $0x4E, Z25, Z25, Z26; VADDPD Z26, Z25, Z25; \
	VSHUFF64X2 $0xB1, Z25, Z25, Z26; VADDPD Z26, Z25, Z25; \
	VPERMILPD $0x55, Z25, Z26; VADDPD Z26, Z25, Z25; \
	VADDSD off(R12), X25, X25; VMOVSD X25, off(R12)

// REDROW adds four accumulators to the row of C at R12 and steps R12 to
// the next row (R13 bytes on).
#define REDROW(z0, y0, z1, y1, z2, y2, z3, y3) \
	RED16(z0, y0, 0); RED16(z1, y1, 8); RED16(z2, y2, 16); RED16(z3, y3, 24); ADDQ R13, R12

// ROWAT sets r to the address of float32 element t at base, t the index
// stored i bytes into the table at AX (row offsets, grid positions): a
// kernel's row pointers.
#define ROWAT(i, base, r) MOVQ i(AX), r; LEAQ (base)(r*4), r

TEXT ·sdotKernel4x4(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R13
	SHLQ $2, R13
	LEAQ (SI)(R13*1), DI
	LEAQ (DI)(R13*1), BX
	LEAQ (BX)(R13*1), DX
	MOVQ b+24(FP), R12
	MOVQ off+32(FP), AX
	ROWAT(0, R12, R8)
	ROWAT(8, R12, R9)
	ROWAT(16, R12, R10)
	ROWAT(24, R12, R11)
	VPXORD Z0, Z0, Z0
	VMOVAPS Z0, Z1
	VMOVAPS Z0, Z2
	VMOVAPS Z0, Z3
	VMOVAPS Z0, Z4
	VMOVAPS Z0, Z5
	VMOVAPS Z0, Z6
	VMOVAPS Z0, Z7
	VMOVAPS Z0, Z8
	VMOVAPS Z0, Z9
	VMOVAPS Z0, Z10
	VMOVAPS Z0, Z11
	VMOVAPS Z0, Z12
	VMOVAPS Z0, Z13
	VMOVAPS Z0, Z14
	VMOVAPS Z0, Z15
	XORQ AX, AX
	MOVQ CX, R14
	ANDQ $15, R14 // the tail's length
	SHRQ $4, CX
	JZ dtail

	PCALIGN $64

dloop16:
	LOAD8
	FMA16
	ADDQ $64, AX
	DECQ CX
	JNZ dloop16

dtail:
	TESTQ R14, R14
	JZ dreduce
	MOVQ R14, CX
	MOVQ $1, R13
	SHLQ CX, R13
	DECQ R13
	KMOVW R13, K1
	LOAD8K
	FMA16

dreduce:
	MOVQ c+40(FP), R12
	MOVQ ldc+48(FP), R13
	SHLQ $3, R13
	REDROW(Z0, Y0, Z1, Y1, Z2, Y2, Z3, Y3)
	REDROW(Z4, Y4, Z5, Y5, Z6, Y6, Z7, Y7)
	REDROW(Z8, Y8, Z9, Y9, Z10, Y10, Z11, Y11)
	REDROW(Z12, Y12, Z13, Y13, Z14, Y14, Z15, Y15)
	VZEROUPPER
	RET

// SMALLROW takes one step of the sum over p for one row of a small
// product: A's value at ptr (float64) rounded to float32 and broadcast,
// times B's row in Z8–Z9, added to the row's sums lo and hi. The
// conversion's upper lanes come from Z31, which holds zeros: from x they
// would chain each row's conversion to the last one's broadcast.
#define SMALLROW(ptr, x, z, lo, hi) \
	VCVTSD2SS (ptr), X31, x; \
	VBROADCASTSS x, z; \
	VFMADD231PS Z8, z, lo; \
	VFMADD231PS Z9, z, hi

// SMALLSTORE sets the first n (masks K1–K4, eight columns each) of C's 32
// doubles at DX to the 32 widened sums of lo and hi plus the columns'
// initial values in Z18–Z21, as the 6×32 kernel sets C. ini is not read
// (STORE4ROWS passes each row's; R4SET reads it).
#define SMALLSTORE(ylo, lo, yhi, hi, ini) \
	VCVTPS2PD ylo, Z11; VADDPD Z18, Z11, Z11; VMOVUPD Z11, K1, (DX); \
	VEXTRACTF32X8 $1, lo, Y12; VCVTPS2PD Y12, Z12; VADDPD Z19, Z12, Z12; VMOVUPD Z12, K2, 64(DX); \
	VCVTPS2PD yhi, Z11; VADDPD Z20, Z11, Z11; VMOVUPD Z11, K3, 128(DX); \
	VEXTRACTF32X8 $1, hi, Y12; VCVTPS2PD Y12, Z12; VADDPD Z21, Z12, Z12; VMOVUPD Z12, K4, 192(DX)

// STORE4ROWS finishes the first h ≤ 4 rows of a 4×32 block, whose sums are
// in Z0–Z7 (two registers a row), with STORE, a row macro like SMALLSTORE
// that writes at dst: rows 1–3 each stride bytes past the one before,
// each row's initial values (Z16–Z19, where STORE reads them) passed as
// ini; it jumps to done after row h.
#define STORE4ROWS(STORE, h, stride, dst, done) \
	STORE(Y0, Z0, Y1, Z1, Z16); CMPQ h, $2; JLT done; ADDQ stride, dst; \
	STORE(Y2, Z2, Y3, Z3, Z17); CMPQ h, $3; JLT done; ADDQ stride, dst; \
	STORE(Y4, Z4, Y5, Z5, Z18); CMPQ h, $4; JLT done; ADDQ stride, dst; \
	STORE(Y6, Z6, Y7, Z7, Z19)

// COLMASKS4 splits the low 32 bits of r (consumed) into the masks K1–K4
// of 32 columns, eight a mask.
#define COLMASKS4(r) \
	KMOVW r, K1; SHRQ $8, r; KMOVW r, K2; SHRQ $8, r; KMOVW r, K3; SHRQ $8, r; KMOVW r, K4

// func sgemmSmall4x32(k int, a *float64, ars, ads int, b *float32, c *float64, ldc int, h, n int, init *float64)
//
// Sets rows i < h ≤ 4 of C (row stride ldc) to init (n values, one a
// column) plus the product of rows i of A
// (A's value (i, p) at a + i·ars + p·ads, rounded to float32) with the
// packed k×32 float32 panel b, columns j < n ≤ 32 only: each value's sum
// over p < k in float32 from zero, in order, with fused multiply-adds,
// then widened and added to init, as sgemmKernel6x32 computes and sets
// it, so the same bits. A is read in place, so that a small product (one
// head of attention) packs nothing but B. Rows past h repeat row h − 1.
TEXT ·sgemmSmall4x32(SB), NOSPLIT, $0-80
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ ars+16(FP), R9
	SHLQ $3, R9
	MOVQ ads+24(FP), R10
	SHLQ $3, R10
	MOVQ b+32(FP), DI
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R8
	SHLQ $3, R8
	MOVQ h+56(FP), BX
	// rows 1–3 at a + min(i, h−1)·ars
	MOVQ SI, R11
	CMPQ BX, $2
	JLT rows1
	ADDQ R9, R11
rows1:
	MOVQ R11, R12
	CMPQ BX, $3
	JLT rows2
	ADDQ R9, R12
rows2:
	MOVQ R12, R13
	CMPQ BX, $4
	JLT rows3
	ADDQ R9, R13
rows3:
	// the column masks: n ones, eight a register
	MOVQ n+64(FP), AX
	MOVQ CX, R14
	MOVQ AX, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	MOVQ R14, CX
	COLMASKS4(AX)
	VPXORD Z0, Z0, Z0; VPXORD Z1, Z1, Z1; VPXORD Z2, Z2, Z2; VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4; VPXORD Z5, Z5, Z5; VPXORD Z6, Z6, Z6; VPXORD Z7, Z7, Z7
	VPXORD Z31, Z31, Z31
	MOVQ init+72(FP), AX
	VMOVUPD.Z (AX), K1, Z18
	VMOVUPD.Z 64(AX), K2, Z19
	VMOVUPD.Z 128(AX), K3, Z20
	VMOVUPD.Z 192(AX), K4, Z21

	PCALIGN $64

smallloop:
	VMOVUPS (DI), Z8
	VMOVUPS 64(DI), Z9
	SMALLROW(SI, X14, Z14, Z0, Z1)
	SMALLROW(R11, X15, Z15, Z2, Z3)
	SMALLROW(R12, X16, Z16, Z4, Z5)
	SMALLROW(R13, X17, Z17, Z6, Z7)
	ADDQ R10, SI
	ADDQ R10, R11
	ADDQ R10, R12
	ADDQ R10, R13
	ADDQ $128, DI
	DECQ CX
	JNZ smallloop

	STORE4ROWS(SMALLSTORE, BX, R8, DX, smalldone)

smalldone:
	VZEROUPPER
	RET

// func packPanels32(dst *float32, src *float64, ld, k, panels, pstride int)
//
// dst[q·pstride + 32p + j] = float32(src[p·ld + 32q + j]) for p < k (k ≥ 1),
// q < panels (panels ≥ 1), j < 32: B's full 32-column panels, each row of B
// read once, in order, and spread over the panels. packRows16 reads 16
// columns down all k rows, then the next 16: on rows of thousands of bytes
// that steps a page a row and defeats the prefetcher.
TEXT ·packPanels32(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	SHLQ $3, R8
	MOVQ k+24(FP), CX
	MOVQ panels+32(FP), R10
	MOVQ pstride+40(FP), R9
	SHLQ $2, R9

pprow:
	MOVQ SI, AX
	MOVQ DI, BX
	MOVQ R10, DX

pppan:
	VMOVUPD 0(AX), Z0
	VMOVUPD 64(AX), Z1
	VMOVUPD 128(AX), Z2
	VMOVUPD 192(AX), Z3
	VCVTPD2PS Z0, Y0
	VCVTPD2PS Z1, Y1
	VCVTPD2PS Z2, Y2
	VCVTPD2PS Z3, Y3
	VMOVUPS Y0, 0(BX)
	VMOVUPS Y1, 32(BX)
	VMOVUPS Y2, 64(BX)
	VMOVUPS Y3, 96(BX)
	ADDQ $256, AX
	ADDQ R9, BX
	DECQ DX
	JNZ pppan
	ADDQ R8, SI
	ADDQ $128, DI
	DECQ CX
	JNZ pprow
	VZEROUPPER
	RET

// func sgemmRow128At(k int, a, b *float32, off *int, c *float64, init *float64)
//
// One row of sgemmKernel6x32At's product, 128 columns wide: c[j] += Σₚ
// a[p]·b[off[p] + j] for j < 128, p < k (k ≥ 1), or with init not nil c[j]
// = *init + the sum. Each sum runs over p in order in float32 from zero and
// is then widened and added, as the 6×32 kernel's are, so the same bits.
// For a product's last m mod 6 rows (a convolution's few output channels),
// which the 6-row kernel computes whole and throws away: eight accumulators
// for one row keep the FMAs independent, and B's loads are the bound.
#define WIDENROW(yacc, acc, off) \
	VCVTPS2PD yacc, Z14; \
	VADDPD Z16, Z14, Z14; \
	VMOVUPD Z14, off(DX); \
	VEXTRACTF64X4 $1, acc, Y15; \
	VCVTPS2PD Y15, Z15; \
	VADDPD Z17, Z15, Z15; \
	VMOVUPD Z15, off+64(DX)

// ADDROW16 and SETROW16 finish 16 columns of the row at off(DX): added to
// C, or set to init (broadcast in Z18) plus the sums.
#define ADDROW16(yacc, acc, off) \
	VMOVUPD off(DX), Z16; VMOVUPD off+64(DX), Z17; WIDENROW(yacc, acc, off)
#define SETROW16(yacc, acc, off) \
	VMOVAPD Z18, Z16; VMOVAPD Z18, Z17; WIDENROW(yacc, acc, off)

TEXT ·sgemmRow128At(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ off+24(FP), R9
	MOVQ c+32(FP), DX
	MOVQ init+40(FP), R10
	VPXORD Z0, Z0, Z0; VPXORD Z1, Z1, Z1; VPXORD Z2, Z2, Z2; VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4; VPXORD Z5, Z5, Z5; VPXORD Z6, Z6, Z6; VPXORD Z7, Z7, Z7

r128loop:
	MOVQ (R9), AX
	LEAQ (DI)(AX*4), BX
	VBROADCASTSS (SI), Z8
	VFMADD231PS 0(BX), Z8, Z0
	VFMADD231PS 64(BX), Z8, Z1
	VFMADD231PS 128(BX), Z8, Z2
	VFMADD231PS 192(BX), Z8, Z3
	VFMADD231PS 256(BX), Z8, Z4
	VFMADD231PS 320(BX), Z8, Z5
	VFMADD231PS 384(BX), Z8, Z6
	VFMADD231PS 448(BX), Z8, Z7
	ADDQ $4, SI
	ADDQ $8, R9
	DECQ CX
	JNZ r128loop

	TESTQ R10, R10
	JNZ r128init
	ADDROW16(Y0, Z0, 0)
	ADDROW16(Y1, Z1, 128)
	ADDROW16(Y2, Z2, 256)
	ADDROW16(Y3, Z3, 384)
	ADDROW16(Y4, Z4, 512)
	ADDROW16(Y5, Z5, 640)
	ADDROW16(Y6, Z6, 768)
	ADDROW16(Y7, Z7, 896)
	VZEROUPPER
	RET

r128init:
	VBROADCASTSD (R10), Z18
	SETROW16(Y0, Z0, 0)
	SETROW16(Y1, Z1, 128)
	SETROW16(Y2, Z2, 256)
	SETROW16(Y3, Z3, 384)
	SETROW16(Y4, Z4, 512)
	SETROW16(Y5, Z5, 640)
	SETROW16(Y6, Z6, 768)
	SETROW16(Y7, Z7, 896)
	VZEROUPPER
	RET

// func sgemmRow16At(k int, a, b *float32, off *int, c *float64, n int, init *float64)
//
// sgemmRow128At for the n ≤ 16 columns at the end of a row, B read and C
// read and written through masks, so that nothing past the n columns is
// touched.
TEXT ·sgemmRow16At(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), R11
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ off+24(FP), R9
	MOVQ c+32(FP), DX
	MOVQ n+40(FP), CX
	MOVQ init+48(FP), R10
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1 // the n float32 lanes
	KMOVW AX, K2
	SHRQ $8, AX
	KMOVW AX, K3 // the doubles past the first eight
	VPXORD Z0, Z0, Z0

r16loop:
	MOVQ (R9), AX
	VMOVUPS.Z (DI)(AX*4), K1, Z1
	VBROADCASTSS (SI), Z8
	VFMADD231PS Z1, Z8, Z0
	ADDQ $4, SI
	ADDQ $8, R9
	DECQ R11
	JNZ r16loop

	TESTQ R10, R10
	JNZ r16init
	VMOVUPD.Z (DX), K2, Z16
	VMOVUPD.Z 64(DX), K3, Z17
	JMP r16store

r16init:
	VBROADCASTSD (R10), Z16
	VMOVAPD Z16, Z17

r16store:
	VCVTPS2PD Y0, Z14
	VADDPD Z16, Z14, Z14
	VMOVUPD Z14, K2, (DX)
	VEXTRACTF64X4 $1, Z0, Y15
	VCVTPS2PD Y15, Z15
	VADDPD Z17, Z15, Z15
	VMOVUPD Z15, K3, 64(DX)
	VZEROUPPER
	RET

// func sgemmPos6x32(k int, grid *float32, pos *int, off *int, b *float32, tile *float64, init *float64)
//
// sgemmKernel6x32At with the roles of the operands turned: six columns of
// a convolution's product, at grid positions pos[0..5], by 32 of its rows
// (output channels), the rows' weights packed as B (k × 32). tile (6 rows
// of 32 doubles, one per position) holds each sum's initial value (set
// first from init's 32 values, unless init is nil) and gets
// tile[32i + j] += Σₚ grid[pos[i] + off[p]]·b[32p + j], summed in float32 in
// order from zero over blocks of 256 terms, each block widened and added:
// sgemmKernel6x32At's sums and additions, so the same bits, for the
// positions that are outputs only (on small maps most of a grid is not).
TEXT ·sgemmPos6x32(SB), NOSPLIT, $0-56
	MOVQ init+48(FP), AX // unless nil, the 32 values each row of the tile starts from
	TESTQ AX, AX
	JZ posnoinit
	MOVQ tile+40(FP), DX
	VMOVUPD 0(AX), Z16
	VMOVUPD 64(AX), Z17
	VMOVUPD 128(AX), Z18
	VMOVUPD 192(AX), Z19
	MOVQ $6, CX

posinit:
	VMOVUPD Z16, 0(DX)
	VMOVUPD Z17, 64(DX)
	VMOVUPD Z18, 128(DX)
	VMOVUPD Z19, 192(DX)
	ADDQ $256, DX
	DECQ CX
	JNZ posinit

posnoinit:
	MOVQ k+0(FP), BX
	MOVQ grid+8(FP), DX
	MOVQ pos+16(FP), AX
	ROWAT(0, DX, R8)
	ROWAT(8, DX, R9)
	ROWAT(16, DX, R10)
	ROWAT(24, DX, R11)
	ROWAT(32, DX, R12)
	ROWAT(40, DX, R13)
	MOVQ off+24(FP), SI
	MOVQ b+32(FP), DI
	MOVQ tile+40(FP), DX

posblock:
	MOVQ $256, CX
	CMPQ BX, CX
	CMOVQLT BX, CX
	SUBQ CX, BX
	ZERO6x32

posloop:
	MOVQ (SI), AX
	VMOVUPS (DI), Z12
	VMOVUPS 64(DI), Z13
	VBROADCASTSS (R8)(AX*4), Z14
	VBROADCASTSS (R9)(AX*4), Z15
	FMAROW512(Z14, Z0, Z1)
	FMAROW512(Z15, Z2, Z3)
	VBROADCASTSS (R10)(AX*4), Z14
	VBROADCASTSS (R11)(AX*4), Z15
	FMAROW512(Z14, Z4, Z5)
	FMAROW512(Z15, Z6, Z7)
	VBROADCASTSS (R12)(AX*4), Z14
	VBROADCASTSS (R13)(AX*4), Z15
	FMAROW512(Z14, Z8, Z9)
	FMAROW512(Z15, Z10, Z11)
	ADDQ $8, SI
	ADDQ $128, DI
	DECQ CX
	JNZ posloop

	ADD16(Y0, Z0, 0)
	ADD16(Y1, Z1, 128)
	ADD16(Y2, Z2, 256)
	ADD16(Y3, Z3, 384)
	ADD16(Y4, Z4, 512)
	ADD16(Y5, Z5, 640)
	ADD16(Y6, Z6, 768)
	ADD16(Y7, Z7, 896)
	ADD16(Y8, Z8, 1024)
	ADD16(Y9, Z9, 1152)
	ADD16(Y10, Z10, 1280)
	ADD16(Y11, Z11, 1408)
	TESTQ BX, BX
	JNZ posblock
	VZEROUPPER
	RET

// func sconvRows8x32(k int, x *float32, off *int, w *float32, y *float64, ystride int, bias *float64, n, nch, rows, xstep, ystep int)
// A shallow convolution's outputs written where they go: for 8 channels
// (nch of them written) and 32 columns (n written), y[c·ystride + j] =
// bias[c] + Σₚ w[8p + c]·x[off[p] + j], each sum in float32 from zero in
// the order of p and then widened, as sgemmKernel6x32At sums a depth
// block, so the two give the same bits; then again for rows − 1 more rows,
// x advanced xstep values a row and y ystep. Sixteen accumulators: two
// vectors of sixteen columns for each channel, the weights broadcast from
// memory.
#define FMACH(woff, lo, hi) \
	VFMADD231PS.BCST woff(SI), Z16, lo; \
	VFMADD231PS.BCST woff(SI), Z17, hi

// NEXTCH ends sconvRows8x32's row once nch channels are written, else
// steps DX to the next channel's row.
#define NEXTCH DECQ BX; JZ cvdone; ADDQ R8, DX

// OUTCH writes a channel's 32 sums (ylo, zlo: columns 0–15; yhi, zhi:
// 16–31) widened, plus its bias at boff(R10), to the doubles at DX under
// the column masks K1–K4.
#define OUTCH(ylo, zlo, yhi, zhi, boff) \
	VBROADCASTSD boff(R10), Z20; \
	VCVTPS2PD ylo, Z21; VADDPD Z20, Z21, Z21; VMOVUPD Z21, K1, 0(DX); \
	VEXTRACTF64X4 $1, zlo, Y22; VCVTPS2PD Y22, Z22; VADDPD Z20, Z22, Z22; VMOVUPD Z22, K2, 64(DX); \
	VCVTPS2PD yhi, Z21; VADDPD Z20, Z21, Z21; VMOVUPD Z21, K3, 128(DX); \
	VEXTRACTF64X4 $1, zhi, Y22; VCVTPS2PD Y22, Z22; VADDPD Z20, Z22, Z22; VMOVUPD Z22, K4, 192(DX)

TEXT ·sconvRows8x32(SB), NOSPLIT, $0-96
	MOVQ x+8(FP), DI
	MOVQ y+32(FP), R11
	MOVQ n+56(FP), CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	COLMASKS4(AX)
	MOVQ ystride+40(FP), R8
	SHLQ $3, R8
	MOVQ bias+48(FP), R10
	MOVQ rows+72(FP), R12

cvrow:
	MOVQ k+0(FP), CX
	MOVQ off+16(FP), R9
	MOVQ w+24(FP), SI
	ZERO6x32
	VPXORD Z12, Z12, Z12; VPXORD Z13, Z13, Z13; VPXORD Z14, Z14, Z14; VPXORD Z15, Z15, Z15

cvloop:
	MOVQ (R9), AX
	VMOVUPS (DI)(AX*4), Z16
	VMOVUPS 64(DI)(AX*4), Z17
	FMACH(0, Z0, Z1)
	FMACH(4, Z2, Z3)
	FMACH(8, Z4, Z5)
	FMACH(12, Z6, Z7)
	FMACH(16, Z8, Z9)
	FMACH(20, Z10, Z11)
	FMACH(24, Z12, Z13)
	FMACH(28, Z14, Z15)
	ADDQ $32, SI
	ADDQ $8, R9
	DECQ CX
	JNZ cvloop

	MOVQ R11, DX
	MOVQ nch+64(FP), BX
	OUTCH(Y0, Z0, Y1, Z1, 0)
	NEXTCH
	OUTCH(Y2, Z2, Y3, Z3, 8)
	NEXTCH
	OUTCH(Y4, Z4, Y5, Z5, 16)
	NEXTCH
	OUTCH(Y6, Z6, Y7, Z7, 24)
	NEXTCH
	OUTCH(Y8, Z8, Y9, Z9, 32)
	NEXTCH
	OUTCH(Y10, Z10, Y11, Z11, 40)
	NEXTCH
	OUTCH(Y12, Z12, Y13, Z13, 48)
	NEXTCH
	OUTCH(Y14, Z14, Y15, Z15, 56)

cvdone:
	MOVQ xstep+80(FP), AX
	LEAQ (DI)(AX*4), DI
	MOVQ ystep+88(FP), AX
	LEAQ (R11)(AX*8), R11
	DECQ R12
	JNZ cvrow
	VZEROUPPER
	RET

// func posScatter(c *float64, ldc int, pos *int, w int, tile *float64)
// c[j·ldc + pos[i]] = tile[32i + j] for i < 6, j < w: sgemmPos6x32's tile
// written to a product's columns, a channel (row of c) at a time. A
// partial tile repeats its last position, whose rows hold the same bits,
// so all six rows are written.
TEXT ·posScatter(SB), NOSPLIT, $0-40
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), DX
	SHLQ $3, DX
	MOVQ pos+16(FP), AX
	MOVQ 0(AX), R8
	MOVQ 8(AX), R9
	MOVQ 16(AX), R10
	MOVQ 24(AX), R11
	MOVQ 32(AX), R12
	MOVQ 40(AX), R13
	MOVQ w+24(FP), CX
	MOVQ tile+32(FP), SI
	TESTQ CX, CX
	JZ psdone

psloop:
	MOVSD 0(SI), X0
	MOVSD X0, (DI)(R8*8)
	MOVSD 256(SI), X1
	MOVSD X1, (DI)(R9*8)
	MOVSD 512(SI), X2
	MOVSD X2, (DI)(R10*8)
	MOVSD 768(SI), X3
	MOVSD X3, (DI)(R11*8)
	MOVSD 1024(SI), X4
	MOVSD X4, (DI)(R12*8)
	MOVSD 1280(SI), X5
	MOVSD X5, (DI)(R13*8)
	ADDQ $8, SI
	ADDQ DX, DI
	DECQ CX
	JNZ psloop

psdone:
	RET

// R4SET and R4ADD finish one row of sgemmRows4x32At's block: its 32
// float32 sums in lo and hi (ylo, yhi their lower halves) widened, plus
// the row's initial value broadcast in ini (R4SET) or plus C's values
// (R4ADD, which does not read ini), and stored at C's row at R13 under the
// column masks K1–K4 (the 6×32 kernel's widen-and-add, so the same bits).
#define R4SET(ylo, lo, yhi, hi, ini) \
	VCVTPS2PD ylo, Z20; VADDPD ini, Z20, Z20; VMOVUPD Z20, K1, (R13); \
	VEXTRACTF32X8 $1, lo, Y21; VCVTPS2PD Y21, Z21; VADDPD ini, Z21, Z21; VMOVUPD Z21, K2, 64(R13); \
	VCVTPS2PD yhi, Z20; VADDPD ini, Z20, Z20; VMOVUPD Z20, K3, 128(R13); \
	VEXTRACTF32X8 $1, hi, Y21; VCVTPS2PD Y21, Z21; VADDPD ini, Z21, Z21; VMOVUPD Z21, K4, 192(R13)

#define R4ADD(ylo, lo, yhi, hi, ini) \
	VCVTPS2PD ylo, Z20; VMOVUPD.Z (R13), K1, Z22; VADDPD Z22, Z20, Z20; VMOVUPD Z20, K1, (R13); \
	VEXTRACTF32X8 $1, lo, Y21; VCVTPS2PD Y21, Z21; VMOVUPD.Z 64(R13), K2, Z22; VADDPD Z22, Z21, Z21; VMOVUPD Z21, K2, 64(R13); \
	VCVTPS2PD yhi, Z20; VMOVUPD.Z 128(R13), K3, Z22; VADDPD Z22, Z20, Z20; VMOVUPD Z20, K3, 128(R13); \
	VEXTRACTF32X8 $1, hi, Y21; VCVTPS2PD Y21, Z21; VMOVUPD.Z 192(R13), K4, Z22; VADDPD Z22, Z21, Z21; VMOVUPD Z21, K4, 192(R13)

// func sgemmRows4x32At(k int, a, b *float32, off *int, c *float64, ldc, n, h int, init *float64)
//
// sgemmKernel6x32At for the last h (1–4) rows of a product past its 6-row
// panels, over all n of C's columns, 32 at a time, the last block under
// masks: A is packed four values a step (a row past h repeating the last),
// row p of B is the n values at b + off[p], and row i < h of C (ldc apart)
// is set to init[i] plus the sums (init not nil) or has them added, each
// sum in float32 in order from zero then widened: the 6×32 kernel's and
// the one-row kernels' operations, so the same bits, with B read once for
// the four rows where the one-row kernels read it once a row (measured on
// a 3×3 conv of 16 channels on 8×8: 62 GFLOP/s a row).
TEXT ·sgemmRows4x32At(SB), NOSPLIT, $0-72
	MOVQ b+16(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $3, R8
	MOVQ n+48(FP), R11
	MOVQ h+56(FP), R12
	MOVQ init+64(FP), R10
	TESTQ R10, R10
	JZ r4block
	VBROADCASTSD 0(R10), Z16
	VMOVAPD Z16, Z17
	VMOVAPD Z16, Z18
	VMOVAPD Z16, Z19
	CMPQ R12, $2
	JLT r4block
	VBROADCASTSD 8(R10), Z17
	CMPQ R12, $3
	JLT r4block
	VBROADCASTSD 16(R10), Z18
	CMPQ R12, $4
	JLT r4block
	VBROADCASTSD 24(R10), Z19

r4block:
	// the masks of this block's columns: min(32, columns left) ones
	MOVQ $-1, AX
	CMPQ R11, $32
	JGE r4masks
	MOVQ R11, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX

r4masks:
	COLMASKS4(AX)
	VPXORD Z0, Z0, Z0; VPXORD Z1, Z1, Z1; VPXORD Z2, Z2, Z2; VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4; VPXORD Z5, Z5, Z5; VPXORD Z6, Z6, Z6; VPXORD Z7, Z7, Z7
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ off+24(FP), R9

	PCALIGN $64

r4loop:
	MOVQ (R9), AX
	VMOVUPS (DI)(AX*4), Z12
	VMOVUPS 64(DI)(AX*4), Z13
	FMAS4x32
	ADDQ $16, SI
	ADDQ $8, R9
	DECQ CX
	JNZ r4loop

	MOVQ DX, R13
	TESTQ R10, R10
	JZ r4add
	STORE4ROWS(R4SET, R12, R8, R13, r4next)
	JMP r4next

r4add:
	STORE4ROWS(R4ADD, R12, R8, R13, r4next)

r4next:
	ADDQ $128, DI
	ADDQ $256, DX
	SUBQ $32, R11
	JG r4block
	VZEROUPPER
	RET
