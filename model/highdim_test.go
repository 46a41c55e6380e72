package model

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/eval"
)

// TestDataDigits: the digits by name are the fixed split, 1,438 training
// and 359 test images of 64 pixels, dequantised into [−1, 1], the same for
// the same seed.
func TestDataDigits(t *testing.T) {
	train, test, err := Data("digits", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if train.Dim(0) != 1438 || test.Dim(0) != 359 || train.Dim(1) != 64 || test.Dim(1) != 64 {
		t.Fatalf("shapes %v and %v; want [1438 64] and [359 64]", train.Shape(), test.Shape())
	}
	for _, v := range append(train.Data(), test.Data()...) {
		if !(v >= -1 && v < 1) {
			t.Fatalf("pixel %g outside [−1, 1)", v)
		}
	}
	again, _, _ := Data("digits", 1, 0)
	if again.Data()[100] != train.Data()[100] {
		t.Error("the same seed dequantised differently")
	}
}

// TestScoreDigits trains a small 64-d energy on the digits briefly by DSM,
// then scores it: the NLL comes from the checked AIS (log Z and NLL
// consistent with eval.NLL), bits per dimension add the stated
// dequantisation, 64·log(17/2) nats, to the nats, the Gaussian baseline is
// eval.GaussianNLL's, and the samples are 64-d and finite.
func TestScoreDigits(t *testing.T) {
	train, test, err := Data("digits", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := Config{Data: "digits", Loss: "dsm", Dim: 64, Hidden: 32, Layers: 2, Activation: "silu", Steps: 100, Batch: 128, LR: 2e-3, Seed: 1}
	m, _, err := Fit(context.Background(), c, train, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := Scoring{AIS: eval.AISCheck{Chains: 16, Steps: 20, PilotSteps: 30, Seed: 1}}
	a, err := s.Score(context.Background(), m, "digits", train, test, rand.New(rand.NewPCG(1, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if a.AIS == nil || len(a.AIS.Runs) != 4 || a.LogZ != a.AIS.LogZ {
		t.Fatalf("AIS %+v, log Z %g", a.AIS, a.LogZ)
	}
	if want := eval.NLL(m.Density(), test, a.LogZ); math.Abs(a.NLL-want) > 1e-9 {
		t.Errorf("NLL %g; eval.NLL gives %g", a.NLL, want)
	}
	deq := 64 * math.Log(17.0/2)
	if math.Abs(a.Dequantisation-deq) > 1e-9 {
		t.Errorf("dequantisation %g nats; want 64·log(17/2) = %g", a.Dequantisation, deq)
	}
	g, err := eval.GaussianNLL(train, test)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(a.GaussianNLL-g) > 1e-9 || math.Abs(a.GaussianBitsPerDim-(g+deq)/(64*math.Ln2)) > 1e-9 ||
		math.Abs(a.BitsPerDim-(a.NLL+deq)/(64*math.Ln2)) > 1e-9 {
		t.Errorf("Gaussian %g nats, %g bits/dim; model %g nats, %g bits/dim", a.GaussianNLL, a.GaussianBitsPerDim, a.NLL, a.BitsPerDim)
	}
	if a.Samples.Dim(0) != 359 || a.Samples.Dim(1) != 64 || math.IsNaN(a.MMD2) {
		t.Errorf("samples %v, MMD² %g", a.Samples.Shape(), a.MMD2)
	}
	for _, v := range a.Samples.Data() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatal("a sample is not finite")
		}
	}
	t.Logf("NLL %.2f nats (%.3f bits/dim), Gaussian %.2f (%.3f), log Z %.2f ± %.2f, converged %v",
		a.NLL, a.BitsPerDim, a.GaussianNLL, a.GaussianBitsPerDim, a.LogZ, a.AIS.SE, a.AIS.Converged)
}

// TestFitDigitsLosses: the energy losses ebm train offers beyond 2-D train
// on the 64-d digits (a few steps) into a model that generates finite
// 64-d points.
func TestFitDigitsLosses(t *testing.T) {
	train, _, err := Data("digits", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"pcd", "cd", "dsm", "ssm"} {
		c := Config{Data: "digits", Loss: l, Dim: 64, Hidden: 16, Layers: 1, Activation: "silu", Steps: 10, Batch: 64, LR: 1e-3, Seed: 1, CDReg: dataset.Float(0.1)}
		m, sum, err := Fit(context.Background(), c, train, TrainOptions{})
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		x, err := m.Generate(context.Background(), 4, rand.New(rand.NewPCG(1, 2)))
		if err != nil || x.Dim(0) != 4 || x.Dim(1) != 64 || math.IsNaN(sum.FinalLoss) {
			t.Fatalf("%s: generated %v, %v; final loss %g", l, x, err, sum.FinalLoss)
		}
	}
}
