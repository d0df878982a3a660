#!/usr/bin/python3
# onnx_export.py -- ONNX files of the example networks for the device kit
# (bench/device/make-kit.sh): examples/scripts/NAME.py's module, exported by
# torch.onnx.export (PyTorch 1.13, opset 17) with the weights of
# DIR/NAME.safetensors, and written without its large initializers, which
# become external data made on the device by a recipe (onnx_data.py).
#   /usr/bin/python3 bench/device/onnx_export.py --weights-dir DIR --out OUTDIR NAME...
# DIR holds NAME.safetensors and NAME.in-INPUT.npy.  Per name: OUTDIR/NAME.onnx
# and NAME.onnx.recipe.json.  Before it writes them, it checks that the
# recipe makes every initializer bit for bit from the safetensors file and
# that the model with its data passes onnx.checker (full check, with shape
# inference).  Exit status 1 when an example cannot be exported.
#
# The export keeps the module's own weights: do_constant_folding=False (no
# initializer is computed from others) and training=PRESERVE on a module in
# eval mode (EVAL would fold batchnorm into the convolutions' weights);
# ONNX Runtime does those foldings itself when it loads the model.
import argparse
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import torch_examples  # noqa: E402
import onnx_data  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

OPSET = 17          # PyTorch 1.13 exports up to 17; ONNX Runtime 1.30 reads it
INLINE_BYTES = 65536  # initializers this small stay in the .onnx file
KEY = 64            # bytes of a piece's start used to find it


def index_params(params):
    """{first KEY bytes: [(name, transpose, bytes)]} of every param and of
    the transpose of every 2-D param."""
    idx = {}
    for name, a in params.items():
        if a.dtype != np.float32 or a.nbytes < KEY:
            continue
        forms = [(False, a)] + ([(True, a.T)] if a.ndim == 2 else [])
        for tr, v in forms:
            b = np.ascontiguousarray(v).tobytes()
            idx.setdefault(b[:KEY], []).append((name, tr, b))
    return idx


def pieces_of(blob, idx):
    """The params whose bytes, laid end to end, are blob; None if none do."""
    pieces, off = [], 0
    while off < len(blob):
        for name, tr, b in idx.get(blob[off:off + KEY], []):
            if blob[off:off + len(b)] == b:
                pieces.append({"param": name, "transpose": tr})
                off += len(b)
                break
        else:
            return None
    return pieces


def export(ex, params, arrays, path):
    m = ex.build(params, torch.float32).eval()
    inputs = tuple(torch.from_numpy(a) for a in arrays)
    # Gradients stay enabled: under no_grad nn.TransformerEncoderLayer takes
    # its fused "fast path" (aten::_transformer_encoder_layer_fwd), which
    # has no ONNX form.
    torch.onnx.export(m, inputs, path, opset_version=OPSET, do_constant_folding=False,
                      training=torch.onnx.TrainingMode.PRESERVE,
                      input_names=[n for n, _, _ in ex.inputs], output_names=ex.outputs)


def externalize(model, params, name):
    """Moves every large initializer to external data with a recipe; returns
    the recipe, or raises ValueError naming an initializer without one."""
    from onnx import numpy_helper
    from onnx.external_data_helper import set_external_data
    idx, tensors, off = index_params(params), [], 0
    for init in model.graph.initializer:
        a = numpy_helper.to_array(init)
        if a.nbytes <= INLINE_BYTES:
            continue
        pieces = pieces_of(a.astype("<f4").tobytes(), idx) if a.dtype == np.float32 else None
        if pieces is None:
            raise ValueError(f"initializer '{init.name}' {a.dtype} {list(a.shape)} "
                             f"({a.nbytes} bytes) is made of no params")
        tensors.append({"name": init.name, "offset": off, "length": a.nbytes,
                        "shape": list(a.shape), "pieces": pieces})
        set_external_data(init, location=name + ".data", offset=off, length=a.nbytes)
        init.ClearField("raw_data")
        init.ClearField("float_data")
        off += -(-a.nbytes // onnx_data.ALIGN) * onnx_data.ALIGN
    return {"data": name + ".data", "size": off, "opset": OPSET, "tensors": tensors}


def verify(model, recipe, params, originals, path):
    """The recipe remakes every moved initializer bit for bit, and the
    model with its data file passes the full check."""
    import onnx
    blobs = onnx_data.materialize(recipe, params)
    for t in recipe["tensors"]:
        if blobs[t["name"]] != originals[t["name"]]:
            raise ValueError(f"initializer '{t['name']}': the recipe makes other bytes")
    with tempfile.TemporaryDirectory(prefix="xgc-onnx.") as tmp:
        f = os.path.join(tmp, os.path.basename(path))
        onnx.save(model, f)
        onnx_data.write_data(recipe, params, os.path.join(tmp, recipe["data"]))
        onnx.checker.check_model(f, full_check=True)


def one(name, a):
    import onnx
    from onnx import numpy_helper
    ex = torch_examples.load_example(name, a.scripts)
    params, arrays = torch_examples.example_data(ex, a.weights_dir)
    path = os.path.join(a.out, name + ".onnx")
    with tempfile.TemporaryDirectory(prefix="xgc-onnx.") as tmp:
        raw = os.path.join(tmp, name + ".onnx")
        export(ex, params, arrays, raw)
        model = onnx.load(raw)
    originals = {i.name: numpy_helper.to_array(i).astype("<f4").tobytes()
                 for i in model.graph.initializer}
    recipe = externalize(model, params, name + ".onnx")
    verify(model, recipe, params, originals, path)
    onnx.save(model, path)
    with open(path + ".recipe.json", "w") as f:
        json.dump(recipe, f, indent=1)
    ops = sorted({n.op_type for n in model.graph.node})
    print(f"{name}: {path} ({os.path.getsize(path)} bytes; {len(recipe['tensors'])} initializers, "
          f"{recipe['size'] >> 20} MiB, made on the device), opset {OPSET}, ops {' '.join(ops)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--weights-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scripts", default=torch_examples.default_scripts())
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    bad = 0
    for name in a.names:
        try:
            one(name, a)
        except Exception as e:  # report every example, then fail
            print(f"onnx_export: {name}: {type(e).__name__}: {e}", file=sys.stderr)
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
