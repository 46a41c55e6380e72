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
//	devices      chains in blocks, one per device (Chains.Spread), and
//	             data-parallel training (Trainer.Spread) over the GPUs of
//	             one host (Devices, ParseDevices)
//
// # Several devices
//
// Spread runs a block of the work on each device, each from its own
// goroutine: Chains in blocks of rows, each block with its own random
// stream and no traffic between devices until the chains are read; a
// Trainer's batch in equal shards, each device computing its shard's loss
// and gradient, the first averaging them and taking the Adam step (every
// loss here is a mean over points, so that is the batch's step, which the
// tests check against one device's). This is GoMLX's "user-controlled"
// distribution: one compiled graph run on each device. Its in-graph
// sharding (AutoSharding, SPMD) is not used: GoMLX's pure-Go backend has
// one device and no distributed builder, so nothing here could test it,
// and for the MLPs here the per-step traffic of host-side averaging (the
// parameters out, the gradients back) is small against the batch. A
// device may be listed twice ("0,0"), which is how the tests run two
// shards on the pure-Go backend's one device. Three things GoMLX v0.28.8
// does not do, which this package does for itself: move a tensor held on
// one device to another when a graph runs there (it refuses), place a
// tensor safely from several goroutines at once, and honour
// Exec.CallOnDevice's device (CallWithGraphOnDevice does).
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
//   - Several hosts: GoMLX spreads work over the devices of one host
//     only.
package xla
