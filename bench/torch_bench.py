#!/usr/bin/python3
# torch_bench.py -- bench/run.sh's problems on PyTorch: eager, and TorchScript
# frozen (torch.jit.freeze(torch.jit.script(m).eval())), on 1 and N threads.
#   /usr/bin/python3 bench/torch_bench.py [--threads 1,2] [--reps R]
#       [--seconds S] [--json] [SPEC...]
# Median latency after warm-up; records which BLAS is loaded and which aten
# ops ran, so a run on the reference BLAS (a few GFLOP/s) shows.
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import problems  # noqa: E402
from timing import timed  # noqa: E402,F401  (torch_examples uses it too)

try:
    import torch
except ImportError:
    sys.exit("torch_bench: PyTorch not found: install the Debian package 'python3-torch' "
             "(apt-get install python3-torch libopenblas0-openmp) and use /usr/bin/python3")


class MatMul(torch.nn.Module):
    def __init__(self, k, n):
        super().__init__()
        self.b = torch.nn.Parameter(torch.rand(k, n) * 2 - 1, requires_grad=False)

    def forward(self, a):
        return torch.matmul(a, self.b)


class Softmax(torch.nn.Module):
    def forward(self, x):
        return torch.softmax(x, -1)


class Chain(torch.nn.Module):
    def forward(self, x, z):
        t = torch.relu(x + z) * x * 0.5 + 1.0 - z
        return torch.clamp(t * t, 0.0, 6.0)


def make(spec):
    """The module and the inputs of a problem (values uniform in [-1, 1))."""
    kind, d = problems.parse(spec)
    rand = lambda *shape: torch.rand(*shape) * 2 - 1  # noqa: E731
    if kind == "matmul":
        return MatMul(d[1], d[2]), (rand(d[0], d[1]),)
    if kind == "conv":
        n, c, h, w, f = d
        return torch.nn.Conv2d(c, f, 3, padding=1, bias=False), (rand(n, c, h, w),)
    if kind == "softmax":
        return Softmax(), (rand(*d),)
    if kind == "layernorm":
        return torch.nn.LayerNorm(d[1], eps=1e-5), (rand(*d),)
    return Chain(), (rand(*d), rand(*d))


def prepare(mod, mode):
    mod = mod.eval()
    for p in mod.parameters():
        p.requires_grad_(False)
    if mode == "jit":
        with torch.no_grad():
            mod = torch.jit.freeze(torch.jit.script(mod).eval())
    return mod


def aten_ops(fn):
    """The aten ops one call runs (profiler), e.g. aten::mkldnn_convolution."""
    try:
        with torch.autograd.profiler.profile() as prof:
            fn()
        names = {e.key for e in prof.key_averages() if e.key.startswith("aten::")}
        return sorted(names)
    except Exception as e:  # the profiler is a diagnostic only
        return [f"(profiler: {e})"]


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def openblas_core():
    """The kernel set OpenBLAS picked (openblas_get_corename), or None."""
    import ctypes
    for lib in loaded_blas():
        if "openblas" in os.path.basename(lib):
            try:
                f = ctypes.CDLL(lib).openblas_get_corename
                f.restype = ctypes.c_char_p
                return f().decode()
            except (OSError, AttributeError):
                return None
    return None


def fix_openblas_core(allowed):
    """OpenBLAS 0.3.21 takes CPUs newer than it knows (Emerald Rapids, ...)
    for a Prescott and runs SSE3 kernels.  When the CPU has AVX2 or AVX-512
    and OpenBLAS picked a core without them, run again with
    OPENBLAS_CORETYPE naming the best core the CPU can run (it must be set
    before the library loads).  Returns (core, how it was chosen)."""
    torch.zeros(2, 2) @ torch.zeros(2, 2)  # loads the BLAS
    core = openblas_core()
    if os.environ.get("OPENBLAS_CORETYPE"):
        return core, "OPENBLAS_CORETYPE=" + os.environ["OPENBLAS_CORETYPE"]
    flags = cpu_flags()
    best = ("Cooperlake" if {"avx512f", "avx512_bf16"} <= flags else
            "SkylakeX" if "avx512f" in flags else "Haswell" if "avx2" in flags else None)
    old = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai",
           "Coppermine", "Northwood", "Banias", "Sandybridge"}
    if allowed and core in old and best:
        print(f"torch_bench: OpenBLAS took this CPU for a {core}; running again with "
              f"OPENBLAS_CORETYPE={best}", file=sys.stderr)
        os.environ["OPENBLAS_CORETYPE"] = best
        os.environ["TORCH_BENCH_DETECTED_CORE"] = core
        os.execv(sys.executable, [sys.executable] + sys.argv)
    return core, "detected by OpenBLAS"


def loaded_blas():
    """The BLAS libraries this process mapped (OpenBLAS, reference, MKL)."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            base = os.path.basename(path)
            if any(k in base for k in ("blas", "mkl_", "dnnl")):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def bench(spec, mode, reps, seconds):
    mod, inputs = make(spec)
    mod = prepare(mod, mode)
    if mode == "eager":
        def fn():
            with torch.inference_mode():
                mod(*inputs)
    else:
        def fn():
            with torch.no_grad():
                mod(*inputs)
    med, lo, hi, n = timed(fn, reps, seconds)
    amount, unit = problems.work(spec)
    rate = amount / (med * 1e-3) / 1e9
    return {"problem": spec, "mode": mode, "threads": torch.get_num_threads(),
            "median_ms": round(med, 4), "min_ms": round(lo, 4), "max_ms": round(hi, 4),
            "runs": n, "gflops" if unit == "GFLOP/s" else "gbps": round(rate, 3),
            "ops": aten_ops(fn)}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--modes", default="eager,jit")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--openblas-as-detected", action="store_true",
                    help="keep the OpenBLAS kernels it detects, even pre-AVX2 ones")
    ap.add_argument("specs", nargs="*", default=problems.DEFAULT)
    a = ap.parse_args()
    try:
        for s in a.specs:
            problems.parse(s)
    except ValueError as e:
        sys.exit(f"torch_bench: {e}")
    core, how = fix_openblas_core(not a.openblas_as_detected)
    if os.environ.get("TORCH_BENCH_DETECTED_CORE"):
        how += f" (OpenBLAS detected {os.environ['TORCH_BENCH_DETECTED_CORE']})"
    if not a.json:
        print(f"PyTorch {torch.__version__}, OpenBLAS core {core} ({how})")
    torch.manual_seed(1)
    results = []
    for nt in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(nt)
        for spec in a.specs:
            for mode in a.modes.split(","):
                r = bench(spec, mode, a.reps, a.seconds)
                results.append(r)
                if not a.json:
                    rate = r.get("gflops", r.get("gbps"))
                    unit = "GFLOP/s" if "gflops" in r else "GB/s"
                    print(f"{spec:24} {mode:5} {nt:3} thr {r['median_ms']:10.3f} ms "
                          f"{rate:8.1f} {unit:7} {' '.join(r['ops'])}", flush=True)
    blas = loaded_blas()
    reference = [b for b in blas if "/blas/" in b]
    if reference:
        print(f"torch_bench: warning: the reference BLAS is loaded ({reference[0]}): "
              "install libopenblas0-openmp", file=sys.stderr)
    if a.json:
        json.dump({"tool": "torch", "version": torch.__version__, "blas": blas,
                   "openblas_core": core, "openblas_core_how": how,
                   "config": torch.__config__.show().strip().splitlines()[:6],
                   "results": results}, sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
