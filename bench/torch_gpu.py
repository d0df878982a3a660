#!/usr/bin/python3
# torch_gpu.py -- PyTorch on a CUDA GPU (fp32, TF32 off) on bench/ocl_gemm's
# problems, printed in its format, so that one device run compares the two:
#   python3 bench/torch_gpu.py [--reps N] [--cudnn-benchmark] [--examples [--compile]]
#       [SPEC...]
# SPEC as in bench/problems.py (parsed here, so that the script runs alone
# on a device): matmul:MxKxN, conv:NxCxHxWxF (3x3, pad 1, no bias),
# softmax:RxD, layernorm:RxD; the defaults are bench/ocl_gemm's.
# Each line: the median of N runs (CUDA events around each call, after 3
# warm-up runs and a synchronize), min and max, TFLOP/s or GB/s at the
# median.  --examples also times the example networks of examples/scripts
# (eager, batch as in the .xg, random weights) end to end.
import argparse
import os
import statistics
import sys

try:
    import torch
except ImportError:
    sys.exit("torch_gpu: PyTorch not found")

DEFAULT = ["matmul:4096x4096x4096", "conv:1x64x56x56x64", "softmax:4096x1024",
           "layernorm:384x768"]
EXAMPLES = ["resnet18", "resnet50", "mobilenetv2", "bert_encoder", "gpt2_block", "vit_tiny",
            "swin_block"]


def timed(fn, reps):
    """(median, min, max) seconds of fn over reps runs, each between two
    CUDA events."""
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        ts.append(a.elapsed_time(b) * 1e-3)
    return statistics.median(ts), min(ts), max(ts)


SIZES = {"matmul": 3, "conv": 5, "softmax": 2, "layernorm": 2}


def parse(spec):
    """(kind, [sizes]) of a spec, as bench/problems.py parses it."""
    kind, _, sizes = spec.partition(":")
    try:
        d = [int(x) for x in sizes.split("x")]
    except ValueError:
        d = []
    if kind not in SIZES or len(d) != SIZES[kind] or min(d) < 1:
        sys.exit(f"torch_gpu: bad spec '{spec}' (matmul:MxKxN, conv:NxCxHxWxF, softmax:RxD, "
                 "layernorm:RxD)")
    return kind, d


def work(kind, d):
    """(amount, unit) of one run, as bench/problems.py counts it: flops, or
    bytes with every input read once and every output written once."""
    if kind == "matmul":
        return 2.0 * d[0] * d[1] * d[2], "GFLOP/s"
    if kind == "conv":
        n, c, h, w, f = d
        return 2.0 * n * f * h * w * c * 9, "GFLOP/s"
    if kind == "softmax":
        return 4.0 * 2 * d[0] * d[1], "GB/s"
    return 4.0 * (2 * d[0] * d[1] + 2 * d[1]), "GB/s"


def problem(spec):
    """The callable of a spec and its work (amount, unit)."""
    kind, d = parse(spec)
    dev = torch.device("cuda")
    rand = lambda *shape: torch.rand(*shape, device=dev) * 2 - 1  # noqa: E731
    if kind == "matmul":
        a, b = rand(d[0], d[1]), rand(d[1], d[2])
        fn = lambda: torch.matmul(a, b)  # noqa: E731
    elif kind == "conv":
        n, c, h, w, f = d
        x, wt = rand(n, c, h, w), rand(f, c, 3, 3)
        fn = lambda: torch.nn.functional.conv2d(x, wt, padding=1)  # noqa: E731
    elif kind == "softmax":
        x = rand(*d)
        fn = lambda: torch.softmax(x, -1)  # noqa: E731
    elif kind == "layernorm":
        x, g, bt = rand(*d), rand(d[1]), rand(d[1])
        fn = lambda: torch.nn.functional.layer_norm(x, (d[1],), g, bt, 1e-5)  # noqa: E731
    amount, unit = work(kind, d)
    return fn, amount, unit


def line(spec, how, t, amount, unit):
    scale = 1e12 if unit == "GFLOP/s" else 1e9
    unit = "TFLOP/s" if unit == "GFLOP/s" else unit
    print(f"{spec:26s} {how:42s} median {t[0] * 1e3:9.4f} ms (min {t[1] * 1e3:.4f}, "
          f"max {t[2] * 1e3:.4f})  {amount / t[0] / scale:8.2f} {unit}", flush=True)


def example(name, reps, compile_too=False):
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "examples", "scripts"))
    try:
        import importlib
        mod = importlib.import_module(name)
        import xgref
    except Exception as e:  # torchvision missing, say
        print(f"{name:26s} skipped: {e}")
        return
    ex = mod.ex
    fn = ex.build(xgref.random_weights(ex), torch.float32)
    if not isinstance(fn, torch.nn.Module):
        print(f"{name:26s} skipped: its script builds no torch.nn.Module")
        return
    fn = fn.cuda().eval()
    inputs = [t.cuda() for t in xgref.to_torch(xgref.make_inputs(ex), torch.float32)]
    modes = [("eager", fn)] + ([("torch.compile", torch.compile(fn))] if compile_too else [])
    for mode, f in modes:
        try:
            with torch.no_grad():
                t = timed(lambda: f(*inputs), reps)  # noqa: B023 (called at once)
        except Exception as e:  # noqa: BLE001 (a network that fails is reported)
            print(f"{name:26s} {mode} failed: {type(e).__name__}: {str(e)[:160]}", flush=True)
            continue
        print(f"{name:26s} {mode + ', end to end':42s} median {t[0] * 1e3:9.4f} ms "
              f"(min {t[1] * 1e3:.4f}, max {t[2] * 1e3:.4f})", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--cudnn-benchmark", action="store_true",
                    help="let cuDNN time its algorithms first (not eager's default)")
    ap.add_argument("--examples", action="store_true")
    ap.add_argument("--compile", action="store_true",
                    help="--examples: also torch.compile (default mode) each network")
    ap.add_argument("specs", nargs="*")
    a = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("torch_gpu: no CUDA device")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = a.cudnn_benchmark
    print(f"device: {torch.cuda.get_device_name()} (PyTorch {torch.__version__}, CUDA "
          f"{torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}; TF32 off)")
    with torch.no_grad():
        for spec in a.specs or DEFAULT:
            fn, amount, unit = problem(spec)
            line(spec, "PyTorch eager", timed(fn, a.reps), amount, unit)
    if a.examples:
        for name in EXAMPLES:
            example(name, a.reps, a.compile)


if __name__ == "__main__":
    main()
