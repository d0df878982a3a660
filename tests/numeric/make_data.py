#!/usr/bin/python3
# make_data.py -- writes the NumPy comparison suite of the reference
# interpreter into tests/numeric/data/ (committed; run.sh needs no Python):
#   ops/CASE.xg                a wrapper model calling one stdlib op
#   ops/CASE.in-NAME.npy       its inputs, ops/CASE.safetensors its params
#   ops/CASE.out-NAME.npy      the expected outputs, computed by NumPy
#   examples/EX.*              the same for each model of examples/
# The expected values are NumPy formulas written from the ops' definitions
# (docs/stdlib.md, ONNX/PyTorch semantics), never translated from our .xg
# bodies; they are computed in float64 from the float32 inputs and rounded
# to float32 once.  Deterministic: run it again and nothing changes.
# Needs python3-numpy (Debian; hence /usr/bin/python3).
# Usage: tests/numeric/make_data.py [OUTDIR]
import json
import math
import os
import shutil
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data")
RNG = np.random.default_rng(20240611)


# ------------------------------------------------------------------ files

def save_npy(path, a):
    np.save(path, np.asarray(a, order="C"), allow_pickle=False)  # not ascontiguousarray: it makes 0-d arrays 1-d


def save_safetensors(path, tensors):
    """The safetensors format by hand: an 8-byte little-endian header
    length, a JSON header, then the data (no padding between tensors)."""
    header, blobs, off = {}, [], 0
    for name, a in tensors:
        a = np.ascontiguousarray(a, dtype="<f4")
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def f32(a):
    return np.asarray(a, dtype=np.float32)


def uniform(shape, lo=-1.0, hi=1.0):
    return f32(RNG.uniform(lo, hi, size=shape))


def shape_str(a):
    return "[" + ", ".join(str(d) for d in a.shape) + "]"


def type_str(a):
    """The .xg tensor type of an array: f32 unless it holds ints (int8: i8),
    bools, or float16 values (f16)."""
    a = np.asarray(a)
    if a.dtype == np.int8:
        return "i8" + shape_str(a)
    if a.dtype == np.float16:
        return "f16" + shape_str(a)
    elem = {"i": "i32", "b": "bool"}.get(a.dtype.kind, "f32")
    return elem + shape_str(a)


def stored(a):
    """An array as its .npy file holds it: float32, int32 or bool; int8 and
    float16 arrays stay as they are."""
    a = np.asarray(a)
    if a.dtype in (np.int8, np.float16):
        return a
    return a.astype(np.int32) if a.dtype.kind == "i" else a if a.dtype.kind == "b" else f32(a)


def write_case(d, name, call, inputs, params, outputs, ops=""):
    """A wrapper model `name` over the given inputs and params (lists of
    (name, array): float32, int32 or bool) whose outputs (name, array: float64,
    int or bool) are defined by `call` (the statement(s) of the model body);
    `ops` are op definitions of the file."""
    sig_in = ", ".join(f"{n}: {type_str(a)}" for n, a in inputs)
    sig_out = ", ".join(f"{n}: {type_str(a)}" for n, a in outputs)
    lines = [f"# {name}.xg -- made by tests/numeric/make_data.py; do not edit.", "import nn;", ""]
    if ops:
        lines += [ops.strip(), ""]
    lines.append(f"model {name}({sig_in}) -> ({sig_out}) {{")
    for n, a in params:
        lines.append(f"  param {n}: f32{shape_str(a)};")
    lines.append(f"  {call}")
    lines.append("}")
    with open(os.path.join(d, name + ".xg"), "w") as f:
        f.write("\n".join(lines) + "\n")
    for n, a in inputs:
        save_npy(os.path.join(d, f"{name}.in-{n}.npy"), stored(a))
    if params:
        save_safetensors(os.path.join(d, name + ".safetensors"), params)
    for n, a in outputs:
        save_npy(os.path.join(d, f"{name}.out-{n}.npy"), stored(a))


# ------------------------------------------------------- NumPy references

def d64(a):
    return np.asarray(a, dtype=np.float64)


def conv2d_ref(x, w, stride=1, pad=0, dilation=1, groups=1):
    """NCHW convolution, w [F, C/groups, KH, KW], zero padding (PyTorch)."""
    x, w = d64(x), d64(w)
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * pad - dilation * (kw - 1) - 1) // stride + 1
    y = np.zeros((n, f, oh, ow))
    fg = f // groups
    for g in range(groups):
        xs = xp[:, g * cg:(g + 1) * cg]
        ws = w[g * fg:(g + 1) * fg]
        for u in range(kh):
            for v in range(kw):
                r0, c0 = u * dilation, v * dilation
                patch = xs[:, :, r0:r0 + stride * (oh - 1) + 1:stride, c0:c0 + stride * (ow - 1) + 1:stride]
                y[:, g * fg:(g + 1) * fg] += np.einsum("nchw,fc->nfhw", patch, ws[:, :, u, v])
    return y


def windows(x, k, stride, pad, fill):
    """[N, C, OH, OW, k, k] windows of NCHW x padded with `fill`."""
    x = d64(x)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=fill)
    n, c, h, w = x.shape
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    out = np.empty((n, c, oh, ow, k, k))
    for u in range(k):
        for v in range(k):
            out[..., u, v] = xp[:, :, u:u + stride * (oh - 1) + 1:stride, v:v + stride * (ow - 1) + 1:stride]
    return out


def maxpool_ref(x, k, stride, pad):
    return windows(x, k, stride, pad, -np.inf).max(axis=(4, 5))


def avgpool_ref(x, k, stride, pad, count_pad):
    s = windows(x, k, stride, pad, 0.0).sum(axis=(4, 5))
    if count_pad:
        return s / (k * k)
    cnt = windows(np.ones_like(d64(x)), k, stride, pad, 0.0).sum(axis=(4, 5))
    return s / cnt


def softmax_ref(x):
    x = d64(x)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def layernorm_ref(x, g, b, eps=1e-5):
    x = d64(x)
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * d64(g) + d64(b)


def batchnorm_ref(x, mean, var, g, b, eps=1e-5):
    x = d64(x)
    shp = (1, -1) + (1,) * (x.ndim - 2)
    r = lambda a: d64(a).reshape(shp)
    return (x - r(mean)) / np.sqrt(r(var) + eps) * r(g) + r(b)


ERF = np.vectorize(math.erf)


def gelu_ref(x):
    x = d64(x)
    return 0.5 * x * (1.0 + ERF(x / math.sqrt(2.0)))


def gelu_tanh_ref(x):
    x = d64(x)
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def linear_ref(x, w, b):
    return d64(x) @ d64(w).T + d64(b)


# ------------------------------------------------------------- op cases

CASES = []


def case(name, call, inputs, params, outputs, ops=""):
    CASES.append((name, call, inputs, params, outputs, ops))


def unary_cases(op, ref, lo=-1.0, hi=1.0):
    for i, shape in enumerate([(7,), (2, 3, 5), (3, 300)]):
        x = uniform(shape, lo, hi)
        case(f"{op}_{i}", f"y = nn.{op}(x);", [("x", x)], [], [("y", ref(x))])


def linear_algebra():
    for i, (m, k, n) in enumerate([(5, 7, 3), (1, 13, 1), (3, 17, 300)]):
        a, b = uniform((m, k)), uniform((k, n))
        case(f"matmul_{i}", "c = nn.matmul(a, b);", [("a", a), ("b", b)], [], [("c", d64(a) @ d64(b))])
    for i, (sa, sb) in enumerate([((2, 3, 4, 5), (2, 3, 5, 6)), ((1, 5, 3), (1, 3, 2)), ((4, 6), (6, 5))]):
        a, b = uniform(sa), uniform(sb)
        case(f"bmm_{i}", "c = nn.bmm(a, b);", [("a", a), ("b", b)], [], [("c", np.matmul(d64(a), d64(b)))])
    for i, (sx, n) in enumerate([((2, 7, 6), 9), ((5,), 3), ((4, 300), 2)]):
        x, w, b = uniform(sx), uniform((n, sx[-1])), uniform((n,))
        case(f"linear_{i}", "y = nn.linear(x, w, bias);", [("x", x)], [("w", w), ("bias", b)],
             [("y", linear_ref(x, w, b))])


def convolutions():
    specs = [((1, 3, 7, 9), (4, 3, 3, 3), dict(stride=2, pad=1)),
             ((2, 4, 6, 5), (6, 2, 3, 3), dict(pad=1, groups=2)),
             ((1, 2, 9, 8), (3, 2, 3, 2), dict(dilation=2)),
             ((1, 1, 5, 5), (1, 1, 5, 5), dict()),
             ((1, 3, 11, 10), (5, 3, 7, 7), dict(stride=2, pad=3))]
    for i, (sx, sw, kw) in enumerate(specs):
        x, w = uniform(sx), uniform(sw)
        attrs = "".join(f", {k}={v}" for k, v in kw.items())
        case(f"conv2d_{i}", f"y = nn.conv2d(x, w{attrs});", [("x", x)], [("w", w)],
             [("y", conv2d_ref(x, w, **kw))])
    for i, (sx, k, kw) in enumerate([((1, 4, 7, 6), 3, dict(stride=2, pad=2)),
                                     ((2, 3, 5, 5), 3, dict(dilation=2, pad=2))]):
        x, w = uniform(sx), uniform((sx[1], 1, k, k))
        attrs = "".join(f", {k_}={v}" for k_, v in kw.items())
        case(f"depthwise_conv2d_{i}", f"y = nn.depthwise_conv2d(x, w{attrs});", [("x", x)], [("w", w)],
             [("y", conv2d_ref(x, w, groups=sx[1], **kw))])
    x, w = uniform((2, 3, 4, 5)), uniform((6, 3, 1, 1))
    case("pointwise_conv2d_0", "y = nn.pointwise_conv2d(x, w);", [("x", x)], [("w", w)],
         [("y", conv2d_ref(x, w))])


