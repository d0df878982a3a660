# xgref.py -- what the example scripts share: xgc's deterministic random
# fill (docs/random.md) in NumPy, a safetensors writer, and the driver that
# runs a torch model on those weights and writes the reference outputs.
#
# Every example script (examples/scripts/NAME.py) builds its network from
# torch.nn / torchvision modules, says how the params of examples/NAME.xg map
# onto that module's state_dict, and calls main().  The weights and inputs
# are exactly those of `xgc run --ref --random-weights 1 --random-inputs 1`
# (for batchnorm networks, with calibrated statistics: calibrate_bn), so
# `make check` needs neither Python nor large committed files: it
# regenerates them in C and compares with the committed outputs
# (tests/examples/run.sh, docs/examples.md).
import argparse
import json
import os
import struct
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "tests", "examples", "data")
SEED = 1          # --random-weights 1 --random-inputs 1

# ------------------------------------------------------------ random fill

GAMMA = np.uint64(0x9e3779b97f4a7c15)
MIX1 = np.uint64(0xbf58476d1ce4e5b9)
MIX2 = np.uint64(0x94d049bb133111eb)


def fnv1a64(name):
    h = 0xcbf29ce484222325
    for b in name.encode():
        h = ((h ^ b) * 0x100000001b3) & ((1 << 64) - 1)
    return h


def draws(count, seed, name):
    """The SplitMix64 draws of rt_fill_random, vectorized: the state after
    draw i is s0 + (i+1)*gamma modulo 2^64 (NumPy's uint64 arithmetic
    wraps)."""
    s0 = np.uint64((seed ^ fnv1a64(name)) & ((1 << 64) - 1))
    with np.errstate(over="ignore"):
        z = np.arange(1, count + 1, dtype=np.uint64) * GAMMA + s0
        z = (z ^ (z >> np.uint64(30))) * MIX1
        z = (z ^ (z >> np.uint64(27))) * MIX2
    return z ^ (z >> np.uint64(31))


def fill(shape, seed, name, dtype):
    """rt_fill_random: f32 in [-1, 1) (exact), i32 in 0..15."""
    n = int(np.prod(shape, dtype=np.int64))
    x = draws(n, seed, name)
    if dtype == "f32":
        k = (x >> np.uint64(40)).astype(np.int64) - (1 << 23)
        v = (k.astype(np.float64) / 2.0**23).astype(np.float32)
    elif dtype == "i32":
        v = (x >> np.uint64(60)).astype(np.int32)
    else:
        raise ValueError("dtype " + dtype)
    return v.reshape(shape)


def fill_weight(shape, seed, name):
    """rt_fill_random_weight for f32: v * (float)(1/sqrt(fan_in)) at rank
    >= 2, 1 + v/2 at rank <= 1, each one f32 operation."""
    v = fill(shape, seed, name, "f32")
    if len(shape) >= 2:
        fan_in = int(np.prod(shape[1:], dtype=np.int64))
        return v * np.float32(1.0 / np.sqrt(np.float64(max(fan_in, 1))))
    return np.float32(1.0) + v * np.float32(0.5)


# ------------------------------------------------------------------ files

def write_safetensors(path, tensors):
    """tensors: a list of (name, float32 array); written as the
    specification says (docs/files.md), header padded to 8 bytes."""
    header, off = {}, 0
    for name, a in tensors:
        assert a.dtype == np.float32
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [off, off + a.nbytes]}
        off += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, a in tensors:
            f.write(np.ascontiguousarray(a).astype("<f4").tobytes())


def read_safetensors(path):
    """{name: array} of a safetensors file (F32, I32 and I64 tensors; the
    arrays are copies).  ValueError naming the file and the problem when it
    is malformed."""
    types = {"F32": "<f4", "I32": "<i4", "I64": "<i8"}
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("%s: too short for a safetensors header" % path)
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ValueError("%s: header of %d bytes past the end of the file" % (path, n))
    header = json.loads(blob[8:8 + n].decode())
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] not in types:
            raise ValueError("%s: tensor '%s' has dtype %s (not read here)" % (path, name, t["dtype"]))
        lo, hi = t["data_offsets"]
        dt = np.dtype(types[t["dtype"]])
        count = int(np.prod(t["shape"], dtype=np.int64))
        if hi - lo != count * dt.itemsize or 8 + n + hi > len(blob):
            raise ValueError("%s: tensor '%s': bad data offsets" % (path, name))
        out[name] = np.frombuffer(blob, dt, count, 8 + n + lo).reshape(t["shape"]).copy()
    return out


