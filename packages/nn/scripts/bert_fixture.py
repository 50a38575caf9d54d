#!/usr/bin/env python3
"""
Generates packages/nn/test/fixtures/bert-tiny/: a small random BERT written with plain PyTorch,
mirroring Hugging Face's BertModel / BertLMHeadModel (eager attention) module for module and
name for name, plus its outputs on a padded batch. The Tessera tests load the weights and must
reproduce these outputs.

Needs only PyTorch (Debian: apt-get install python3-torch; run with /usr/bin/python3):
    /usr/bin/python3 packages/nn/scripts/bert_fixture.py
"""
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "bert-tiny")

CONFIG = {
    "architectures": ["BertModel"],
    "model_type": "bert",
    "vocab_size": 64,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 37,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 16,
    "type_vocab_size": 2,
    "initializer_range": 0.3,
    "layer_norm_eps": 1e-12,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
}


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)

    def split(self, x):
        b, t, h = x.shape
        return x.view(b, t, self.heads, h // self.heads).permute(0, 2, 1, 3)

    def forward(self, x, mask, context=None):
        kv = x if context is None else context
        q, k, v = self.split(self.query(x)), self.split(self.key(kv)), self.split(self.value(kv))
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + mask
        ctx = F.softmax(scores, dim=-1) @ v
        b, n, t, d = ctx.shape
        return ctx.permute(0, 2, 1, 3).reshape(b, t, n * d)


class ResidualOutput(nn.Module):
    def __init__(self, c, inf):
        super().__init__()
        self.dense = nn.Linear(inf, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = ResidualOutput(c, c["hidden_size"])

    def forward(self, x, mask, context=None):
        return self.output(self.self(x, mask, context), x)


class Intermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])

    def forward(self, x):
        return F.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self, c, cross):
        super().__init__()
        self.attention = Attention(c)
        if cross:
            self.crossattention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = ResidualOutput(c, c["intermediate_size"])

    def forward(self, x, mask, enc=None, enc_mask=None):
        h = self.attention(x, mask)
        if enc is not None:
            h = self.crossattention(h, enc_mask, enc)
        return self.output(self.intermediate(h), h)


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], h, padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], h)
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], h)
        self.LayerNorm = nn.LayerNorm(h, eps=c["layer_norm_eps"])

    def forward(self, ids, types):
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        return self.LayerNorm(self.word_embeddings(ids) + self.token_type_embeddings(types) + self.position_embeddings(pos))


class Encoder(nn.Module):
    def __init__(self, c, cross):
        super().__init__()
        self.layer = nn.ModuleList([Layer(c, cross) for _ in range(c["num_hidden_layers"])])


class Pooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, h):
        return torch.tanh(self.dense(h[:, 0]))


def extended_mask(mask, dtype, causal=False):
    m = mask[:, None, None, :].to(dtype)
    if causal:
        t = mask.shape[1]
        m = m * torch.tril(torch.ones(t, t, dtype=dtype))[None, None]
    return (1.0 - m) * torch.finfo(dtype).min


class BertModel(nn.Module):
    def __init__(self, c, cross=False, pooler=True):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c, cross)
        if pooler:
            self.pooler = Pooler(c)
        self.causal = cross

    def forward(self, ids, mask, types, enc=None, enc_mask=None):
        dtype = self.embeddings.word_embeddings.weight.dtype
        ext = extended_mask(mask, dtype, causal=self.causal)
        enc_ext = extended_mask(enc_mask, dtype) if enc is not None else None
        h = self.embeddings(ids, types)
        hidden = [h]
        for layer in self.encoder.layer:
            h = layer(h, ext, enc, enc_ext)
            hidden.append(h)
        pooled = self.pooler(h) if hasattr(self, "pooler") else None
        return h, hidden, pooled


class LMHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.transform = nn.Module()
        self.transform.dense = nn.Linear(h, h)
        self.transform.LayerNorm = nn.LayerNorm(h, eps=c["layer_norm_eps"])
        self.decoder = nn.Linear(h, c["vocab_size"])
        self.bias = self.decoder.bias

    def forward(self, h):
        return self.decoder(self.transform.LayerNorm(F.gelu(self.transform.dense(h))))


def init_(module, std):
    for name, p in module.named_parameters():
        if "LayerNorm" in name:
            nn.init.normal_(p, mean=1.0 if name.endswith("weight") else 0.0, std=0.1)
        else:
            nn.init.normal_(p, std=std)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    c = CONFIG
    model = BertModel(c)
    init_(model, c["initializer_range"])
    # Round weights to float32 once; the reference runs in float64 on those exact values.
    model = model.float().double()
    ids = torch.tensor([[2, 17, 5, 33, 9, 60, 3], [2, 44, 8, 3, 0, 0, 0], [2, 3, 0, 0, 0, 0, 0]])
    mask = (ids != 0).long()
    types = torch.tensor([[0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]])
    with torch.no_grad():
        last, hidden, pooled = model(ids, mask, types)
        m = mask.unsqueeze(-1).double()
        mean = (last * m).sum(1) / m.sum(1).clamp(min=1e-9)

    decoder = BertModel(c, cross=True, pooler=False)
    head = LMHead(c)
    init_(decoder, c["initializer_range"])
    init_(head, c["initializer_range"])
    head.decoder.weight = decoder.embeddings.word_embeddings.weight  # tied, as BertLMHeadModel
    decoder = decoder.float().double()
    head = head.float().double()
    dec_ids = torch.tensor([[2, 17, 5, 33], [2, 44, 8, 0]])
    dec_mask = (dec_ids != 0).long()
    with torch.no_grad():
        dh, _, _ = decoder(dec_ids, dec_mask, torch.zeros_like(dec_ids), enc=mean[:2, None, :], enc_mask=torch.ones(2, 1, dtype=torch.long))
        logits = head(dh)

    weights = dict(model.state_dict())
    write_safetensors(os.path.join(OUT, "model.safetensors"), weights)
    dec_weights = {f"bert.{k}": v for k, v in decoder.state_dict().items()}
    dec_weights.update({f"cls.predictions.{k}": v for k, v in head.state_dict().items()})
    write_safetensors(os.path.join(OUT, "decoder.safetensors"), dec_weights)
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(c, f, indent=2)

    def rows(t):
        return t.tolist()

    expected = {
        "generator": "packages/nn/scripts/bert_fixture.py",
        "torch": torch.__version__,
        "input_ids": rows(ids),
        "attention_mask": rows(mask),
        "token_type_ids": rows(types),
        "last_hidden_state": rows(last),
        "hidden_states": [rows(h) for h in hidden],
        "pooler_output": rows(pooled),
        "mean_pooled": rows(mean),
        "decoder_input_ids": rows(dec_ids),
        "decoder_logits": rows(logits),
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f)
    print("wrote", OUT, "torch", torch.__version__)


if __name__ == "__main__":
    main()
