// Package schedule gives values that change with the step of a loop:
// learning rates, sampler step sizes, noise scales and temperatures. A
// Schedule is any value with At(step) float64, so a user's own rule is one
// method away; the types here cover TorchEBM's schedulers:
//
//	Constant     c
//	Linear       Start + (End − Start)·min(step/Steps, 1)
//	Cosine       End + (Start − End)·(1 + cos(π·min(step/Steps, 1)))/2
//	Exponential  max(Start·Decay^step, Min)
//	MultiStep    Start·Gamma^(milestones passed)
//	Warmup       a linear ramp for Steps, then another schedule
//	Temperature  Energy Matching's ε(τ): 0 until τ*, a ramp to Max at τ = 1,
//	             Max after, at a virtual time τ swept over Steps
//
// Steps count from 0. Every schedule is a plain value: the same step always
// gives the same number, so a resumed run continues exactly. Validate
// refuses settings that cannot be meant (non-finite values, negative step
// counts, unsorted milestones).
package schedule