def pooling():
    for i, (sx, k, s, p) in enumerate([((1, 3, 7, 7), 3, 2, 1), ((2, 2, 6, 5), 2, 2, 0), ((1, 2, 5, 5), 3, 1, 1)]):
        x = uniform(sx)
        case(f"maxpool2d_{i}", f"y = nn.maxpool2d(x, kernel={k}, stride={s}, pad={p});", [("x", x)], [],
             [("y", maxpool_ref(x, k, s, p))])
    for i, (sx, k, s, p, cp) in enumerate([((1, 2, 7, 7), 3, 2, 1, False), ((1, 2, 7, 7), 3, 2, 1, True),
                                           ((1, 3, 6, 6), 2, 2, 0, False), ((2, 1, 5, 6), 3, 1, 1, False)]):
        x = uniform(sx)
        case(f"avgpool2d_{i}", f"y = nn.avgpool2d(x, kernel={k}, stride={s}, pad={p}, "
             f"count_pad={'true' if cp else 'false'});", [("x", x)], [], [("y", avgpool_ref(x, k, s, p, cp))])
    for i, sx in enumerate([(2, 3, 5, 7), (1, 1, 1, 1)]):
        x = uniform(sx)
        case(f"global_avgpool_{i}", "y = nn.global_avgpool(x);", [("x", x)], [],
             [("y", d64(x).mean(axis=(2, 3), keepdims=True))])


def activations():
    unary_cases("relu", lambda x: np.maximum(d64(x), 0.0))
    unary_cases("relu6", lambda x: np.clip(d64(x), 0.0, 6.0), -8.0, 8.0)
    unary_cases("gelu", gelu_ref, -4.0, 4.0)
    unary_cases("gelu_tanh", gelu_tanh_ref, -4.0, 4.0)
    unary_cases("sigmoid", lambda x: 1.0 / (1.0 + np.exp(-d64(x))), -8.0, 8.0)
    unary_cases("tanh", lambda x: np.tanh(d64(x)), -4.0, 4.0)
    x = f32(np.array(-0.75))
    case("relu_scalar", "y = nn.relu(x);", [("x", x)], [], [("y", np.maximum(d64(x), 0.0))])
    for i, shape in enumerate([(2, 5), (3, 300), (7,), (2, 3, 4)]):
        x = uniform(shape, -3.0, 3.0)
        case(f"softmax_{i}", "y = nn.softmax(x);", [("x", x)], [], [("y", softmax_ref(x))])


def reductions():
    refs = {"reduce_sum": lambda x: d64(x).sum(axis=-1), "reduce_mean": lambda x: d64(x).mean(axis=-1),
            "reduce_max": lambda x: d64(x).max(axis=-1)}
    for op, ref in refs.items():
        for i, shape in enumerate([(2, 3, 4), (300,), (5, 1)]):
            x = uniform(shape)
            case(f"{op}_{i}", f"y = nn.{op}(x);", [("x", x)], [], [("y", ref(x))])


def normalization():
    for i, (shape, eps) in enumerate([((6, 16), None), ((2, 3, 7), 1e-3), ((1, 300), None)]):
        x, g, b = uniform(shape, -2.0, 2.0), uniform(shape[-1:]), uniform(shape[-1:])
        e = f", eps={eps}" if eps else ""
        case(f"layernorm_{i}", f"y = nn.layernorm(x, gamma, beta{e});", [("x", x)], [("gamma", g), ("beta", b)],
             [("y", layernorm_ref(x, g, b, eps or 1e-5))])
    for i, (shape, eps) in enumerate([((2, 4, 5, 5), None), ((3, 6), 1e-3), ((1, 2, 3, 2, 2), None)]):
        c = shape[1]
        x = uniform(shape)
        m, v, g, b = uniform((c,)), uniform((c,), 0.1, 1.0), uniform((c,)), uniform((c,))
        e = f", eps={eps}" if eps else ""
        case(f"batchnorm_{i}", f"y = nn.batchnorm(x, mean, var, gamma, beta{e});", [("x", x)],
             [("mean", m), ("var", v), ("gamma", g), ("beta", b)], [("y", batchnorm_ref(x, m, v, g, b, eps or 1e-5))])


def arithmetic():
    refs = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}
    shapes = [((2, 4, 3, 3), (4, 1, 1)), ((3, 5), (3, 5)), ((2, 3), (3,)), ((5,), (1,)), ((2, 3, 4), (1, 4))]
    for op, ref in refs.items():
        for i, (sa, sb) in enumerate(shapes):
            a = uniform(sa)
            b = uniform(sb)
            if op == "div":
                b = f32(np.sign(b) * (0.5 + np.abs(b)))
            case(f"{op}_{i}", f"c = nn.{op}(a, b);", [("a", a), ("b", b)], [], [("c", ref(d64(a), d64(b)))])


def data_movement():
    for i, shape in enumerate([(3, 4), (2, 3, 4, 5), (1, 300, 2)]):
        x = uniform(shape)
        case(f"transpose_{i}", "y = nn.transpose(x);", [("x", x)], [], [("y", np.swapaxes(d64(x), -1, -2))])
    x = uniform((2, 3, 4, 5))
    case("nchw_to_nhwc_0", "y = nn.nchw_to_nhwc(x);", [("x", x)], [], [("y", d64(x).transpose(0, 2, 3, 1))])
    case("nhwc_to_nchw_0", "y = nn.nhwc_to_nchw(x);", [("x", x)], [], [("y", d64(x).transpose(0, 3, 1, 2))])
    for i, (shape, new) in enumerate([((2, 3, 4, 5), (6, 20)), ((7,), (1, 7)), ((3, 4), (12, 1))]):
        x = uniform(shape)
        attrs = ", ".join(f"d{k}={v}" for k, v in enumerate(new))
        case(f"reshape2_{i}", f"y = nn.reshape2(x, {attrs});", [("x", x)], [], [("y", d64(x).reshape(new))])
    for i, (shape, new) in enumerate([((4, 6), (2, 3, 4)), ((2, 3, 5), (5, 3, 2))]):
        x = uniform(shape)
        attrs = ", ".join(f"d{k}={v}" for k, v in enumerate(new))
        case(f"reshape3_{i}", f"y = nn.reshape3(x, {attrs});", [("x", x)], [], [("y", d64(x).reshape(new))])
    for i, (shape, new) in enumerate([((2, 3, 4, 5), (2, 12, 5, 1)), ((30,), (1, 2, 3, 5))]):
        x = uniform(shape)
        attrs = ", ".join(f"d{k}={v}" for k, v in enumerate(new))
        case(f"reshape4_{i}", f"y = nn.reshape4(x, {attrs});", [("x", x)], [], [("y", d64(x).reshape(new))])
    for i, shape in enumerate([(2, 3, 4, 5), (1, 1, 1, 7)]):
        x = uniform(shape)
        case(f"flatten_{i}", "y = nn.flatten(x);", [("x", x)], [], [("y", d64(x).reshape(shape[0], -1))])
    for i, (sa, sb) in enumerate([((2, 3, 4, 5), (2, 5, 4, 5)), ((1, 2), (1, 3)), ((2, 1, 3), (2, 4, 3))]):
        a, b = uniform(sa), uniform(sb)
        case(f"concat_{i}", "y = nn.concat(a, b);", [("a", a), ("b", b)], [],
             [("y", np.concatenate([d64(a), d64(b)], axis=1))])
    for i, (shape, start, length, step) in enumerate([((2, 5, 4, 5), 1, 2, 2), ((1, 7), 2, 3, 1), ((3, 9, 2), 0, 3, 4)]):
        x = uniform(shape)
        st = f", step={step}" if step != 1 else ""
        case(f"slice_{i}", f"y = nn.slice(x, start={start}, length={length}{st});", [("x", x)], [],
             [("y", d64(x)[:, start:start + step * (length - 1) + 1:step])])


# ------------------------------------------- built-ins, ints, bools, casts
# Not stdlib ops: user ops of the wrapper file, for what the stdlib does not
# exercise (the built-ins, integer floor division and modulo, conversions,
# comparisons and logic).

FMIX = """
op fmix(x: f32[N], y: f32[N]) -> (z: f32[N]) {
  z[i] = pow(abs(x[i]) + 0.5, y[i]) + floor(x[i] * 3.0) - ceil(y[i] * 2.0)
       + log(abs(y[i]) + 1.0) * sqrt(abs(x[i])) + rsqrt(abs(x[i]) + 1.0)
       + exp(min(x[i], y[i])) - max(x[i], y[i]) + tanh(x[i]) * erf(y[i]);
}
"""

