"""goebm's `ebm bench` against TorchEBM (run.py) on the sampler and loss cases, interleaved.

Builds ebm, then for --rounds rounds runs goebm (GOMAXPROCS=T) and the peer
(torch.set_num_threads(T)) back to back, alternating which goes first, on the
same cases and scales, each the median of --reps calls after --warmup untimed
ones on both sides (1 by default; a training loop's steady state needs a few:
goebm's storage pools and heap grow over its first calls). Prints,
per case and scale, each side's median time over the rounds [min-max] and the
ratio TorchEBM time / goebm time (above 1: goebm is faster), taken round by
round, as median [min-max]. --markdown prints the table as Markdown.

Usage: /usr/bin/python3 bench/peer/torchebm/compare.py [--scales small,medium] [--rounds 3]
           [--reps 5] [--warmup 1] [--threads 1] [--case torchebm|NAME,...] [--torchebm DIR]
           [--omp-passive] [--markdown] [--tags openblas] [--precision float32]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.dirname(HERE))
from peertime import torch_env  # noqa: E402
from torchebm_shim import DEFAULT  # noqa: E402

CASES = "langevin_doublewell,hmc_doublewell,loss_cd10,loss_sm_exact,loss_sm_approx,loss_ssm5,loss_dsm"


def lines(cmd, env):
    """The JSON lines a command prints, keyed by (case, scale)."""
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    rows = {}
    for ln in out.splitlines():
        if ln.startswith("{"):
            r = json.loads(ln)
            rows[(r["case"], r["scale"])] = r
    return rows


def spread(xs, fmt):
    return f"{fmt(statistics.median(xs))} [{fmt(min(xs))}–{fmt(max(xs))}]"


def ms(s):
    v = s * 1e3
    return f"{v:,.0f}" if v >= 100 else f"{v:#.3g}"


def ratio(r):
    return f"{r:.2f}" if r < 10 else f"{r:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default="small,medium")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--case", default=CASES)
    ap.add_argument("--torchebm", default=DEFAULT)
    ap.add_argument("--omp-passive", action="store_true", help="OMP_WAIT_POLICY=PASSIVE for the peer")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--precision", default="float64", choices=["float64", "float32"],
                    help="the networks' precision on both sides (the DoubleWell samplers stay float64 in goebm)")
    ap.add_argument("--tags", default="", help="go build -tags for ebm (openblas, say)")
    a = ap.parse_args()
    cases = CASES if a.case == "torchebm" else a.case
    tmp = tempfile.mkdtemp(prefix="ebmpeer")
    ebm = os.path.join(tmp, "ebm")
    subprocess.run(["go", "build", "-tags", a.tags, "-o", ebm, "./cmd/ebm"], cwd=ROOT, check=True)
    genv = dict(os.environ, GOMAXPROCS=str(a.threads))
    penv = torch_env(a.threads)
    if a.omp_passive:
        penv["OMP_WAIT_POLICY"] = "PASSIVE"
    times = {}  # (case, scale) -> {"goebm": [...], "torchebm": [...], "ratio": [...]}
    for rnd in range(a.rounds):
        for sc in a.scales.split(","):
            go = [ebm, "bench", "-case", cases, "-scale", sc, "-reps", str(a.reps), "-warmup", str(a.warmup), "-precision", a.precision]
            py = [sys.executable, os.path.join(HERE, "run.py"), "--case", cases, "--scale", sc,
                  "--reps", str(a.reps), "--warmup", str(a.warmup), "--threads", str(a.threads), "--torchebm", a.torchebm, "--dtype", a.precision]
            runs = [("goebm", go, genv), ("torchebm", py, penv)]
            if rnd % 2:
                runs.reverse()
            got = {side: lines(cmd, env) for side, cmd, env in runs}
            for key, g in got["goebm"].items():
                p = got["torchebm"].get(key)
                if p is None:
                    continue
                if (g["batch"], g["dim"], g.get("steps")) != (p["batch"], p["dim"], p.get("steps")):
                    sys.exit(f"{key}: shapes differ: goebm {g}, TorchEBM {p}")
                t = times.setdefault(key, {"goebm": [], "torchebm": [], "ratio": []})
                t["goebm"].append(g["median_seconds"])
                t["torchebm"].append(p["median_seconds"])
                t["ratio"].append(p["median_seconds"] / g["median_seconds"])
            print(f"round {rnd + 1} {sc} done", file=sys.stderr, flush=True)
    head = ["case", "scale", "goebm ms", "TorchEBM ms", "ratio"]
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
    else:
        print("\t".join(head))
    for (case, sc), t in times.items():
        row = [case, sc, spread(t["goebm"], ms), spread(t["torchebm"], ms), spread(t["ratio"], ratio)]
        print(("| " + " | ".join(row) + " |") if a.markdown else "\t".join(row))


if __name__ == "__main__":
    main()
