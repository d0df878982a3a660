#!/usr/bin/python3
# make_files.py -- makes the small committed files of tests/files/ with
# NumPy (Debian's python3-numpy): .npy files from numpy's own writer (format
# versions 1.0, 2.0 and 3.0), a safetensors file laid out by hand as the
# format's specification says (the `safetensors` package is not in Debian),
# and the values of the documented random fill (docs/random.md), computed
# again here, independently of runtime/random.c.
#
#   tests/files/make_files.py             rewrite the files next to this script
#   tests/files/make_files.py --check DIR load every .npy of DIR with numpy.load
#                                         and every .safetensors with the
#                                         reader below: the files our writers
#                                         left there in
#     XG_RT_KEEP=DIR make check TESTS='tests/unit/test_npy tests/unit/test_safetensors'
#                                         (rt-*.npy must hold the documented
#                                         random values of seed 1234)
#
# The unit tests (tests/unit/test_npy.c, test_safetensors.c, test_random.c)
# read these files and know their contents; they run without Python.
import json
import os
import struct
import sys

import numpy as np
from numpy.lib import format as npformat

HERE = os.path.dirname(os.path.abspath(__file__))


# ------------------------------------------------------------------ .npy
def arrays():
    """The arrays of the .npy files; test_npy.c checks the same values."""
    return {
        "f32_2x3": (np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5 - 1).astype(np.float32),
        "f16_4": np.array([1.5, -2.0, 0.1, 65504.0], dtype=np.float16),
        "i32_3x2": np.array([[-2**31, -1], [0, 1], [7, 2**31 - 1]], dtype=np.int32),
        "i8_5": np.array([-128, -1, 0, 1, 127], dtype=np.int8),
        "bool_2x2": np.array([[True, False], [False, True]]),
        "f32_scalar": np.array(3.25, dtype=np.float32),
        "f32_0x3": np.zeros((0, 3), dtype=np.float32),
    }


def write_npy(name, arr, version=None):
    with open(os.path.join(HERE, name), "wb") as fp:
        if version is None:
            np.save(fp, arr)
        else:
            npformat.write_array(fp, arr, version=version)


def make_npy():
    for name, arr in arrays().items():
        write_npy(name + ".npy", arr)  # numpy's default: version 1.0
    a = arrays()["f32_2x3"]
    write_npy("f32_2x3_v2.npy", a, (2, 0))
    write_npy("f32_2x3_v3.npy", a, (3, 0))


# ----------------------------------------------------------- safetensors
ST_DTYPES = {"F32": np.float32, "F16": np.float16, "I32": np.int32, "I8": np.int8,
             "BOOL": np.bool_}


def st_bytes(tensors, order, metadata=None):
    """A safetensors file: the header lists the tensors in the order of the
    dict `tensors` (name -> (dtype name, array)), the data section holds them
    in `order`; the header is padded with spaces to a multiple of 8 bytes."""
    offsets, at = {}, 0
    for name in order:
        n = tensors[name][1].nbytes
        offsets[name] = [at, at + n]
        at += n
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dt, arr) in tensors.items():
        header[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": offsets[name]}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    data = b"".join(tensors[name][1].astype(tensors[name][1].dtype.newbyteorder("<")).tobytes()
                    for name in order)
    return struct.pack("<Q", len(text)) + text + data


def make_safetensors():
    a = arrays()
    tensors = {  # header order: alphabetical, as many writers do
        "emb": ("F16", a["f16_4"]),
        "empty": ("F32", a["f32_0x3"]),
        "fc.bias": ("F32", np.array([0.25, -0.75, 2.0], dtype=np.float32)),
        "fc.weight": ("F32", a["f32_2x3"]),
        "idx": ("I32", a["i32_3x2"]),
        "mask": ("BOOL", a["bool_2x2"]),
        "q": ("I8", a["i8_5"]),
    }
    # data order: wider dtypes first (as the reference writer does), so the
    # header and data orders differ
    order = ["fc.weight", "fc.bias", "idx", "empty", "emb", "q", "mask"]
    with open(os.path.join(HERE, "mixed.safetensors"), "wb") as fp:
        fp.write(st_bytes(tensors, order, {"format": "pt", "source": "make_files.py"}))