IMIX = """
op imix(a: i32[N], b: i32[N]) -> (c: i32[N], m: i32[N]) {
  c[i] = (a[i] / b[i]) * 3 - max(a[i], b[i]) + min(a[i], 2);
  m[i] = a[i] % b[i];
}
"""

CASTS = """
op casts(x: f32[N]) -> (t: i32[N], r: f32[N], p: bool[N]) {
  t[i] = i32(x[i] * 10.0);
  r[i] = f32(i32(x[i] * 10.0) % 3) + f32(i);
  p[i] = (x[i] < 0.25 && !(x[i] == 0.0)) || x[i] > 0.75;
}
"""


def builtins():
    global RNG
    saved, RNG = RNG, np.random.default_rng(7)  # its own stream: the data before stays as it was
    x, y = uniform((37,), -2.0, 2.0), uniform((37,), -2.0, 2.0)
    X, Y = d64(x), d64(y)
    z = (np.power(np.abs(X) + 0.5, Y) + np.floor(X * 3.0) - np.ceil(Y * 2.0)
         + np.log(np.abs(Y) + 1.0) * np.sqrt(np.abs(X)) + 1.0 / np.sqrt(np.abs(X) + 1.0)
         + np.exp(np.minimum(X, Y)) - np.maximum(X, Y) + np.tanh(X) * ERF(Y))
    case("builtins_float", "z = fmix(x, y);", [("x", x), ("y", y)], [], [("z", z)], FMIX)
    a = RNG.integers(-50, 50, size=(41,)).astype(np.int32)
    b = RNG.integers(1, 9, size=(41,)).astype(np.int32) * RNG.choice([-1, 1], size=(41,)).astype(np.int32)
    c = np.floor_divide(a, b) * 3 - np.maximum(a, b) + np.minimum(a, 2)
    case("builtins_int", "c, m = imix(a, b);", [("a", a), ("b", b)], [], [("c", c), ("m", np.mod(a, b))], IMIX)
    x = uniform((23,))
    t = (d64(x) * 10.0).astype(np.int32)  # truncation toward zero, as C and NumPy's astype
    r = np.mod(t, 3).astype(np.float64) + np.arange(23)
    p = ((x < 0.25) & ~(x == 0.0)) | (x > 0.75)
    case("builtins_casts", "t, r, p = casts(x);", [("x", x)], [], [("t", t), ("r", r), ("p", p)], CASTS)
    RNG = saved


# ------------------------------------------ the ops of issue 6 (stdlib 2)
# Each group draws from its own random stream (own_rng), so adding a group
# changes no data made before it.

def own_rng(seed):
    def wrap(make):
        def run():
            global RNG
            saved, RNG = RNG, np.random.default_rng(seed)
            try:
                make()
            finally:
                RNG = saved
        return run
    return wrap


def attrs_str(kw):
    """`, k=v` for each attribute (bools as true/false)."""
    def val(v):
        return ("true" if v else "false") if isinstance(v, bool) else str(v)
    return "".join(f", {k}={val(v)}" for k, v in kw.items())


def conv2d_general_ref(x, w, stride=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    """ONNX Conv: pads = (top, left, bottom, right), per-axis stride and dilation."""
    x, w = d64(x), d64(w)
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    t, l, b, r = pads
    xp = np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)))
    sh, sw = stride
    dh, dw = dilation
    oh = (h + t + b - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + l + r - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, f, oh, ow))
    fg = f // groups
    for g in range(groups):
        for u in range(kh):
            for v in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg, u * dh:u * dh + sh * (oh - 1) + 1:sh,
                           v * dw:v * dw + sw * (ow - 1) + 1:sw]
                y[:, g * fg:(g + 1) * fg] += np.einsum("nchw,fc->nfhw", patch, w[g * fg:(g + 1) * fg, :, u, v])
    return y


def conv_transpose2d_ref(x, w, stride=1, pad=0, output_padding=0, dilation=1, groups=1):
    """PyTorch ConvTranspose2d as a scatter: input pixel (h, w) adds x * w[c, f, u, v]
    at (h*stride + u*dilation, ...) of the uncropped output, which loses `pad`
    rows and columns on each side; output_padding extends the bottom and right."""
    x, w = d64(x), d64(w)
    n, c, h, wd = x.shape
    _, fg, kh, kw = w.shape
    cg = c // groups
    fh = (h - 1) * stride + dilation * (kh - 1) + 1 + output_padding
    fw = (wd - 1) * stride + dilation * (kw - 1) + 1 + output_padding
    full = np.zeros((n, fg * groups, fh, fw))
    for g in range(groups):
        for u in range(kh):
            for v in range(kw):
                contrib = np.einsum("nchw,cf->nfhw", x[:, g * cg:(g + 1) * cg], w[g * cg:(g + 1) * cg, :, u, v])
                full[:, g * fg:(g + 1) * fg, u * dilation:u * dilation + stride * (h - 1) + 1:stride,
                     v * dilation:v * dilation + stride * (wd - 1) + 1:stride] += contrib
    oh = (h - 1) * stride - 2 * pad + dilation * (kh - 1) + output_padding + 1
    ow = (wd - 1) * stride - 2 * pad + dilation * (kw - 1) + output_padding + 1
    return full[:, :, pad:pad + oh, pad:pad + ow]


@own_rng(601)
def convolutions2():
    specs = [((1, 3, 7, 9), (4, 3, 3, 3), dict(pad_top=0, pad_left=1, pad_bottom=1, pad_right=2, stride_h=2)),
             ((2, 4, 6, 5), (6, 2, 3, 2), dict(pad_top=2, pad_bottom=0, stride_w=2, dilation_h=2, groups=2)),
             ((1, 2, 4, 4), (3, 2, 1, 1), dict(pad_top=3, pad_left=0, pad_bottom=1, pad_right=4)),
             ((1, 1, 1, 1), (2, 1, 3, 3), dict(pad_top=1, pad_left=1, pad_bottom=1, pad_right=1)),
             ((1, 3, 8, 8), (2, 3, 3, 3), dict(pad_top=0, pad_left=0, pad_bottom=1, pad_right=1,
                                               stride_h=2, stride_w=2))]
    for i, (sx, sw, kw) in enumerate(specs):
        x, w = uniform(sx), uniform(sw)
        pads = tuple(kw.get(k, 0) for k in ("pad_top", "pad_left", "pad_bottom", "pad_right"))
        ref = conv2d_general_ref(x, w, (kw.get("stride_h", 1), kw.get("stride_w", 1)), pads,
                                 (kw.get("dilation_h", 1), kw.get("dilation_w", 1)), kw.get("groups", 1))
        case(f"conv2d_asym_{i}", f"y = nn.conv2d_asym(x, w{attrs_str(kw)});", [("x", x)], [("w", w)],
             [("y", ref)])
    specs = [((1, 3, 4, 5), (3, 2, 3, 3), dict(stride=2, pad=1, output_padding=1)),
             ((2, 4, 3, 3), (4, 3, 2, 2), dict(stride=2, groups=2)),
             ((1, 2, 5, 4), (2, 3, 3, 3), dict(pad=1)),
             ((1, 2, 3, 3), (2, 1, 3, 2), dict(stride=3, pad=2, dilation=2, output_padding=2)),
             ((1, 1, 1, 1), (1, 2, 4, 4), dict(stride=2)),
             ((1, 3, 2, 3), (3, 2, 2, 2), dict(stride=1, pad=1))]
    for i, (sx, sw, kw) in enumerate(specs):
        x, w = uniform(sx), uniform(sw)
        case(f"conv_transpose2d_{i}", f"y = nn.conv_transpose2d(x, w{attrs_str(kw)});", [("x", x)],
             [("w", w)], [("y", conv_transpose2d_ref(x, w, **kw))])
    for i, sx in enumerate([(2, 3, 5, 7), (1, 1, 1, 1)]):
        x = uniform(sx)
        case(f"global_maxpool_{i}", "y = nn.global_maxpool(x);", [("x", x)], [],
             [("y", d64(x).max(axis=(2, 3), keepdims=True))])
    for i, (sx, n) in enumerate([((2, 7, 6), 9), ((5,), 1)]):
        x, w = uniform(sx), uniform((n, sx[-1]))
        case(f"linear_nobias_{i}", "y = nn.linear_nobias(x, w);", [("x", x)], [("w", w)],
             [("y", d64(x) @ d64(w).T)])


def softmax_axis_ref(x, axis):
    x = d64(x)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax_axis_ref(x, axis):
    x = d64(x)
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def with_nan(x, k=1):
    """x with its first k elements (row-major) set to NaN."""
    x = np.array(x)
    x.reshape(-1)[:k] = np.nan
    return x


