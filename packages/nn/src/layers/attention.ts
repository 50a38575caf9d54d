import type { DType, Generator, Tensor } from '@tessera/tensor';
import { arange, cast, check, defaultGenerator, dropout, fmtShape, matmul, scaledMaskedSoftmax } from '@tessera/tensor';
import { Module } from '../module.js';
import type { ParamOptions } from './init.js';
import { Linear } from './linear.js';

/** The most negative finite value of a dtype: what Hugging Face adds at masked positions. */
export function finfoMin(dtype: DType): number {
  return dtype === 'float64' ? -Number.MAX_VALUE : -3.4028234663852886e38;
}

/**
 * A padding mask `[B, S]` (1 keep, 0 pad) as an additive mask `[B, 1, 1, S]` (0 or the dtype's
 * most negative value), as Hugging Face's get_extended_attention_mask.
 */
export function additivePaddingMask(mask: Tensor, dtype: DType): Tensor {
  check(mask.ndim === 2, 'additivePaddingMask', 'mask', () => `must be [batch, seq], got ${fmtShape(mask.shape)}`);
  const m = cast(mask, dtype);
  return m.neg().add(1).mul(finfoMin(dtype)).reshape([mask.shape[0]!, 1, 1, mask.shape[1]!]);
}

/** Causal and padding mask combined: `[B, 1, T, T]` additive, position t sees positions <= t that are not padding. */
export function additiveCausalMask(mask: Tensor, dtype: DType): Tensor {
  const [b, t] = mask.shape as [number, number];
  const pos = arange(0, t, 1, { device: mask.device });
  const causal = pos.reshape([t, 1]).ge(pos.reshape([1, t])); // [T, T]
  const keep = causal.reshape([1, 1, t, t]).logicalAnd(mask.ne(0).reshape([b, 1, 1, t]));
  return cast(keep, dtype).neg().add(1).mul(finfoMin(dtype));
}

export interface AttentionOptions {
  /** Additive mask broadcastable to `[B, h, T, S]`. */
  mask?: Tensor | null;
  dropoutP?: number;
  training?: boolean;
  generator?: Generator;
  /** Default 1/sqrt(headDim). */
  scale?: number;
}

/**
 * softmax(q kᵀ · scale + mask) v: `q [B, h, T, d]`, `k, v [B, h, S, d]` -> `[B, h, T, d]`. The
 * scaling, masking and softmax run as one fused kernel (`scaledMaskedSoftmax`) where the backend
 * has one.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const d = q.shape[q.ndim - 1]!;
  let probs = scaledMaskedSoftmax(matmul(q, k.mT), opts.scale ?? 1 / Math.sqrt(d), opts.mask ?? null);
  if (opts.dropoutP && opts.training) probs = dropout(probs, opts.dropoutP, true, opts.generator ?? defaultGenerator);
  return matmul(probs, v);
}

/** `[B, T, h*d] -> [B, h, T, d]` (a view). */
export function splitHeads(x: Tensor, heads: number): Tensor {
  const [b, t, hidden] = x.shape as [number, number, number];
  return x.reshape([b, t, heads, hidden / heads]).permute([0, 2, 1, 3]);
}

/** `[B, h, T, d] -> [B, T, h*d]`. */
export function mergeHeads(x: Tensor): Tensor {
  const [b, h, t, d] = x.shape as [number, number, number, number];
  return x.permute([0, 2, 1, 3]).reshape([b, t, h * d]);
}

/**
 * Multi-head attention with query/key/value/out projections (self- or cross-attention, padding
 * and causal masks through `mask`). `[B, T, E]` (+ `[B, S, E]` for cross) -> `[B, T, E]`.
 */
export class MultiHeadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly dropoutP: number;
  query: Linear;
  key: Linear;
  value: Linear;
  out: Linear;

  constructor(embedDim: number, numHeads: number, opts: ParamOptions & { dropout?: number; bias?: boolean; kdim?: number } = {}) {
    super();
    check(embedDim % numHeads === 0, 'MultiHeadAttention', 'numHeads', () => `(${numHeads}) must divide embedDim (${embedDim})`);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.dropoutP = opts.dropout ?? 0;
    const kdim = opts.kdim ?? embedDim;
    this.query = this.child('query', new Linear(embedDim, embedDim, opts));
    this.key = this.child('key', new Linear(kdim, embedDim, opts));
    this.value = this.child('value', new Linear(kdim, embedDim, opts));
    this.out = this.child('out', new Linear(embedDim, embedDim, opts));
  }

  forward(x: Tensor, opts: { context?: Tensor; mask?: Tensor | null } = {}): Tensor {
    const ctx = opts.context ?? x;
    const q = splitHeads(this.query.forward(x), this.numHeads);
    const k = splitHeads(this.key.forward(ctx), this.numHeads);
    const v = splitHeads(this.value.forward(ctx), this.numHeads);
    const attended = scaledDotProductAttention(q, k, v, { mask: opts.mask ?? null, dropoutP: this.dropoutP, training: this.training });
    return this.out.forward(mergeHeads(attended));
  }
}
