#!/usr/bin/env python3
"""PyTorch reference for Tessera's bench: the same MiniLM-L6 training step, for users who have torch.

Not run by the tests or by `pnpm bench`. One step, as in `bench/src/model/minilm.ts`:
  MiniLM-L6-sized BERT (vocab 30522, hidden 384, 6 layers, 12 heads, FFN 1536, max positions 512,
  dropout 0.1, no pooler: 22,565,376 parameters) + mean pooling; 32 (anchor, positive) pairs of
  32 tokens; forward both columns, MultipleNegativesRankingLoss (scale 20, cos sim) = cross-entropy of
  20 * cos_sim(anchor, positive) against the diagonal; backward; AdamW (lr 2e-5, weight decay 0.01);
  zero_grad(set_to_none=True). Random init (normal, std 0.02) and synthetic token ids.

Usage:
  python bench/pytorch/train_step.py                     # torch's default thread count, CPU
  python bench/pytorch/train_step.py --threads 2         # as the Tessera numbers in bench/results
  python bench/pytorch/train_step.py --device cuda --steps 20
  python bench/pytorch/train_step.py --impl hf           # transformers' BertModel instead of the built-in one
  python bench/pytorch/train_step.py --what layer        # one BERT layer fwd+bwd, 64 rows x 32 tokens
  python bench/pytorch/train_step.py --what encode       # forward of 32 sentences x 128 tokens (sentences/s)

Prints one line per timed step and a JSON summary (mean/min ms, GFLOP/s of the matmuls, peak memory).
Needs only torch (transformers for --impl hf).
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

SPEC = dict(vocab=30522, hidden=384, layers=6, heads=12, ffn=1536, max_pos=512, type_vocab=2, eps=1e-12, dropout=0.1, init_std=0.02)


class Layer(nn.Module):
    """A BERT layer with Hugging Face's structure: self-attention, dense + residual + LayerNorm, FFN (exact GELU)."""

    def __init__(self, s: dict, dropout: float):
        super().__init__()
        h = s["hidden"]
        self.heads = s["heads"]
        self.query, self.key, self.value, self.attn_out = (nn.Linear(h, h) for _ in range(4))
        self.attn_norm = nn.LayerNorm(h, eps=s["eps"])
        self.intermediate = nn.Linear(h, s["ffn"])
        self.output = nn.Linear(s["ffn"], h)
        self.out_norm = nn.LayerNorm(h, eps=s["eps"])
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape
        d = h // self.heads
        split = lambda y: y.view(b, t, self.heads, d).transpose(1, 2)  # noqa: E731
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + mask
        probs = self.drop(scores.softmax(-1))
        ctx = (probs @ v).transpose(1, 2).reshape(b, t, h)
        a = self.attn_norm(self.drop(self.attn_out(ctx)) + x)
        return self.out_norm(self.drop(self.output(F.gelu(self.intermediate(a)))) + a)


class Bert(nn.Module):
    """Embeddings (word + position + token type, LayerNorm, dropout), layers, no pooler."""

    def __init__(self, s: dict, dropout: float):
        super().__init__()
        h = s["hidden"]
        self.word = nn.Embedding(s["vocab"], h, padding_idx=0)
        self.position = nn.Embedding(s["max_pos"], h)
        self.token_type = nn.Embedding(s["type_vocab"], h)
        self.norm = nn.LayerNorm(h, eps=s["eps"])
        self.drop = nn.Dropout(dropout)
        self.layers = nn.ModuleList(Layer(s, dropout) for _ in range(s["layers"]))
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=s["init_std"])
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        b, t = ids.shape
        pos = torch.arange(t, device=ids.device)
        x = self.drop(self.norm(self.word(ids) + self.position(pos)[None] + self.token_type(torch.zeros_like(ids))))
        additive = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, additive)
        return x


class HfBert(nn.Module):
    """transformers' BertModel (no pooler) with the same config."""

    def __init__(self, s: dict, dropout: float):
        super().__init__()
        from transformers import BertConfig, BertModel

        cfg = BertConfig(
            vocab_size=s["vocab"], hidden_size=s["hidden"], num_hidden_layers=s["layers"], num_attention_heads=s["heads"],
            intermediate_size=s["ffn"], max_position_embeddings=s["max_pos"], type_vocab_size=s["type_vocab"],
            layer_norm_eps=s["eps"], hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout, initializer_range=s["init_std"],
        )
        self.bert = BertModel(cfg, add_pooling_layer=False)

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.bert(input_ids=ids, attention_mask=attention_mask).last_hidden_state


