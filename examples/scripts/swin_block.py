#!/usr/bin/python3
# swin_block.py -- the reference output of examples/swin_block.xg: stage 1 of
# torchvision's own swin_t (features[1], two SwinTransformerBlocks;
# python3-torchvision, Debian) with xgc's random weights.
# Usage: examples/scripts/swin_block.py [--weights-dir DIR] (docs/examples.md)
import torchvision

import xgref


def stage1():
    return torchvision.models.swin_t().features[1]


def build(weights, dtype):
    m = stage1()
    xgref.load_by_name(m, weights, rename=xgref.dotted("features_1_"))
    return m.eval().to(dtype)


ex = xgref.Example("swin_block", xgref.torch_params(stage1(), rename=xgref.dotted("features_1_")),
                   [("x", (1, 56, 56, 96), "f32")], ["y"], build)

if __name__ == "__main__":
    xgref.main(ex)
