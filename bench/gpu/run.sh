#!/usr/bin/env bash
# Runs goebm's xla tests and benchmarks on a GPU through XLA, and the same
# workloads in PyTorch on the same GPU, and prints their ratios.
#
# The GPU machine needs no Go: build the test binary (it holds the tests and
# the benchmarks) here, on linux/amd64 with cgo (go-xla loads PJRT plugins
# through it), and carry bench/gpu/ over:
#
#   (cd xla && CGO_ENABLED=1 GOOS=linux GOARCH=amd64 go test -c -o ../bench/gpu/xla.test .)
#
# The binary needs glibc 2.34 or newer (ldd xla.test: libc only).
#
# On the GPU machine (python3 with torch; JAX's CUDA PJRT plugin, pip
# package jax-cuda13-pjrt, whose file is xla_cuda_plugin.so):
#
#   bench/gpu/run.sh [gpu|tiny]
#
# Environment:
#   PLUGIN         absolute path of the PJRT plugin; found in python3's
#                  jax_plugins when unset
#   GOMLX_BACKEND  overrides the backend outright (e.g. "go", the pure-Go one:
#                  how this script is checked on a CPU, with sizes tiny)
#   TF32=1         allow TF32 matrix products on both sides (default: off, as
#                  PyTorch's default; GoMLX's xla backend would use TF32)
#   DEVICES        the devices of the spread cases: all (default: every GPU
#                  the plugin reports; with one there are none), or their
#                  numbers, 0,1 (0,0 checks the spread cases on one device)
#   BENCHTIME      steps per benchmark case (default 20)
#   OUT            where the logs go (default bench/gpu/out)
#   XLA_TEST       the test binary (default bench/gpu/xla.test)
#   PYTHON         the python3 with torch (default python3)
#
# Sizes: gpu runs Langevin with 10^4, 10^5 and 10^6 chains on DoubleWell and
# on an MLP energy 2 -> 128 -> 128 -> 1 (one compiled step per call, and ten
# unrolled: "/unroll=10"), and DSM and SSM training steps of a
# 64 -> 256 -> 256 -> 1 MLP at batch 1024 and 65,536; tiny runs small shapes.
# With several devices each case runs again spread over them ("/devices=N":
# chains in blocks, training data-parallel), and the script prints the
# scaling: the time on one device over the time on N.
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
sizes=${1:-gpu}
bin=${XLA_TEST:-$dir/xla.test}
out=${OUT:-$dir/out}
steps=${BENCHTIME:-20}
devices=${DEVICES:-all}
tf32=${TF32:-0}
py=${PYTHON:-python3}
mkdir -p "$out"
[ -x "$bin" ] || { echo "run.sh: no test binary at $bin; build it with go test -c (see the top of this script)" >&2; exit 1; }

if [ -z "${GOMLX_BACKEND:-}" ]; then
  if [ -z "${PLUGIN:-}" ]; then
    PLUGIN=$("$py" - <<'PY' 2>/dev/null || true
import glob, os, importlib.util
for name in ("jax_plugins.xla_cuda13", "jax_plugins.xla_cuda12"):
    try:
        spec = importlib.util.find_spec(name)
    except ImportError:
        continue
    if spec and spec.submodule_search_locations:
        for d in spec.submodule_search_locations:
            for f in glob.glob(os.path.join(d, "xla_cuda_plugin.so")):
                print(os.path.abspath(f)); raise SystemExit
PY
)
  fi
  [ -n "${PLUGIN:-}" ] && [ -f "$PLUGIN" ] || { echo "run.sh: no PJRT plugin found: pip install jax-cuda13-pjrt, or set PLUGIN=/abs/path/xla_cuda_plugin.so" >&2; exit 1; }
  tf=false; [ "$tf32" = 1 ] && tf=true
  export GOMLX_BACKEND="xla:$PLUGIN,tf32=$tf"
fi
device=cpu
case "$GOMLX_BACKEND" in xla:*) device=cuda ;; esac
peer_tf32=(); [ "$tf32" = 1 ] && peer_tf32=(--tf32)
echo "backend $GOMLX_BACKEND, sizes $sizes, PyTorch on $device" | tee "$out/setup.txt"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee -a "$out/setup.txt"

echo "== tests (float32 against goebm's float64 engine)"
"$bin" -test.count=1 -test.v >"$out/tests.txt" 2>&1 || echo "run.sh: TESTS FAILED (see $out/tests.txt); timing anyway"
grep -E '^(--- |ok|PASS|FAIL)' "$out/tests.txt" || true

echo "== GoMLX benchmarks"
"$bin" -test.run '^$' -test.bench . -test.benchtime "${steps}x" -xla.bench="$sizes" -xla.devices="$devices" >"$out/go_bench.txt" 2>&1 ||
  echo "run.sh: GoMLX BENCHMARKS FAILED (see $out/go_bench.txt)"
grep -E '^Benchmark' "$out/go_bench.txt" || true

echo "== PyTorch peer"
"$py" "$dir/torch_peer.py" --sizes "$sizes" --device "$device" --steps "$steps" "${peer_tf32[@]}" 2>&1 | tee "$out/torch.txt"

echo "== ratios (PyTorch ms / GoMLX ms: above 1 means GoMLX is faster)"
awk -F'\t' '
  FNR == NR { torch[$1] = $2; next }
  /^Benchmark/ {
    split($0, f, /[ \t]+/); name = f[1]; sub(/-[0-9]+$/, "", name)
    for (i = 2; i < length(f); i++) if (f[i+1] == "ns/op") ms = f[i] / 1e6
    peer = name; sub(/\/unroll=[0-9]+$/, "", peer)   # PyTorch has no unrolled steps: set against its one
    if (peer in torch) printf "%-58s GoMLX %10.4f ms  PyTorch %10.4f ms  ratio %6.2f\n", name, ms, torch[peer], torch[peer] / ms
  }' "$out/torch.txt" "$out/go_bench.txt" | tee "$out/ratios.txt"

if grep -q '/devices=' "$out/go_bench.txt"; then
  echo "== scaling over devices (one device ms / N devices ms)"
  awk '
    /^Benchmark/ {
      split($0, f, /[ \t]+/); name = f[1]; sub(/-[0-9]+$/, "", name)
      for (i = 2; i < length(f); i++) if (f[i+1] == "ns/op") ms[name] = f[i] / 1e6
      if (name ~ /\/devices=[0-9]+$/) spread[name] = 1
    }
    END {
      for (name in spread) {
        one = name; sub(/\/devices=[0-9]+$/, "", one)
        if (one in ms) printf "%-58s 1 device %10.4f ms  spread %10.4f ms  scaling %5.2f\n", name, ms[one], ms[name], ms[one] / ms[name]
      }
    }' "$out/go_bench.txt" | sort | tee "$out/scaling.txt"
fi