def read_tol(path):
    """{output: (rtol, atol)} of a NAME.tol file (written by main below)."""
    tol = {}
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, rtol, atol = line.split()
                tol[name] = (float(rtol), float(atol))
    return tol


def check_outputs(name, outs, check_dir):
    """Each output of example `name` ({output: array}) against
    check_dir/NAME.out-OUT.npy, as tests/examples/run.sh tests it: every
    element within atol + rtol |want| (NAME.tol).  Returns {output: {"ok",
    "max_abs_err", "of_max" (of max |want|), "rtol", "atol"}}."""
    tol = read_tol(os.path.join(check_dir, name + ".tol"))
    res = {}
    for out, got in outs.items():
        want = np.load(os.path.join(check_dir, "%s.out-%s.npy" % (name, out))).astype(np.float64)
        got = np.asarray(got, dtype=np.float64)
        if got.shape != want.shape:
            res[out] = {"ok": False, "error": "shape %s, want %s" % (got.shape, want.shape)}
            continue
        rtol, atol = tol[out]
        err = np.abs(got - want)
        worst = float(np.max(err)) if err.size else 0.0
        res[out] = {"ok": bool(np.all(err <= atol + rtol * np.abs(want))), "max_abs_err": worst,
                    "of_max": worst / (scale(want) or 1.0), "rtol": rtol, "atol": atol}
    return res


# ------------------------------------------------------------------ driver

class Example:
    """What a script describes.
    name       the example (examples/NAME.xg)
    params     [(xg name, shape)], in the .xg's order
    inputs     [(xg name, shape, "f32" | "i32")]
    outputs    [xg name]
    build      build(weights, dtype) -> a callable taking the inputs as torch
               tensors (in `inputs` order) and returning the outputs (a
               tuple in `outputs` order); weights maps xg names to float32
               arrays.  For calibrate, the callable is the torch.nn.Module.
    calibrate  None, or the function from a state_dict key of that module
               to the xg name: the batchnorm running statistics are then not
               random but measured on the input (calibrate_bn)
    """

    def __init__(self, name, params, inputs, outputs, build, calibrate=None):
        self.name, self.params, self.inputs = name, params, inputs
        self.outputs, self.build, self.calibrate = outputs, build, calibrate


SKIP = ("num_batches_tracked", "relative_position_index")


def dotted(prefix=""):
    """The usual naming: prefix + the state_dict key with '_' for '.'."""
    return lambda key: prefix + key.replace(".", "_")


def torch_params(module, rename=dotted()):
    """The state_dict of module as xg params [(rename(key), shape)]; the
    buffers that are not weights (SKIP) are left out."""
    return [(rename(k), tuple(v.shape))
            for k, v in module.state_dict().items() if not k.endswith(SKIP)]


def load_by_name(module, weights, rename=dotted()):
    """Loads weights (xg names) into module: key k of its state_dict takes
    weights[rename(k)]; every key but SKIP must be given."""
    import torch
    sd = module.state_dict()
    for k in sd:
        if k.endswith(SKIP):
            continue
        a = weights[rename(k)]
        assert tuple(a.shape) == tuple(sd[k].shape), (k, a.shape, sd[k].shape)
        sd[k] = torch.from_numpy(a)
    module.load_state_dict(sd)


def random_weights(ex):
    return {n: fill_weight(s, SEED, n) for n, s in ex.params}


def make_inputs(ex):
    return [fill(s, SEED, n, dt) for n, s, dt in ex.inputs]


def to_torch(inputs, dtype):
    import torch
    return [torch.from_numpy(a).to(dtype) if a.dtype == np.float32 else torch.from_numpy(a)
            for a in inputs]


def calibrate_bn(ex, weights, inputs):
    """Random batchnorm statistics (mean and variance near 1) leave a deep
    CNN's output almost independent of its input: each layer shrinks the
    data-dependent part and adds a constant.  So the running mean and
    variance of every batchnorm are set as training would set them: the
    network runs once in training mode on the input (float64, momentum None:
    the statistics of that one batch, the variance unbiased), and the
    measured statistics, rounded to float32, replace the random ones.
    Returns {xg name: float32 array} of the replaced params."""
    import torch
    m = ex.build(weights, torch.float64)
    for mod in m.modules():
        if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
            mod.reset_running_stats()
            mod.momentum = None
    m.train()
    with torch.no_grad():
        m(*to_torch(inputs, torch.float64))
    return {ex.calibrate(k): v.detach().numpy().astype(np.float32)
            for k, v in m.state_dict().items() if k.endswith(("running_mean", "running_var"))}


