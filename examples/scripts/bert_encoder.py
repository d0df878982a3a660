#!/usr/bin/python3
# bert_encoder.py -- the reference output of examples/bert_encoder.xg: BERT's
# embeddings from torch.nn.Embedding and nn.LayerNorm, its layers as
# torch.nn.TransformerEncoderLayer (post-norm, exact gelu, eps 1e-12, the
# padding mask as src_key_padding_mask), HF's q/k/v weights concatenated into
# the layer's in_proj, with xgc's random weights.  (HF transformers is not in
# Debian; the modules compute BertModel's function.)
# Usage: examples/scripts/bert_encoder.py [--weights-dir DIR] (docs/examples.md)
import torch

import xgref

D, HEADS, FF, T, VOCAB, POS, LAYERS = 768, 12, 3072, 128, 30522, 512, 2


def params():
    ps = [("embeddings_word_embeddings_weight", (VOCAB, D)),
          ("embeddings_position_embeddings_weight", (POS, D)),
          ("embeddings_token_type_embeddings_weight", (2, D)),
          ("embeddings_LayerNorm_weight", (D,)), ("embeddings_LayerNorm_bias", (D,))]
    for i in range(LAYERS):
        p = "encoder_layer_%d_" % i
        for n in ("query", "key", "value"):
            ps += [(p + "attention_self_%s_weight" % n, (D, D)),
                   (p + "attention_self_%s_bias" % n, (D,))]
        ps += [(p + "attention_output_dense_weight", (D, D)),
               (p + "attention_output_dense_bias", (D,)),
               (p + "attention_output_LayerNorm_weight", (D,)),
               (p + "attention_output_LayerNorm_bias", (D,)),
               (p + "intermediate_dense_weight", (FF, D)), (p + "intermediate_dense_bias", (FF,)),
               (p + "output_dense_weight", (D, FF)), (p + "output_dense_bias", (D,)),
               (p + "output_LayerNorm_weight", (D,)), (p + "output_LayerNorm_bias", (D,))]
    return ps


class Bert(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.word = torch.nn.Embedding(VOCAB, D)
        self.position = torch.nn.Embedding(POS, D)
        self.token_type = torch.nn.Embedding(2, D)
        self.norm = torch.nn.LayerNorm(D, eps=1e-12)
        self.layers = torch.nn.ModuleList(
            torch.nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, activation="gelu",
                                             layer_norm_eps=1e-12, batch_first=True)
            for _ in range(LAYERS))

    def forward(self, ids, mask):
        pos = torch.arange(ids.shape[1], device=ids.device)
        h = self.word(ids.long()) + self.position(pos) + self.token_type(torch.zeros_like(pos))
        h = self.norm(h)
        for layer in self.layers:
            h = layer(h, src_key_padding_mask=(mask == 0))
        return h


def build(weights, dtype):
    w = {k: torch.from_numpy(v) for k, v in weights.items()}
    sd = {"word.weight": w["embeddings_word_embeddings_weight"],
          "position.weight": w["embeddings_position_embeddings_weight"],
          "token_type.weight": w["embeddings_token_type_embeddings_weight"],
          "norm.weight": w["embeddings_LayerNorm_weight"],
          "norm.bias": w["embeddings_LayerNorm_bias"]}
    for i in range(LAYERS):
        p, q = "encoder_layer_%d_" % i, "layers.%d." % i
        sd[q + "self_attn.in_proj_weight"] = torch.cat(
            [w[p + "attention_self_%s_weight" % n] for n in ("query", "key", "value")])
        sd[q + "self_attn.in_proj_bias"] = torch.cat(
            [w[p + "attention_self_%s_bias" % n] for n in ("query", "key", "value")])
        for mine, hf in (("self_attn.out_proj", "attention_output_dense"),
                         ("norm1", "attention_output_LayerNorm"),
                         ("linear1", "intermediate_dense"), ("linear2", "output_dense"),
                         ("norm2", "output_LayerNorm")):
            sd[q + mine + ".weight"] = w[p + hf + "_weight"]
            sd[q + mine + ".bias"] = w[p + hf + "_bias"]
    m = Bert()
    m.load_state_dict(sd)
    return m.eval().to(dtype)


ex = xgref.Example("bert_encoder", params(),
                   [("input_ids", (1, T), "i32"), ("attention_mask", (1, T), "i32")],
                   ["last_hidden_state"], build)

if __name__ == "__main__":
    xgref.main(ex)
