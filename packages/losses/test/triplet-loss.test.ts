/** TripletLoss: spec T5 values for every metric (true distances, Decision 1), non-negativity, gradcheck per metric, WebGPU agreement, bad input. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@tessera/tensor';
import { requireWebGPU } from '@tessera/tensor/testing';
import type { SentenceTransformer } from '@tessera/nn';
import { TripletDistanceMetric } from '../src/distances.js';
import { TripletLoss } from '../src/losses/triplet-loss.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, t, tinySentenceTransformer } from './support/models.js';
import { close, expectTesseraError } from './support/expect.js';

const gpu = await requireWebGPU();


const A = [[1, 0], [0, 1], [1, 1]];
const P = [[2, 0.5], [0.5, 1], [1, 2]];
const N = [[0, 1], [1, 0.5], [-1, 1]];
const table = (): EmbeddingTableModel => new EmbeddingTableModel(12, 4, { seed: 19 });
const colA = idsFeatures([[1, 2], [3], [4, 5, 6]]);
const colP = idsFeatures([[7], [8, 9], [10, 11]]);
const colN = idsFeatures([[5], [2, 2], [1, 9]]);

describe('TripletLoss: known values (spec T5)', () => {
  const expected: Record<'cosine' | 'euclidean' | 'manhattan', [number, number][]> = {
    cosine: [[5, 4.21132], [1, 0.21132], [0.5, 0.017595]],
    euclidean: [[5, 4.361929], [1, 0.361929], [0.5, 0.06794]],
    manhattan: [[5, 4.166667], [1, 0.166667], [0.5, 0]],
  };
  for (const [metric, rows] of Object.entries(expected)) {
    it(`${metric}: ${rows.map(([m, v]) => `margin ${m} = ${v}`).join(', ')}`, () => {
      for (const [margin, value] of rows) {
        const loss = new TripletLoss(table(), { distanceMetric: metric as 'cosine', tripletMargin: margin });
        close(loss.computeLossFromEmbeddings([t(A), t(P), t(N)]).itemSync(), value);
      }
    });
  }

  it('the default is EUCLIDEAN with margin 5, true distances (not ST v5’s negated 5.638071)', () => {
    const loss = new TripletLoss(table());
    close(loss.computeLossFromEmbeddings([t(A), t(P), t(N)]).itemSync(), 4.361929);
    expect(loss.distanceMetric).toBe(TripletDistanceMetric.EUCLIDEAN);
    expect(loss.getConfigDict()).toEqual({ distance_metric: 'TripletDistanceMetric.EUCLIDEAN', triplet_margin: 5 });
    expect(new TripletLoss(table(), { distanceMetric: TripletDistanceMetric.COSINE, tripletMargin: 1 }).getConfigDict()).toEqual({ distance_metric: 'TripletDistanceMetric.COSINE', triplet_margin: 1 });
  });

  it('labels are accepted and ignored', () => {
    const loss = new TripletLoss(table());
    close(loss.computeLossFromEmbeddings([t(A), t(P), t(N)], t([1, 2, 3])).itemSync(), 4.361929);
  });
});

describe('TripletLoss: properties and edge cases', () => {
  it('is never negative (every metric, any margin)', () => {
    const metrics = ['cosine', 'euclidean', 'manhattan'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...metrics),
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 18, maxLength: 18 }),
        (metric, margin, values) => {
          const x = (k: number): T.Tensor => T.tensor(values.slice(6 * k, 6 * k + 6), { dtype: 'float64', shape: [2, 3] }).add(0.01 * (k + 1));
          const loss = new TripletLoss(table(), { distanceMetric: metric, tripletMargin: margin });
          expect(loss.computeLossFromEmbeddings([x(0), x(1), x(2)]).itemSync()).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('an anchor identical to its positive: EUCLIDEAN gradient is finite (0 from that distance; PyTorch gives NaN)', () => {
    const a = t([[1, 2]]).requiresGrad_(true);
    const value = new TripletLoss(table()).computeLossFromEmbeddings([a, t([[1, 2]]), t([[4, 6]])]);
    close(value.itemSync(), 0); // relu(0 − 5 + 5)
    value.backward();
    expect([...a.grad!.dataSync()].every(Number.isFinite)).toBe(true);
    const b = t([[1, 2]]).requiresGrad_(true);
    const active = new TripletLoss(table(), { tripletMargin: 6 }).computeLossFromEmbeddings([b, t([[1, 2]]), t([[4, 6]])]);
    active.backward();
    // Only −‖a − n‖ contributes: ∂/∂a = −(a − n)/‖a − n‖ = [0.6, 0.8].
    const g = b.grad!.dataSync();
    close(g[0]!, 0.6, 1e-12);
    close(g[1]!, 0.8, 1e-12);
  });
});

describe('TripletLoss: gradcheck (float64, embedding table)', () => {
  for (const metric of ['euclidean', 'cosine', 'manhattan'] as const) {
    it(metric, () => {
      const loss = new TripletLoss(table(), { distanceMetric: metric, tripletMargin: metric === 'cosine' ? 1 : 5 });
      lossGradcheck(loss, () => loss.forward([colA, colP, colN]));
    });
  }
});

describe('TripletLoss: bad input', () => {
  it('names the loss and the argument', () => {
    const loss = new TripletLoss(table());
    expectTesseraError(() => loss.forward([colA, colP]), 'TripletLoss', 'features');
    expectTesseraError(() => loss.forward([colA, colP, colN, colN]), 'TripletLoss', 'features');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(A), t(P)]), 'TripletLoss', 'embeddings');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(A), t(P), t([[1, 2]])]), 'TripletLoss', 'embeddings[2]');
    expectTesseraError(() => new TripletLoss(table(), { distanceMetric: 'cosine_distance' as never }), 'TripletLoss', 'distanceMetric');
    expectTesseraError(() => new TripletLoss(table(), { tripletMargin: Number.NaN }), 'TripletLoss', 'tripletMargin');
    expectTesseraError(() => new TripletLoss(table(), { margin: 1 } as never), 'TripletLoss', 'margin');
  });
});

describe.skipIf(!gpu)('TripletLoss: WebGPU agrees with the CPU (tiny BERT, float32)', () => {
  it('euclidean (default): value and every parameter gradient', async () => {
    const loss = new TripletLoss(tinySentenceTransformer({ seed: 7 }));
    await expectLossAgreement(loss, (l, device) => {
      const m = l.model as SentenceTransformer;
      return l.forward([m.tokenize(['a cat sat', 'dogs run fast'], device), m.tokenize(['the cat', 'a dog runs'], device), m.tokenize(['rain today', 'good bye now'], device)]);
    });
  });
});
