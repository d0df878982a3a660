# onnx_data.py -- the weights of the kit's ONNX files, made from the
# example's safetensors file (shared by onnx_export.py, which writes the
# recipe here, and ort_bench.py, which follows it on the device).
#
# The kit carries each ONNX graph without its large initializers: they are
# external data (NAME.onnx.data) that the device writes from NAME.safetensors
# (bench/device/mkweights's output, xgc's random fill) by a recipe: each
# initializer is the concatenation, in row-major order, of xg params, each
# as it is or transposed (a 2-D nn.Linear weight read as HF's Conv1D, or
# BERT's q, k and v weights stacked into one in_proj).  NumPy only: no onnx
# package is needed to follow a recipe.
import json
import os
import sys

import numpy as np

# examples/scripts of the tree, or of the kit's copy of it (py/examples/scripts)
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "examples", "scripts"))
from xgref import read_safetensors  # noqa: E402

ALIGN = 4096  # offsets of the initializers in the .onnx.data file


def piece_bytes(params, piece):
    a = params[piece["param"]]
    if piece.get("transpose"):
        a = a.T
    return np.ascontiguousarray(a, dtype="<f4").tobytes()


def materialize(recipe, params):
    """{initializer name: bytes} of a recipe, from {xg name: array}.
    ValueError when a param is missing or a length does not add up."""
    out = {}
    for t in recipe["tensors"]:
        try:
            blob = b"".join(piece_bytes(params, p) for p in t["pieces"])
        except KeyError as e:
            raise ValueError(f"initializer '{t['name']}': no param {e} in the weights") from None
        if len(blob) != t["length"]:
            raise ValueError(f"initializer '{t['name']}': {len(blob)} bytes, the graph "
                             f"wants {t['length']}")
        out[t["name"]] = blob
    return out


def write_data(recipe, params, path):
    """Writes the external data file of a recipe (its tensors at their
    offsets, zeros between)."""
    blobs = materialize(recipe, params)
    with open(path, "wb") as f:
        for t in recipe["tensors"]:
            f.seek(t["offset"])
            f.write(blobs[t["name"]])
        f.truncate(recipe["size"])


def load_recipe(onnx_path):
    with open(onnx_path + ".recipe.json") as f:
        return json.load(f)


def prepare(onnx_path, safetensors_path, workdir):
    """Copies NAME.onnx into workdir and writes its data file there from the
    weights; returns the path of the copy."""
    recipe = load_recipe(onnx_path)
    dst = os.path.join(workdir, os.path.basename(onnx_path))
    with open(onnx_path, "rb") as src, open(dst, "wb") as out:
        out.write(src.read())
    write_data(recipe, read_safetensors(safetensors_path), os.path.join(workdir, recipe["data"]))
    return dst
