import { afterEach, describe, expect, it, vi } from 'vitest';
import * as T from '@tessera/tensor';
import '@tessera/autograd';
import { requireWebGPU } from '@tessera/tensor/testing';
import { BatchSemiHardTripletLoss } from '../src/losses/batch-semi-hard-triplet-loss.js';
import { batchTripletSuite, lossOn, T6_E, T6_E_SHIFTED, T6_LABELS } from './support/batch-triplet-suite.js';
import { EmbeddingTableModel } from './support/models.js';
import { givenRowsModel, values } from './support/modifier-fixtures.js';

const gpu = await requireWebGPU();

batchTripletSuite(
  'BatchSemiHardTripletLoss',
  BatchSemiHardTripletLoss,
  [
    { options: {}, embeddings: T6_E, value: 4 },
    { options: { margin: 1 }, embeddings: T6_E, value: 0 },
    { options: { distanceMetric: 'cosine_distance' }, embeddings: T6_E_SHIFTED, value: 4.890425 },
    { options: { distanceMetric: 'cosine_distance', margin: 0.1 }, embeddings: T6_E_SHIFTED, value: 0.009406 },
  ],
  { hasMargin: true, gpu: !!gpu },
);

/** The §17 definition, directly (plain numbers). */
function semiHardReference(e: number[][], labels: number[], margin: number): number {
  const d = (a: number[], b: number[]): number => Math.hypot(...a.map((v, i) => v - b[i]!));
  const n = e.length;
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < n; a++) {
    const negs = [...Array(n).keys()].filter((j) => labels[j] !== labels[a]).map((j) => d(e[a]!, e[j]!));
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      pairs++;
      const dap = d(e[a]!, e[p]!);
      const farther = negs.filter((x) => x > dap);
      const neg = farther.length ? Math.min(...farther) : negs.length ? Math.max(...negs) : Math.min(...e.map((r) => d(e[a]!, r)));
      sum += Math.max(dap - neg + margin, 0);
    }
  }
  return sum / Math.max(pairs, 1e-16);
}

describe('BatchSemiHardTripletLoss: details', () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  afterEach(() => warn.mockClear());
  const model = new EmbeddingTableModel(4, 2);

  it('no positive pair: exactly 0, attached, zero gradient, and one warning naming group_by_label (Decision 3)', () => {
    const loss = new BatchSemiHardTripletLoss(model);
    for (let i = 0; i < 3; i++) {
      const e = T.tensor(T6_E, { dtype: 'float64', requiresGrad: true });
      const out = loss.computeLossFromEmbeddings([e], T.tensor([0, 1, 2, 3, 4], { dtype: 'int32' }));
      expect(out.itemSync()).toBe(0);
      expect(Number.isNaN(out.itemSync())).toBe(false);
      expect(out.requiresGrad).toBe(true);
      out.backward();
      expect(values(e.grad!)).toEqual(new Array(10).fill(0));
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/BatchSemiHardTripletLoss.*group_by_label/s);
  });

  it('does not warn when the batch has positive pairs', () => {
    lossOn(new BatchSemiHardTripletLoss(model), T6_E, T6_LABELS);
    expect(warn).not.toHaveBeenCalled();
  });

  it('matches the definition on random batches with single-member classes, classes without negatives and duplicates', () => {
    let s = 7;
    const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 4 - 2;
    const cases: [number[][], number[]][] = [];
    for (let c = 0; c < 6; c++) {
      const rows = Array.from({ length: 7 }, () => [rnd(), rnd(), rnd()]);
      cases.push([rows, Array.from({ length: 7 }, (_, i) => (c === 5 ? 0 : (i * (c + 2)) % 4))]);
    }
    cases.push([[[0, 0, 0], [0, 0, 0], [1, 0, 0], [1, 0, 0], [3, 1, 0]], [0, 0, 1, 1, 2]]); // duplicates
    for (const [rows, labels] of cases) {
      for (const margin of [0.5, 5]) {
        expect(lossOn(new BatchSemiHardTripletLoss(model, { margin }), rows, labels)).toBeCloseTo(semiHardReference(rows, labels, margin), 9);
      }
    }
  });

  it('forward with a single class (no negatives) uses the row minimum and stays finite', () => {
    const { model: m, features } = givenRowsModel([T6_E]);
    const out = new BatchSemiHardTripletLoss(m).forward(features, T.tensor([0, 0, 0, 0, 0], { dtype: 'int32' }));
    expect(out.itemSync()).toBeCloseTo(semiHardReference(T6_E, [0, 0, 0, 0, 0], 5), 9);
  });
});
