#!/usr/bin/env python3
# make_cases.py -- writes tests/cpu/ops/*.xg: one wrapper model per case
# that calls one stdlib op on odd shapes (1, 7, 33, 1023 where sensible),
# for tests/cpu/run.sh, which runs each compiled for the CPU and with the
# reference interpreter on the same pseudo-random inputs and weights.
# Output shapes are computed here from the ops' definitions (stdlib/nn.xg).
# Run from the source tree: python3 tests/cpu/make_cases.py
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "ops")


def t(shape, elem="f32"):
    return "%s[%s]" % (elem, ", ".join(str(d) for d in shape))


def conv_out(h, k, stride=1, pad=0, dil=1):
    return (h + 2 * pad - dil * (k - 1) - 1) // stride + 1


def pool_out(h, k, stride, pad=0):
    return (h + 2 * pad - k) // stride + 1


cases = []


def case(name, op, inputs, params, out, attrs="", outs=None):
    """inputs/params: [(name, shape)]; out: shape of y (or outs: [(name, shape)])."""
    cases.append((name, op, inputs, params, outs or [("y", out)], attrs))


# ------------------------------------------------------------ linear algebra
for i, (m, k, n) in enumerate([(1, 7, 33), (33, 1023, 7), (7, 33, 1), (1023, 1, 33), (1, 1, 1)]):
    case("matmul_%d" % i, "matmul", [("a", (m, k)), ("b", (k, n))], [], (m, n))
for i, (b, m, k, n) in enumerate([((2,), 7, 33, 1), ((1,), 1, 1023, 7), ((3, 2), 7, 7, 33)]):
    case("bmm_%d" % i, "bmm", [("a", b + (m, k)), ("b", b + (k, n))], [], b + (m, n))
for i, (l, k, n) in enumerate([((7,), 1023, 33), ((1,), 33, 7), ((2, 3), 7, 1), ((), 33, 7)]):
    case("linear_%d" % i, "linear", [("x", l + (k,))], [("w", (n, k)), ("bias", (n,))], l + (n,))

