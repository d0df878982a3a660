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
    """The .xg tensor type of an array: f32 unless it holds ints or bools."""
    a = np.asarray(a)
    elem = {"i": "i32", "b": "bool"}.get(a.dtype.kind, "f32")
    return elem + shape_str(a)


def stored(a):
    """An array as its .npy file holds it: float32, int32 or bool."""
    a = np.asarray(a)
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


# -------------------------------------------------------------- examples

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
                 arithmetic, data_movement, builtins):
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
