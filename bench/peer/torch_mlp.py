"""PyTorch timings of the workloads of goebm's nn.BenchmarkMLP, for comparison.

An MLP dim->128->128->1 with SiLU, batch 1024, dim 2 and 128:
  energy      E(x) under torch.no_grad()
  score       grad_x E(x)
  scorematch  grad_theta mean ||grad_x E||^2 (create_graph=True)

Usage: python3 bench/peer/torch_mlp.py [--threads N] [--dtype float32|float64]
Prints one line per case: name, dtype, threads, median milliseconds.
Debian: apt-get install python3-torch (runs with /usr/bin/python3).
"""
import argparse

import torch

from peertime import timeit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--reps", type=int, default=30)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dt = getattr(torch, a.dtype)
    torch.manual_seed(0)
    for dim in (2, 128):
        net = torch.nn.Sequential(
            torch.nn.Linear(dim, 128), torch.nn.SiLU(),
            torch.nn.Linear(128, 128), torch.nn.SiLU(),
            torch.nn.Linear(128, 1)).to(dt)
        params = list(net.parameters())
        x = torch.randn(1024, dim, dtype=dt)

        def energy():
            with torch.no_grad():
                net(x)

        def score():
            xr = x.clone().requires_grad_(True)
            torch.autograd.grad(net(xr).sum(), xr)

        def scorematch():
            xr = x.clone().requires_grad_(True)
            s, = torch.autograd.grad(net(xr).sum(), xr, create_graph=True)
            loss = (s ** 2).sum(1).mean()
            torch.autograd.grad(loss, params, allow_unused=True)  # the last bias does not reach the score

        for name, fn in (("energy", energy), ("score", score), ("scorematch", scorematch)):
            print(f"{name}/dim={dim}\t{a.dtype}\tthreads={a.threads}\t{timeit(fn, a.reps, warmup=3):.3f} ms")


if __name__ == "__main__":
    main()
