package model

import (
	"errors"
	"math"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/tensor"
)

// TestLossSettingsReachLosses: the config's score-matching, NCE and CD
// settings build the losses they name: DSM's σ and its cosine to
// sigma_end, the penalty and the probes, NCE's full-covariance noise, FCE's
// flow and its rate, CD's step schedule; bad names and negative values are refused.
func TestLossSettingsReachLosses(t *testing.T) {
	build := func(c Config, data *tensor.Tensor) loss.EnergyLoss {
		t.Helper()
		o, err := c.NewLoss(data)
		if err != nil {
			t.Fatal(err)
		}
		return o.Energy
	}
	dsm := build(Config{Loss: "dsm", Sigma: 0.2, SigmaEnd: 0.02, SMPenalty: 0.3, Steps: 100}, nil).(loss.DenoisingScoreMatching)
	if dsm.Sigma != 0 || math.Abs(dsm.SigmaSchedule.At(0)-0.2) > 1e-15 || math.Abs(dsm.SigmaSchedule.At(100)-0.02) > 1e-15 || dsm.Penalty != 0.3 {
		t.Errorf("dsm: %+v, σ(0) %g, σ(100) %g", dsm, dsm.SigmaSchedule.At(0), dsm.SigmaSchedule.At(100))
	}
	if d := build(Config{Loss: "dsm"}, nil).(loss.DenoisingScoreMatching); d.Sigma != 0.05 || d.SigmaSchedule != nil {
		t.Errorf("dsm by default: %+v, want σ = 0.05", d)
	}
	if s := build(Config{Loss: "ssm", Projection: "sphere", SMPenalty: 0.1}, nil).(loss.SlicedScoreMatching); s.ProbeType != loss.Sphere || s.Penalty != 0.1 {
		t.Errorf("ssm: %+v", s)
	}
	if s := build(Config{Loss: "sm-hutchinson", Projection: "gaussian"}, nil).(loss.ScoreMatching); s.ProbeType != loss.Gaussian || s.Method != loss.Hutchinson {
		t.Errorf("sm-hutchinson: %+v", s)
	}
	x := tensor.New([]float64{0, 0, 1, 2, 2, 1, 3, 3}, 4, 2)
	if n := build(Config{Loss: "nce", NCENoise: "full"}, x).(loss.NCE); n.Noise == nil || n.Noise.Dim() != 2 || n.NoiseStd != 0 {
		t.Errorf("nce full: %+v", n)
	}
	if n := build(Config{Loss: "nce"}, x).(loss.NCE); n.Noise != nil || n.NoiseStd == 0 {
		t.Errorf("nce: %+v", n)
	}
	// FCE's flow starts as the data's Gaussian (its couplings are the
	// identity): its log density is the full NCE noise's.
	fce := build(Config{Loss: "fce", FCEFlowLR: 1e-3, Seed: 4}, x).(loss.FCE)
	if fce.FlowLR != 1e-3 || fce.Flow == nil || fce.Flow.Dim() != 2 {
		t.Fatalf("fce: %+v", fce)
	}
	pts := tensor.New([]float64{0.5, 1, -1, 2.5}, 2, 2)
	lq, err := fce.Flow.LogDensity(nil, pts)
	if err != nil {
		t.Fatal(err)
	}
	gauss := fitFullNoise(x)
	for i := range 2 {
		if want := gauss.LogDensity(pts.Data()[2*i : 2*i+2]); math.Abs(lq.Data()[i]-want) > 1e-9 {
			t.Errorf("fce's flow at the start: log q = %.10f, the data's Gaussian %.10f", lq.Data()[i], want)
		}
	}
	cd := build(Config{Loss: "pcd", CDStep: 0.01, CDStepEnd: 0.001, Steps: 50}, nil).(loss.ContrastiveDivergence)
	if math.Abs(cd.StepSchedule.At(0)-0.01) > 1e-15 || math.Abs(cd.StepSchedule.At(50)-0.001) > 1e-15 {
		t.Errorf("pcd step: %g to %g", cd.StepSchedule.At(0), cd.StepSchedule.At(50))
	}
	// CD's regulariser: unset is the loss's default, 0 is none.
	for _, c := range []struct {
		reg  *float64
		want float64
	}{{nil, 0}, {dataset.Float(0), -1}, {dataset.Float(0.3), 0.3}} {
		if cd := build(Config{Loss: "cd", CDReg: c.reg}, nil).(loss.ContrastiveDivergence); cd.RegWeight != c.want {
			t.Errorf("cd_reg %v: RegWeight %g, want %g", c.reg, cd.RegWeight, c.want)
		}
	}
	for name, c := range map[string]Config{
		"projection":  {Loss: "ssm", Projection: "cube"},
		"nce noise":   {Loss: "nce", NCENoise: "mixture"},
		"penalty":     {Loss: "sm", SMPenalty: -1},
		"sigma end":   {Loss: "dsm", SigmaEnd: -0.1},
		"cd step end": {Loss: "cd", CDStepEnd: -1},
	} {
		if _, err := c.NewLoss(nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}
