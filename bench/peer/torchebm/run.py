"""TorchEBM's timings of the sampler and loss cases of `ebm bench`.

Each case runs TorchEBM's own classes on the shapes and settings of goebm's
package bench (bench/cases.go, bench/setup.go) and prints one JSON line with
the fields `ebm bench` prints (case, scale, batch, dim, steps, precision,
median_seconds, chain_gradient_evals_per_s), the median of --reps calls after
--warmup untimed ones (1 by default, as `ebm bench -warmup`); --dtype sets
the networks' precision, the samplers stay float64 as goebm's do:

  langevin_doublewell  LangevinDynamics, step 1e-3, on DoubleWellModel(barrier 2);
                       chains start N(0, I); batch chains x steps gradients
  hmc_doublewell       HamiltonianMonteCarlo, step 1e-3, 10 leapfrog steps;
                       counted as 11 gradients per chain and step, as goebm counts
  loss_cd10            ContrastiveDivergence, k_steps 10 of LangevinDynamics step 1e-2,
                       chains from noise (not persistent)
  loss_sm_exact        ScoreMatching(hessian_method="exact"), batch <= 128, dim <= 16
  loss_sm_approx       ScoreMatching(hessian_method="approx")
  loss_ssm5            SlicedScoreMatching, 5 Rademacher projections
  loss_dsm             DenoisingScoreMatching, noise_scale 0.1

A loss case is one forward pass of the loss and loss.backward() (the
parameters' gradient), no optimiser step, on a standard normal batch and the
energy MLP dim -> 128 -> 128 -> 1 with SiLU, as goebm's trainStep times.

Usage: /usr/bin/python3 bench/peer/torchebm/run.py [--scale small|medium|large|all]
           [--case torchebm|NAME,...] [--reps N] [--warmup N] [--threads T] [--dtype float64|float32]
           [--torchebm DIR]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from torchebm_shim import DEFAULT, load_torchebm  # noqa: E402

# bench.Scales: name, batch, dim, steps.
SCALES = {"small": (64, 8, 50), "medium": (256, 32, 100), "large": (1024, 128, 200)}
SAMPLERS = ["langevin_doublewell", "hmc_doublewell"]
LOSSES = ["loss_cd10", "loss_sm_exact", "loss_sm_approx", "loss_ssm5", "loss_dsm"]
CASES = SAMPLERS + LOSSES


def energy_net(tbm, dim):
    """bench's energyNet: an MLP dim -> 128 -> 128 -> 1 with SiLU, as a TorchEBM model."""
    nn = torch.nn

    class MLP(tbm.core.BaseModel):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(dim, 128), nn.SiLU(), nn.Linear(128, 128), nn.SiLU(),
                                     nn.Linear(128, 1))

        def forward(self, x):
            return self.net(x).squeeze(-1)

    return MLP()


def setup(tbm, case, batch, dim, steps, dt):
    """The call to time for a case and the chain-gradient evaluations it makes (0 for a loss)."""
    if case in SAMPLERS:
        dt = torch.float64  # goebm's DoubleWell samplers are float64 at any -precision
        well = tbm.core.DoubleWellModel(barrier_height=2.0).to(dt)
        if case == "langevin_doublewell":
            s, per = tbm.samplers.LangevinDynamics(well, step_size=1e-3, dtype=dt), 1
        else:
            s, per = tbm.samplers.HamiltonianMonteCarlo(well, step_size=1e-3, n_leapfrog_steps=10, dtype=dt), 11

        def call():
            s.sample(dim=dim, n_steps=steps, n_samples=batch)

        return call, batch * steps * per
    net = energy_net(tbm, dim).to(dt)
    if case == "loss_cd10":
        sampler = tbm.samplers.LangevinDynamics(net, step_size=1e-2, dtype=dt)
        cd = tbm.losses.ContrastiveDivergence(model=net, sampler=sampler, k_steps=10, dtype=dt)

        def lossf(x):
            return cd(x)[0]
    elif case == "loss_sm_exact":
        lossf = tbm.losses.ScoreMatching(model=net, hessian_method="exact", dtype=dt)
    elif case == "loss_sm_approx":
        lossf = tbm.losses.ScoreMatching(model=net, hessian_method="approx", dtype=dt)
    elif case == "loss_ssm5":
        lossf = tbm.losses.SlicedScoreMatching(model=net, n_projections=5, projection_type="rademacher", dtype=dt)
    elif case == "loss_dsm":
        lossf = tbm.losses.DenoisingScoreMatching(model=net, noise_scale=0.1, dtype=dt)
    else:
        sys.exit(f"unknown case {case}")
    x = torch.randn(batch, dim, dtype=dt)

    def call():
        net.zero_grad(set_to_none=True)
        lossf(x).backward()

    return call, 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="all", help="small, medium, large or all")
    ap.add_argument("--case", default="torchebm", help="comma-separated case names; torchebm: all of them")
    ap.add_argument("--reps", type=int, default=5, help="timed calls per case (median)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed calls first")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    ap.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    ap.add_argument("--torchebm", default=DEFAULT, help="TorchEBM source tree")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tbm = load_torchebm(a.torchebm)
    dt = getattr(torch, a.dtype)
    scales = list(SCALES) if a.scale == "all" else a.scale.split(",")
    cases = CASES if a.case == "torchebm" else a.case.split(",")
    for sc in scales:
        b, d, steps = SCALES[sc]
        for case in cases:
            torch.manual_seed(1)
            batch, dim = (min(b, 128), min(d, 16)) if case == "loss_sm_exact" else (b, d)
            stepped = case in SAMPLERS
            call, work = setup(tbm, case, batch, dim, steps if stepped else 0, dt)
            for _ in range(max(a.warmup, 1)):
                call()
            ts = []
            for _ in range(a.reps):
                t0 = time.perf_counter()
                call()
                ts.append(time.perf_counter() - t0)
            med = statistics.median(ts)
            r = {"case": case, "scale": sc, "batch": batch, "dim": dim}
            if stepped:
                r["steps"] = steps
            if a.dtype != "float64" and not stepped:
                r["precision"] = a.dtype
            r["median_seconds"] = med
            if work:
                r["chain_gradient_evals_per_s"] = work / med
            r["threads"] = a.threads
            print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
