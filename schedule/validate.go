package schedule

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// ErrInvalid is wrapped by Validate's errors.
var ErrInvalid = errors.New("invalid schedule")

// Validate reports settings that cannot be what the user meant: values that
// are not finite, negative step counts, unsorted milestones, a missing
// wrapped schedule. User-defined schedules pass.
func Validate(s Schedule) error {
	finite := func(name string, vs ...float64) error {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("schedule: %s has a non-finite value %g: %w", name, v, ErrInvalid)
			}
		}
		return nil
	}
	switch s := s.(type) {
	case nil:
		return fmt.Errorf("schedule: nil: %w", ErrInvalid)
	case Constant:
		return finite("Constant", float64(s))
	case Linear:
		if s.Steps < 0 {
			return fmt.Errorf("schedule: Linear with %d steps: %w", s.Steps, ErrInvalid)
		}
		return finite("Linear", s.Start, s.End)
	case Cosine:
		if s.Steps < 0 {
			return fmt.Errorf("schedule: Cosine with %d steps: %w", s.Steps, ErrInvalid)
		}
		return finite("Cosine", s.Start, s.End)
	case Exponential:
		if s.Decay <= 0 {
			return fmt.Errorf("schedule: Exponential decay %g must be positive: %w", s.Decay, ErrInvalid)
		}
		return finite("Exponential", s.Start, s.Decay, s.Min)
	case MultiStep:
		if !sort.IntsAreSorted(s.Milestones) {
			return fmt.Errorf("schedule: MultiStep milestones %v are not increasing: %w", s.Milestones, ErrInvalid)
		}
		return finite("MultiStep", s.Start, s.Gamma)
	case Temperature:
		switch {
		case s.Steps < 0:
			return fmt.Errorf("schedule: Temperature with %d steps: %w", s.Steps, ErrInvalid)
		case !(s.Switch >= 0 && s.Switch < 1):
			return fmt.Errorf("schedule: Temperature's switch time %g is outside [0, 1): %w", s.Switch, ErrInvalid)
		case !(s.Max >= 0):
			return fmt.Errorf("schedule: Temperature's maximum %g is negative: %w", s.Max, ErrInvalid)
		case s.To < s.From:
			return fmt.Errorf("schedule: Temperature runs backwards, from %g to %g: %w", s.From, s.To, ErrInvalid)
		}
		return finite("Temperature", s.Max, s.From, s.To)
	case Warmup:
		if s.Steps <= 0 {
			return fmt.Errorf("schedule: Warmup with %d steps: %w", s.Steps, ErrInvalid)
		}
		if s.Then == nil {
			return fmt.Errorf("schedule: Warmup needs a schedule to follow: %w", ErrInvalid)
		}
		if err := finite("Warmup", s.Start); err != nil {
			return err
		}
		return Validate(s.Then)
	}
	return nil
}
