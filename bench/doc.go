// Package bench is goebm's one registry of benchmark workloads. `ebm bench`
// times them and prints JSON lines; `go test -bench` in sampler, loss, nn and
// flow runs the same cases through Run, so a workload is written once.
//
// The workloads and their sizes are TorchEBM's own benchmark suite, so our
// figures map onto its figures. Its three scales are
//
//	small   batch  64, dim   8,  50 steps
//	medium  batch 256, dim  32, 100 steps
//	large   batch 1024, dim 128, 200 steps
//
// and its cases (TorchEBM in Case) are
//
//	langevin_doublewell  Langevin, step 1e-3, on DoubleWell(barrier 2), batch chains
//	hmc_doublewell       HMC, step 1e-3, 10 leapfrog steps, the same target
//	loss_cd10            contrastive divergence with 10 Langevin steps (step 1e-2)
//	loss_sm_exact        exact score matching (batch 128, dim 16 beyond small: the Hessian
//	                     trace costs dim backward passes)
//	loss_sm_approx       score matching by finite differences
//	loss_ssm5            sliced score matching, 5 projections
//	loss_dsm             denoising score matching, σ = 0.1
//
// where a loss case is one forward and backward pass (∇θ) of an energy MLP
// dim → 128 → 128 → 1 with SiLU on a batch of standard normal points. goebm
// adds, at the same scales, equilibrium matching (eqm, eqm_explicit) and flow
// generation by Euler with the scale's steps and by adaptive Dormand–Prince
// 5(4) at rtol 1e-3 (flow_euler, flow_dopri5), both on a velocity MLP
// dim+8 → 128 → 128 → dim; and, at PyTorch's comparison shapes (batch 1024,
// dim 2 and 128; bench/peer/torch_mlp.py), the three gradient shapes of EBM
// training on the energy MLP: E(x) (mlp_energy), ∇ₓE (mlp_score) and
// ∇θ mean‖∇ₓE‖² (mlp_scorematch).
//
// Work is counted as TorchEBM counts it: a sampler case does batch × steps ×
// (gradients per step) chain-gradient evaluations, where HMC reuses the last
// gradient of a trajectory, L + 1 per step of L leapfrogs. A flow case
// counts its solver's evaluations of the velocity field over the batch,
// which an adaptive solver chooses.
//
// Measure reports the median of its timed calls after one untimed warm-up.
// Benchmark names follow benchstat's key=value form:
// BenchmarkTorchEBM/hmc_doublewell/scale=small, BenchmarkMLP/mlp_score/dim=128.
package bench
