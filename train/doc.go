// Package train runs a loss with an optimizer over a data set for a number
// of steps: mini-batches from a dataset.Loader, gradient-norm clipping, an
// exponential moving average (EMA) of the weights, JSON-lines metrics, a
// progress bar on a terminal, and checkpoints.
//
// A checkpoint holds everything the next step depends on: the step, the
// network's and the loss's parameters, the EMA, the optimizer's state, the
// loss's random stream, the loader's position and order, and a persistent
// CD replay buffer. It is written atomically, with a checksum, every
// CheckpointEvery steps, at the end, and when the context is cancelled
// (Ctrl-C), so a run of 2N steps and a run of N steps resumed for N more
// give the same weights, bit for bit. A NaN or infinite loss stops the run
// with an error naming the step, leaving the last good checkpoint in place.
package train
