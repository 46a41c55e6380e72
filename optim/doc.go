// Package optim updates parameters from their gradients: SGD with momentum
// and Nesterov momentum, Adam and AdamW, gradient-norm clipping, and
// learning rates that follow a schedule.
//
// An Optimizer takes the parameters (leaf tensors, updated in place) and
// their gradients, as Tape.Grad returns them, in the same order each step:
//
//	tp := tensor.NewTape()
//	loss := lossOf(tp, model)
//	grads := tp.Grad([]*tensor.Tensor{loss}, params, tensor.GradOptions{})
//	if err := opt.Step(params, grads); err != nil { ... }
//	tp.Reset()
//
// The update rules, with gradient g, learning rate η at step t (from 1):
//
//	SGD:       v ← μv + g;  p ← p − η·(g + μv if Nesterov, else v)
//	Adam:      m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
//	           p ← p − η·m̂/(√v̂ + ε),  m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)
//	AdamW:     as Adam, then p ← p − η·λ·p (decoupled weight decay)
//
// (Kingma and Ba 2015; Loshchilov and Hutter 2019.) SGD and Adam take an L2
// weight decay λ added to the gradient, g ← g + λp, as PyTorch does.
//
// Both are Raters: Rate says the learning rate of the last step, for a
// training log.
//
// A step whose gradients hold NaN or ±Inf returns an error and changes
// nothing, so one bad batch cannot poison the parameters or the moments.
package optim
