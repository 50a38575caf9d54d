/**
 * The tests every batch triplet loss gets (BatchAll / BatchHard / BatchHardSoftMargin / BatchSemiHard):
 * T6 known values through computeLossFromEmbeddings and forward, float64 gradcheck with both distance
 * functions, edge cases, bad input, config, and CPU-vs-WebGPU agreement on a tiny BERT.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import type { DeviceName, Tensor } from '@tessera/tensor';
import type { SentenceTransformer } from '@tessera/nn';
import type { Loss } from '@tessera/losses';
import { BatchHardTripletLossDistanceFunction } from '@tessera/losses';
import type { BatchTripletLoss, BatchTripletLossOptions } from '../../src/losses/batch-triplet-shared.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, tinySentenceTransformer } from './models.js';
import { expectTesseraError, givenRowsModel, values } from './modifier-fixtures.js';

type BatchLossClass = new (model: EmbeddingTableModel | SentenceTransformer, options?: BatchTripletLossOptions) => BatchTripletLoss;

/** T6: five 2-d points, label 2 without a positive. */
export const T6_E = [[0, 0], [1, 0], [0, 2], [1, 2], [3, 1]];
export const T6_LABELS = [0, 0, 1, 1, 2];
/** The same points + 0.5 (for the cosine distance, which is undefined at the origin). */
export const T6_E_SHIFTED = T6_E.map((r) => r.map((v) => v + 0.5));

export interface KnownValue {
  options: BatchTripletLossOptions;
  embeddings: number[][];
  labels?: number[];
  value: number;
}

/** `loss.computeLossFromEmbeddings([E], labels)` as a number. */
export function lossOn(loss: BatchTripletLoss, embeddings: number[][], labels: number[]): number {
  return loss.computeLossFromEmbeddings([T.tensor(embeddings, { dtype: 'float64' })], T.tensor(labels, { dtype: 'int32' })).itemSync();
}

/** A float64 embedding-table batch: 8 rows of 1–3 ids, four classes of two. */
const GRAD_ROWS = [[1, 2], [3], [4, 5], [6], [7, 8, 9], [10], [11], [12, 1]];
const GRAD_LABELS = [0, 0, 1, 1, 2, 2, 3, 3];
const TEXTS = ['a cat sat on the mat', 'the cat is on a mat', 'stocks rose sharply today', 'the market went up', 'they voted against the bill', 'parliament rejected the law'];
const TEXT_LABELS = [0, 0, 1, 1, 2, 2];