@own_rng(602)
def activations2():
    unary_cases("leaky_relu", lambda x: np.where(d64(x) >= 0, d64(x), 0.01 * d64(x)))
    x = uniform((3, 4), -2.0, 2.0)
    case("leaky_relu_alpha", "y = nn.leaky_relu(x, alpha=0.2);", [("x", x)], [],
         [("y", np.where(d64(x) >= 0, d64(x), 0.2 * d64(x)))])
    for i, shape in enumerate([(2, 3, 4, 5), (3, 4), (1, 1, 7)]):
        x, s = uniform(shape), uniform(shape[1:2], 0.0, 0.5)
        slope = d64(s).reshape((1, -1) + (1,) * (len(shape) - 2))
        case(f"prelu_{i}", "y = nn.prelu(x, slope);", [("x", x)], [("slope", s)],
             [("y", np.where(d64(x) >= 0, d64(x), slope * d64(x)))])
    unary_cases("hardsigmoid", lambda x: np.clip(d64(x) + 3.0, 0.0, 6.0) / 6.0, -5.0, 5.0)
    x = uniform((4, 5), -5.0, 5.0)
    case("hardsigmoid_onnx", "y = nn.hardsigmoid(x, alpha=0.2, beta=0.5);", [("x", x)], [],
         [("y", np.maximum(0.0, np.minimum(1.0, 0.2 * d64(x) + 0.5)))])
    unary_cases("hardswish", lambda x: d64(x) * np.clip(d64(x) + 3.0, 0.0, 6.0) / 6.0, -5.0, 5.0)
    unary_cases("silu", lambda x: d64(x) / (1.0 + np.exp(-d64(x))), -8.0, 8.0)
    for i, shape in enumerate([(2, 5), (3, 300), (7,), (2, 3, 1)]):
        x = uniform(shape, -3.0, 3.0)
        case(f"log_softmax_{i}", "y = nn.log_softmax(x);", [("x", x)], [], [("y", log_softmax_axis_ref(x, -1))])
    for op, ref in (("softmax_axis1", softmax_axis_ref), ("log_softmax_axis1", log_softmax_axis_ref)):
        for i, shape in enumerate([(2, 5, 3, 4), (3, 10), (1, 1, 2)]):
            x = uniform(shape, -3.0, 3.0)
            case(f"{op}_{i}", f"y = nn.{op}(x);", [("x", x)], [], [("y", ref(x, 1))])


def sdpa_ref(q, k, v, mask=None, causal=False):
    """softmax(q k^T / sqrt(D) + mask) v, the causal mask as np.tril (top-left)."""
    q, k, v = d64(q), d64(k), d64(v)
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if mask is not None:
        s = s + mask
    if causal:
        s = np.where(np.tril(np.ones(s.shape[-2:], dtype=bool)), s, -np.inf)
    with np.errstate(invalid="ignore"):  # a row with every key masked is NaN, as in PyTorch
        return softmax_axis_ref(s, -1) @ v


