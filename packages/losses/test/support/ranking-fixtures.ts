/**
 * Fixtures for the in-batch ranking loss tests (MNRL family, MegaBatchMargin): a model whose
 * embeddings are given rows (so known-value tests run through forward and GradCache), random id
 * batches for an EmbeddingTableModel, a spy model that records every forward, and parameter-gradient
 * helpers.
 */
import * as T from '@tessera/tensor';
import type { DType, Tensor } from '@tessera/tensor';
import { isGradEnabled } from '@tessera/autograd';
import { Module } from '@tessera/nn';
import type { Features } from '@tessera/nn';
import type { Loss } from '@tessera/losses';
import { EmbeddingTableModel, idsFeatures } from './models.js';

/**
 * An EmbeddingTableModel whose table rows 1… are the given column embeddings, with one single-token
 * feature record per column: `model.forward(features[k]).sentenceEmbedding` is exactly `columns[k]`,
 * and the table's gradient rows are the embedding gradients.
 */
export function rowsModel(columns: number[][][], dtype: DType = 'float64'): { model: EmbeddingTableModel; features: Features[]; rowOf: (column: number, row: number) => number } {
  const dim = columns[0]![0]!.length;
  const rows = columns.flat();
  const model = new EmbeddingTableModel(rows.length + 1, dim, { dtype });
  const table = T.tensor([new Array<number>(dim).fill(0), ...rows], { dtype });
  model.loadStateDict({ table });
  table.dispose();
  const offsets = columns.map((_, k) => 1 + columns.slice(0, k).reduce((n, c) => n + c.length, 0));
  const features = columns.map((c, k) => idsFeatures(c.map((_, i) => [offsets[k]! + i])));
  return { model, features, rowOf: (column, row) => offsets[column]! + row };
}

/** A deterministic pseudo-random generator for test data. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `columns` feature records of `rows` rows with 1…maxLen token ids in [1, vocab) (padded with 0). */
export function randomIdColumns(columns: number, rows: number, vocab: number, seed: number, maxLen = 5): number[][][] {
  const rnd = lcg(seed);
  return Array.from({ length: columns }, () =>
    Array.from({ length: rows }, () => Array.from({ length: 1 + Math.floor(rnd() * maxLen) }, () => 1 + Math.floor(rnd() * (vocab - 1)))),
  );
}

export function idColumns(ids: number[][][]): Features[] {
  return ids.map((c) => idsFeatures(c));
}

/** Wraps a model and records each forward: grad mode, row count and a copy of the sentence embedding. */
export class SpyModel extends Module {
  readonly inner: Module & { forward(f: Features): Features };
  calls: { grad: boolean; rows: number; width: number; embedding: Float64Array }[] = [];

  constructor(inner: Module & { forward(f: Features): Features }) {
    super();
    this.inner = this.child('inner', inner);
  }

  forward(f: Features): Features {
    const out = this.inner.forward(f);
    this.calls.push({ grad: isGradEnabled(), rows: f.inputIds.shape[0]!, width: f.inputIds.shape[1]!, embedding: Float64Array.from(out.sentenceEmbedding!.dataSync()) });
    return out;
  }
}

/** Value and every parameter gradient (by name) after `loss.zeroGrad(); run().backward()`. */
export function lossValueAndGrads(loss: Loss, run: () => Tensor, upstream?: number): { value: number; grads: Map<string, Float64Array> } {
  loss.zeroGrad();
  const value = run();
  if (upstream === undefined) value.backward();
  else value.mul(upstream).backward();
  const grads = new Map<string, Float64Array>();
  for (const [n, p] of loss.namedParameters()) if (p.grad) grads.set(n, Float64Array.from(p.grad.dataSync()));
  const v = value.itemSync();
  value.dispose();
  loss.zeroGrad();
  return { value: v, grads };
}

/** Throws unless both gradient maps hold the same parameters with |a − b| <= atol + rtol·|b|. */
export function expectGradsClose(actual: Map<string, Float64Array>, expected: Map<string, Float64Array>, rtol = 1e-4, atol = 1e-5): void {
  const ka = [...actual.keys()].join();
  const ke = [...expected.keys()].join();
  if (ka !== ke) throw new Error(`gradients for different parameters: [${ka}] vs [${ke}]`);
  for (const [n, e] of expected) {
    const a = actual.get(n)!;
    for (let i = 0; i < e.length; i++) {
      if (!(Math.abs(a[i]! - e[i]!) <= atol + rtol * Math.abs(e[i]!))) throw new Error(`gradient of ${n}[${i}]: got ${a[i]}, expected ${e[i]}`);
    }
  }
}

/** Rounds a flat gradient for readable comparisons. */
export function at(g: Float64Array, row: number, col: number, dim: number): number {
  return g[row * dim + col]!;
}
