package model

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/interpolant"
)

// TestFlowPrediction: a model directory from before predictions loads as
// a velocity on the straight path; one trained for the score on the VP
// path records it, loads it back and converts it; an unknown prediction
// is refused, and a loss other than fm drops the setting.
func TestFlowPrediction(t *testing.T) {
	old := mustLoad(t, "testdata/twomoons-fm").(*Flow)
	if old.Solver.Prediction != interpolant.Velocity || old.Solver.Interpolant != (interpolant.Linear{}) || old.Config().Prediction != "" {
		t.Errorf("an old directory loads as %v on %#v", old.Solver.Prediction, old.Solver.Interpolant)
	}
	cfg := Config{Data: "circle", Loss: "fm", Interpolant: "vp", Prediction: "score", Dim: 2, Hidden: 8, Layers: 1, Activation: "tanh", Steps: 3, Batch: 16, LR: 1e-3, Seed: 2}
	l, err := cfg.NewLoss(nil)
	if err != nil {
		t.Fatal(err)
	}
	net, err := cfg.Network(KindOf(l), 7)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, net, l)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "score")
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	back := mustLoad(t, dir).(*Flow)
	if back.Solver.Prediction != interpolant.Score || back.Solver.Interpolant != (interpolant.VariancePreserving{}) || back.Config().Prediction != "score" {
		t.Errorf("loaded %v on %#v, config %q", back.Solver.Prediction, back.Solver.Interpolant, back.Config().Prediction)
	}
	bad := cfg
	bad.Prediction = "data"
	if _, err := bad.NewLoss(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("prediction data: %v, want ErrInvalid", err)
	}
	r, _ := RecipeByName("eqm")
	if kept := r.Keep(cfg); kept.Prediction != "" {
		t.Errorf("eqm keeps prediction %q", kept.Prediction)
	}
}

// TestScoreFlowLearns trains fm with score prediction on the VP path on
// two moons: NLL lower by 0.1 nats and MMD² halved against the untrained
// network, as TestTrainingHelps asks of every loss; then generated points
// encoded back by the reverse ODE land on the noise they were generated
// from (50 RK4 steps each way, within 1e-5), and the SDE with the SBDM
// diffusion and the Tweedie step generates points as close to the data by
// MMD² as the ODE's (within 0.01).
func TestScoreFlowLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a flow; -short skips it")
	}
	train, test, err := Data("twomoons", 1, 500)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Data: "twomoons", Loss: "fm", Interpolant: "vp", Prediction: "score", Dim: 2, Hidden: 32, Layers: 2, Activation: "silu", Steps: 300, Batch: 128, LR: 3e-3, Seed: 1}
	l, err := cfg.NewLoss(train)
	if err != nil {
		t.Fatal(err)
	}
	untrained := untrainedWith(t, cfg, l)
	ctx := context.Background()
	before, err := Score(ctx, untrained, "twomoons", train, test, rand.New(rand.NewPCG(1, 4)))
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := Train(ctx, cfg, l, train, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after, err := Score(ctx, m, "twomoons", train, test, rand.New(rand.NewPCG(1, 4)))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("NLL %.3f → %.3f, MMD² %.4f → %.4f", before.NLL, after.NLL, before.MMD2, after.MMD2)
	if !(after.NLL < before.NLL-0.1) || !(after.MMD2 < before.MMD2/2) {
		t.Errorf("NLL %.3f and MMD² %.4f after training, %.3f and %.4f before: no better", after.NLL, after.MMD2, before.NLL, before.MMD2)
	}

	f := m.(*Flow)
	const n = 200
	x, err := f.Generate(ctx, n, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	z, err := f.Encode(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	// Generate seeds its noise with rng.Uint64().
	noise := rand.New(rand.NewPCG(rand.New(rand.NewPCG(3, 3)).Uint64(), 0))
	worst := 0.0
	for _, v := range z.Data() {
		worst = math.Max(worst, math.Abs(v-noise.NormFloat64()))
	}
	t.Logf("Encode(Generate) off the noise by %.3g", worst)
	if worst > 1e-5 {
		t.Errorf("Encode(Generate) is off the noise by %.3g", worst)
	}

	if err := f.SetSolver(f.Solver.Method, 250, &flow.SDE{Diffusion: interpolant.DiffusionSBDM, Last: flow.LastTweedie}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Encode(ctx, x); !errors.Is(err, flow.ErrInvalid) {
		t.Errorf("Encode by the SDE: %v, want ErrInvalid", err)
	}
	sde, err := Score(ctx, f, "twomoons", train, test, rand.New(rand.NewPCG(1, 4)))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SDE (SBDM, Tweedie): MMD² %.4f", sde.MMD2)
	if sde.MMD2 > after.MMD2+0.01 {
		t.Errorf("the SDE's MMD² %.4f, the ODE's %.4f", sde.MMD2, after.MMD2)
	}
}
