#!/usr/bin/python3
# ort_bench.py -- the example networks on ONNX Runtime's CPU execution
# provider, for the device kit (bench/device/run.sh): the kit's ONNX files
# (onnx_export.py) with their weights made from DIR/NAME.safetensors
# (onnx_data.py), the inputs DIR/NAME.in-INPUT.npy; the outputs checked
# against CHECK/NAME.out-OUT.npy within CHECK/NAME.tol; median latency on
# each thread count (intra_op_num_threads; inter_op 1, sequential, every
# graph optimization).
#   python3 bench/device/ort_bench.py --onnx-dir D --weights-dir W [--check-dir C]
#       [--threads 1,16] [--reps R] [--seconds S] [--work DIR] [--json] NAME...
# Without onnxruntime it says so and exits 0 with no results (the kit runs
# on machines without it: the test here).
import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import onnx_data  # noqa: E402  (also puts examples/scripts on the path)
from timing import timed  # noqa: E402

import numpy as np  # noqa: E402
import xgref  # noqa: E402


def session(path, threads):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def bench(name, path, a, threads):
    t0 = time.perf_counter()
    s = session(path, threads)
    load_ms = (time.perf_counter() - t0) * 1e3
    feed = {i.name: np.load(os.path.join(a.weights_dir, f"{name}.in-{i.name}.npy"))
            for i in s.get_inputs()}
    outs = [o.name for o in s.get_outputs()]
    got = s.run(outs, feed)
    med, lo, hi, n = timed(lambda: s.run(outs, feed), a.reps, a.seconds)
    r = {"example": name, "mode": "ort", "threads": threads, "median_ms": round(med, 4),
         "min_ms": round(lo, 4), "max_ms": round(hi, 4), "runs": n,
         "session_ms": round(load_ms, 2), "providers": s.get_providers()}
    if a.check_dir:
        r["check"] = xgref.check_outputs(name, dict(zip(outs, got)), a.check_dir)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--onnx-dir", required=True)
    ap.add_argument("--weights-dir", required=True)
    ap.add_argument("--check-dir")
    ap.add_argument("--threads", default="1,%d" % (os.cpu_count() or 1))
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--work", help="where the .onnx and .onnx.data files go (a temporary dir)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()
    try:
        import onnxruntime as ort
    except ImportError as e:
        print(f"ort_bench: onnxruntime skipped: cannot import it ({e})", file=sys.stderr)
        if a.json:
            print(json.dumps({"tool": "ort", "skipped": f"no onnxruntime: {e}", "results": []}))
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="xgc-ort.", dir=a.work) as work:
        for name in a.names:
            try:
                path = onnx_data.prepare(os.path.join(a.onnx_dir, name + ".onnx"),
                                         os.path.join(a.weights_dir, name + ".safetensors"), work)
            except (OSError, ValueError) as e:
                results.append({"example": name, "mode": "ort", "threads": 0,
                                "error": f"cannot make the ONNX data: {e}"})
                continue
            for t in [int(x) for x in a.threads.split(",")]:
                try:
                    r = bench(name, path, a, t)
                except Exception as e:  # one failing cell must not lose the others
                    r = {"example": name, "mode": "ort", "threads": t,
                         "error": f"{type(e).__name__}: {e}"[:500]}
                results.append(r)
                if not a.json:
                    ok = ""
                    if "check" in r:
                        ok = " ok" if all(c["ok"] for c in r["check"].values()) else " WRONG"
                    print(f"{name:14} ort {t:3} thr " +
                          (f"{r['median_ms']:10.3f} ms{ok}" if "median_ms" in r else r["error"]),
                          flush=True)
            for f in (path, os.path.join(work, name + ".onnx.data")):  # up to 144 MiB
                os.unlink(f)
    if a.json:
        json.dump({"tool": "ort", "version": ort.__version__,
                   "providers": ort.get_available_providers(), "results": results},
                  sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