def mean_pool(tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(tokens.dtype)
    return (tokens * m).sum(1) / m.sum(1).clamp_min(1e-9)


def mnrl(anchor: torch.Tensor, positive: torch.Tensor, scale: float = 20.0) -> torch.Tensor:
    scores = F.normalize(anchor, dim=-1) @ F.normalize(positive, dim=-1).T * scale
    return F.cross_entropy(scores, torch.arange(len(anchor), device=anchor.device))


def synthetic_ids(rows: int, seq: int, seed: int, vocab: int) -> torch.Tensor:
    """[CLS] random word pieces [SEP], every row full length (what the Tessera and tfjs cases use, not bit-identical)."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(1996, vocab, (rows, seq), generator=g)
    ids[:, 0], ids[:, -1] = 101, 102
    return ids


def forward_flops(rows: int, seq: int, s: dict, layers: int | None = None) -> float:
    """Matmul FLOPs of the encoder forward (dense layers + both attention matmuls), as bench/src/model/minilm.ts counts them."""
    tokens = rows * seq
    dense = 2 * tokens * (4 * s["hidden"] ** 2 + 2 * s["hidden"] * s["ffn"])
    attention = 2 * 2 * rows * seq * seq * s["hidden"]
    return (layers if layers is not None else s["layers"]) * (dense + attention)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()
    elif device.type == "mps":
        torch.mps.synchronize()


def peak_bytes(device: torch.device) -> int:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated()
    # CPU: the process's peak resident set (KiB on Linux, bytes on macOS).
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--what", choices=["train", "layer", "encode"], default="train")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's own)")
    ap.add_argument("--impl", choices=["torch", "hf"], default="torch")
    ap.add_argument("--steps", type=int, default=5, help="timed steps (after --warmup)")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--pairs", type=int, default=32)
    ap.add_argument("--seq", type=int, default=None, help="tokens per row (default 32; 128 for --what encode)")
    ap.add_argument("--rows", type=int, default=64, help="--what layer: rows of --seq tokens")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    s = SPEC
    seq = args.seq or (128 if args.what == "encode" else 32)

    if args.what == "layer":
        layer = Layer(s, 0.0).to(device)
        x = torch.randn(args.rows, seq, s["hidden"], device=device, requires_grad=True)
        dy = torch.randn_like(x)
        mask = torch.zeros(args.rows, 1, 1, seq, device=device)
        flops = 3 * forward_flops(args.rows, seq, s, layers=1)
        label = f"BERT layer fwd+bwd H{s['hidden']} h{s['heads']} FFN{s['ffn']} [{args.rows}, {seq}]"

        def step() -> None:
            layer(x, mask).backward(dy)
            x.grad = None
            layer.zero_grad(set_to_none=True)

    elif args.what == "encode":
        model = (HfBert if args.impl == "hf" else Bert)(s, 0.0).to(device).eval()
        ids = synthetic_ids(args.pairs, seq, args.seed, s["vocab"]).to(device)
        mask = torch.ones_like(ids)
        flops = forward_flops(args.pairs, seq, s)
        label = f"MiniLM-L{s['layers']} encode batch {args.pairs} x {seq} tok (forward + mean pool, no tokenizer)"

        def step() -> None:
            with torch.inference_mode():
                mean_pool(model(ids, mask), mask).cpu()

    else:
        model = (HfBert if args.impl == "hf" else Bert)(s, s["dropout"]).to(device).train()
        n_params = sum(p.numel() for p in model.parameters())
        opt = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01)
        anchor = synthetic_ids(args.pairs, seq, 2 * args.seed + 1, s["vocab"]).to(device)
        positive = synthetic_ids(args.pairs, seq, 2 * args.seed + 2, s["vocab"]).to(device)
        mask = torch.ones_like(anchor)
        flops = 3 * forward_flops(2 * args.pairs, seq, s)
        label = f"MiniLM-L{s['layers']} MNRL+AdamW {args.pairs} pairs x {seq} tok ({n_params:,} params)"

        def step() -> None:
            loss = mnrl(mean_pool(model(anchor, mask), mask), mean_pool(model(positive, mask), mask))
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)

    print(f"torch {torch.__version__} ({args.impl}), {device}, {torch.get_num_threads()} threads, {platform.processor() or platform.machine()}: {label}", flush=True)
    for _ in range(args.warmup):
        step()
    sync(device)
    times = []
    for i in range(args.steps):
        t0 = time.perf_counter()
        step()
        sync(device)
        times.append((time.perf_counter() - t0) * 1000)
        print(f"  step {i + 1}: {times[-1]:.1f} ms", flush=True)
    mean = statistics.fmean(times)
    summary = {
        "what": args.what,
        "case": label,
        "torch": torch.__version__,
        "impl": args.impl,
        "device": str(device),
        "threads": torch.get_num_threads(),
        "steps": args.steps,
        "meanMs": round(mean, 2),
        "minMs": round(min(times), 2),
        "gflops": round(flops / (mean / 1000) / 1e9, 2),
        "peakBytes": peak_bytes(device),
    }
    if args.what == "encode":
        summary["sentencesPerSecond"] = round(args.pairs / (mean / 1000), 2)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