def run_torch(ex, weights, inputs, dtype):
    import torch
    torch.manual_seed(0)
    fn = ex.build(weights, dtype)
    # Gradients stay enabled: PyTorch then takes its plain, composite code
    # paths (no fused "fast path" kernels for attention in inference).
    outs = fn(*to_torch(inputs, dtype))
    if not isinstance(outs, tuple):
        outs = (outs,)
    return [o.detach().to(torch.float64).numpy() for o in outs]


def scale(a):
    return float(np.max(np.abs(a))) if a.size else 0.0


def main(ex, rtol=1e-6, atol_rel=1e-6):
    """Writes into tests/examples/data/:
      NAME.out-OUT.npy         each output, torch in float64 rounded to float32
      NAME.tol                 the tolerances of tests/examples/run.sh: rtol, and
                               atol = atol_rel * max |output|
      NAME.params, NAME.fixed.safetensors  (calibrated examples only) the
                               params' names and shapes, and the params that
                               are not xgc's random fill; tests/examples/mkweights
                               makes the whole weights file from them
    and prints the deviation of torch in float32 from float64.
    --weights-dir DIR also writes DIR/NAME.safetensors (every param) and the
    inputs, DIR/NAME.in-INPUT.npy."""
    ap = argparse.ArgumentParser(description="reference outputs of examples/%s.xg" % ex.name)
    ap.add_argument("--out-dir", default=DATA, help="where the references go (%(default)s)")
    ap.add_argument("--weights-dir", help="also write the weights and inputs here")
    ap.add_argument("--sensitivity", action="store_true",
                    help="also print how much the outputs change with other inputs (seed 2)")
    args = ap.parse_args()
    import torch
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    t0 = time.time()
    weights = random_weights(ex)
    inputs = make_inputs(ex)
    fixed = calibrate_bn(ex, weights, inputs) if ex.calibrate else {}
    weights.update(fixed)
    t1 = time.time()
    ref = run_torch(ex, weights, inputs, torch.float64)
    t2 = time.time()
    f32 = run_torch(ex, weights, inputs, torch.float32)
    t3 = time.time()
    os.makedirs(args.out_dir, exist_ok=True)
    base = os.path.join(args.out_dir, ex.name)
    tol_lines = []
    for name, r, g in zip(ex.outputs, ref, f32):
        np.save("%s.out-%s.npy" % (base, name), r.astype(np.float32))
        s = scale(r)
        dev = float(np.max(np.abs(g - r))) if r.size else 0.0
        tol_lines.append("%s %.3g %.3g\n" % (name, rtol, float("%.3g" % (atol_rel * s))))
        print("%s: %s %s, max |y| %.4g, mean |y| %.4g; torch f32 vs f64: max abs %.3g "
              "(%.3g of max |y|)" % (ex.name, name, list(r.shape), s, float(np.mean(np.abs(r))),
                                     dev, dev / s if s else 0.0))
    with open(base + ".tol", "w") as f:
        f.write("# output rtol atol (examples/scripts/%s.py, docs/examples.md)\n" % ex.name)
        f.writelines(tol_lines)
    if fixed:
        with open(base + ".params", "w") as f:
            f.write("# the params of examples/%s.xg: name and shape (f32), for "
                    "tests/examples/mkweights\n" % ex.name)
            for n, s in ex.params:
                f.write("%s %s\n" % (n, " ".join(str(d) for d in s)))
        write_safetensors(base + ".fixed.safetensors", [(n, fixed[n]) for n, _ in ex.params
                                                        if n in fixed])
    if args.weights_dir:
        os.makedirs(args.weights_dir, exist_ok=True)
        write_safetensors(os.path.join(args.weights_dir, ex.name + ".safetensors"),
                          [(n, weights[n]) for n, _ in ex.params])
        for (n, _, _), a in zip(ex.inputs, inputs):
            np.save(os.path.join(args.weights_dir, "%s.in-%s.npy" % (ex.name, n)), a)
    if args.sensitivity:
        other = run_torch(ex, weights, [fill(s, 2, n, dt) for n, s, dt in ex.inputs],
                          torch.float64)
        for name, r, o in zip(ex.outputs, ref, other):
            print("%s: %s with the inputs of seed 2: max abs change %.3g (%.3g of max |y|)"
                  % (ex.name, name, float(np.max(np.abs(o - r))),
                     float(np.max(np.abs(o - r))) / scale(r)))
    print("%s: weights %.1f s, torch f64 %.1f s, f32 %.1f s" % (ex.name, t1 - t0, t2 - t1, t3 - t2))
    sys.stdout.flush()
