# timing.py -- the timing loop of the Python peers (torch_bench.py,
# torch_examples.py, device/ort_bench.py): the same warm-up and median
# everywhere, and the same rules as xgrun (bench/device/xgrun.c).
import time


def timed(fn, reps, seconds):
    """Warm-up (at least 3 runs and 0.2 s; TorchScript optimizes after its
    profiling runs), then max(reps, seconds / run) runs, at most 1000; runs
    longer than `seconds` take max(5, ...) instead.  Returns (median, min,
    max) in ms and the number of timed runs."""
    spent, one, i = 0.0, 0.0, 0
    while i < 3 or spent < 0.2:
        t = time.perf_counter(); fn(); one = time.perf_counter() - t
        spent += one; i += 1
    n = min(1000, max(reps if one <= seconds else 5, int(seconds / max(one, 1e-7))))
    ts = []
    for _ in range(n):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    ts.sort()
    med = ts[n // 2] if n % 2 else (ts[n // 2 - 1] + ts[n // 2]) / 2
    return med * 1e3, ts[0] * 1e3, ts[-1] * 1e3, n
