"""PyTorch timings of goebm's nn.BenchmarkConditionalTransformer, for comparison.

The tiny conditional transformer of issue 11, written here in plain PyTorch with
TorchEBM's ConditionalTransformer2D design (the layer shapes and order of
nn.NewConditionalTransformer): 8x8 grey images as flat rows, batch 128, patch 2
(16 tokens), width 128, 4 adaLN-Zero blocks with 4 heads, MLP ratio 4, a
256-feature timestep embedder, 10 classes plus a null label.
  forward   v(x, t, y) under torch.no_grad()
  train     grad_theta of the flow-matching-like MSE mean((v(x, t, y) - u)^2)

--check FILE loads a network, inputs and outputs written by goebm
(GOEBM_TRANSFORMER_DUMP=FILE go test ./nn/ -run TransformerDump) into this model and
prints the largest difference of the outputs: the two compute the same function.

The MLP's GELU is the tanh approximation, as in TorchEBM and goebm (tensor's
GELUTanh); --gelu none times the exact one instead.

Usage: python3 bench/peer/torch_transformer.py [--threads N] [--dtype float64|float32]
       [--reps R] [--cases forward,train] [--gelu tanh|none] [--check FILE]
Prints one line per case: name, dtype, threads, median milliseconds.
--threads sets PyTorch's own threads; the Linear layers' products run in the
system BLAS, whose threads the environment sets: run it with
OMP_NUM_THREADS=N as well (run_transformer.py does), or they use every core.
Debian: apt-get install python3-torch (runs with /usr/bin/python3).
"""
import argparse
import math

import torch

from peertime import timeit
import torch.nn as nn
import torch.nn.functional as F



def sincos_2d(dim, gh, gw):
    """[gh*gw, dim]: column in the first half, row in the second."""
    q = dim // 4
    om = 10000.0 ** (-torch.arange(q, dtype=torch.float64) / q)
    rows = torch.arange(gh, dtype=torch.float64).repeat_interleave(gw)
    cols = torch.arange(gw, dtype=torch.float64).repeat(gh)

    def axis(pos):
        a = pos[:, None] * om[None]
        return torch.cat([a.sin(), a.cos()], 1)

    return torch.cat([axis(cols), axis(rows)], 1)


