"""Timing shared by the PyTorch peer scripts (torch_mlp, torch_conv, torch_transformer)."""
import statistics
import time


def timeit(fn, reps, warmup=1):
    """Median wall milliseconds of reps calls of fn, after warmup untimed calls."""
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3
