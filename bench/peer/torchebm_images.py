"""TorchEBM timings of the image training steps of goebm's bench.BenchmarkImageTrainStep.

One whole training step (TorchEBM's loss on a batch of image tensors [64, 1, H, W],
loss.backward(), torch.optim.Adam lr 1e-4) of the ResNet energy of goebm's
nn.NewResNetEnergy, written out here in PyTorch: a 3x3 stem convolution, one
pre-activation residual block per stage (SiLU, 3x3 convolutions of padding 1,
a 1x1 skip convolution where the width changes), a 2x2 average pool between
stages, a last SiLU, the mean over the image and a Linear head. Data are the
training split scaled to [-1, 1] with uniform dequantisation, as
dataset.Images.Scaled does:
  digits   the UCI digits in dataset/data (8x8, every fifth image held out), widths 16, 32
  fashion  Fashion-MNIST's training IDX file (28x28, 60,000 images), widths 32, 64
and the losses are TorchEBM's own:
  pcd  ContrastiveDivergence, persistent, replay buffer 10,000, new-sample ratio 0.05,
       no init steps, LangevinDynamics step 0.01 for 20 steps, energy regulariser 0.001
  dsm  DenoisingScoreMatching, noise scale 0.1

Usage: /usr/bin/python3 bench/peer/torchebm_images.py [--threads N] [--dtype float64|float32]
           [--reps R] [--cases digits/pcd,fashion/dsm,...] [--torchebm DIR] [--check DIR]
Prints one line per case: data/loss, dtype, threads, median milliseconds per step.
--check DIR instead loads the weights goebm wrote (go test ./bench -run TestImagePeerExport
with GOEBM_IMAGEPEER_DIR=DIR) and compares energies, scores and the DSM loss.

TorchEBM is read from source (--torchebm, default /tmp/torchebm-src: a checkout of
github.com/soran-ghaderi/torchebm); on Debian's torch 1.13 it needs four shims,
installed by torchebm_shim.load_torchebm: a torchebm._version module (setuptools-scm writes it on
install), torch.func (functorch in 1.13), randn_like's generator argument and
Module._apply's recurse argument (both torch 2).
Debian: apt-get install python3-torch (runs with /usr/bin/python3).
"""
import argparse
import gzip
import os
import struct
import sys

import numpy as np
import torch

from peertime import timeit
from torchebm_shim import load_torchebm

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FASHION = "/usr/share/datasets/fashion-mnist"
WIDTHS = {"digits": (16, 32), "fashion": (32, 64)}
CASES = ["digits/pcd", "digits/dsm", "fashion/pcd", "fashion/dsm"]
BATCH, LANGEVIN, K, SIGMA, LR = 64, 0.01, 20, 0.1, 1e-4


def digits():
    """The UCI digits' training split as uint8 [n, 1, 8, 8] and the number of levels."""
    with gzip.open(os.path.join(ROOT, "dataset", "data", "digits.csv.gz"), "rt") as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.uint8)
    pix = rows[:, :64].reshape(-1, 1, 8, 8)
    return pix[np.arange(len(pix)) % 5 != 4], 17


def fashion():
    """Fashion-MNIST's training images as uint8 [60000, 1, 28, 28] and 256 levels."""
    with gzip.open(os.path.join(FASHION, "train-images-idx3-ubyte.gz"), "rb") as f:
        magic, n, h, w = struct.unpack(">4I", f.read(16))
        if magic != 0x803:
            sys.exit("fashion-mnist: not an IDX file of uint8 images")
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(n, 1, h, w), 256


def scaled(pix, levels, dtype):
    """Pixels v as 2(v + u)/levels - 1, u ~ U[0, 1), as dataset.Images.Scaled."""
    u = torch.rand(pix.shape, dtype=torch.float64)
    return (2 * (torch.from_numpy(pix.astype(np.float64)) + u) / levels - 1).to(dtype)


