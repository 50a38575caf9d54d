import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import '@tessera/autograd';
import { requireWebGPU } from '@tessera/tensor/testing';
import { BatchHardSoftMarginTripletLoss } from '../src/losses/batch-hard-soft-margin-triplet-loss.js';
import { BatchHardTripletLoss } from '../src/losses/batch-hard-triplet-loss.js';
import { batchTripletSuite, lossOn, T6_E, T6_E_SHIFTED, T6_LABELS } from './support/batch-triplet-suite.js';
import { EmbeddingTableModel } from './support/models.js';
import { values } from './support/modifier-fixtures.js';

const gpu = await requireWebGPU();

batchTripletSuite(
  'BatchHardSoftMarginTripletLoss',
  BatchHardSoftMarginTripletLoss,
  [
    { options: {}, embeddings: T6_E, value: 0.270918 },
    { options: { distanceMetric: 'cosine_distance' }, embeddings: T6_E_SHIFTED, value: 0.703181 },
  ],
  { hasMargin: false, gpu: !!gpu },
);

describe('BatchHardSoftMarginTripletLoss: details', () => {
  const model = new EmbeddingTableModel(4, 2);
  it('is a BatchHardTripletLoss with the unused margin 5 of sentence-transformers', () => {
    const loss = new BatchHardSoftMarginTripletLoss(model);
    expect(loss).toBeInstanceOf(BatchHardTripletLoss);
    expect(loss.margin).toBe(5);
    expect(loss.getConfigDict()).toEqual({ distanceMetric: 'euclidean_distance' });
  });
  it('stable softplus: a huge gap stays finite (log1p(exp(x)) would overflow), with gradient ±1/B', () => {
    // Anchor 0's positive is 200 away and its negative 1 away: hp − hn ≈ 199 in every row of class 0.
    const e = T.tensor([[0, 0], [200, 0], [1, 0], [201, 0]], { dtype: 'float32', requiresGrad: true });
    const loss = new BatchHardSoftMarginTripletLoss(model).computeLossFromEmbeddings([e], T.tensor([0, 0, 1, 1], { dtype: 'int32' }));
    expect(Number.isFinite(loss.itemSync())).toBe(true);
    expect(loss.itemSync()).toBeCloseTo(199, 3);
    loss.backward();
    expect(values(e.grad!).every(Number.isFinite)).toBe(true);
    expect(lossOn(new BatchHardSoftMarginTripletLoss(model), T6_E, T6_LABELS)).toBeGreaterThan(0);
  });
});