# ---------------------------------------------------------------- random
M64 = (1 << 64) - 1


def fnv1a64(name):
    h = 0xcbf29ce484222325
    for b in name.encode():
        h = ((h ^ b) * 0x100000001b3) & M64
    return h


def random_fill(dtype, shape, seed, name):
    """docs/random.md, written again in Python."""
    state = (seed ^ fnv1a64(name)) & M64
    n = int(np.prod(shape, dtype=np.int64))
    out = []
    for _ in range(n):
        state = (state + 0x9e3779b97f4a7c15) & M64
        z = state
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
        x = z ^ (z >> 31)
        if dtype == np.float32:
            out.append(((x >> 40) - (1 << 23)) / float(1 << 23))
        elif dtype == np.float16:
            out.append(((x >> 53) - (1 << 10)) / float(1 << 10))
        elif dtype in (np.int32, np.int8):
            out.append(x >> 60)
        else:
            out.append(x >> 63)
    return np.array(out, dtype=dtype).reshape(shape)


RT_NAMES = {np.float32: "f32", np.float16: "f16", np.int32: "i32", np.int8: "i8", np.bool_: "bool"}

RANDOM_CASES = [  # file, dtype, shape, seed, name
    ("random_f32.npy", np.float32, (3, 5), 42, "fc.weight"),
    ("random_f16.npy", np.float16, (3, 5), 42, "fc.weight"),
    ("random_i32.npy", np.int32, (17,), 7, "idx"),
    ("random_i8.npy", np.int8, (17,), 7, "idx"),
    ("random_bool.npy", np.bool_, (2, 9), 2**64 - 1, "mask"),
    ("random_f32_noname.npy", np.float32, (4,), 0, ""),
]


def make_random():
    for fname, dt, shape, _seed, _name in RANDOM_CASES:
        write_npy(fname, random_fill(dt, shape, _seed, _name))


# ----------------------------------------------------------------- check
def read_safetensors(path):
    """A strict reader after the specification, to check our writer."""
    with open(path, "rb") as fp:
        b = fp.read()
    (n,) = struct.unpack("<Q", b[:8])
    assert 8 + n <= len(b), "header length exceeds the file"
    header = json.loads(b[8:8 + n].decode("utf-8"))
    data = b[8 + n:]
    header.pop("__metadata__", None)
    spans, out = [], {}
    for name, e in header.items():
        assert set(e) == {"dtype", "shape", "data_offsets"}, name
        dt = np.dtype(ST_DTYPES[e["dtype"]]).newbyteorder("<")
        lo, hi = e["data_offsets"]
        count = int(np.prod(e["shape"], dtype=np.int64))
        assert hi - lo == count * dt.itemsize, name
        out[name] = np.frombuffer(data[lo:hi], dtype=dt).reshape(e["shape"])
        spans.append((lo, hi))
    at = 0
    for lo, hi in sorted(spans):
        assert lo == at, "overlap or hole at byte %d" % lo
        at = hi
    assert at == len(data), "bytes left over"
    return out


def check(directory):
    count = 0
    for fname in sorted(os.listdir(directory)):
        path = os.path.join(directory, fname)
        if fname.endswith(".npy"):
            a = np.load(path)
            print("%s: %s %s" % (fname, a.dtype, a.shape))
            if fname.startswith("rt-"):  # test_npy's round trips: filled with seed 1234
                want = random_fill(a.dtype.type, a.shape, 1234, RT_NAMES[a.dtype.type])
                assert np.array_equal(a, want), fname + ": not the documented random values"
        elif fname.endswith(".safetensors"):
            for name, a in read_safetensors(path).items():
                print("%s: %s: %s %s" % (fname, name, a.dtype, a.shape))
        else:
            continue
        count += 1
    print("checked %d files" % count)
    return 0 if count else 1


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        return check(sys.argv[2])
    if len(sys.argv) != 1:
        print("usage: make_files.py [--check DIR]", file=sys.stderr)
        return 2
    make_npy()
    make_safetensors()
    make_random()
    return 0


if __name__ == "__main__":
    sys.exit(main())
