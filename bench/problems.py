# problems.py -- the benchmark problems of bench/run.sh: parsing of the specs
# ("matmul:1024x1024x1024") and the work of one run (flops or bytes).
# The same specs name bench/models/KIND_SIZES.xg and onednn_bench's problems.

KINDS = {  # kind: (number of sizes, what they are)
    "matmul": (3, "MxKxN: c[M,N] = a[M,K] b[K,N], b a weight"),
    "conv": (5, "NxCxHxWxF: 3x3 filters, pad 1, stride 1, no bias, NCHW"),
    "softmax": (2, "RxD: softmax over rows of D"),
    "layernorm": (2, "RxD: layer normalization over rows of D, gamma, beta, eps 1e-5"),
    "chain": (2, "RxD: y = clip((relu(x + z) * x * 0.5 + 1 - z)^2, 0, 6)"),
}

DEFAULT = [
    "matmul:1024x1024x1024", "conv:1x64x56x56x64",
    "softmax:4096x1024", "softmax:262144x1024",
    "layernorm:384x768", "layernorm:393216x768",
    "chain:16384x16384",
]


def parse(spec):
    """(kind, [sizes]) of a spec; ValueError with a message when malformed."""
    kind, _, sizes = spec.partition(":")
    if kind not in KINDS:
        raise ValueError(f"'{spec}': unknown kind (one of {', '.join(KINDS)})")
    try:
        dims = [int(s) for s in sizes.split("x")]
    except ValueError:
        dims = []
    if len(dims) != KINDS[kind][0] or min(dims) < 1:
        raise ValueError(f"'{spec}': {kind} takes {KINDS[kind][1]}")
    return kind, dims


def work(spec):
    """(amount, unit) of one run: flops ("GFLOP/s") for the contractions,
    else bytes as STREAM counts them ("GB/s"): every input read once and
    every output written once, the least traffic a fused kernel needs."""
    kind, d = parse(spec)
    if kind == "matmul":
        return 2.0 * d[0] * d[1] * d[2], "GFLOP/s"
    if kind == "conv":
        n, c, h, w, f = d
        return 2.0 * n * f * h * w * c * 9, "GFLOP/s"
    if kind == "softmax":
        return 4.0 * 2 * d[0] * d[1], "GB/s"
    if kind == "layernorm":
        return 4.0 * (2 * d[0] * d[1] + 2 * d[1]), "GB/s"
    return 4.0 * 3 * d[0] * d[1], "GB/s"  # chain: x, z in, y out


def model_file(spec):
    """bench/models/ file name of a spec: matmul_1024x1024x1024.xg."""
    return spec.replace(":", "_") + ".xg"
