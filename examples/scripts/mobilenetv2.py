#!/usr/bin/python3
# mobilenetv2.py -- the reference output of examples/mobilenetv2.xg: torchvision's
# own mobilenet_v2 (python3-torchvision, Debian) with xgc's random weights, the batchnorm
# statistics calibrated (xgref.calibrate_bn).
# Usage: examples/scripts/mobilenetv2.py [--weights-dir DIR] (docs/examples.md)
import torchvision

import xgref


def build(weights, dtype):
    m = torchvision.models.mobilenet_v2()
    xgref.load_by_name(m, weights)
    return m.eval().to(dtype)


ex = xgref.Example("mobilenetv2", xgref.torch_params(torchvision.models.mobilenet_v2()),
                   [("x", (1, 3, 224, 224), "f32")], ["logits"], build,
                   calibrate=xgref.dotted())

if __name__ == "__main__":
    xgref.main(ex)
