#!/usr/bin/python3
# resnet50.py -- the reference output of examples/resnet50.xg: torchvision's
# own resnet50 (python3-torchvision, Debian) with xgc's random weights, the batchnorm
# statistics calibrated (xgref.calibrate_bn).
# Usage: examples/scripts/resnet50.py [--weights-dir DIR] (docs/examples.md)
import torchvision

import xgref


def build(weights, dtype):
    m = torchvision.models.resnet50()
    xgref.load_by_name(m, weights)
    return m.eval().to(dtype)


ex = xgref.Example("resnet50", xgref.torch_params(torchvision.models.resnet50()),
                   [("x", (1, 3, 224, 224), "f32")], ["logits"], build,
                   calibrate=xgref.dotted())

if __name__ == "__main__":
    xgref.main(ex)