@own_rng(603)
def attention():
    shapes = [((2, 3, 5, 4), 6, 3), ((7, 8), 7, 5), ((1, 1, 1, 2), 3, 1), ((2, 4, 3), 9, 4)]
    for i, (sq, t, e) in enumerate(shapes):
        q = uniform(sq, -2.0, 2.0)
        k = uniform(sq[:-2] + (t, sq[-1]), -2.0, 2.0)
        v = uniform(sq[:-2] + (t, e))
        ins = [("q", q), ("k", k), ("v", v)]
        case(f"sdpa_{i}", "y = nn.sdpa(q, k, v);", ins, [], [("y", sdpa_ref(q, k, v))])
        case(f"sdpa_causal_{i}", "y = nn.sdpa_causal(q, k, v);", ins, [],
             [("y", sdpa_ref(q, k, v, causal=True))])
        rows = 1 if i % 2 == 0 else sq[-2]
        ms = sq[:-2] + (rows, t)
        drop = RNG.uniform(size=ms) < 0.3
        m = f32(np.where(drop, -1e4, RNG.uniform(-1, 1, size=ms)))
        if i == 3:
            m[..., 0] = -np.inf  # key 0 masked out by -inf everywhere
        case(f"sdpa_mask_{i}", "y = nn.sdpa_mask(q, k, v, m);", ins + [("m", m)], [],
             [("y", sdpa_ref(q, k, v, mask=d64(m)))])
        case(f"sdpa_causal_mask_{i}", "y = nn.sdpa_causal_mask(q, k, v, m);", ins + [("m", m)], [],
             [("y", sdpa_ref(q, k, v, mask=d64(m), causal=True))])
    # sdpa_mask4: a padding mask [N, 1, 1, T], a shared causal-like mask
    # [1, 1, S, T], a full mask, and Swin's window mask [nW, 1, S, S] for
    # N = B*nW windows (the attention reshaped to [B, nW, H, S, S] for NumPy).
    for i, (n, h, s_, t, ms) in enumerate([(2, 3, 4, 5, (2, 1, 1, 5)), (1, 2, 3, 3, (1, 1, 3, 3)),
                                           (2, 2, 3, 4, (2, 2, 3, 4)), (6, 2, 4, 4, (3, 1, 4, 4))]):
        q, k, v = uniform((n, h, s_, 4), -2.0, 2.0), uniform((n, h, t, 4), -2.0, 2.0), uniform((n, h, t, 3))
        m = f32(np.where(RNG.uniform(size=ms) < 0.3, -100.0, 0.0))
        if ms[0] == n or ms[0] == 1:
            want = sdpa_ref(q, k, v, mask=d64(m))
        else:
            qb, kb, vb = (a.reshape((n // ms[0], ms[0]) + a.shape[1:]) for a in (q, k, v))
            want = sdpa_ref(qb, kb, vb, mask=d64(m)[None]).reshape(n, h, s_, 3)
        case(f"sdpa_mask4_{i}", "y = nn.sdpa_mask4(q, k, v, m);", [("q", q), ("k", k), ("v", v), ("m", m)], [],
             [("y", want)])


@own_rng(604)
def reductions2():
    x = uniform((2, 3, 4))
    for i, shape in enumerate([(2, 3, 4), (300,), (5, 1)]):
        x = uniform(shape)
        case(f"reduce_min_{i}", "y = nn.reduce_min(x);", [("x", x)], [], [("y", d64(x).min(axis=-1))])
    refs = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min}
    for r, ref in refs.items():
        for i, shape in enumerate([(2, 3, 4, 5), (3, 7), (1, 1, 1)]):
            x = uniform(shape)
            case(f"reduce_{r}_last2_{i}", f"y = nn.reduce_{r}_last2(x);", [("x", x)], [],
                 [("y", ref(d64(x), axis=(-2, -1)))])
        for i, shape in enumerate([(2, 3, 4, 5), (3, 7), (2, 1, 3)]):
            x = uniform(shape)
            case(f"reduce_{r}_axis1_{i}", f"y = nn.reduce_{r}_axis1(x);", [("x", x)], [],
                 [("y", ref(d64(x), axis=1))])


def groupnorm_ref(x, g, b, groups, eps=1e-5):
    x = d64(x)
    n, c, h, w = x.shape
    xg = x.reshape(n, groups, -1)
    xn = (xg - xg.mean(axis=-1, keepdims=True)) / np.sqrt(xg.var(axis=-1, keepdims=True) + eps)
    return xn.reshape(x.shape) * d64(g).reshape(1, c, 1, 1) + d64(b).reshape(1, c, 1, 1)


@own_rng(605)
def normalization2():
    for i, (shape, groups, eps) in enumerate([((2, 6, 3, 4), 3, None), ((1, 4, 5, 5), 1, 1e-3),
                                              ((2, 4, 2, 3), 4, None), ((1, 8, 1, 1), 2, None)]):
        x, g, b = uniform(shape, -2.0, 2.0) + f32(3.0), uniform(shape[1:2]), uniform(shape[1:2])
        e = f", eps={eps}" if eps else ""
        case(f"groupnorm_{i}", f"y = nn.groupnorm(x, gamma, beta, groups={groups}{e});", [("x", x)],
             [("gamma", g), ("beta", b)], [("y", groupnorm_ref(x, g, b, groups, eps or 1e-5))])
    for i, shape in enumerate([(2, 3, 4, 5), (1, 2, 1, 7)]):
        x, g, b = uniform(shape, -2.0, 2.0), uniform(shape[1:2]), uniform(shape[1:2])
        X = d64(x)
        mu, var = X.mean(axis=(2, 3), keepdims=True), X.var(axis=(2, 3), keepdims=True)
        want = (X - mu) / np.sqrt(var + 1e-5) * d64(g).reshape(1, -1, 1, 1) + d64(b).reshape(1, -1, 1, 1)
        case(f"instancenorm_{i}", "y = nn.instancenorm(x, gamma, beta);", [("x", x)], [("gamma", g), ("beta", b)],
             [("y", want)])
    for i, (shape, eps) in enumerate([((6, 16), None), ((2, 3, 7), 1e-5), ((300,), None), ((4, 1), None)]):
        x, g = uniform(shape, -2.0, 2.0), uniform(shape[-1:])
        X = d64(x)
        want = X / np.sqrt((X ** 2).mean(axis=-1, keepdims=True) + (eps or 1e-6)) * d64(g)
        e = f", eps={eps}" if eps else ""
        case(f"rmsnorm_{i}", f"y = nn.rmsnorm(x, gamma{e});", [("x", x)], [("gamma", g)], [("y", want)])


@own_rng(606)
def elementwise2():
    shapes = [((2, 4, 3, 3), (4, 1, 1)), ((3, 5), (3, 5)), ((2, 3), (3,)), ((5,), (1,)), ((2, 3, 4), (1, 4))]
    for op, ref in {"pow": np.power, "maximum": np.maximum, "minimum": np.minimum}.items():
        for i, (sa, sb) in enumerate(shapes):
            a, b = uniform(sa), uniform(sb)
            if op == "pow":
                a = f32(np.abs(a) + 0.25)
                b = f32(3.0 * b)
            if op != "pow" and i == 1:
                a = with_nan(a)
                b = f32(np.roll(with_nan(b, 2), 1))
            case(f"{op}_{i}", f"c = nn.{op}(a, b);", [("a", a), ("b", b)], [], [("c", ref(d64(a), d64(b)))])
    a, b = f32([-2.0, -1.5, -0.5, 0.0, 0.5, 2.0]), f32([3.0, 2.0, 0.5, 0.0, -1.0, -2.0])
    with np.errstate(invalid="ignore"):
        case("pow_signs", "c = nn.pow(a, b);", [("a", a), ("b", b)], [], [("c", np.power(d64(a), d64(b)))])
    for i, (shape, e) in enumerate([((2, 3, 4), 2.0), ((7,), 0.5), ((3, 3), -1.5)]):
        x = uniform(shape, 0.1, 3.0)
        case(f"pow_scalar_{i}", f"y = nn.pow_scalar(x, exponent={e});", [("x", x)], [], [("y", d64(x) ** e)])
    special = f32([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1.0, 2.0])
    with np.errstate(invalid="ignore", divide="ignore"):
        unary_cases("sqrt", lambda x: np.sqrt(d64(x)), 0.0, 4.0)
        unary_cases("rsqrt", lambda x: 1.0 / np.sqrt(d64(x)), 0.01, 4.0)
        unary_cases("exp", lambda x: np.exp(d64(x)), -10.0, 10.0)
        unary_cases("log", lambda x: np.log(d64(x)), 0.001, 10.0)
        unary_cases("erf", lambda x: ERF(d64(x)), -3.0, 3.0)
        unary_cases("abs", lambda x: np.abs(d64(x)))
        unary_cases("neg", lambda x: -d64(x))
        for op, ref in (("sqrt", np.sqrt), ("rsqrt", lambda x: 1.0 / np.sqrt(x)), ("exp", np.exp), ("log", np.log),
                        ("erf", ERF), ("abs", np.abs), ("neg", np.negative)):
            case(f"{op}_special", f"y = nn.{op}(x);", [("x", special)], [], [("y", ref(d64(special)))])
    for i, (shape, kw) in enumerate([((2, 3, 4), dict(lo=-0.5, hi=0.5)), ((7,), dict(lo=0.0)),
                                     ((3, 300), dict(hi=-0.25)), ((5,), dict())]):
        x = uniform(shape)
        if i == 3:
            x = with_nan(x)
        want = np.clip(d64(x), kw.get("lo", -np.inf), kw.get("hi", np.inf))
        case(f"clip_{i}", f"y = nn.clip(x{attrs_str(kw)});", [("x", x)], [], [("y", want)])
    for i, (sc, sa, sb) in enumerate([((2, 3), (2, 3), (2, 3)), ((4,), (3, 4), (1,)), ((1, 5), (2, 3, 5), (3, 1)),
                                      ((), (2, 2), ())]):
        c, a, b = RNG.uniform(size=sc) < 0.5, uniform(sa), uniform(sb)
        case(f"where_{i}", "y = nn.where(c, a, b);", [("c", np.asarray(c)), ("a", a), ("b", b)], [],
             [("y", np.broadcast_to(np.where(c, d64(a), d64(b)), sa))])
    for i, (sx, sm, val) in enumerate([((2, 3), (2, 3), "-inf"), ((2, 3, 4), (4,), "1.5"),
                                       ((1, 2, 3, 3), (1, 1, 3, 3), "-10000.0")]):
        x, m = uniform(sx), RNG.uniform(size=sm) < 0.5
        case(f"masked_fill_{i}", f"y = nn.masked_fill(x, m, value={val});", [("x", x), ("m", m)], [],
             [("y", np.where(m, float(val), d64(x)))])


@own_rng(607)
def casts2():
    x = f32(np.concatenate([RNG.uniform(-1000.0, 1000.0, size=20), [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.0, 0.0,
                                                                    2147483520.0, -2147483648.0]]))
    case("f32_to_i32_0", "y = nn.f32_to_i32(x);", [("x", x)], [], [("y", np.trunc(d64(x)).astype(np.int32))])
    x = RNG.integers(-(2 ** 31), 2 ** 31, size=(3, 7)).astype(np.int32)
    x.reshape(-1)[:4] = [16777217, -16777219, 2 ** 31 - 1, -(2 ** 31)]  # not exact in f32: round to nearest even
    case("i32_to_f32_0", "y = nn.i32_to_f32(x);", [("x", x)], [], [("y", x.astype(np.float64))])
    x = f32(np.concatenate([RNG.uniform(-10.0, 10.0, size=10), [65504.0, 65520.0, 70000.0, -1e6, 1e-5, 3e-8,
                                                                1e-9, np.nan, np.inf, 2049.0, 2051.0, -0.0]]))
    with np.errstate(over="ignore"):
        case("f32_to_f16_0", "y = nn.f32_to_f16(x);", [("x", x)], [], [("y", d64(x).astype(np.float16))])
    x = np.concatenate([RNG.uniform(-10.0, 10.0, size=(10,)), [65504.0, 6e-8, -0.0, np.inf]]).astype(np.float16)
    case("f16_to_f32_0", "y = nn.f16_to_f32(x);", [("x", x.reshape(2, 7))], [],
         [("y", x.astype(np.float64).reshape(2, 7))])
    x = f32(np.concatenate([RNG.uniform(-128.99, 127.99, size=15), [-128.5, 127.5, -0.7, 0.7]]))
    case("f32_to_i8_0", "y = nn.f32_to_i8(x);", [("x", x)], [], [("y", np.trunc(d64(x)).astype(np.int8))])
    x = np.arange(-128, 128, dtype=np.int8).reshape(16, 16)
    case("i8_to_f32_0", "y = nn.i8_to_f32(x);", [("x", x)], [], [("y", x.astype(np.float64))])
    x = RNG.uniform(size=(2, 3, 4)) < 0.5
    case("bool_to_f32_0", "y = nn.bool_to_f32(x);", [("x", x)], [], [("y", x.astype(np.float64))])
    x = f32([0.0, -0.0, 1.0, -2.5, np.nan, np.inf, 1e-40, -1e-30])
    case("f32_to_bool_0", "y = nn.f32_to_bool(x);", [("x", x)], [], [("y", x.astype(bool))])
    # more shapes: a scalar and a 3-D tensor with a unit dim for every cast
    for i, shape in enumerate([(), (2, 1, 3)]):
        x = uniform(shape, -100.0, 100.0)
        n = f"_{i + 1}"
        case("f32_to_i32" + n, "y = nn.f32_to_i32(x);", [("x", x)], [], [("y", np.trunc(d64(x)).astype(np.int32))])
        case("f32_to_i8" + n, "y = nn.f32_to_i8(x);", [("x", x)], [], [("y", np.trunc(d64(x)).astype(np.int8))])
        case("f32_to_f16" + n, "y = nn.f32_to_f16(x);", [("x", x)], [], [("y", d64(x).astype(np.float16))])
        case("f32_to_bool" + n, "y = nn.f32_to_bool(x);", [("x", x)], [], [("y", x != 0)])
        t = np.asarray(RNG.integers(-1000, 1000, size=shape)).astype(np.int32)
        case("i32_to_f32" + n, "y = nn.i32_to_f32(x);", [("x", t)], [], [("y", t.astype(np.float64))])
        t8 = np.asarray(RNG.integers(-128, 128, size=shape)).astype(np.int8)
        case("i8_to_f32" + n, "y = nn.i8_to_f32(x);", [("x", t8)], [], [("y", t8.astype(np.float64))])
        h = np.asarray(x).astype(np.float16)
        case("f16_to_f32" + n, "y = nn.f16_to_f32(x);", [("x", h)], [], [("y", h.astype(np.float64))])
        b = np.asarray(RNG.uniform(size=shape) < 0.5)
        case("bool_to_f32" + n, "y = nn.bool_to_f32(x);", [("x", b)], [], [("y", b.astype(np.float64))])


def resize_bilinear_ref(x, oh, ow):
    """PyTorch's bilinear interpolation with align_corners=False, in float64:
    source coordinate (i + 0.5) * in/out - 0.5, clamped below at 0; the upper
    neighbour clamped to the last row (aten/src/ATen/native/UpSample.h)."""
    x = d64(x)
    h, w = x.shape[2:]

    def axis(n_in, n_out):
        src = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0)
        i0 = np.floor(src).astype(int)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, src - i0

    r0, r1, a = axis(h, oh)
    c0, c1, b = axis(w, ow)
    a, b = a[:, None], b[None, :]
    top = x[:, :, r0][:, :, :, c0] * (1 - b) + x[:, :, r0][:, :, :, c1] * b
    bot = x[:, :, r1][:, :, :, c0] * (1 - b) + x[:, :, r1][:, :, :, c1] * b
    return top * (1 - a) + bot * a


def window_partition_ref(x, ws):
    """Swin's window_partition (view, permute(0, 1, 3, 2, 4, 5), view)."""
    b, h, w, c = x.shape
    t = d64(x).reshape(b, h // ws, ws, w // ws, ws, c).transpose(0, 1, 3, 2, 4, 5)
    return t.reshape(-1, ws, ws, c)


def window_reverse_ref(win, ws, h, w):
    """Swin's window_reverse."""
    b = win.shape[0] // (h * w // ws // ws)
    t = d64(win).reshape(b, h // ws, w // ws, ws, ws, -1).transpose(0, 1, 3, 2, 4, 5)
    return t.reshape(b, h, w, -1)


@own_rng(608)
def data_movement2():
    for op, perm, shapes in (("swapaxes01", (1, 0), [(2, 3), (3, 4, 5), (1, 2, 3, 4)]),
                             ("swapaxes12", (0, 2, 1), [(2, 3, 4), (2, 3, 4, 5), (1, 5, 1, 2, 3)])):
        for i, shape in enumerate(shapes):
            x = uniform(shape)
            full = perm + tuple(range(len(perm), len(shape)))
            case(f"{op}_{i}", f"y = nn.{op}(x);", [("x", x)], [], [("y", d64(x).transpose(full))])
    for i, (shape, heads) in enumerate([((2, 5, 12), 3), ((4, 6), 2), ((1, 2, 3, 4), 4), ((3, 5), 1)]):
        x = uniform(shape)
        s, d = shape[-2:]
        want = np.swapaxes(d64(x).reshape(shape[:-1] + (heads, d // heads)), -2, -3)
        case(f"split_heads_{i}", f"y = nn.split_heads(x, heads={heads});", [("x", x)], [], [("y", want)])
        case(f"merge_heads_{i}", "y = nn.merge_heads(x);", [("x", f32(want))], [], [("y", d64(x))])
    for i, (shape, new) in enumerate([((2, 3, 4), (24,)), ((5,), (5,)), ((), (1,))]):
        x = uniform(shape)
        case(f"reshape1_{i}", f"y = nn.reshape1(x, d0={new[0]});", [("x", x)], [], [("y", d64(x).reshape(new))])
    for i, (shape, new) in enumerate([((2, 3, 4, 5), (2, 3, 2, 2, 5)), ((12,), (1, 2, 1, 6, 1))]):
        x = uniform(shape)
        attrs = ", ".join(f"d{k}={v}" for k, v in enumerate(new))
        case(f"reshape5_{i}", f"y = nn.reshape5(x, {attrs});", [("x", x)], [], [("y", d64(x).reshape(new))])
    for i, shape in enumerate([(2, 3, 4, 5), (3, 1), (1, 7, 1)]):
        x = uniform(shape)
        case(f"flatten_last2_{i}", "y = nn.flatten_last2(x);", [("x", x)], [],
             [("y", d64(x).reshape(shape[:-2] + (-1,)))])
    for i, (shape, d0) in enumerate([((2, 3, 12), 4), ((6,), 6), ((2, 5), 1)]):
        x = uniform(shape)
        case(f"unflatten_last_{i}", f"y = nn.unflatten_last(x, d0={d0});", [("x", x)], [],
             [("y", d64(x).reshape(shape[:-1] + (d0, -1)))])
    for op, shapes, ref in (("squeeze0", [(1, 3, 4), (1,), (1, 1)], lambda x: np.squeeze(x, 0)),
                            ("squeeze1", [(2, 1, 3, 4), (3, 1), (1, 1, 1)], lambda x: np.squeeze(x, 1)),
                            ("squeeze_last", [(2, 3, 1), (1,), (4, 1, 1)], lambda x: np.squeeze(x, -1)),
                            ("unsqueeze0", [(3, 4), (), (1,)], lambda x: np.expand_dims(x, 0)),
                            ("unsqueeze1", [(2, 3, 4), (5,), (1, 1)], lambda x: np.expand_dims(x, 1)),
                            ("unsqueeze_last", [(2, 3), (), (4, 1)], lambda x: np.expand_dims(x, -1))):
        for i, shape in enumerate(shapes):
            x = uniform(shape)
            case(f"{op}_{i}", f"y = nn.{op}(x);", [("x", x)], [], [("y", ref(d64(x)))])
    for i, (sx, sl) in enumerate([((3,), (2, 3)), ((2, 1, 4), (2, 3, 4)), ((5,), (5,)), ((), (2, 2))]):
        x, like = uniform(sx), uniform(sl)
        case(f"expand_as_{i}", "y = nn.expand_as(x, like);", [("x", x), ("like", like)], [],
             [("y", np.broadcast_to(d64(x), sl))])
    for i, (sa, sb, sc) in enumerate([((2, 3, 4, 5), (2, 1, 4, 5), (2, 2, 4, 5)), ((1, 2), (1, 3), (1, 1)),
                                      ((2, 1, 3), (2, 4, 3), (2, 2, 3))]):
        a, b, c = uniform(sa), uniform(sb), uniform(sc)
        case(f"concat3_{i}", "y = nn.concat3(a, b, c);", [("a", a), ("b", b), ("c", c)], [],
             [("y", np.concatenate([d64(a), d64(b), d64(c)], axis=1))])
        ta, tb, tc = (np.swapaxes(t, 1, -1) for t in (a, b, c))
        case(f"concat_last_{i}", "y = nn.concat_last(a, b);", [("a", f32(ta)), ("b", f32(tb))], [],
             [("y", np.concatenate([d64(ta), d64(tb)], axis=-1))])
        case(f"concat3_last_{i}", "y = nn.concat3_last(a, b, c);", [("a", f32(ta)), ("b", f32(tb)), ("c", f32(tc))],
             [], [("y", np.concatenate([d64(ta), d64(tb), d64(tc)], axis=-1))])
    for i, (shape, s0, s1) in enumerate([((2, 5, 3, 2), 2, 1), ((1, 3), 1, 1), ((2, 7, 3), 3, 3)]):
        x = uniform(shape)
        p2 = np.split(d64(x), [s0], axis=1)
        case(f"split2_{i}", f"a, b = nn.split2(x, first={s0});", [("x", x)], [], [("a", p2[0]), ("b", p2[1])])
        p3 = np.split(d64(x), [s0, s0 + s1], axis=1)
        case(f"split3_{i}", f"a, b, c = nn.split3(x, s0={s0}, s1={s1});", [("x", x)], [],
             [("a", p3[0]), ("b", p3[1]), ("c", p3[2])])
        xt = f32(np.swapaxes(x, 1, -1))
        p2 = np.split(d64(xt), [s0], axis=-1)
        case(f"split2_last_{i}", f"a, b = nn.split2_last(x, first={s0});", [("x", xt)], [],
             [("a", p2[0]), ("b", p2[1])])
        p3 = np.split(d64(xt), [s0, s0 + s1], axis=-1)
        case(f"split3_last_{i}", f"a, b, c = nn.split3_last(x, s0={s0}, s1={s1});", [("x", xt)], [],
             [("a", p3[0]), ("b", p3[1]), ("c", p3[2])])
    x = uniform((2, 6, 3))
    case("slice_reverse", "y = nn.slice(x, start=5, length=6, step=-1);", [("x", x)], [],
         [("y", d64(x)[:, ::-1])])
    for i, (shape, start, length, step) in enumerate([((2, 9), 1, 4, 2), ((3, 4, 300), 7, 98, 3), ((5,), 4, 5, -1),
                                                      ((2, 1), 0, 1, 1)]):
        x = uniform(shape)
        idx = start + step * np.arange(length)
        case(f"slice_last_{i}", f"y = nn.slice_last(x, start={start}, length={length}, step={step});", [("x", x)],
             [], [("y", np.take(d64(x), idx, axis=-1))])
    for i, (shape, kw) in enumerate([((1, 2, 7, 8), dict(top=1, left=2, height=3, width=3, step_h=2, step_w=2)),
                                     ((4, 4), dict(top=3, left=0, height=4, width=2, step_h=-1)),
                                     ((2, 3, 5, 5), dict(top=0, left=0, height=5, width=5))]):
        x = uniform(shape)
        sh, sw = kw.get("step_h", 1), kw.get("step_w", 1)
        rows = kw["top"] + sh * np.arange(kw["height"])
        cols = kw["left"] + sw * np.arange(kw["width"])
        want = np.take(np.take(d64(x), rows, axis=-2), cols, axis=-1)
        case(f"slice_hw_{i}", f"y = nn.slice_hw(x{attrs_str(kw)});", [("x", x)], [], [("y", want)])


def np_pad_last(x, nd, before_after, mode, value=0.0):
    """np.pad of the last nd axes; negative widths crop (ONNX Pad)."""
    x = d64(x)
    pads = [(0, 0)] * (x.ndim - nd) + [(max(a, 0), max(b, 0)) for a, b in before_after]
    kw = dict(constant_values=value) if mode == "constant" else {}
    y = np.pad(x, pads, mode=mode, **kw)
    sl = [slice(None)] * (x.ndim - nd) + [slice(-min(a, 0), y.shape[x.ndim - nd + k] + min(b, 0))
                                          for k, (a, b) in enumerate(before_after)]
    return y[tuple(sl)]


@own_rng(609)
def padding():
    for i, (shape, l, r, val) in enumerate([((2, 5), 2, 3, None), ((3, 1), 4, 0, -1.5), ((2, 3, 4), -1, 2, None),
                                            ((7,), 0, 0, None)]):
        x = uniform(shape)
        v = f", value={val}" if val is not None else ""
        case(f"pad1d_{i}", f"y = nn.pad1d(x, left={l}, right={r}{v});", [("x", x)], [],
             [("y", np_pad_last(x, 1, [(l, r)], "constant", val or 0.0))])
    for i, (shape, l, r) in enumerate([((2, 5), 2, 3), ((3, 2), 1, 1), ((1, 4, 6), 5, 4), ((7,), 0, 0)]):
        x = uniform(shape)
        case(f"pad1d_reflect_{i}", f"y = nn.pad1d_reflect(x, left={l}, right={r});", [("x", x)], [],
             [("y", np_pad_last(x, 1, [(l, r)], "reflect"))])
    for i, (shape, l, r) in enumerate([((2, 5), 2, 3), ((3, 1), 4, 2), ((1, 2, 3), 7, 0)]):
        x = uniform(shape)
        case(f"pad1d_edge_{i}", f"y = nn.pad1d_edge(x, left={l}, right={r});", [("x", x)], [],
             [("y", np_pad_last(x, 1, [(l, r)], "edge"))])
    specs = [((1, 2, 3, 4), (1, 2, 0, 1)), ((2, 1, 1, 1), (2, 3, 4, 1)), ((3, 5), (0, -1, 2, -2)),
             ((1, 1, 2, 2), (5, 5, 5, 5))]
    for i, (shape, (t, l, b, r)) in enumerate(specs):
        x = uniform(shape)
        v = ", value=0.25" if i == 1 else ""
        case(f"pad2d_{i}", f"y = nn.pad2d(x, top={t}, left={l}, bottom={b}, right={r}{v});", [("x", x)], [],
             [("y", np_pad_last(x, 2, [(t, b), (l, r)], "constant", 0.25 if i == 1 else 0.0))])
    for i, (shape, (t, l, b, r)) in enumerate([((1, 2, 4, 5), (1, 2, 3, 4)), ((2, 3), (2, 0, 1, 2)),
                                               ((1, 1, 3, 2), (2, 1, 2, 1))]):
        x = uniform(shape)
        case(f"pad2d_reflect_{i}", f"y = nn.pad2d_reflect(x, top={t}, left={l}, bottom={b}, right={r});",
             [("x", x)], [], [("y", np_pad_last(x, 2, [(t, b), (l, r)], "reflect"))])
    for i, (shape, (t, l, b, r)) in enumerate([((1, 2, 4, 5), (1, 2, 3, 4)), ((1, 1), (3, 2, 1, 4)),
                                               ((2, 1, 2, 3), (0, 5, 6, 0))]):
        x = uniform(shape)
        case(f"pad2d_edge_{i}", f"y = nn.pad2d_edge(x, top={t}, left={l}, bottom={b}, right={r});",
             [("x", x)], [], [("y", np_pad_last(x, 2, [(t, b), (l, r)], "edge"))])


@own_rng(610)
def gathers():
    for i, (sx, k) in enumerate([((5, 3), 7), ((4,), 4), ((3, 2, 2), 1), ((1, 6), 3)]):
        x, ids = uniform(sx), RNG.integers(0, sx[0], size=(k,)).astype(np.int32)
        case(f"gather_{i}", "y = nn.gather(x, ids);", [("x", x), ("ids", ids)], [],
             [("y", np.take(d64(x), ids, axis=0))])
    for i, (sx, k) in enumerate([((2, 5, 3), 4), ((3, 4), 2), ((1, 3, 2, 2), 5)]):
        x, ids = uniform(sx), RNG.integers(0, sx[1], size=(k,)).astype(np.int32)
        case(f"gather_axis1_{i}", "y = nn.gather_axis1(x, ids);", [("x", x), ("ids", ids)], [],
             [("y", np.take(d64(x), ids, axis=1))])
    for i, (sx, k) in enumerate([((2, 5, 3), 4), ((6,), 6), ((3, 1), 2)]):
        x, ids = uniform(sx), RNG.integers(0, sx[-1], size=(k,)).astype(np.int32)
        case(f"gather_last_{i}", "y = nn.gather_last(x, ids);", [("x", x), ("ids", ids)], [],
             [("y", np.take(d64(x), ids, axis=-1))])
    for i, (sids, v, d) in enumerate([((2, 5), 11, 4), ((7,), 3, 1), ((), 5, 6), ((2, 2, 2), 1, 3)]):
        ids, table = RNG.integers(0, v, size=sids).astype(np.int32), uniform((v, d))
        case(f"embedding_{i}", "y = nn.embedding(ids, table);", [("ids", np.asarray(ids))], [("table", table)],
             [("y", d64(table)[ids])])


@own_rng(611)
def resampling():
    for i, (shape, s) in enumerate([((1, 2, 3, 4), 2), ((2, 1, 1, 1), 3), ((1, 3, 2, 2), 1)]):
        x = uniform(shape)
        want = np.repeat(np.repeat(d64(x), s, axis=2), s, axis=3)
        case(f"upsample_nearest_{i}", f"y = nn.upsample_nearest(x, scale={s});", [("x", x)], [], [("y", want)])
    for i, (shape, oh, ow) in enumerate([((1, 2, 3, 4), 7, 5), ((1, 1, 6, 6), 4, 3), ((2, 1, 1, 2), 3, 1),
                                         ((1, 1, 5, 3), 5, 9)]):
        x = uniform(shape)
        rows = [r * shape[2] // oh for r in range(oh)]  # ONNX: floor(i / (oh/H)), asymmetric
        cols = [c * shape[3] // ow for c in range(ow)]
        want = d64(x)[:, :, rows][:, :, :, cols]
        case(f"resize_nearest_{i}", f"y = nn.resize_nearest(x, oh={oh}, ow={ow});", [("x", x)], [], [("y", want)])
    for i, (shape, oh, ow) in enumerate([((1, 2, 3, 4), 7, 5), ((1, 1, 6, 6), 4, 3), ((2, 1, 1, 2), 3, 1),
                                         ((1, 1, 5, 3), 5, 9), ((1, 1, 4, 4), 8, 8)]):
        x = uniform(shape)
        case(f"resize_bilinear_{i}", f"y = nn.resize_bilinear(x, oh={oh}, ow={ow});", [("x", x)], [],
             [("y", resize_bilinear_ref(x, oh, ow))])
    for i, (shape, s) in enumerate([((1, 2, 3, 4), 2), ((2, 1, 1, 1), 3), ((1, 1, 3, 2), 4), ((1, 1, 2, 2), 1)]):
        x = uniform(shape)
        case(f"upsample_bilinear_{i}", f"y = nn.upsample_bilinear(x, scale={s});", [("x", x)], [],
             [("y", resize_bilinear_ref(x, shape[2] * s, shape[3] * s))])


@own_rng(612)
def blocks():
    for i, (shape, b) in enumerate([((1, 8, 2, 3), 2), ((2, 9, 1, 2), 3), ((1, 4, 3, 3), 1)]):
        x = uniform(shape)
        n, c, h, w = shape
        dcr = d64(x).reshape(n, b, b, c // b ** 2, h, w).transpose(0, 3, 4, 1, 5, 2).reshape(n, -1, h * b, w * b)
        crd = d64(x).reshape(n, c // b ** 2, b, b, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(n, -1, h * b, w * b)
        case(f"depth_to_space_{i}", f"y = nn.depth_to_space(x, block={b});", [("x", x)], [], [("y", dcr)])
        case(f"pixel_shuffle_{i}", f"y = nn.pixel_shuffle(x, block={b});", [("x", x)], [], [("y", crd)])
    for i, (shape, b) in enumerate([((1, 2, 4, 6), 2), ((2, 1, 3, 3), 3), ((1, 3, 2, 2), 1)]):
        x = uniform(shape)
        n, c, h, w = shape
        onnx = d64(x).reshape(n, c, h // b, b, w // b, b).transpose(0, 3, 5, 1, 2, 4).reshape(n, -1, h // b, w // b)
        torch = d64(x).reshape(n, c, h // b, b, w // b, b).transpose(0, 1, 3, 5, 2, 4).reshape(n, -1, h // b, w // b)
        case(f"space_to_depth_{i}", f"y = nn.space_to_depth(x, block={b});", [("x", x)], [], [("y", onnx)])
        case(f"pixel_unshuffle_{i}", f"y = nn.pixel_unshuffle(x, block={b});", [("x", x)], [], [("y", torch)])
    for i, (shape, ws) in enumerate([((1, 4, 6, 3), 2), ((2, 6, 3, 2), 3), ((1, 2, 2, 1), 2), ((2, 2, 4, 1), 1)]):
        x = uniform(shape)
        win = window_partition_ref(x, ws)
        case(f"window_partition_{i}", f"y = nn.window_partition(x, ws={ws});", [("x", x)], [], [("y", win)])
        w2 = uniform(win.shape)
        case(f"window_reverse_{i}", f"y = nn.window_reverse(x, h={shape[1]}, w={shape[2]});", [("x", w2)], [],
             [("y", window_reverse_ref(w2, ws, shape[1], shape[2]))])
    for i, (shape, sh, sw) in enumerate([((1, 4, 6, 2), -2, -2), ((2, 3, 3, 1), 1, 5), ((1, 5, 2, 3), 7, -3),
                                         ((1, 1, 1, 2), 3, 0)]):
        x = uniform(shape)
        case(f"roll_hw_{i}", f"y = nn.roll_hw(x, sh={sh}, sw={sw});", [("x", x)], [],
             [("y", np.roll(d64(x), (sh, sw), axis=(1, 2)))])


@own_rng(613)
def more_shapes():
    """Second and third shapes for the ops of the first version that had one."""
    for i, (sx, f) in enumerate([((1, 1, 1, 1), 3), ((1, 5, 3, 7), 1)]):
        x, w = uniform(sx), uniform((f, sx[1], 1, 1))
        case(f"pointwise_conv2d_{i + 1}", "y = nn.pointwise_conv2d(x, w);", [("x", x)], [("w", w)],
             [("y", conv2d_ref(x, w))])
    for i, shape in enumerate([(1, 1, 3, 1), (2, 5, 1, 3)]):
        x = uniform(shape)
        case(f"nchw_to_nhwc_{i + 1}", "y = nn.nchw_to_nhwc(x);", [("x", x)], [], [("y", d64(x).transpose(0, 2, 3, 1))])
        case(f"nhwc_to_nchw_{i + 1}", "y = nn.nhwc_to_nchw(x);", [("x", x)], [], [("y", d64(x).transpose(0, 3, 1, 2))])


# -------------------------------------------------------------- examples

@own_rng(614)
def rows_and_ranges():
    """The CPU back end's vector exp over its whole range (at most 1 ulp:
    subnormal results, overflow to inf), and rows long enough for its
    reductions' partial accumulators (more than 4 vectors of 16, a
    remainder), with NaN and infinities in chosen places of the rows."""
    parts = {"lo": (-104.0, -87.0), "mid": (-87.0, 88.0), "hi": (88.0, 88.72)}
    for name, (lo, hi) in parts.items():
        x = f32(np.concatenate([np.linspace(lo, hi, 997), RNG.uniform(lo, hi, size=1000)]))
        case(f"exp_range_{name}", "y = nn.exp(x);", [("x", x)], [], [("y", np.exp(d64(x)))])
    x = f32(np.concatenate([[88.7229, 88.75, 89.0, 100.0, 1e6, 3e38],
                            RNG.uniform(-1e6, -104.0, size=10), [-3e38, -np.inf]]))
    with np.errstate(over="ignore"):
        want = np.exp(d64(x)).astype(np.float32)  # inf where it overflows f32
    case("exp_range_ends", "y = nn.exp(x);", [("x", x)], [], [("y", want)])
    d = 1031
    x = uniform((8, d), -4.0, 4.0)
    for r, k in ((1, 0), (2, 500), (3, 1023), (4, 1030), (5, 63)):  # NaN at lanes of each part
        x[r, k] = np.nan
    x[6, 700], x[7, 5] = np.inf, -np.inf
    with np.errstate(invalid="ignore"):
        case("reduce_max_rows", "y = nn.reduce_max(x);", [("x", x)], [], [("y", d64(x).max(axis=-1))])
        case("reduce_min_rows", "y = nn.reduce_min(x);", [("x", x)], [], [("y", d64(x).min(axis=-1))])
        case("reduce_sum_rows", "y = nn.reduce_sum(x);", [("x", x)], [], [("y", d64(x).sum(axis=-1))])
        case("softmax_rows", "y = nn.softmax(x);", [("x", x)], [], [("y", softmax_ref(x))])
        case("log_softmax_rows", "y = nn.log_softmax(x);", [("x", x)], [],
             [("y", log_softmax_axis_ref(x, -1))])
    x = uniform((5, d), -3.0, 3.0)
    g, b = uniform((d,), 0.5, 1.5), uniform((d,), -0.5, 0.5)
    case("layernorm_rows", "y = nn.layernorm(x, gamma, beta);", [("x", x)], [("gamma", g), ("beta", b)],
         [("y", layernorm_ref(x, g, b))])
    ms = (d64(x) ** 2).mean(axis=-1, keepdims=True)
    case("rmsnorm_rows", "y = nn.rmsnorm(x, gamma);", [("x", x)], [("gamma", g)],
         [("y", d64(x) / np.sqrt(ms + 1e-6) * d64(g))])


def scaled(shape, fan_in):
    return uniform(shape, -1.0 / math.sqrt(fan_in), 1.0 / math.sqrt(fan_in))


def example_mlp():
    x = uniform((1, 784), 0.0, 1.0)
    w1, b1, w2, b2 = scaled((784, 256), 784), scaled((256,), 784), scaled((256, 10), 256), scaled((10,), 256)
    h = np.maximum(d64(x) @ d64(w1) + d64(b1), 0.0)
    y = h @ d64(w2) + d64(b2)
    return [("x", x)], [("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2)], [("logits", y)]


def example_cnn():
    x = uniform((1, 1, 28, 28), 0.0, 1.0)
    w1, b1 = scaled((8, 1, 3, 3), 9), scaled((8, 1, 1), 9)
    w2, b2 = scaled((16, 8, 3, 3), 72), scaled((16, 1, 1), 72)
    fc, fcb = scaled((10, 784), 784), scaled((10,), 784)
    h1 = maxpool_ref(np.maximum(conv2d_ref(x, w1, pad=1) + d64(b1), 0.0), 2, 2, 0)
    h2 = maxpool_ref(np.maximum(conv2d_ref(h1, w2, pad=1) + d64(b2), 0.0), 2, 2, 0)
    y = linear_ref(h2.reshape(1, -1), fc, fcb)
    return ([("x", x)], [("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2), ("fc", fc), ("fcb", fcb)],
            [("logits", y)])


def bn_params(prefix, c):
    return [(prefix[0], uniform((c,), -0.1, 0.1)), (prefix[1], uniform((c,), 0.5, 1.5)),
            (prefix[2], uniform((c,), 0.5, 1.5)), (prefix[3], uniform((c,), -0.1, 0.1))]


def example_resblock():
    x = uniform((1, 16, 8, 8))
    w1, w2 = scaled((16, 16, 3, 3), 144), scaled((16, 16, 3, 3), 144)
    p1, p2 = bn_params(("m1", "v1", "g1", "be1"), 16), bn_params(("m2", "v2", "g2", "be2"), 16)
    h = np.maximum(batchnorm_ref(conv2d_ref(x, w1, pad=1), *[a for _, a in p1]), 0.0)
    r = batchnorm_ref(conv2d_ref(h, w2, pad=1), *[a for _, a in p2])
    y = np.maximum(r + d64(x), 0.0)
    return [("x", x)], [("w1", w1)] + p1 + [("w2", w2)] + p2, [("y", y)]


def example_transformer():
    x = uniform((8, 32))
    P = {}
    for n in ("q", "k", "v", "o"):
        P["w" + n], P["b" + n] = scaled((32, 32), 32), scaled((32,), 32)
    P["g1"], P["be1"] = uniform((32,), 0.5, 1.5), uniform((32,), -0.1, 0.1)
    P["w1"], P["b1"] = scaled((64, 32), 32), scaled((64,), 32)
    P["w2"], P["b2"] = scaled((32, 64), 64), scaled((32,), 64)
    P["g2"], P["be2"] = uniform((32,), 0.5, 1.5), uniform((32,), -0.1, 0.1)
    heads = lambda t: t.reshape(8, 2, 16).transpose(1, 0, 2)  # [L, D] -> [2, L, 16]
    q, k, v = (heads(linear_ref(x, P["w" + n], P["b" + n])) for n in "qkv")
    p = softmax_ref(np.matmul(q, k.transpose(0, 2, 1)) / 4.0)
    a = linear_ref(np.matmul(p, v).transpose(1, 0, 2).reshape(8, 32), P["wo"], P["bo"])
    h = layernorm_ref(d64(x) + a, P["g1"], P["be1"])
    m = linear_ref(gelu_ref(linear_ref(h, P["w1"], P["b1"])), P["w2"], P["b2"])
    y = layernorm_ref(h + m, P["g2"], P["be2"])
    order = ["wq", "bq", "wk", "bk", "wv", "bv", "wo", "bo", "g1", "be1", "w1", "b1", "w2", "b2", "g2", "be2"]
    return [("x", x)], [(n, P[n]) for n in order], [("y", y)]


EXAMPLES = {"mlp": example_mlp, "cnn": example_cnn, "resblock": example_resblock,
            "transformer": example_transformer}


def main():
    ops_dir, ex_dir = os.path.join(OUT, "ops"), os.path.join(OUT, "examples")
    for d in (ops_dir, ex_dir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    for make in (linear_algebra, convolutions, pooling, activations, reductions, normalization,
                 arithmetic, data_movement, builtins,
                 convolutions2, activations2, attention, reductions2, normalization2, elementwise2,
                 casts2, data_movement2, padding, gathers, resampling, blocks, more_shapes,
                 rows_and_ranges):
        make()
    for name, call, inputs, params, outputs, ops in CASES:
        write_case(ops_dir, name, call, inputs, params, outputs, ops)
    for name, make in EXAMPLES.items():
        inputs, params, outputs = make()
        for n, a in inputs:
            save_npy(os.path.join(ex_dir, f"{name}.in-{n}.npy"), f32(a))
        save_safetensors(os.path.join(ex_dir, name + ".safetensors"), params)
        for n, a in outputs:
            save_npy(os.path.join(ex_dir, f"{name}.out-{n}.npy"), f32(a))
    print(f"make_data.py: {len(CASES)} op cases, {len(EXAMPLES)} examples in {OUT}")


if __name__ == "__main__":
    main()
