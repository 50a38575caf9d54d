import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import '@tessera/autograd';
import { requireWebGPU } from '@tessera/tensor/testing';
import { euclideanDistanceMatrix } from '@tessera/losses';
import { BatchHardTripletLoss } from '../src/losses/batch-hard-triplet-loss.js';
import { batchTripletSuite, lossOn, T6_E, T6_E_SHIFTED, T6_LABELS } from './support/batch-triplet-suite.js';
import { EmbeddingTableModel } from './support/models.js';

const gpu = await requireWebGPU();

batchTripletSuite(
  'BatchHardTripletLoss',
  BatchHardTripletLoss,
  [
    { options: {}, embeddings: T6_E, value: 3.752786 },
    { options: { margin: 1 }, embeddings: T6_E, value: 0 },
    { options: { distanceMetric: 'cosine_distance' }, embeddings: T6_E_SHIFTED, value: 5.018618 },
    { options: { distanceMetric: 'cosine_distance', margin: 0.1 }, embeddings: T6_E_SHIFTED, value: 0.120556 },
  ],
  { hasMargin: true, gpu: !!gpu },
);

describe('BatchHardTripletLoss: details', () => {
  const model = new EmbeddingTableModel(4, 2);
  it('T6 euclidean distance rows', () => {
    const d = euclideanDistanceMatrix(T.tensor(T6_E, { dtype: 'float64' })).arraySync() as number[][];
    const expected = [
      [0, 1, 2, 2.236068, 3.162278],
      [1, 0, 2.236068, 2, 2.236068],
      [2, 2.236068, 0, 1, 3.162278],
      [2.236068, 2, 1, 0, 2.236068],
      [3.162278, 2.236068, 3.162278, 2.236068, 0],
    ];
    d.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 6)));
  });
  it('an anchor without positives counts with hp = 0 in the mean over all anchors', () => {
    // Per anchor (margin 5): hp − hn + 5 with hp = 0 for the single-member class 2.
    const per = [1 - 2 + 5, 1 - 2 + 5, 1 - 2 + 5, 1 - 2 + 5, 0 - 2.2360679775 + 5];
    expect(lossOn(new BatchHardTripletLoss(model), T6_E, T6_LABELS)).toBeCloseTo(per.reduce((a, b) => a + b) / 5, 9);
  });
});