def resnet_energy(tbm, widths, c=1):
    """goebm's nn.NewResNetEnergy with the given widths, one block per stage,
    SiLU and a scalar head, as a TorchEBM BaseModel; its parameters are named
    as goebm names them (stem.weight, stage1.block0.skip.bias, head.weight)."""
    nn = torch.nn

    class ResBlock(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
            self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

        def forward(self, x):
            h = self.conv2(nn.functional.silu(self.conv1(nn.functional.silu(x))))
            return (x if self.skip is None else self.skip(x)) + h

    class ResNet(tbm.core.BaseModel):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(c, widths[0], 3, padding=1)
            cin = widths[0]
            self.stages = []
            for i, w in enumerate(widths):
                stage = nn.Module()
                stage.add_module("block0", ResBlock(cin, w))
                self.add_module(f"stage{i}", stage)
                self.stages.append(stage)
                cin = w
            self.head = nn.Linear(cin, 1)

        def forward(self, x):
            h = self.stem(x)
            for i, stage in enumerate(self.stages):
                if i > 0:
                    h = nn.functional.avg_pool2d(h, 2)
                for b in stage.children():
                    h = b(h)
            h = nn.functional.silu(h).mean((2, 3))
            return self.head(h).squeeze(1)

    return ResNet()


def read_params(path):
    """A goebm parameter file (nn.WriteParams) as a dict of float64 arrays."""
    b = open(path, "rb").read()
    if b[:8] != b"GOEBMPRM":
        sys.exit(f"{path}: not a goebm parameter file")
    version, count = struct.unpack_from("<II", b, 8)
    off, out = 16, {}
    for _ in range(count):
        (nlen,) = struct.unpack_from("<I", b, off)
        name = b[off + 4:off + 4 + nlen].decode()
        off += 4 + nlen
        dt = "<f8"
        if version >= 2:
            dt = "<f8" if b[off] == 1 else "<f4"
            off += 1
        (rank,) = struct.unpack_from("<I", b, off)
        shape = struct.unpack_from(f"<{rank}Q", b, off + 4)
        off += 4 + 8 * rank
        n = int(np.prod(shape))
        out[name] = np.frombuffer(b, dtype=dt, count=n, offset=off).reshape(shape).astype(np.float64)
        off += np.dtype(dt).itemsize * n
    return out


def check(tbm, d):
    """Compares the PyTorch network with goebm's weights, and TorchEBM's DSM,
    against what goebm computed; exits non-zero on a mismatch."""
    bad = False
    for data, (c, hw) in {"digits": (1, 8), "fashion": (1, 28)}.items():
        if not os.path.exists(os.path.join(d, f"{data}.params")):
            print(f"{data}: no export in {d}, skipped")
            continue
        net = resnet_energy(tbm, WIDTHS[data], c).to(torch.float64)
        w = read_params(os.path.join(d, f"{data}.params"))
        sd = net.state_dict()
        if sorted(w) != sorted(sd):
            sys.exit(f"{data}: goebm parameters {sorted(w)}, PyTorch {sorted(sd)}")
        for k, v in w.items():
            # goebm's Linear weight is [in, out], PyTorch's [out, in].
            sd[k].copy_(torch.from_numpy(v.T.copy() if k == "head.weight" else v))
        chk = read_params(os.path.join(d, f"{data}.check.params"))
        x = torch.from_numpy(chk["x"]).reshape(-1, c, hw, hw).requires_grad_(True)
        e = net(x)
        (g,) = torch.autograd.grad(e.sum(), x)
        # TorchEBM's DSM matches +grad E to the target -eps/sigma, goebm's -grad E:
        # TorchEBM's on the negated energy is goebm's on the energy. Its noise is
        # goebm's, through randn_like.
        neg = resnet_energy(tbm, WIDTHS[data], c).to(torch.float64)
        neg.load_state_dict(sd)
        with torch.no_grad():
            neg.head.weight.neg_()
            neg.head.bias.neg_()
        eps = torch.from_numpy(chk["eps"]).reshape(x.shape)
        dsm = tbm.losses.DenoisingScoreMatching(model=neg, noise_scale=SIGMA, dtype=torch.float64)
        saved, torch.randn_like = torch.randn_like, lambda *a, **k: eps.clone()
        try:
            l = dsm(x.detach()).item()
        finally:
            torch.randn_like = saved
        rows = [("parameters", sum(p.numel() for p in net.parameters()), sum(v.size for v in w.values())),
                ("energy", e.detach().numpy(), chk["energy"].ravel()),
                ("score", g.numpy().reshape(len(x), -1), chk["score"]),
                ("dsm", l, chk["dsm"][0])]
        for name, got, want in rows:
            err = float(np.max(np.abs(np.asarray(got) - np.asarray(want)) / (1e-300 + np.max(np.abs(want)))))
            ok = err < 1e-10
            bad |= not ok
            print(f"{data}\t{name}\tmax relative difference {err:.1e}\t{'ok' if ok else 'MISMATCH'}")
    sys.exit(1 if bad else 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    ap.add_argument("--reps", type=int, default=1, help="timed steps per case (median)")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--torchebm", default="/tmp/torchebm-src", help="TorchEBM source tree")
    ap.add_argument("--check", metavar="DIR", help="compare with goebm's export in DIR and exit")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tbm = load_torchebm(a.torchebm)
    if a.check:
        check(tbm, a.check)
    dt = getattr(torch, a.dtype)
    torch.manual_seed(0)
    cache = {}
    for case in a.cases.split(","):
        data, kind = case.split("/")
        if data not in cache:
            if data == "fashion" and not os.path.isdir(FASHION):
                print(f"{case}\t{a.dtype}\tthreads={a.threads}\tskipped: no {FASHION}", flush=True)
                continue
            cache[data] = scaled(*(digits() if data == "digits" else fashion()), dt)
        x = cache[data]
        net = resnet_energy(tbm, WIDTHS[data]).to(dt)
        opt = torch.optim.Adam(net.parameters(), lr=LR)
        if kind == "pcd":
            sampler = tbm.samplers.LangevinDynamics(net, step_size=LANGEVIN, dtype=dt)
            lossf = tbm.losses.ContrastiveDivergence(
                model=net, sampler=sampler, k_steps=K, persistent=True, buffer_size=10000, init_steps=0,
                new_sample_ratio=0.05, energy_reg_weight=0.001, dtype=dt)

            def objective(batch):
                return lossf(batch)[0]
        else:
            lossf = tbm.losses.DenoisingScoreMatching(model=net, noise_scale=SIGMA, dtype=dt)
            objective = lossf

        def step():
            batch = x[torch.randint(0, len(x), (BATCH,))]
            opt.zero_grad(set_to_none=True)
            objective(batch).backward()
            opt.step()

        # The first step, untimed, creates the replay buffer (as goebm's
        # untimed imageWarm step does) and warms the allocator.
        ms = timeit(step, a.reps, warmup=1)
        print(f"{case}\t{a.dtype}\tthreads={a.threads}\t{ms:.3f} ms", flush=True)


if __name__ == "__main__":
    main()
