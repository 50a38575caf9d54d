/** ContrastiveLoss: spec T4 values, linearity in the labels, the one-time label warning, gradcheck per metric, WebGPU agreement, bad input. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import * as T from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { requireWebGPU } from '@tessera/tensor/testing';
import type { SentenceTransformer } from '@tessera/nn';
import { SiameseDistanceMetric } from '../src/distances.js';
import { ContrastiveLoss } from '../src/losses/contrastive-loss.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, t, tinySentenceTransformer } from './support/models.js';
import { close, expectTesseraError } from './support/expect.js';

const gpu = await requireWebGPU();


const U = [[1, 0], [1, 1], [0, 1], [1, 2], [2, 1]];
const V = [[1, 0.2], [1, -1], [1, 1], [2, 1], [2, 1.1]];
const Y = [1, 0, 1, 0, 1];
const table = (): EmbeddingTableModel => new EmbeddingTableModel(12, 4, { seed: 11 });
const colA = idsFeatures([[1, 2], [3], [4, 5, 6], [2, 7]]);
const colB = idsFeatures([[7], [8, 9], [10, 11], [1]]);
const labels = t([1, 0, 1, 0]);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ContrastiveLoss: known values (spec T4)', () => {
  it('cosine distances and the mean / sum losses (margin 0.5)', () => {
    const d = SiameseDistanceMetric.COSINE_DISTANCE(t(U), t(V)).dataSync();
    [0.019419, 1, 0.292893, 0.2, 0.000768].forEach((c, i) => close(d[i]!, c));
    close(new ContrastiveLoss(table()).computeLossFromEmbeddings([t(U), t(V)], t(Y)).itemSync(), 0.017616);
    close(new ContrastiveLoss(table(), { sizeAverage: false }).computeLossFromEmbeddings([t(U), t(V)], t(Y)).itemSync(), 0.088082);
  });

  it('EUCLIDEAN with the +1e-6 inside the norm: distances and loss 0.105', () => {
    const d = SiameseDistanceMetric.EUCLIDEAN(t(U), t(V)).dataSync();
    [0.199999, 2.000001, 0.999999, 1.414214, 0.099999].forEach((c, i) => close(d[i]!, c));
    close(new ContrastiveLoss(table(), { distanceMetric: 'euclidean' }).computeLossFromEmbeddings([t(U), t(V)], t(Y)).itemSync(), 0.105);
  });

  it('metrics by member, name or function; config records the member name', () => {
    expect(new ContrastiveLoss(table()).getConfigDict()).toEqual({ distance_metric: 'SiameseDistanceMetric.COSINE_DISTANCE', margin: 0.5, size_average: true });
    expect(new ContrastiveLoss(table(), { distanceMetric: SiameseDistanceMetric.MANHATTAN, margin: 2, sizeAverage: false }).getConfigDict()).toEqual({
      distance_metric: 'SiameseDistanceMetric.MANHATTAN',
      margin: 2,
      size_average: false,
    });
    expect(new ContrastiveLoss(table(), { distanceMetric: 'EUCLIDEAN' }).distanceMetric).toBe(SiameseDistanceMetric.EUCLIDEAN);
    const custom = new ContrastiveLoss(table(), { distanceMetric: function chebyshev(a: Tensor, b: Tensor) { return a.sub(b).abs().amax(-1); } });
    expect(custom.getConfigDict().distance_metric).toBe('chebyshev');
    // Manhattan by hand: |a − b + 1e-6| summed.
    const m = new ContrastiveLoss(table(), { distanceMetric: 'manhattan', margin: 1 }).computeLossFromEmbeddings([t([[0, 0], [1, 1]]), t([[1, 1], [1, 1.5]])], t([1, 0])).itemSync();
    const d0 = 2 * (1 - 1e-6);
    const d1 = 1e-6 + (0.5 - 1e-6);
    close(m, 0.5 * (d0 ** 2 + (1 - d1) ** 2) / 2, 1e-9);
  });
});

describe('ContrastiveLoss: labels', () => {
  it('is linear in y (float labels accepted)', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const loss = new ContrastiveLoss(table(), { margin: 1.5 });
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 16, maxLength: 16 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.double({ min: -1, max: 2, noNaN: true }),
        (values, y1, y2, alpha) => {
          const a = T.tensor(values.slice(0, 8), { dtype: 'float64', shape: [4, 2] }).add(0.05);
          const b = T.tensor(values.slice(8), { dtype: 'float64', shape: [4, 2] }).sub(0.05);
          const at = (y: number[]): number => loss.computeLossFromEmbeddings([a, b], t(y)).itemSync();
          const mixed = at(y1.map((v, i) => alpha * v + (1 - alpha) * y2[i]!));
          close(mixed, alpha * at(y1) + (1 - alpha) * at(y2), 1e-9 * (1 + Math.abs(mixed)));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('warns once, on the first batch only, when a label is neither 0 nor 1', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const loss = new ContrastiveLoss(table());
    loss.computeLossFromEmbeddings([t(U), t(V)], t([1, 0.5, 1, 0, 1]));
    loss.computeLossFromEmbeddings([t(U), t(V)], t([1, 0.5, 1, 0, 1]));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('ContrastiveLoss');
    const quiet = new ContrastiveLoss(table());
    quiet.computeLossFromEmbeddings([t(U), t(V)], t(Y));
    quiet.computeLossFromEmbeddings([t(U), t(V)], t([0.3, 0, 1, 0, 1]));
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('ContrastiveLoss: gradcheck (float64, embedding table)', () => {
  for (const metric of ['cosine_distance', 'euclidean', 'manhattan'] as const) {
    it(`${metric}, mean and sum`, () => {
      const margin = metric === 'cosine_distance' ? 0.8 : 3;
      const mean = new ContrastiveLoss(table(), { distanceMetric: metric, margin });
      lossGradcheck(mean, () => mean.forward([colA, colB], labels));
      const sum = new ContrastiveLoss(table(), { distanceMetric: metric, margin, sizeAverage: false });
      lossGradcheck(sum, () => sum.forward([colA, colB], labels));
    });
  }
});

describe('ContrastiveLoss: bad input', () => {
  it('names the loss and the argument', () => {
    const loss = new ContrastiveLoss(table());
    expectTesseraError(() => loss.forward([colA, colB, colA], labels), 'ContrastiveLoss', 'features');
    expectTesseraError(() => loss.forward([colA, colB]), 'ContrastiveLoss', 'labels');
    expectTesseraError(() => loss.forward([colA, colB], t([1, 0])), 'ContrastiveLoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(U)], t(Y)), 'ContrastiveLoss', 'embeddings');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(U), t([[1, 2, 3]])], t(Y)), 'ContrastiveLoss', 'embeddings[1]');
    expectTesseraError(() => new ContrastiveLoss(table(), { distanceMetric: 'cosine' as never }), 'ContrastiveLoss', 'distanceMetric');
    expectTesseraError(() => new ContrastiveLoss(table(), { margin: Number.POSITIVE_INFINITY }), 'ContrastiveLoss', 'margin');
    expectTesseraError(() => new ContrastiveLoss(table(), { sizeAverage: 1 as never }), 'ContrastiveLoss', 'sizeAverage');
    expectTesseraError(() => new ContrastiveLoss(table(), { size_average: false } as never), 'ContrastiveLoss', 'size_average');
  });
});

describe.skipIf(!gpu)('ContrastiveLoss: WebGPU agrees with the CPU (tiny BERT, float32)', () => {
  it('the non-binary label warning also fires for labels on the GPU (read asynchronously)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const loss = new ContrastiveLoss(table());
    const on = (m: number[][]): Tensor => T.tensor(m, { device: 'webgpu' });
    loss.computeLossFromEmbeddings([on(U), on(V)], T.tensor([1, 0.5, 1, 0, 1], { device: 'webgpu' }));
    await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(1));
  });

  for (const metric of ['cosine_distance', 'euclidean'] as const) {
    it(`${metric}: value and every parameter gradient`, async () => {
      const loss = new ContrastiveLoss(tinySentenceTransformer({ seed: 4 }), { distanceMetric: metric, margin: metric === 'euclidean' ? 4 : 0.5 });
      await expectLossAgreement(loss, (l, device) => {
        const m = l.model as SentenceTransformer;
        return l.forward([m.tokenize(['a cat sat', 'dogs run fast', 'hello'], device), m.tokenize(['the cat', 'rain today', 'hello there'], device)], T.tensor([1, 0, 1], { device }));
      });
    });
  }
});
