#!/usr/bin/python3
# torch_examples.py -- the example networks on PyTorch, for bench/examples.sh
# and the device kit (bench/device/run.sh): eager, and TorchScript frozen,
# on 1 and N threads, with the networks of examples/scripts/NAME.py (the
# very modules that compute the references of tests/examples/data).
#   /usr/bin/python3 bench/torch_examples.py [--threads 1,2] [--modes eager,jit]
#       [--reps R] [--seconds S] [--weights-dir DIR] [--check-dir DIR]
#       [--scripts DIR] [--json] NAME...
# Weights and inputs: xgc's random fill of seed 1 (xgref.random_weights and
# make_inputs: the numbers `xgc bench` runs on), or DIR/NAME.safetensors and
# DIR/NAME.in-INPUT.npy with --weights-dir.  --check-dir DIR compares each
# mode's outputs with DIR/NAME.out-OUT.npy within DIR/NAME.tol (rtol, atol).
import argparse
import importlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_bench  # noqa: E402  (timing, the OpenBLAS core, loaded BLAS)
import torch  # noqa: E402

import numpy as np  # noqa: E402


def default_scripts():
    """examples/scripts beside bench/ (in the tree, and in the device kit's
    copy of it, KIT/py/)."""
    d = os.path.join(os.path.dirname(HERE), "examples", "scripts")
    return d if os.path.exists(os.path.join(d, "xgref.py")) else None


def load_example(name, scripts):
    """The xgref.Example of examples/scripts/NAME.py; ImportError when that
    script or what it imports (torchvision) is missing."""
    if scripts not in sys.path:
        sys.path.insert(1, scripts)
    return importlib.import_module(name).ex


def example_data(ex, weights_dir):
    """(weights {xg name: array}, inputs [array]) of an example."""
    import xgref
    if not weights_dir:
        return xgref.random_weights(ex), xgref.make_inputs(ex)
    w = xgref.read_safetensors(os.path.join(weights_dir, ex.name + ".safetensors"))
    ins = [np.load(os.path.join(weights_dir, "%s.in-%s.npy" % (ex.name, n)))
           for n, _, _ in ex.inputs]
    return w, ins


def prepare(mod, mode, inputs):
    """The module ready for mode: eval, no gradients; for "jit" frozen
    TorchScript, scripted when TorchScript compiles the module, else traced
    on the inputs.  Returns (callable, how)."""
    mod = mod.eval()
    for p in mod.parameters():
        p.requires_grad_(False)
    if mode == "eager":
        return mod, "eager"
    with torch.no_grad():
        try:
            return torch.jit.freeze(torch.jit.script(mod).eval()), "script"
        except Exception:  # not scriptable: trace it (the shapes are fixed anyway)
            traced = torch.jit.trace(mod, tuple(inputs), check_trace=False)
            return torch.jit.freeze(traced.eval()), "trace"


def bench_one(ex, weights, arrays, mode, reps, seconds, check_dir):
    import xgref
    inputs = xgref.to_torch(arrays, torch.float32)
    fn, how = prepare(ex.build(weights, torch.float32), mode, inputs)
    ctx = torch.inference_mode if mode == "eager" else torch.no_grad

    def run():
        with ctx():
            return fn(*inputs)
    outs = run()
    outs = outs if isinstance(outs, tuple) else (outs,)
    med, lo, hi, n = torch_bench.timed(run, reps, seconds)
    r = {"example": ex.name, "mode": mode, "how": how, "threads": torch.get_num_threads(),
         "median_ms": round(med, 4), "min_ms": round(lo, 4), "max_ms": round(hi, 4), "runs": n}
    if check_dir:
        r["check"] = xgref.check_outputs(
            ex.name, {n: o.detach().numpy() for n, o in zip(ex.outputs, outs)}, check_dir)
    r["ops"] = torch_bench.aten_ops(run)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--modes", default="eager,jit")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--weights-dir", help="NAME.safetensors and NAME.in-INPUT.npy")
    ap.add_argument("--check-dir", help="NAME.out-OUT.npy and NAME.tol")
    ap.add_argument("--scripts", default=default_scripts(), help="examples/scripts")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--openblas-as-detected", action="store_true")
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()
    if not a.scripts:
        sys.exit("torch_examples: examples/scripts not found (--scripts DIR)")
    core, how = torch_bench.fix_openblas_core(not a.openblas_as_detected)
    if os.environ.get("TORCH_BENCH_DETECTED_CORE"):
        how += f" (OpenBLAS detected {os.environ['TORCH_BENCH_DETECTED_CORE']})"
    results, skipped = [], {}
    for name in a.names:
        try:
            ex = load_example(name, a.scripts)
            weights, arrays = example_data(ex, a.weights_dir)
        except ImportError as e:  # torchvision missing, or no script
            skipped[name] = f"cannot import {name}: {e}"
            print(f"torch_examples: {name} skipped: {e}", file=sys.stderr)
            continue
        except (OSError, ValueError) as e:  # the weights or inputs
            skipped[name] = f"{name}: {e}"
            print(f"torch_examples: {name} skipped: {e}", file=sys.stderr)
            continue
        for nt in [int(t) for t in a.threads.split(",")]:
            torch.set_num_threads(nt)
            for mode in a.modes.split(","):
                try:
                    r = bench_one(ex, weights, arrays, mode, a.reps, a.seconds, a.check_dir)
                except Exception as e:  # one failing cell must not lose the others
                    r = {"example": name, "mode": mode, "threads": nt,
                         "error": f"{type(e).__name__}: {e}"[:500]}
                results.append(r)
                if not a.json:
                    ok = ""
                    if "check" in r:
                        ok = " ok" if all(c["ok"] for c in r["check"].values()) else " WRONG"
                    print(f"{name:14} {mode:5} {nt:3} thr " +
                          (f"{r['median_ms']:10.3f} ms{ok}" if "median_ms" in r else r["error"]),
                          flush=True)
    if a.json:
        json.dump({"tool": "torch", "version": torch.__version__,
                   "blas": torch_bench.loaded_blas(), "openblas_core": core,
                   "openblas_core_how": how, "skipped": skipped, "results": results},
                  sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
