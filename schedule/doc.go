// Package schedule gives values that change with the step of a loop:
// learning rates, and later sampler step sizes, noise scales and
// temperatures. A Schedule is any value with At(step) float64, so a user's
// own rule is one method away; the types here cover the common ones.
//
// Steps count from 0. Every schedule is a plain value: the same step always
// gives the same number, so a resumed run continues exactly.
package schedule
