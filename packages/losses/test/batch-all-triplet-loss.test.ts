import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import '@tessera/autograd';
import { requireWebGPU } from '@tessera/tensor/testing';
import { BatchAllTripletLoss } from '../src/losses/batch-all-triplet-loss.js';
import { batchTripletSuite, lossOn, T6_E, T6_E_SHIFTED, T6_LABELS } from './support/batch-triplet-suite.js';
import { EmbeddingTableModel } from './support/models.js';
import { values } from './support/modifier-fixtures.js';

const gpu = await requireWebGPU();

batchTripletSuite(
  'BatchAllTripletLoss',
  BatchAllTripletLoss,
  [
    { options: {}, embeddings: T6_E, value: 3.688253 },
    { options: { margin: 1 }, embeddings: T6_E, value: 0 },
    { options: { distanceMetric: 'cosine_distance' }, embeddings: T6_E_SHIFTED, value: 4.866699 },
    { options: { distanceMetric: 'cosine_distance', margin: 0.1 }, embeddings: T6_E_SHIFTED, value: 0.135581 },
  ],
  { hasMargin: true, gpu: !!gpu },
);

describe('BatchAllTripletLoss: edge cases', () => {
  const model = new EmbeddingTableModel(4, 2);
  it('no valid triplet (one class, or every label distinct) gives 0 attached to the graph with zero gradient', () => {
    for (const labels of [[0, 0, 0, 0, 0], [0, 1, 2, 3, 4]]) {
      const e = T.tensor(T6_E, { dtype: 'float64', requiresGrad: true });
      const loss = new BatchAllTripletLoss(model).computeLossFromEmbeddings([e], T.tensor(labels, { dtype: 'int32' }));
      expect(loss.itemSync()).toBe(0);
      expect(loss.requiresGrad).toBe(true);
      loss.backward();
      expect(values(e.grad!)).toEqual(new Array(10).fill(0));
    }
  });
  it('averages over the active triplets only', () => {
    // Margin 1.5 on T6: only some triplets still violate the margin; the mean is over those.
    const d = (a: number[], b: number[]): number => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!);
    let sum = 0;
    let count = 0;
    for (let a = 0; a < 5; a++)
      for (let p = 0; p < 5; p++)
        for (let n = 0; n < 5; n++) {
          if (a === p || T6_LABELS[a] !== T6_LABELS[p] || T6_LABELS[a] === T6_LABELS[n]) continue;
          const t = Math.max(d(T6_E[a]!, T6_E[p]!) - d(T6_E[a]!, T6_E[n]!) + 1.5, 0);
          sum += t;
          if (t > 1e-16) count++;
        }
    expect(count).toBeGreaterThan(0);
    expect(lossOn(new BatchAllTripletLoss(model, { margin: 1.5 }), T6_E, T6_LABELS)).toBeCloseTo(sum / count, 12);
  });
});
