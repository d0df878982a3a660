#!/usr/bin/python3
# resnet18.py -- the reference output of examples/resnet18.xg: torchvision's
# own resnet18 (python3-torchvision, Debian) with xgc's random weights, the
# batchnorm statistics calibrated (xgref.calibrate_bn).  resnet18.xg is older
# than the other examples and names batchnorm params its own way:
# bn1.running_mean, running_var, weight and bias are bn1_mean, bn1_var,
# bn1_gamma and bn1_beta.
# Usage: examples/scripts/resnet18.py [--weights-dir DIR] (docs/examples.md)
import re

import torchvision

import xgref

BN = re.compile(r"^(.*(?:bn\d|downsample_1))_(weight|bias|running_mean|running_var)$")
RENAME = {"weight": "gamma", "bias": "beta", "running_mean": "mean", "running_var": "var"}


def xg_name(key):
    k = key.replace(".", "_")
    m = BN.match(k)
    return m.group(1) + "_" + RENAME[m.group(2)] if m else k


def build(weights, dtype):
    m = torchvision.models.resnet18()
    xgref.load_by_name(m, weights, rename=xg_name)
    return m.eval().to(dtype)


ex = xgref.Example("resnet18", xgref.torch_params(torchvision.models.resnet18(), rename=xg_name),
                   [("x", (1, 3, 224, 224), "f32")], ["logits"], build, calibrate=xg_name)

if __name__ == "__main__":
    xgref.main(ex)
