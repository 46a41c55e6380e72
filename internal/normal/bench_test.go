package normal

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkFill(b *testing.B) {
	st := New(rand.NewPCG(1, 2))
	dst := make([]float64, 128)
	b.SetBytes(int64(8 * len(dst)))
	for b.Loop() {
		st.Fill(dst)
	}
}

func BenchmarkRandNorm(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	dst := make([]float64, 128)
	b.SetBytes(int64(8 * len(dst)))
	for b.Loop() {
		for i := range dst {
			dst[i] = r.NormFloat64()
		}
	}
}

func BenchmarkRefill(b *testing.B) {
	st := New(rand.NewPCG(1, 2))
	b.SetBytes(8 * bufLen)
	for b.Loop() {
		st.refill()
	}
}
