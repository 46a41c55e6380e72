"""goebm against TorchEBM on image training steps, side by side in one run.

Checks first that the two sides compute the same thing: goebm's
TestImagePeerExport writes its ResNet energies' weights and, on 16 training
images, their energies, scores and denoising score-matching loss;
torchebm_images.py --check loads the weights into its PyTorch ResNet and
compares (TorchEBM's DSM on the negated energy, its sign being the
opposite). Then runs goebm's BenchmarkImageTrainStep (go test -bench) and
torchebm_images.py (the same network, data, losses and batch) alternately,
for several rounds, at the same thread counts (GOMAXPROCS=T against
torch.set_num_threads(T)), and prints per case and thread count each side's
median milliseconds per training step over the rounds and the ratio
torch ms / goebm ms (above 1: goebm is faster), median and min-max over the
rounds. Each --dtypes entry is timed on both sides: goebm's network in that
precision (tensor.Precision) against PyTorch in that dtype.

Usage (from the repository root):
  /usr/bin/python3 bench/peer/imagepeer.py [--rounds 3] [--threads 1,2] [--dtypes float64,float32]
      [--cases digits/pcd,digits/dsm,fashion/pcd,fashion/dsm] [--torchebm /tmp/torchebm-src]
      [--tags openblas] [--benchtime 1x] [--reps 1] [--omp-passive]
Needs TorchEBM's source (see bench/peer/README.md), Debian's python3-torch and,
for the fashion cases, dataset-fashion-mnist.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

from peertime import torch_env

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ALL = ["digits/pcd", "digits/dsm", "fashion/pcd", "fashion/dsm"]


def run_go(binary, threads, benchtime, cases, dtypes):
    datas = sorted({c.split("/")[0] for c in cases})
    losses = sorted({c.split("/")[1] for c in cases})
    pattern = (f"BenchmarkImageTrainStep$/^data=({'|'.join(datas)})$/^loss=({'|'.join(losses)})$"
               f"/^prec=({'|'.join(dtypes)})$")
    out = subprocess.run(
        [binary, "-test.run", "XXX", "-test.bench", pattern, "-test.benchtime", benchtime,
         "-test.cpu", str(threads)],
        cwd=os.path.join(ROOT, "bench"), check=True, capture_output=True, text=True).stdout
    ms = {}
    for m in re.finditer(r"BenchmarkImageTrainStep/data=(\w+)/loss=(\w+)/prec=(\w+)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op",
                         out):
        ms[(f"{m.group(1)}/{m.group(2)}", m.group(3))] = float(m.group(4)) / 1e6
    return ms


def run_torch(threads, dtype, reps, cases, torchebm, passive):
    env = torch_env(threads)
    if passive:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, "torchebm_images.py"), "--threads", str(threads), "--dtype", dtype,
         "--reps", str(reps), "--cases", ",".join(cases), "--torchebm", torchebm],
        check=True, capture_output=True, text=True, env=env).stdout
    ms = {}
    for line in out.splitlines():
        f = line.split("\t")
        if f[3].endswith(" ms"):
            ms[f[0]] = float(f[3].split()[0])
    return ms


def spread(xs, digits=1):
    return f"{statistics.median(xs):.{digits}f} [{min(xs):.{digits}f}-{max(xs):.{digits}f}]"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--dtypes", default="float64,float32")
    ap.add_argument("--cases", default=",".join(ALL))
    ap.add_argument("--torchebm", default="/tmp/torchebm-src", help="TorchEBM source tree")
    ap.add_argument("--tags", default="", help="Go build tags, e.g. openblas")
    ap.add_argument("--benchtime", default="1x", help="go test -benchtime: timed steps per case")
    ap.add_argument("--reps", type=int, default=1, help="torch timed steps per case (median)")
    ap.add_argument("--omp-passive", action="store_true",
                    help="OMP_WAIT_POLICY=PASSIVE for torch: its OpenMP threads sleep at barriers instead of "
                         "spinning, which a machine busy with other work needs")
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",")]
    dtypes = a.dtypes.split(",")
    cases = a.cases.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(tmp, "bench.test")
        subprocess.run(["go", "test", "-c", "-tags", a.tags, "-o", binary, "./bench/"], cwd=ROOT, check=True)
        export = os.path.join(tmp, "export")
        os.mkdir(export)
        subprocess.run([binary, "-test.run", "^TestImagePeerExport$"], cwd=os.path.join(ROOT, "bench"), check=True,
                       capture_output=True, env=dict(os.environ, GOEBM_IMAGEPEER_DIR=export))
        got = subprocess.run([sys.executable, os.path.join(HERE, "torchebm_images.py"), "--torchebm", a.torchebm,
                              "--check", export], capture_output=True, text=True)
        print(got.stdout, end="", file=sys.stderr)
        if got.returncode:
            sys.exit(f"the two sides differ:\n{got.stderr}")
        go = {(t, d): {c: [] for c in cases} for t in threads for d in dtypes}
        torch = {(t, d): {c: [] for c in cases} for t in threads for d in dtypes}
        for r in range(a.rounds):
            for t in threads:
                # Alternate which side goes first, so that neither always
                # runs on a machine the other has just warmed or heated.
                sides = ["go"] + dtypes
                if r % 2:
                    sides.reverse()
                for side in sides:
                    if side == "go":
                        got = run_go(binary, t, a.benchtime, cases, dtypes)
                        for (c, d), ms in got.items():
                            if c in cases:  # the pattern's product of sets and losses may hold more
                                go[(t, d)][c].append(ms)
                        continue
                    got, dst = run_torch(t, side, a.reps, cases, a.torchebm, a.omp_passive), torch[(t, side)]
                    for c in cases:
                        if c in got:
                            dst[c].append(got[c])
                print(f"round {r + 1}/{a.rounds}, threads {t} done", file=sys.stderr, flush=True)
    print(f"goebm ({a.tags or 'pure Go'} BLAS) against TorchEBM, each in the same precision, one training step, batch 64, "
          f"{a.rounds} interleaved rounds{'; torch with OMP_WAIT_POLICY=PASSIVE' if a.omp_passive else ''}; "
          "median ms [min-max]; ratio = torch ms / goebm ms per round")
    print("threads\tcase\t" + "\t".join(f"goebm {d} ms\ttorch {d} ms\tratio {d}" for d in dtypes))
    for t in threads:
        for c in cases:
            if any(not go[(t, d)][c] or len(torch[(t, d)][c]) != len(go[(t, d)][c]) for d in dtypes):
                print(f"{t}\t{c}\tskipped (not run on both sides)")
                continue
            cols = []
            for d in dtypes:
                g, tc = go[(t, d)][c], torch[(t, d)][c]
                cols += [spread(g), spread(tc), spread([x / y for x, y in zip(tc, g)], 2)]
            print(f"{t}\t{c}\t" + "\t".join(cols))


if __name__ == "__main__":
    main()
