package loss

import (
	"errors"
	"math"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// TestSchedulesReadAtStep: after SetStep(t), a run with a scheduled
// setting gives, bit for bit, the loss of the same settings with the
// constant schedule.At(t), on the same random stream: DSM's σ, the score
// penalty of the three score-matching losses, CD's sampler step size.
func TestSchedulesReadAtStep(t *testing.T) {
	x := gaussianData(rngOf(3), 16, [2][2]float64{{1, 0}, {0.3, 0.9}})
	net, err := nn.NewMLP(rngOf(4), []int{2, 5, 1}, nn.SiLU(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sig := schedule.Linear{Start: 0.5, End: 0.05, Steps: 10}
	pen := schedule.Cosine{Start: 0.8, End: 0.1, Steps: 10}
	step := schedule.Exponential{Start: 0.05, Decay: 0.7}
	cases := map[string]struct {
		sched Stateful[nn.Module]
		at    func(t int) EnergyLoss
	}{
		"dsm sigma": {DenoisingScoreMatching{SigmaSchedule: sig}, func(t int) EnergyLoss { return DenoisingScoreMatching{Sigma: sig.At(t)} }},
		"dsm penalty": {DenoisingScoreMatching{Sigma: 0.2, PenaltySchedule: pen}, func(t int) EnergyLoss {
			return DenoisingScoreMatching{Sigma: 0.2, Penalty: pen.At(t)}
		}},
		"sm penalty":  {ScoreMatching{PenaltySchedule: pen}, func(t int) EnergyLoss { return ScoreMatching{Penalty: pen.At(t)} }},
		"ssm penalty": {SlicedScoreMatching{PenaltySchedule: pen}, func(t int) EnergyLoss { return SlicedScoreMatching{Penalty: pen.At(t)} }},
		"cd step": {ContrastiveDivergence{K: 3, FromData: true, StepSchedule: step, Sampler: sampler.MALA{}}, func(t int) EnergyLoss {
			return ContrastiveDivergence{K: 3, FromData: true, Sampler: sampler.MALA{StepSize: schedule.Constant(step.At(t))}}
		}},
		"pt cd step": {ContrastiveDivergence{K: 2, FromData: true, StepSchedule: step, Sampler: sampler.ParallelTempering{Replicas: 3}}, func(t int) EnergyLoss {
			return ContrastiveDivergence{K: 2, FromData: true, Sampler: sampler.ParallelTempering{Replicas: 3, StepSize: schedule.Constant(step.At(t))}}
		}},
	}
	for name, c := range cases {
		run, _ := c.sched.Start()
		for _, st := range []int{0, 3, 7, 12} {
			run.(Scheduled).SetStep(st)
			got := lossValue(t, run, net, x, 5)
			want := lossValue(t, c.at(st), net, x, 5)
			if got != want || math.IsNaN(got) {
				t.Errorf("%s at step %d: %.17g, want %.17g", name, st, got, want)
			}
			if st == 3 {
				// The schedule does change the value.
				if other := lossValue(t, c.at(7), net, x, 5); other == got {
					t.Errorf("%s: the same loss at steps 3 and 7: %g", name, got)
				}
			}
		}
		// The settings themselves read step 0.
		if got, want := lossValue(t, c.sched, net, x, 5), lossValue(t, c.at(0), net, x, 5); got != want {
			t.Errorf("%s, the settings: %.17g, want step 0's %.17g", name, got, want)
		}
	}
}

func TestSchedulesRefused(t *testing.T) {
	q := quadratic{tensor.New([]float64{1, 0, 0, 1}, 2, 2)}
	x := tensor.Zeros(4, 2)
	neg := schedule.Constant(-1)
	for name, l := range map[string]EnergyLoss{
		"sigma and schedule":    DenoisingScoreMatching{Sigma: 0.1, SigmaSchedule: schedule.Constant(0.1)},
		"ladder and schedule":   DenoisingScoreMatching{NumScales: 3, SigmaMin: 0.1, SigmaMax: 1, SigmaSchedule: schedule.Constant(0.1)},
		"negative sigma":        DenoisingScoreMatching{SigmaSchedule: neg},
		"penalty and schedule":  ScoreMatching{Penalty: 1, PenaltySchedule: schedule.Constant(1)},
		"negative penalty":      SlicedScoreMatching{PenaltySchedule: neg},
		"nan penalty":           DenoisingScoreMatching{PenaltySchedule: schedule.Constant(math.NaN())},
		"cd negative step":      ContrastiveDivergence{StepSchedule: neg},
		"cd adaptive sampler":   ContrastiveDivergence{StepSchedule: schedule.Constant(0.1), Sampler: sampler.MALA{Adapt: true}},
		"cd sampler of no step": ContrastiveDivergence{StepSchedule: schedule.Constant(0.1), Sampler: sampler.NUTS{}},
	} {
		if _, err := l.Loss(nil, q, x, rngOf(1)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}

// TestJEMPassesStep: JEM tells its CD run the step, so CD's StepSchedule
// follows the training step there too.
func TestJEMPassesStep(t *testing.T) {
	net := tinyClassifier(t)
	x := tensor.Zeros(4, 16)
	for i := range x.Data() {
		x.Data()[i] = math.Sin(float64(i))
	}
	y := []int{2, 0, 1, 1}
	step := schedule.Linear{Start: 0.05, End: 0.001, Steps: 10}
	cd := ContrastiveDivergence{K: 3, FromData: true, StepSchedule: step}
	l, _ := JEM{CD: cd, GenWeight: 0.5}.Start()
	l.(Scheduled).SetStep(6)
	got, err := l.(EnergyLabelLoss).LossLabels(nil, net, x, y, rngOf(7))
	if err != nil {
		t.Fatal(err)
	}
	cd.StepSchedule, cd.Sampler = nil, sampler.Langevin{StepSize: schedule.Constant(step.At(6))}
	want, err := JEM{CD: cd, GenWeight: 0.5}.LossLabels(nil, net, x, y, rngOf(7))
	if err != nil {
		t.Fatal(err)
	}
	if got.Item() != want.Item() {
		t.Errorf("JEM at step 6: %.17g, want %.17g", got.Item(), want.Item())
	}
}
