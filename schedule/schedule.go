package schedule

import "math"

// Schedule is a value as a function of the step (0, 1, 2, ...).
type Schedule interface {
	At(step int) float64
}

// Constant is the same value at every step.
type Constant float64

// At returns c.
func (c Constant) At(int) float64 { return float64(c) }

// Func adapts a function to a Schedule.
type Func func(step int) float64

// At returns f(step).
func (f Func) At(step int) float64 { return f(step) }

// Linear goes in a straight line from Start at step 0 to End at step Steps,
// and stays at End after. Steps ≤ 0 gives End at once.
type Linear struct {
	Start, End float64
	Steps      int
}

// At returns the interpolated value.
func (l Linear) At(step int) float64 {
	return l.Start + (l.End-l.Start)*progress(step, l.Steps)
}

// Cosine follows half a cosine from Start at step 0 to End at step Steps
// (Loshchilov and Hutter 2017, without restarts), and stays at End after.
type Cosine struct {
	Start, End float64
	Steps      int
}

// At returns End + (Start−End)·(1 + cos(π·step/Steps))/2.
func (c Cosine) At(step int) float64 {
	return c.End + (c.Start-c.End)*(1+math.Cos(math.Pi*progress(step, c.Steps)))/2
}

// progress is step/steps clamped to [0, 1].
func progress(step, steps int) float64 {
	if steps <= 0 {
		return 1
	}
	return math.Min(1, math.Max(0, float64(step)/float64(steps)))
}

// Exponential multiplies Start by Decay each step, never going below Min:
// max(Start·Decay^step, Min). This is TorchEBM's ExponentialDecayScheduler.
type Exponential struct {
	Start, Decay, Min float64
}

// At returns max(Start·Decay^step, Min).
func (e Exponential) At(step int) float64 {
	return math.Max(e.Start*math.Pow(e.Decay, float64(max(step, 0))), e.Min)
}

// MultiStep starts at Start and is multiplied by Gamma at each milestone
// step: at step s the value is Start·Gamma^(number of milestones ≤ s).
type MultiStep struct {
	Start      float64
	Milestones []int
	Gamma      float64
}

// At returns the value after the milestones passed by step.
func (m MultiStep) At(step int) float64 {
	n := 0
	for _, s := range m.Milestones {
		if step >= s {
			n++
		}
	}
	return m.Start * math.Pow(m.Gamma, float64(n))
}

// Warmup rises linearly from Start at step 0 to Then.At(0) at step Steps,
// then follows Then, shifted so that Then's step 0 is Warmup's step Steps.
type Warmup struct {
	Steps int
	Start float64
	Then  Schedule
}

// At returns the warm-up ramp or the wrapped schedule.
func (w Warmup) At(step int) float64 {
	if step >= w.Steps {
		return w.Then.At(step - w.Steps)
	}
	return w.Start + (w.Then.At(0)-w.Start)*float64(max(step, 0))/float64(w.Steps)
}

// Temperature is Energy Matching's temperature ε(τ) (Balcerak et al. 2025;
// TorchEBM's TemperatureScheduler): none while the chain transports noise
// towards the data, a ramp near it, then a plateau at Max,
//
//	ε(τ) = Max·clamp((τ − Switch)/(1 − Switch), 0, 1),
//
// at the virtual time τ = From + (To − From)·min(step, Steps)/Steps, which
// holds To after Steps. To above 1 keeps a chain at Max to equilibrate
// (inference with a total time T > 1). It is a temperature: a sampler's
// Temperature takes it as it is, where TorchEBM's noise_scale takes its
// square root. Switch is τ* in [0, 1); Steps ≤ 0 gives τ = To at once.
type Temperature struct {
	Max, Switch float64
	Steps       int
	From, To    float64
}

// At returns ε at the step's virtual time.
func (t Temperature) At(step int) float64 {
	tau := t.From + (t.To-t.From)*progress(step, t.Steps)
	return t.Max * math.Min(1, math.Max(0, (tau-t.Switch)/(1-t.Switch)))
}

var (
	_ Schedule = Temperature{}
	_ Schedule = Constant(0)
	_ Schedule = Func(nil)
	_ Schedule = Linear{}
	_ Schedule = Cosine{}
	_ Schedule = Exponential{}
	_ Schedule = MultiStep{}
	_ Schedule = Warmup{}
)