class Block(nn.Module):
    def __init__(self, d, heads, gelu):
        super().__init__()
        self.heads, self.gelu = heads, gelu
        self.qkv, self.out = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.ada = nn.Linear(d, 6 * d)
        nn.init.zeros_(self.ada.weight)
        nn.init.zeros_(self.ada.bias)

    def attn(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // self.heads), -1) @ v
        return self.out(a.transpose(1, 2).reshape(b, n, d))

    def forward(self, x, sc):
        s1, c1, g1, s2, c2, g2 = self.ada(sc)[:, None].chunk(6, dim=2)
        ln = lambda h: F.layer_norm(h, h.shape[-1:], eps=1e-6)
        x = x + g1 * self.attn(ln(x) * (1 + c1) + s1)
        return x + g2 * self.fc2(F.gelu(self.fc1(ln(x) * (1 + c2) + s2), approximate=self.gelu))


class ConditionalTransformer(nn.Module):
    def __init__(self, c=1, size=8, patch=2, d=128, depth=4, heads=4, classes=10, freq=256, gelu="tanh"):
        super().__init__()
        self.c, self.size, self.p, self.freq = c, size, patch, freq
        self.patch = nn.Conv2d(c, d, patch, stride=patch)
        self.t1, self.t2 = nn.Linear(freq, d), nn.Linear(d, d)
        self.label = nn.Embedding(classes + 1, d)
        self.blocks = nn.ModuleList([Block(d, heads, gelu) for _ in range(depth)])
        self.head_ada, self.head_proj = nn.Linear(d, 2 * d), nn.Linear(d, patch * patch * c)
        for l in (self.head_ada, self.head_proj):
            nn.init.zeros_(l.weight)
            nn.init.zeros_(l.bias)
        g = size // patch
        self.register_buffer("pos", sincos_2d(d, g, g))
        h = freq // 2
        self.register_buffer("om", torch.exp(-math.log(10000) * torch.arange(h, dtype=torch.float64) / h))

    def forward(self, x, t, y):
        b, g, p = x.shape[0], self.size // self.p, self.p
        wt = t * self.om[None]
        c = self.t2(F.silu(self.t1(torch.cat([wt.cos(), wt.sin()], 1)))) + self.label(y)
        sc = F.silu(c)
        h = self.patch(x.reshape(b, self.c, self.size, self.size)).flatten(2).transpose(1, 2) + self.pos
        for blk in self.blocks:
            h = blk(h, sc)
        shift, scale = self.head_ada(sc)[:, None].chunk(2, dim=2)
        h = self.head_proj(F.layer_norm(h, h.shape[-1:], eps=1e-6) * (1 + scale) + shift)
        h = h.reshape(b, g, g, p, p, self.c).permute(0, 5, 1, 3, 2, 4)
        return h.reshape(b, -1)


def check(path):
    import json
    d = json.load(open(path))
    c = d["config"]
    net = ConditionalTransformer(c=c["channels"], size=c["size"], patch=c["patch"], d=c["dim"],
                                 depth=c["depth"], heads=c["heads"], classes=c["classes"]).double()
    # goebm's names and layouts: Linear weights are [in, out], PyTorch's [out, in].
    rename = {"patch.proj": "patch", "time.fc1": "t1", "time.fc2": "t2", "label": "label",
              "attn.qkv": "qkv", "attn.out": "out", "mlp.fc1": "fc1", "mlp.fc2": "fc2", "ada": "ada",
              "head.ada": "head_ada", "head.proj": "head_proj"}
    state = {}
    for name, p in d["params"].items():
        prefix, kind = name.rsplit(".", 1)
        blk = ""
        if prefix.startswith("blocks."):
            _, i, prefix = prefix.split(".", 2)
            blk = f"blocks.{i}."
        v = torch.tensor(p["Data"], dtype=torch.float64).reshape(p["Shape"])
        if kind == "weight" and v.dim() == 2 and prefix != "label":
            v = v.t()
        state[blk + rename[prefix] + "." + kind] = v
    missing = set(net.state_dict()) - set(state) - {"pos", "om"}
    assert not missing, missing
    net.load_state_dict(state, strict=False)
    n = len(d["labels"])
    with torch.no_grad():
        out = net(torch.tensor(d["x"], dtype=torch.float64).reshape(n, -1),
                  torch.tensor(d["t"], dtype=torch.float64).reshape(n, 1), torch.tensor(d["labels"]))
    want = torch.tensor(d["out"], dtype=torch.float64).reshape(n, -1)
    print(f"max |torch - goebm| = {(out - want).abs().max().item():.3g} (outputs up to {want.abs().max().item():.3g})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--cases", default="forward,train")
    ap.add_argument("--gelu", default="tanh", choices=["none", "tanh"])
    ap.add_argument("--check", default="")
    a = ap.parse_args()
    if a.check:
        return check(a.check)
    torch.set_num_threads(a.threads)
    dt = getattr(torch, a.dtype)
    torch.manual_seed(0)
    batch = 128
    net = ConditionalTransformer(gelu=a.gelu).to(dt)
    params = list(net.parameters())
    x = torch.randn(batch, 64, dtype=dt)
    u = torch.randn(batch, 64, dtype=dt)
    t = torch.rand(batch, 1, dtype=dt)
    y = torch.randint(0, 10, (batch,))

    def forward():
        with torch.no_grad():
            net(x, t, y)

    def train():
        loss = ((net(x, t, y) - u) ** 2).mean()
        torch.autograd.grad(loss, params)

    cases = {"forward": forward, "train": train}
    for name in a.cases.split(","):
        print(f"{name}\t{a.dtype}\tthreads={a.threads}\t{timeit(cases[name], a.reps):.3f} ms", flush=True)


if __name__ == "__main__":
    main()
