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


def torch_env(threads, **extra):
    """The environment a PyTorch peer runs in: its thread count given to
    OpenMP, OpenBLAS and MKL (torch.set_num_threads sizes PyTorch's own
    pool only; Debian's torch runs its Linear layers' products in
    OpenBLAS, which otherwise takes every core), and glibc's malloc told to
    keep freed memory rather than hand it back to the system. Without that,
    PyTorch's tensors past malloc's mmap threshold are mapped and unmapped
    each call, and every call page-faults them back in: on a 2-core Zen 5
    the transformer's no-grad forward pass took 130-200 ms that way and 74
    ms with it (glibc raises the threshold only as it sees frees, so the
    pass was fast only when timed after the training step)."""
    import os
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), MALLOC_MMAP_THRESHOLD_="4294967296",
               MALLOC_TRIM_THRESHOLD_="4294967296")
    env.update(extra)
    return env
