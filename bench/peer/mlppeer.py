"""goebm against PyTorch on the MLP workloads, each precision against the same dtype.

Runs `ebm bench -case 'mlp_*'` (goebm's network in float64 and in float32,
GOMAXPROCS=T) and torch_mlp.py (torch.set_num_threads(T), float64 and float32)
alternately for several rounds, and prints per case and precision each side's
median milliseconds over the rounds and the ratio PyTorch ms / goebm ms (above
1: goebm is faster), median and min-max over the rounds.

Usage (from the repository root):
  python3 bench/peer/mlppeer.py [--rounds 5] [--threads 1] [--tags openblas] [--reps 30]
Debian: apt-get install python3-torch (runs with /usr/bin/python3).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from peertime import torch_env

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DTYPES = ("float64", "float32")


def run_go(binary, threads, dtype, reps):
    env = dict(os.environ, GOMAXPROCS=str(threads), OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([binary, "bench", "-case", "mlp_*", "-reps", str(reps), "-precision", dtype],
                         check=True, capture_output=True, text=True, env=env).stdout
    ms = {}
    for line in out.splitlines():
        r = json.loads(line)
        ms[(r["case"].removeprefix("mlp_"), r["dim"])] = r["median_seconds"] * 1e3
    return ms


def run_torch(threads, dtype, reps):
    env = torch_env(threads)
    out = subprocess.run([sys.executable, os.path.join(HERE, "torch_mlp.py"), "--threads", str(threads),
                          "--dtype", dtype, "--reps", str(reps)],
                         check=True, capture_output=True, text=True, env=env, cwd=HERE).stdout
    ms = {}
    for line in out.splitlines():
        f = line.split("\t")
        name, dim = f[0].split("/dim=")
        ms[(name, int(dim))] = float(f[3].split()[0])
    return ms


def spread(xs):
    return f"{statistics.median(xs):.2f} [{min(xs):.2f}-{max(xs):.2f}]"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tags", default="")
    ap.add_argument("--reps", type=int, default=30)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(tmp, "ebm")
        subprocess.run(["go", "build", "-tags", a.tags, "-o", binary, "./cmd/ebm"], cwd=ROOT, check=True)
        go, torch = {}, {}
        for r in range(a.rounds):
            sides = [("go", d) for d in DTYPES] + [("torch", d) for d in DTYPES]
            if r % 2:
                sides.reverse()
            for side, d in sides:
                got = run_go(binary, a.threads, d, a.reps) if side == "go" else run_torch(a.threads, d, a.reps)
                dst = go if side == "go" else torch
                for k, v in got.items():
                    dst.setdefault((k, d), []).append(v)
            print(f"round {r + 1}/{a.rounds} done", file=sys.stderr, flush=True)
    print(f"goebm ({a.tags or 'pure Go'}) against PyTorch, {a.threads} thread(s), same precision, {a.rounds} "
          "interleaved rounds; median ms [min-max]; ratio = torch ms / goebm ms per round")
    print("case\tdim\tprecision\tgoebm ms\ttorch ms\tratio")
    for (k, d), g in sorted(go.items()):
        t = torch.get((k, d))
        if t is None:
            sys.exit(f"PyTorch gave no {k} {d}; it gave {sorted(torch)}")
        print(f"{k[0]}\t{k[1]}\t{d}\t{spread(g)}\t{spread(t)}\t{spread([y / x for x, y in zip(g, t)])}")


if __name__ == "__main__":
    main()
