import type { Tensor } from '@tessera/tensor';
import { check, TesseraError } from '@tessera/tensor';
import type { Features } from '@tessera/nn';

/** Rows in a feature record: from inputIds, else attentionMask, else the first tensor with a batch dim. */
export function batchSize(f: Features): number {
  const t = f.inputIds ?? f.attentionMask ?? Object.values(f).find((v): v is Tensor => typeof v === 'object' && v !== null && 'shape' in v && (v as Tensor).ndim > 0);
  if (!t) throw new TesseraError('batchSize', 'features', 'has no tensor with a batch dimension');
  return t.shape[0]!;
}

const SEQUENCE_KEYS = new Set(['inputIds', 'attentionMask', 'tokenTypeIds']);

/**
 * Rows [b, e) of every row-indexed tensor in a record (non-tensor entries pass through). When the
 * record has a 2-D attentionMask, trailing positions that are padding in every row of the chunk are
 * cut from the sequence tensors, so the chunk is embedded at its own width (sentence-transformers v6).
 */
export function sliceFeatures(f: Features, b: number, e: number): Features {
  const n = batchSize(f);
  check(b >= 0 && e <= n && b < e, 'sliceFeatures', 'rows', () => `[${b}, ${e}) is not a non-empty range within ${n} rows`);
  let width: number | null = null;
  if (f.attentionMask && f.attentionMask.ndim === 2 && f.attentionMask.device === 'cpu') {
    const rows = f.attentionMask.narrow(0, b, e - b).dataSync();
    const t = f.attentionMask.shape[1]!;
    let last = 0;
    for (let r = 0; r < e - b; r++) for (let j = t - 1; j >= last; j--) if (rows[r * t + j]) { last = j + 1; break; }
    width = Math.max(1, last);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) {
    if (v && typeof v === 'object' && 'shape' in v && (v as Tensor).ndim > 0 && (v as Tensor).shape[0] === n) {
      let t = (v as Tensor).narrow(0, b, e - b);
      if (width !== null && SEQUENCE_KEYS.has(k) && t.ndim >= 2 && t.shape[1]! > width) t = t.narrow(1, 0, width);
      out[k] = t;
    } else out[k] = v;
  }
  return out as unknown as Features;
}

/**
 * Chunk boundaries of `miniBatchSize` rows, or (with `maxTokens`) the longest runs of rows whose
 * real-token counts sum to at most maxTokens, never fewer than one row.
 */
export function chunkBoundaries(f: Features, miniBatchSize: number, maxTokens: number | null): [number, number][] {
  const n = batchSize(f);
  const out: [number, number][] = [];
  if (maxTokens === null) {
    for (let b = 0; b < n; b += miniBatchSize) out.push([b, Math.min(b + miniBatchSize, n)]);
    return out;
  }
  if (!f.attentionMask) throw new TesseraError('miniBatchNumTokens', 'features', 'needs an attentionMask to count tokens');
  const counts = f.attentionMask.sum(1).dataSync();
  let b = 0;
  while (b < n) {
    let e = b + 1;
    let total = counts[b]!;
    while (e < n && total + counts[e]! <= maxTokens) total += counts[e++]!;
    out.push([b, e]);
    b = e;
  }
  return out;
}
