#!/usr/bin/python3
# vit_tiny.py -- the reference output of examples/vit_tiny.xg: torchvision's
# VisionTransformer class (python3-torchvision, Debian) in the ViT-Tiny/16
# configuration, with xgc's random weights.
# Usage: examples/scripts/vit_tiny.py [--weights-dir DIR] (docs/examples.md)
from torchvision.models.vision_transformer import VisionTransformer

import xgref


def vit_tiny():
    return VisionTransformer(image_size=224, patch_size=16, num_layers=12, num_heads=3,
                             hidden_dim=192, mlp_dim=768)


def build(weights, dtype):
    m = vit_tiny()
    xgref.load_by_name(m, weights)
    return m.eval().to(dtype)


ex = xgref.Example("vit_tiny", xgref.torch_params(vit_tiny()),
                   [("x", (1, 3, 224, 224), "f32")], ["logits"], build)

if __name__ == "__main__":
    xgref.main(ex)
