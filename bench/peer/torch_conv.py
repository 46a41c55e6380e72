"""PyTorch timings of the workloads of goebm's nn.BenchmarkConvEnergy, for comparison.

A conv energy for 28x28 grey images as flat rows, batch 128 (nn.NewConvEnergy with
channels 32, 32, 64, 64): Conv2d(1,32,3,p=1), then Conv2d(.,.,4,s=2,p=1) x3
(28 -> 14 -> 7 -> 3), SiLU after each, Flatten, Linear(64*3*3, 1).
  energy    E(x) under torch.no_grad()
  score     grad_x E(x)
  dsm       grad_theta of denoising score matching, sigma 0.1
  ssm       grad_theta of sliced score matching, one Rademacher projection
  langevin  one Langevin step x - eps grad_x E + sqrt(2 eps) xi, eps 0.01

Usage: python3 bench/peer/torch_conv.py [--threads N] [--dtype float64|float32] [--reps R] [--cases a,b]
Prints one line per case: name, dtype, threads, median milliseconds.
Debian: apt-get install python3-torch (runs with /usr/bin/python3).
"""
import argparse
import math

import torch

from peertime import timeit



def conv_energy(channels=(32, 32, 64, 64), size=28):
    layers = [torch.nn.Unflatten(1, (1, size, size))]
    cin = 1
    for i, c in enumerate(channels):
        if i == 0:
            layers.append(torch.nn.Conv2d(cin, c, 3, padding=1))
        else:
            layers.append(torch.nn.Conv2d(cin, c, 4, stride=2, padding=1))
            size //= 2
        layers.append(torch.nn.SiLU())
        cin = c
    layers += [torch.nn.Flatten(), torch.nn.Linear(cin * size * size, 1)]
    return torch.nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--cases", default="energy,score,dsm,ssm,langevin")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dt = getattr(torch, a.dtype)
    torch.manual_seed(0)
    net = conv_energy().to(dt)
    params = list(net.parameters())
    x = torch.randn(128, 28 * 28, dtype=dt)
    chain = x.clone()
    sigma, eps = 0.1, 0.01

    def score_of(xr, create_graph):
        return torch.autograd.grad(net(xr).sum(), xr, create_graph=create_graph)[0]

    def energy():
        with torch.no_grad():
            net(x)

    def score():
        score_of(x.clone().requires_grad_(True), False)

    def dsm():
        noise = torch.randn_like(x)
        xt = (x + sigma * noise).requires_grad_(True)
        s = score_of(xt, True)
        loss = 0.5 * ((sigma * s - noise) ** 2).sum(1).mean() / sigma ** 2
        torch.autograd.grad(loss, params, allow_unused=True)

    def ssm():
        xr = x.clone().requires_grad_(True)
        v = torch.randint(0, 2, x.shape, dtype=dt) * 2 - 1
        s = score_of(xr, True)
        gv = (s * v).sum(1)
        hv, = torch.autograd.grad(gv.sum(), xr, create_graph=True)
        loss = (0.5 * gv ** 2 - (hv * v).sum(1)).mean()
        torch.autograd.grad(loss, params, allow_unused=True)  # the last bias does not reach the score

    def langevin():
        nonlocal chain
        g = score_of(chain.requires_grad_(True), False)
        with torch.no_grad():
            chain = chain.detach() - eps * g + math.sqrt(2 * eps) * torch.randn_like(chain)

    cases = {"energy": energy, "score": score, "dsm": dsm, "ssm": ssm, "langevin": langevin}
    # One call of every case before any is timed: float64 timings depend on
    # what ran before (measured, one thread: energy 134 ms first, 66 ms after
    # ssm, as glibc's malloc keeps the large buffers mapped only once it has
    # seen them freed). goebm's tapes recycle their storage, so warm is the
    # like-for-like state, and the one of a training loop.
    for name in a.cases.split(","):
        cases[name]()
    for name in a.cases.split(","):
        print(f"{name}\t{a.dtype}\tthreads={a.threads}\t{timeit(cases[name], a.reps):.3f} ms", flush=True)


if __name__ == "__main__":
    main()
