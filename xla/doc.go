// Package xla runs goebm's neural energies, their samplers and their
// losses through GoMLX (github.com/gomlx/gomlx), which compiles them with
// XLA for GPUs and TPUs, or runs them on its pure-Go backend anywhere. It
// is a nested module (github.com/goebm/goebm/xla) so that the core module
// keeps no dependency on GoMLX and stays pure Go.
//
// # Scope
//
// The critical components, in float32, agreeing with goebm's float64
// engine within float32 tolerance:
//
//	energies     MLP and TimeMLP built from a goebm network's parameters
//	             (FromMLP, FromTimeMLP), Quadratic, DoubleWell
//	samplers     batched Langevin, MALA and HMC steps (Chains), one
//	             compiled step (or several unrolled: Chains.Unroll) run in
//	             a Go loop, noise drawn in the graph from a seed
//	losses       DSM, SSM, CD (its negatives from Chains, or from a
//	             persistent CD Replay buffer), flow matching, each with its
//	             parameter gradient (Grads), and an Adam step compiled with
//	             it (Trainer)
//
// Command ebmxla (xla/cmd/ebmxla) trains and samples goebm's MLP models
// with them on a chosen backend, writing ebm's model directories, and
// bench/gpu/run.sh times them on a GPU against PyTorch.
//
// Every graph takes its random numbers as inputs (loss noise) or from a
// seeded GoMLX random state (sampler noise): the same seed gives the same
// numbers on the same backend.
//
// # Backends
//
// NewBackend picks the backend: its argument, else $GOMLX_BACKEND, else
// "go", GoMLX's pure-Go backend, which runs every graph here correctly but
// slowly. On a GPU machine, point GoMLX at a PJRT plugin by its absolute
// path: JAX's CUDA plugin (pip package jax-cuda13-pjrt, file
// xla_cuda_plugin.so) works,
//
//	GOMLX_BACKEND=xla:/abs/path/xla_cuda_plugin.so
//
// A missing plugin file is refused with one clear line (ErrNoBackend);
// nothing is downloaded. Accelerators compute in float32, and so does
// every graph here, whatever the backend.
//
// # What GoMLX cannot do
//
//   - Second-order gradients through convolutions (the convolution VJP
//     panics) and fused attention (no second-order gradient): score
//     matching of convolutional or attention energies cannot run here, so
//     only MLP energies are built.
//   - Gradient inside a While body fails at run time: a chain is a Go
//     loop over one compiled step, and HMC's leapfrog steps are unrolled
//     into that step.
//   - Several hosts: GoMLX spreads a graph over the devices of one host
//     only.
package xla
