/** OnlineContrastiveLoss: spec T4 value, threshold fallbacks against a plain reference, gradcheck per metric, WebGPU agreement, bad input. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import * as T from '@tessera/tensor';
import { requireWebGPU } from '@tessera/tensor/testing';
import type { SentenceTransformer } from '@tessera/nn';
import { SiameseDistanceMetric } from '../src/distances.js';
import { OnlineContrastiveLoss } from '../src/losses/online-contrastive-loss.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, t, tinySentenceTransformer } from './support/models.js';
import { close, expectTesseraError } from './support/expect.js';

const gpu = await requireWebGPU();


/** The spec's §11 steps on plain numbers (mean of an empty set = NaN, every comparison with NaN false). */
function reference(d: number[], y: number[], margin: number): number {
  const P = d.filter((_, i) => y[i] === 1);
  const N = d.filter((_, i) => y[i] === 0);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const negThr = P.length > 1 ? Math.max(...P) : mean(N);
  const posThr = N.length > 1 ? Math.min(...N) : mean(P);
  const hardNeg = N.filter((x) => x < negThr);
  const hardPos = P.filter((x) => x > posThr);
  return hardPos.reduce((a, x) => a + x * x, 0) + hardNeg.reduce((a, x) => a + Math.max(margin - x, 0) ** 2, 0);
}

const U = [[1, 0], [1, 1], [0, 1], [1, 2], [2, 1]];
const V = [[1, 0.2], [1, -1], [1, 1], [2, 1], [2, 1.1]];
const table = (): EmbeddingTableModel => new EmbeddingTableModel(12, 4, { seed: 13 });
const colA = idsFeatures([[1, 2], [3], [4, 5, 6], [2, 7], [9], [10, 1]]);
const colB = idsFeatures([[7], [8, 9], [10, 11], [1], [3, 4], [6]]);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('OnlineContrastiveLoss: known values (spec T4)', () => {
  it('thresholds 0.292893 / 0.2, hard pairs [0.2] and [0.292893] ⇒ 0.175786', () => {
    const loss = new OnlineContrastiveLoss(table());
    close(loss.computeLossFromEmbeddings([t(U), t(V)], t([1, 0, 1, 0, 1])).itemSync(), 0.175786);
    close(0.292893 ** 2 + 0.3 ** 2, 0.175786);
    const d = [...SiameseDistanceMetric.COSINE_DISTANCE(t(U), t(V)).dataSync()];
    close(Math.max(d[0]!, d[2]!, d[4]!), 0.292893); // negThr = max(P)
    close(Math.min(d[1]!, d[3]!), 0.2); // posThr = min(N)
  });

  it('config and metric by name', () => {
    expect(new OnlineContrastiveLoss(table()).getConfigDict()).toEqual({ distance_metric: 'SiameseDistanceMetric.COSINE_DISTANCE', margin: 0.5 });
    expect(new OnlineContrastiveLoss(table(), { distanceMetric: 'manhattan', margin: 2 }).getConfigDict()).toEqual({ distance_metric: 'SiameseDistanceMetric.MANHATTAN', margin: 2 });
  });
});