export function batchTripletSuite(name: string, Cls: BatchLossClass, known: KnownValue[], opts: { hasMargin: boolean; gpu: boolean }): void {
  const dummy = (): EmbeddingTableModel => new EmbeddingTableModel(4, 2);

  describe(`${name}: known values (T6)`, () => {
    for (const k of known) {
      it(`${JSON.stringify(k.options)} on ${k.embeddings === T6_E ? 'E' : 'E + 0.5'}${k.labels ? ` labels ${JSON.stringify(k.labels)}` : ''} = ${k.value}`, () => {
        expect(lossOn(new Cls(dummy(), k.options), k.embeddings, k.labels ?? T6_LABELS)).toBeCloseTo(k.value, 6);
      });
    }

    it('forward embeds the single column once and equals computeLossFromEmbeddings', () => {
      const { model, features } = givenRowsModel([T6_E]);
      const loss = new Cls(model);
      const y = T.tensor(T6_LABELS, { dtype: 'int32' });
      expect(loss.forward(features, y).itemSync()).toBeCloseTo(lossOn(loss, T6_E, T6_LABELS), 12);
      // [B, 1] labels and float labels are accepted too.
      expect(loss.forward(features, T.tensor(T6_LABELS.map((l) => [l]), { dtype: 'float32' })).itemSync()).toBeCloseTo(lossOn(loss, T6_E, T6_LABELS), 12);
    });

    it('the distance metric may be given by name, by the exported function, by the v5 alias, or as any function', () => {
      const byName = lossOn(new Cls(dummy(), { distanceMetric: 'cosine_distance' }), T6_E_SHIFTED, T6_LABELS);
      expect(lossOn(new Cls(dummy(), { distanceMetric: BatchHardTripletLossDistanceFunction.cosine_distance }), T6_E_SHIFTED, T6_LABELS)).toBe(byName);
      const euclid = lossOn(new Cls(dummy()), T6_E, T6_LABELS);
      expect(lossOn(new Cls(dummy(), { distanceMetric: 'eucledian_distance' }), T6_E, T6_LABELS)).toBe(euclid);
      const halved = function halvedEuclidean(e: Tensor): Tensor {
        return BatchHardTripletLossDistanceFunction.euclidean_distance(e).mul(2);
      };
      const custom = new Cls(dummy(), { distanceMetric: halved });
      expect(lossOn(custom, T6_E.map((r) => r.map((v) => v / 2)), T6_LABELS)).toBeCloseTo(euclid, 12);
      expect(custom.getConfigDict().distanceMetric).toBe('halvedEuclidean');
    });
  });

  describe(`${name}: gradients`, () => {
    for (const metric of ['euclidean_distance', 'cosine_distance'] as const) {
      it(`gradcheck in float64 through an embedding table (${metric})`, () => {
        const model = new EmbeddingTableModel(13, 3, { seed: metric.length });
        const loss = new Cls(model, { distanceMetric: metric, ...(opts.hasMargin ? { margin: metric === 'cosine_distance' ? 0.5 : 2 } : {}) });
        const features = [idsFeatures(GRAD_ROWS)];
        const labels = T.tensor(GRAD_LABELS, { dtype: 'int32' });
        expect(loss.forward(features, labels).itemSync()).toBeGreaterThan(0);
        lossGradcheck(loss, () => loss.forward(features, labels));
      });
    }

    it('identical rows (zero distances off the diagonal) keep finite values and gradients', () => {
      const e = T.tensor([[1, 2], [1, 2], [0, 1], [0, 1], [1, 2]], { dtype: 'float64', requiresGrad: true });
      const loss = new Cls(dummy()).computeLossFromEmbeddings([e], T.tensor([0, 0, 1, 1, 2], { dtype: 'int32' }));
      loss.backward();
      expect(Number.isFinite(loss.itemSync())).toBe(true);
      expect(values(e.grad!).every(Number.isFinite)).toBe(true);
    });
  });

  describe(`${name}: bad input`, () => {
    it('names the loss and the argument', () => {
      const { model, features } = givenRowsModel([T6_E]);
      const loss = new Cls(model);
      const y = T.tensor(T6_LABELS, { dtype: 'int32' });
      expectTesseraError(() => loss.forward(features), name, 'labels');
      expectTesseraError(() => loss.forward([features[0]!, features[0]!], y), name, 'features');
      expectTesseraError(() => loss.forward([], y), name, 'features');
      expectTesseraError(() => loss.forward(features, T.tensor([0, 1], { dtype: 'int32' })), name, 'labels', /\[5\]/);
      expectTesseraError(() => loss.forward(features, T.tensor([[0, 1], [0, 1], [1, 1], [1, 1], [2, 2]], { dtype: 'int32' })), name, 'labels');
      expectTesseraError(() => loss.computeLossFromEmbeddings([T.tensor([1, 2, 3], { dtype: 'float64' })], y), name, 'embeddings[0]');
      expectTesseraError(() => loss.computeLossFromEmbeddings([], y), name, 'embeddings');
      expectTesseraError(() => new Cls(model, { distanceMetric: 'manhattan' as never }), name, 'distanceMetric');
      expectTesseraError(() => new Cls(model, { distanceMetric: 3 as never }), name, 'distanceMetric');
      expectTesseraError(() => new Cls(model, { scale: 2 } as never), name, 'scale');
      expectTesseraError(() => new Cls(model, null as never), name, 'options');
      if (opts.hasMargin) expectTesseraError(() => new Cls(model, { margin: Number.NaN }), name, 'margin');
      else expectTesseraError(() => new Cls(model, { margin: 1 }), name, 'margin');
      const bad = new Cls(model, { distanceMetric: (e: Tensor) => e.sum(1) });
      expectTesseraError(() => bad.forward(features, y), name, 'distanceMetric', /\[5, 5\]/);
    });

    it('config and info', () => {
      const loss = new Cls(dummy(), { distanceMetric: 'cosine_distance' });
      expect(loss.getConfigDict()).toEqual(opts.hasMargin ? { distanceMetric: 'cosine_distance', margin: 5 } : { distanceMetric: 'cosine_distance' });
      expect(new Cls(dummy()).getConfigDict().distanceMetric).toBe('euclidean_distance');
      const info = (Cls as unknown as { info: { inputs: string; labels: string; citation?: string } }).info;
      expect(info.labels).toBe('class');
      expect(info.citation).toMatch(/@misc/);
    });
  });

  describe.skipIf(!opts.gpu)(`${name}: CPU vs WebGPU`, () => {
    it('value and every parameter gradient agree on a tiny BERT (float32)', async () => {
      const model = tinySentenceTransformer();
      const loss = new Cls(model, opts.hasMargin ? { margin: 1 } : {});
      const m0 = model as SentenceTransformer;
      expect(loss.forward([m0.tokenize(TEXTS)], T.tensor(TEXT_LABELS, { dtype: 'int32' })).itemSync()).toBeGreaterThan(0);
      await expectLossAgreement(loss as unknown as Loss, (l, device: DeviceName) => {
        const m = l.model as SentenceTransformer;
        return l.forward([m.tokenize(TEXTS, device)], T.tensor(TEXT_LABELS, { dtype: 'int32', device }));
      });
    });
  });
}
