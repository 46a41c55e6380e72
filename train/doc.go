// Package train runs a loss with an optimizer over a data set for a number
// of steps: mini-batches from a dataset.Loader, the loss and its parameter
// gradient, gradient-norm clipping and an optimizer step. New trains an
// energy network with a loss.EnergyLoss, NewTime a time-conditioned one with
// a loss.TimeLoss; a loss.Stateful loss is started for the trainer, which
// then holds its state, and a loss.Scheduled one is told the step before
// each optimizer step, so that its schedules follow the run.
//
// Config.Accumulate averages the gradients of k consecutive batches into
// one optimizer step (gradient accumulation): for a loss that is a mean over
// rows, a step on k batches of b rows is the step on one batch of k·b rows,
// at the memory of b.
//
// With Config.Labels (one per data row), each batch's labels travel with
// its rows (dataset.NewLabelledLoader) to a loss.LabelLoss.
//
// Everything else is a Hook, called after every step and once when the
// run ends: the exponential moving average (EMA) of the weights (with
// Config.EMAWarmup, a decay of min(decay, (1+t)/(10+t)) after step t+1, so
// that early averages follow the weights), the
// progress bar on a terminal (step, loss, steps and samples per second,
// time left), the JSON-lines
// metrics, the checkpoints. Config switches the built-in ones on, and
// Config.Hooks adds a caller's own after them. A hook ends a run early,
// as done, by returning an error wrapping ErrStop (Summary.Stopped says
// why): EarlyStop does, when the loss or the gradient norm stops falling.
// Callbacks names the hooks a command line can ask for (EarlyStop as
// early-stop, Log as log, with the learning rate from an optim.Rater), and
// ParseCallbacks builds them from a list such as
// "early-stop:patience=50,min-delta=0.001,log:every=10".
//
// A checkpoint holds everything the next step depends on: the step, the
// network's and the loss's parameters, the EMA, the optimizer's state, the
// loss's random stream, the loader's position and order, and the loss's
// state (a persistent-CD replay buffer, energy matching's step count). It is
// written atomically, with a checksum, every CheckpointEvery steps, at the
// end, and when the context is cancelled (Ctrl-C), so a run of 2N steps and
// a run of N steps resumed for N more give the same weights, bit for bit.
// Resume checks the whole file, the loss's state included, before it changes
// anything. A NaN or infinite loss stops the run with an error naming the
// step, leaving the last good checkpoint in place.
package train
