"""PyTorch timings of the workloads of goebm's xla benchmarks
(xla/gpu_bench_test.go), on the same device, for ratios.

  BenchmarkLangevin/energy=E/chains=N   one Langevin step, step 1e-3, of N
                                        chains from N(0, I): x - eta*grad E
                                        + sqrt(2 eta)*xi, grad E by autograd;
                                        E is DoubleWell (h 2, b 1) or an MLP
                                        d -> w -> w -> 1 with SiLU
  BenchmarkTrainStep/loss=L/batch=B     one training step of an MLP
                                        dim -> w -> w -> 1 with SiLU: the loss,
                                        its parameter gradient, Adam (lr 1e-3);
                                        L is dsm (sigma 0.1) or ssm (one
                                        Gaussian probe); the batch and the
                                        noise are fixed, as on the Go side

Sizes as the Go side's -xla.bench: tiny (a CPU check) or gpu (the issue's).
Prints one line per case: its name and milliseconds per step, the mean of
--steps steps after 2 untimed ones, the device synchronised around them.

Usage: python3 bench/gpu/torch_peer.py [--sizes tiny|gpu] [--device cuda|cpu]
           [--steps N] [--tf32]
"""
import argparse
import time

import torch

SIZES = {
    "tiny": dict(chains=[100, 1000], sdim=2, swidth=16, batches=[64, 256], dim=8, width=32),
    "gpu": dict(chains=[10_000, 100_000, 1_000_000], sdim=2, swidth=128, batches=[1024, 65_536], dim=64, width=256),
}


def mlp(d, w, dev):
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(d, w), torch.nn.SiLU(),
        torch.nn.Linear(w, w), torch.nn.SiLU(),
        torch.nn.Linear(w, 1)).to(dev)


def double_well(x):
    u = x * x - 1.0
    return 2.0 * (u * u).sum(1)


def timed(step, steps, dev):
    for _ in range(2):
        step()
    sync(dev)
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    sync(dev)
    return (time.perf_counter() - t0) / steps * 1e3


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="tiny", choices=list(SIZES))
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--tf32", action="store_true", help="allow TF32 matrix products (GoMLX's xla default)")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    dev = torch.device(a.device)
    s = SIZES[a.sizes]
    eta = 1e-3

    for name in ("doublewell", "mlp"):
        energy = double_well
        if name == "mlp":
            net = mlp(s["sdim"], s["swidth"], dev)
            energy = lambda x, net=net: net(x).squeeze(1)  # noqa: E731
        for n in s["chains"]:
            x = torch.randn(n, s["sdim"], device=dev)

            def step():
                nonlocal x
                xr = x.detach().requires_grad_(True)
                g, = torch.autograd.grad(energy(xr).sum(), xr)
                x = (xr - eta * g + (2 * eta) ** 0.5 * torch.randn_like(xr)).detach()

            ms = timed(step, a.steps, dev)
            print(f"BenchmarkLangevin/energy={name}/chains={n}\t{ms:.4f}", flush=True)

    for loss in ("dsm", "ssm"):
        for n in s["batches"]:
            net = mlp(s["dim"], s["width"], dev)
            opt = torch.optim.Adam(net.parameters(), lr=1e-3)
            x = torch.randn(n, s["dim"], device=dev)
            noise = torch.randn(n, s["dim"], device=dev)
            sigma = 0.1

            def step():
                opt.zero_grad(set_to_none=True)
                if loss == "dsm":
                    xn = (x + sigma * noise).requires_grad_(True)
                    g, = torch.autograd.grad(net(xn).sum(), xn, create_graph=True)
                    r = sigma * g - noise
                    l = 0.5 * (r * r).sum(1).mean() / sigma ** 2
                else:
                    xr = x.clone().requires_grad_(True)
                    g, = torch.autograd.grad(net(xr).sum(), xr, create_graph=True)
                    gv = (g * noise).sum(1)
                    hv, = torch.autograd.grad(gv.sum(), xr, create_graph=True)
                    l = (0.5 * gv * gv - (hv * noise).sum(1)).mean()
                l.backward()
                opt.step()

            ms = timed(step, a.steps, dev)
            print(f"BenchmarkTrainStep/loss={loss}/batch={n}\t{ms:.4f}", flush=True)


if __name__ == "__main__":
    main()
