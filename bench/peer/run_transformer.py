"""Interleaved timing of goebm's nn.BenchmarkConditionalTransformer and its PyTorch peer.

Builds the nn test binary once (optionally with -tags openblas), then for each of
--rounds rounds and each thread count runs goebm's benchmark and
bench/peer/torch_transformer.py in float64 and float32, one after the other, so that
both see the same machine load; goebm's benchmark times its network in both
precisions. Prints each measurement, then per case, thread count and precision
the median time of each side over the rounds and the ratio PyTorch / goebm
(above 1: goebm faster), as median [min, max] over the rounds.

Usage (from the repository root):
  python3 bench/peer/run_transformer.py [--rounds 3] [--threads 1,2] [--tags openblas]
                                        [--benchtime 5x] [--reps 5] [--omp-passive]
Needs Go and Debian's python3-torch (/usr/bin/python3).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

from peertime import torch_env


def go_times(binary, threads, benchtime, env):
    out = subprocess.run(
        [binary, "-test.run", "^$", "-test.bench", "^BenchmarkConditionalTransformer$",
         "-test.cpu", str(threads), "-test.benchtime", benchtime, "-test.count", "1"],
        capture_output=True, text=True, check=True, cwd="nn", env=env).stdout
    res = {}
    for m in re.finditer(r"case=(\w+)/prec=(\w+)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op", out):
        res[(m.group(1), m.group(2))] = float(m.group(3)) / 1e6
    return res


def torch_times(threads, dtype, reps, passive):
    # The BLAS threads (peertime.torch_env): without them the "one-thread"
    # peer ran its products on two (measured: train 129 ms against 218).
    env = torch_env(threads)
    if passive:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    out = subprocess.run(
        ["/usr/bin/python3", "bench/peer/torch_transformer.py", "--threads", str(threads),
         "--dtype", dtype, "--reps", str(reps)],
        capture_output=True, text=True, check=True, env=env).stdout
    res = {}
    for line in out.splitlines():
        name, _, _, ms = line.split("\t")
        res[name] = float(ms.split()[0])
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--tags", default="")
    ap.add_argument("--benchtime", default="5x")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--omp-passive", action="store_true",
                    help="OMP_WAIT_POLICY=PASSIVE for torch: its OpenMP threads sleep at barriers instead of "
                         "spinning (measured: its two-thread train step 417 ms spinning, 139 ms passive)")
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",")]
    binary = os.path.join(tempfile.mkdtemp(), "nn.test")
    build = ["go", "test", "-c", "-o", binary]
    if a.tags:
        build += ["-tags", a.tags]
    subprocess.run(build + ["./nn/"], check=True)
    # (case, threads, dtype) -> list over rounds of goebm ms and of torch ms
    g, t = {}, {}
    for r in range(a.rounds):
        for th in threads:
            env = dict(os.environ, OPENBLAS_NUM_THREADS=str(th))
            for (case, dt), ms in go_times(binary, th, a.benchtime, env).items():
                g.setdefault((case, th, dt), []).append(ms)
                print(f"round {r + 1}\tgoebm {dt}\t{case}\tthreads={th}\t{ms:.1f} ms", flush=True)
            for dt in ("float64", "float32"):
                for case, ms in torch_times(th, dt, a.reps, a.omp_passive).items():
                    t.setdefault((case, th, dt), []).append(ms)
                    print(f"round {r + 1}\ttorch {dt}\t{case}\tthreads={th}\t{ms:.1f} ms", flush=True)
    print(f"\nPyTorch / goebm (tags '{a.tags}'{'; torch with OMP_WAIT_POLICY=PASSIVE' if a.omp_passive else ''}), "
          f"same precision: median [min, max] over {a.rounds} rounds")
    print("case\tthreads\tprecision\tgoebm ms\ttorch ms\tratio")
    for (case, th, dt), gs in sorted(g.items()):
        ts = t[(case, th, dt)]
        ratios = [y / x for x, y in zip(gs, ts)]
        print("\t".join([case, str(th), dt, f"{statistics.median(gs):.1f}", f"{statistics.median(ts):.1f}",
                         f"{statistics.median(ratios):.2f} [{min(ratios):.2f}, {max(ratios):.2f}]"]))


if __name__ == "__main__":
    sys.exit(main())
