#!/usr/bin/python3
# gpt2_block.py -- the reference output of examples/gpt2_block.xg: a GPT-2
# block built from torch.nn.TransformerEncoderLayer (pre-norm, gelu tanh,
# causal mask), HF's Conv1D weights transposed into its nn.Linear layers,
# with xgc's random weights.  (HF transformers is not in Debian; the layer
# computes GPT2Block's function: x + attn(ln_1(x)), x + mlp(ln_2(x)).)
# Usage: examples/scripts/gpt2_block.py [--weights-dir DIR] (docs/examples.md)
import torch
import torch.nn.functional as F

import xgref

D, HEADS, FF, T = 768, 12, 3072, 128
P = "h_0_"
PARAMS = [(P + n, s) for n, s in [
    ("ln_1_weight", (D,)), ("ln_1_bias", (D,)),
    ("attn_c_attn_weight", (D, 3 * D)), ("attn_c_attn_bias", (3 * D,)),
    ("attn_c_proj_weight", (D, D)), ("attn_c_proj_bias", (D,)),
    ("ln_2_weight", (D,)), ("ln_2_bias", (D,)),
    ("mlp_c_fc_weight", (D, FF)), ("mlp_c_fc_bias", (FF,)),
    ("mlp_c_proj_weight", (FF, D)), ("mlp_c_proj_bias", (D,))]]


def gelu_new(x):
    return F.gelu(x, approximate="tanh")


def build(weights, dtype):
    layer = torch.nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, activation=gelu_new,
                                             layer_norm_eps=1e-5, batch_first=True,
                                             norm_first=True)
    w = {k: torch.from_numpy(v) for k, v in weights.items()}
    sd = {
        "self_attn.in_proj_weight": w[P + "attn_c_attn_weight"].T,   # Conv1D: [in, out]
        "self_attn.in_proj_bias": w[P + "attn_c_attn_bias"],
        "self_attn.out_proj.weight": w[P + "attn_c_proj_weight"].T,
        "self_attn.out_proj.bias": w[P + "attn_c_proj_bias"],
        "linear1.weight": w[P + "mlp_c_fc_weight"].T, "linear1.bias": w[P + "mlp_c_fc_bias"],
        "linear2.weight": w[P + "mlp_c_proj_weight"].T, "linear2.bias": w[P + "mlp_c_proj_bias"],
        "norm1.weight": w[P + "ln_1_weight"], "norm1.bias": w[P + "ln_1_bias"],
        "norm2.weight": w[P + "ln_2_weight"], "norm2.bias": w[P + "ln_2_bias"],
    }
    layer.load_state_dict({k: v.contiguous() for k, v in sd.items()})
    return Block(layer.eval().to(dtype))


class Block(torch.nn.Module):
    """The layer with its causal mask (True: masked), as one module."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer
        self.register_buffer("causal", torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1))

    def forward(self, x):
        return self.layer(x, src_mask=self.causal)


ex = xgref.Example("gpt2_block", PARAMS, [("x", (1, T, D), "f32")], ["y"], build)

if __name__ == "__main__":
    xgref.main(ex)