describe('OnlineContrastiveLoss: threshold fallbacks (edge cases)', () => {
  const d = SiameseDistanceMetric.COSINE_DISTANCE(t(U), t(V)).dataSync();
  const dist = [...d];
  const cases: [string, number[]][] = [
    ['spec T4', [1, 0, 1, 0, 1]],
    ['a single positive: negThr falls back to mean(N)', [0, 0, 1, 0, 0]],
    ['a single negative: posThr falls back to mean(P)', [1, 1, 0, 1, 1]],
    ['single positive and single negative', [1, 0, 2, 2, 2]],
    ['no positive', [0, 0, 0, 0, 0]],
    ['no negative', [1, 1, 1, 1, 1]],
    ['non-binary labels fall in neither set', [1, 0.5, 1, 0, 3]],
  ];
  for (const [name, y] of cases) {
    it(name, () => {
      vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const loss = new OnlineContrastiveLoss(table(), { margin: 0.9 });
      const value = loss.computeLossFromEmbeddings([t(U), t(V)], t(y)).itemSync();
      expect(Number.isFinite(value)).toBe(true);
      close(value, reference(dist, y, 0.9), 1e-12);
    });
  }

  it('single positive uses the negatives’ mean, not that positive', () => {
    // d = cosine distances; y has one positive (d = 0.292893) and N = {0.019419, 1, 0.2, 0.000768}.
    const y = [0, 0, 1, 0, 0];
    const meanN = (dist[0]! + dist[1]! + dist[3]! + dist[4]!) / 4;
    const hardNeg = [dist[0]!, dist[3]!, dist[4]!].filter((x) => x < meanN);
    expect(hardNeg.length).toBe(3);
    // posThr = min(N) = 0.000768 (|N| > 1), so the positive itself is hard.
    const expected = hardNeg.reduce((a, x) => a + (0.5 - x) ** 2, 0) + dist[2]! ** 2;
    close(new OnlineContrastiveLoss(table()).computeLossFromEmbeddings([t(U), t(V)], t(y)).itemSync(), expected, 1e-12);
  });

  it('matches the reference on random batches (any 0/1 mix)', () => {
    const loss = new OnlineContrastiveLoss(table(), { distanceMetric: 'euclidean', margin: 2 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 24, maxLength: 24 }),
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 6, maxLength: 6 }),
        (b, values, labels) => {
          const a = T.tensor(values.slice(0, 2 * b), { dtype: 'float64', shape: [b, 2] });
          const c = T.tensor(values.slice(12, 12 + 2 * b), { dtype: 'float64', shape: [b, 2] });
          const y = labels.slice(0, b);
          const dd = [...SiameseDistanceMetric.EUCLIDEAN(a, c).dataSync()];
          const value = loss.computeLossFromEmbeddings([a, c], t(y)).itemSync();
          close(value, reference(dd, y, 2), 1e-9);
          expect(value).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('warns once about non-binary labels, on the first batch only', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const loss = new OnlineContrastiveLoss(table());
    loss.computeLossFromEmbeddings([t(U), t(V)], t([1, 0, 1, 0, 1]));
    loss.computeLossFromEmbeddings([t(U), t(V)], t([1, 0, 0.5, 0, 1]));
    expect(warn).not.toHaveBeenCalled();
    const other = new OnlineContrastiveLoss(table());
    other.computeLossFromEmbeddings([t(U), t(V)], t([1, 0, 0.5, 0, 1]));
    other.computeLossFromEmbeddings([t(U), t(V)], t([1, 0, 0.5, 0, 1]));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('OnlineContrastiveLoss');
  });
});

describe('OnlineContrastiveLoss: gradcheck (float64, embedding table)', () => {
  const y = t([1, 0, 1, 0, 1, 0]);
  for (const metric of ['cosine_distance', 'euclidean', 'manhattan'] as const) {
    it(metric, () => {
      const loss = new OnlineContrastiveLoss(table(), { distanceMetric: metric, margin: metric === 'cosine_distance' ? 0.8 : 4 });
      lossGradcheck(loss, () => loss.forward([colA, colB], y));
    });
  }
});

describe('OnlineContrastiveLoss: bad input', () => {
  it('names the loss and the argument', () => {
    const loss = new OnlineContrastiveLoss(table());
    expectTesseraError(() => loss.forward([colA], t([1, 0, 1, 0, 1, 0])), 'OnlineContrastiveLoss', 'features');
    expectTesseraError(() => loss.forward([colA, colB]), 'OnlineContrastiveLoss', 'labels');
    expectTesseraError(() => loss.forward([colA, colB], t([1, 0])), 'OnlineContrastiveLoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(U), t([[1, 2, 3]])], t([1])), 'OnlineContrastiveLoss', 'embeddings[1]');
    expectTesseraError(() => new OnlineContrastiveLoss(table(), { distanceMetric: 'chebyshev' as never }), 'OnlineContrastiveLoss', 'distanceMetric');
    expectTesseraError(() => new OnlineContrastiveLoss(table(), { margin: 'big' as never }), 'OnlineContrastiveLoss', 'margin');
    expectTesseraError(() => new OnlineContrastiveLoss(table(), { sizeAverage: true } as never), 'OnlineContrastiveLoss', 'sizeAverage');
  });
});

describe.skipIf(!gpu)('OnlineContrastiveLoss: WebGPU agrees with the CPU (tiny BERT, float32)', () => {
  it('value and every parameter gradient', async () => {
    const loss = new OnlineContrastiveLoss(tinySentenceTransformer({ seed: 5 }), { margin: 1.5 });
    await expectLossAgreement(loss, (l, device) => {
      const m = l.model as SentenceTransformer;
      return l.forward(
        [m.tokenize(['a cat sat', 'dogs run fast', 'hello', 'rain', 'blue sky'], device), m.tokenize(['the cat', 'rain today', 'hello there', 'sun', 'green tree'], device)],
        T.tensor([1, 0, 1, 0, 0], { device }),
      );
    });
  });
});