# ---------------------------------------------------------------- convolution
for i, (x, f, k, st, pad, dil, g) in enumerate([
        ((1, 3, 7, 7), 5, 3, 1, 1, 1, 1),
        ((1, 1, 33, 33), 1, 1, 1, 0, 1, 1),
        ((1, 4, 11, 11), 6, 3, 2, 2, 2, 2),
        ((2, 3, 1, 7), 4, 1, 1, 0, 1, 1),
        ((1, 7, 33, 17), 33, 3, 2, 1, 1, 1)]):
    n, c, h, w = x
    y = (n, f, conv_out(h, k, st, pad, dil), conv_out(w, k, st, pad, dil))
    attrs = "stride=%d, pad=%d, dilation=%d, groups=%d" % (st, pad, dil, g)
    case("conv2d_%d" % i, "conv2d", [("x", x)], [("w", (f, c // g, k, k))], y, attrs)
for i, (x, k, st, pad) in enumerate([((1, 7, 33, 33), 3, 1, 1), ((1, 33, 7, 7), 3, 2, 1), ((1, 1, 1, 1023), 1, 1, 0)]):
    n, c, h, w = x
    y = (n, c, conv_out(h, k, st, pad), conv_out(w, k, st, pad))
    case("depthwise_conv2d_%d" % i, "depthwise_conv2d", [("x", x)], [("w", (c, 1, k, k))], y,
         "stride=%d, pad=%d" % (st, pad))
for i, (x, f) in enumerate([((1, 33, 7, 7), 7), ((1, 1, 1, 1023), 33), ((2, 7, 1, 1), 1)]):
    case("pointwise_conv2d_%d" % i, "pointwise_conv2d", [("x", x)], [("w", (f, x[1], 1, 1))],
         (x[0], f, x[2], x[3]))

# Contractions big enough for the packed micro-kernel path (lower/contract.c),
# with odd sizes: partial edge tiles in both directions, ragged blocks, a
# padded conv (im2col with zeros), a strided conv over two images (N indices
# not contiguous in the output), a linear with its bias epilogue.
case("contract_matmul_0", "matmul", [("a", (67, 131)), ("b", (131, 129))], [], (67, 129))
case("contract_matmul_1", "matmul", [("a", (1023, 33)), ("b", (33, 33))], [], (1023, 33))
case("contract_matmul_2", "matmul", [("a", (150, 2000)), ("b", (2000, 272))], [], (150, 272))
case("contract_linear_0", "linear", [("x", (3, 70, 300))], [("w", (130, 300)), ("bias", (130,))], (3, 70, 130))
case("contract_conv2d_0", "conv2d", [("x", (1, 16, 30, 30))], [("w", (24, 16, 3, 3))], (1, 24, 30, 30), "pad=1")
case("contract_conv2d_1", "conv2d", [("x", (2, 16, 33, 33))], [("w", (20, 16, 3, 3))],
     (2, 20, 17, 17), "stride=2, pad=1")
case("contract_pointwise_0", "pointwise_conv2d", [("x", (1, 64, 19, 19))], [("w", (48, 64, 1, 1))], (1, 48, 19, 19))

# -------------------------------------------------------------------- pooling
for i, (x, k, st, pad) in enumerate([((1, 7, 33, 33), 2, 2, 0), ((1, 3, 7, 7), 3, 2, 1), ((1, 1, 1, 1023), 1, 1, 0)]):
    n, c, h, w = x
    y = (n, c, pool_out(h, k, st, pad), pool_out(w, k, st, pad))
    a = "kernel=%d, stride=%d, pad=%d" % (k, st, pad)
    case("maxpool2d_%d" % i, "maxpool2d", [("x", x)], [], y, a)
    case("avgpool2d_%d" % i, "avgpool2d", [("x", x)], [], y, a)
    case("avgpool2d_%dc" % i, "avgpool2d", [("x", x)], [], y, a + ", count_pad=true")
for i, x in enumerate([(1, 7, 33, 33), (1, 1023, 1, 1), (1, 1, 7, 1023)]):
    case("global_avgpool_%d" % i, "global_avgpool", [("x", x)], [], (x[0], x[1], 1, 1))

# ----------------------------------------------------------------- elementwise
for op in ["relu", "relu6", "gelu", "gelu_tanh", "sigmoid", "tanh"]:
    for i, s in enumerate([(1,), (7,), (33, 1023), (1023,), (100003,)]):
        case("%s_%d" % (op, i), op, [("x", s)], [], s)
for op in ["add", "sub", "mul", "div"]:
    for i, (a, b) in enumerate([((7, 33), (33,)), ((1023,), (1023,)), ((33, 1, 7), (1, 7)), ((1,), (1,)),
                                ((2, 7, 1023), (7, 1))]):
        case("%s_%d" % (op, i), op, [("a", a), ("b", b)], [], a)

# -------------------------------------------------- softmax, reductions, norms
for i, s in enumerate([(1, 1023), (33, 7), (7,), (1, 1), (3, 7, 33)]):
    case("softmax_%d" % i, "softmax", [("x", s)], [], s)
    for op in ["reduce_sum", "reduce_mean", "reduce_max"]:
        case("%s_%d" % (op, i), op, [("x", s)], [], s[:-1])
for i, s in enumerate([(7, 1023), (1, 33), (33, 1), (2, 3, 7)]):
    case("layernorm_%d" % i, "layernorm", [("x", s)], [("gamma", s[-1:]), ("beta", s[-1:])], s)
for i, s in enumerate([(1, 7, 33, 33), (2, 33, 7), (1, 1023)]):
    c = (s[1],)
    case("batchnorm_%d" % i, "batchnorm", [("x", s)],
         [("mean", c), ("var", c), ("gamma", c), ("beta", c)], s)

# -------------------------------------------------------------- data movement
for i, s in enumerate([(7, 33), (2, 33, 1023), (1, 1023), (1, 1)]):
    case("transpose_%d" % i, "transpose", [("x", s)], [], s[:-2] + (s[-1], s[-2]))
case("nchw_to_nhwc_0", "nchw_to_nhwc", [("x", (1, 7, 33, 3))], [], (1, 33, 3, 7))
case("nhwc_to_nchw_0", "nhwc_to_nchw", [("x", (1, 33, 3, 7))], [], (1, 7, 33, 3))
case("reshape2_0", "reshape2", [("x", (7, 33))], [], (33, 7), "d0=33, d1=7")
case("reshape3_0", "reshape3", [("x", (1023,))], [], (3, 11, 31), "d0=3, d1=11, d2=31")
case("reshape4_0", "reshape4", [("x", (33, 31))], [], (1, 3, 11, 31), "d0=1, d1=3, d2=11, d3=31")
case("flatten_0", "flatten", [("x", (2, 7, 3, 11))], [], (2, 231))
case("concat_0", "concat", [("a", (1, 7, 33)), ("b", (1, 1, 33))], [], (1, 8, 33))
case("concat_1", "concat", [("a", (2, 1, 1023)), ("b", (2, 7, 1023))], [], (2, 8, 1023))
case("slice_0", "slice", [("x", (1, 33, 7))], [], (1, 7, 7), "start=1, length=7, step=4")
case("slice_1", "slice", [("x", (1, 1023))], [], (1, 1023), "start=0, length=1023")


def write(name, op, inputs, params, outs, attrs):
    sig_in = ", ".join("%s: %s" % (n, t(s)) for n, s in inputs)
    sig_out = ", ".join("%s: %s" % (n, t(s)) for n, s in outs)
    args = ", ".join([n for n, _ in inputs] + [n for n, _ in params] + ([attrs] if attrs else []))
    lines = ["# %s.xg -- made by tests/cpu/make_cases.py; do not edit." % name, "import nn;", "",
             "model %s(%s) -> (%s) {" % (name, sig_in, sig_out)]
    for n, s in params:
        lines.append("  param %s: %s;" % (n, t(s)))
    lines.append("  %s = nn.%s(%s);" % (", ".join(n for n, _ in outs), op, args))
    lines.append("}")
    with open(os.path.join(OUT, name + ".xg"), "w") as f:
        f.write("\n".join(lines) + "\n")


os.makedirs(OUT, exist_ok=True)
for old in os.listdir(OUT):
    if old.endswith(".xg"):
        os.remove(os.path.join(OUT, old))
for c in cases:
    write(*c)
print("%d cases in %s" % (len(cases), OUT))
