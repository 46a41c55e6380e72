"""goebm against PyTorch on the conv energy, side by side in one run.

Runs goebm's nn.BenchmarkConvEnergy (go test -bench) and torch_conv.py (the
same network and the same five cases) alternately, for several rounds, at the
same thread counts (GOMAXPROCS=T against torch.set_num_threads(T)), and prints
per case and thread count each side's median milliseconds over the rounds and
the ratio torch ms / goebm ms (above 1: goebm is faster), median and min-max
over the rounds. Each --dtypes entry is timed on both sides: goebm's network
in that precision (tensor.Precision) against PyTorch in that dtype.

Usage (from the repository root):
  python3 bench/peer/convpeer.py [--rounds 3] [--threads 1,2] [--dtypes float64,float32]
                                 [--tags openblas] [--benchtime 3x] [--reps 3]
Debian: apt-get install python3-torch (runs with /usr/bin/python3); -tags openblas
needs libopenblas-dev.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

from peertime import torch_env

CASES = ["energy", "score", "dsm", "ssm", "langevin"]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run_go(binary, threads, benchtime):
    out = subprocess.run(
        [binary, "-test.run", "XXX", "-test.bench", "BenchmarkConvEnergy$", "-test.benchtime", benchtime,
         "-test.cpu", str(threads)],
        cwd=os.path.join(ROOT, "nn"), check=True, capture_output=True, text=True).stdout
    ms = {}
    for m in re.finditer(r"BenchmarkConvEnergy/case=(\w+)/prec=(\w+)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op", out):
        ms[(m.group(1), m.group(2))] = float(m.group(3)) / 1e6
    want = sorted((c, d) for c in CASES for d in ("float32", "float64"))
    if sorted(ms) != want:
        sys.exit(f"goebm benchmark gave cases {sorted(ms)}:\n{out}")
    return ms


def run_torch(threads, dtype, reps):
    env = torch_env(threads)
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, "torch_conv.py"), "--threads", str(threads), "--dtype", dtype,
         "--reps", str(reps)],
        check=True, capture_output=True, text=True, env=env).stdout
    ms = {}
    for line in out.splitlines():
        f = line.split("\t")
        ms[f[0]] = float(f[3].split()[0])
    return ms


def spread(xs):
    return f"{statistics.median(xs):.2f} [{min(xs):.2f}-{max(xs):.2f}]"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--dtypes", default="float64,float32")
    ap.add_argument("--tags", default="", help="Go build tags, e.g. openblas")
    ap.add_argument("--benchtime", default="3x", help="go test -benchtime per case")
    ap.add_argument("--reps", type=int, default=3, help="torch repetitions per case (median)")
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",")]
    dtypes = a.dtypes.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(tmp, "nn.test")
        subprocess.run(["go", "test", "-c", "-tags", a.tags, "-o", binary, "./nn/"], cwd=ROOT, check=True)
        go = {(t, d): {c: [] for c in CASES} for t in threads for d in dtypes}
        torch = {(t, d): {c: [] for c in CASES} for t in threads for d in dtypes}
        for r in range(a.rounds):
            for t in threads:
                # Alternate which side goes first, so that neither always
                # runs on a machine the other has just warmed or heated.
                sides = ["go"] + dtypes
                if r % 2:
                    sides.reverse()
                for side in sides:
                    if side == "go":
                        got = run_go(binary, t, a.benchtime)
                        for d in dtypes:
                            for c in CASES:
                                go[(t, d)][c].append(got[(c, d)])
                        continue
                    got = run_torch(t, side, a.reps)
                    for c in CASES:
                        torch[(t, side)][c].append(got[c])
                print(f"round {r + 1}/{a.rounds}, threads {t} done", file=sys.stderr, flush=True)
    print(f"goebm ({a.tags or 'pure Go'} BLAS) against PyTorch, each in the same precision, {a.rounds} "
          "interleaved rounds; median ms [min-max]; ratio = torch ms / goebm ms per round")
    print("threads\tcase\t" + "\t".join(f"goebm {d} ms\ttorch {d} ms\tratio {d}" for d in dtypes))
    for t in threads:
        for c in CASES:
            cols = []
            for d in dtypes:
                g, tc = go[(t, d)][c], torch[(t, d)][c]
                cols += [spread(g), spread(tc), spread([x / y for x, y in zip(tc, g)])]
            print(f"{t}\t{c}\t" + "\t".join(cols))


if __name__ == "__main__":
    main()
