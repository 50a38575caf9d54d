import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import { TesseraError } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';
import { cosSim } from '../src/similarity.js';
import { MegaBatchMarginLoss } from '../src/losses/mega-batch-margin-loss.js';
import type { MegaBatchMarginLossOptions } from '../src/losses/mega-batch-margin-loss.js';
import { EmbeddingTableModel, idsFeatures, lossGradcheck, t } from './support/models.js';
import { expectGradsClose, idColumns, lossValueAndGrads, randomIdColumns, rowsModel, SpyModel } from './support/ranking-fixtures.js';

// T9 (losses.md)
const A = [[1, 0.2], [0.1, 1], [1, 1]];
const P = [[0.9, 0.5], [0.3, 1], [0.6, 1]];

describe('MegaBatchMarginLoss: T9 known values (float64)', () => {
  it('cos rows and the non-mini-batched value 0.546209 with ∂/∂A[0] = [−0.047432, 0.237160]', () => {
    const s = cosSim(t(A), t(P)).arraySync() as number[][];
    const rows = [[0.952424, 0.469613, 0.672673], [0.570215, 0.981665, 0.904432], [0.961524, 0.880471, 0.970143]];
    s.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(rows[i]![j]!, 6)));
    const { model, features, rowOf } = rowsModel([A, P]);
    const loss = new MegaBatchMarginLoss(model, { useMiniBatchedVersion: false });
    expect(loss.cachesGradients).toBe(false);
    const value = loss.forward(features);
    expect(value.itemSync()).toBeCloseTo(0.546209, 6);
    value.backward();
    const g = model.table.grad!.arraySync() as number[][];
    expect(g[rowOf(0, 0)]![0]).toBeCloseTo(-0.047432, 6);
    expect(g[rowOf(0, 0)]![1]).toBeCloseTo(0.23716, 6);
  });

  it('per-row terms [0.372673, 0.604432, 0.661524] (chunks of 1) and chunk parts 0.325701 + 0.220508 (size 2)', () => {
    const a = t(A);
    const p = t(P);
    const loss = new MegaBatchMarginLoss(new EmbeddingTableModel(2, 2));
    expect(loss.computeLossFromEmbeddings([a, p]).itemSync()).toBeCloseTo(0.546209, 6);
    const terms = [0.372673, 0.604432, 0.661524];
    // the chunk parts of a model run: spy on the per-chunk values through a size-1 and a size-2 loss
    const { model, features } = rowsModel([A, P]);
    for (const [miniBatchSize, parts] of [[1, terms.map((x) => x / 3)], [2, [0.325701, 0.220508]]] as const) {
      const seen: number[] = [];
      const l = new MegaBatchMarginLoss(model, { miniBatchSize });
      const original = (l as unknown as { chunkLoss: (r: T.Tensor[], b: number, e: number) => T.Tensor }).chunkLoss.bind(l);
      (l as unknown as { chunkLoss: typeof original }).chunkLoss = (r, b, e) => {
        const part = original(r, b, e);
        seen.push(part.itemSync());
        return part;
      };
      expect(l.forward(features).itemSync()).toBeCloseTo(0.546209, 6);
      expect(seen).toHaveLength(parts.length);
      seen.forEach((v, i) => expect(v).toBeCloseTo(parts[i]!, 6));
    }
  });

  for (const miniBatchSize of [1, 2, 50]) {
    it(`mini-batched (default), miniBatchSize ${miniBatchSize}: 0.546209 with the same gradient`, () => {
      const { model, features, rowOf } = rowsModel([A, P]);
      const loss = new MegaBatchMarginLoss(model, { miniBatchSize });
      expect(loss.cachesGradients).toBe(true);
      const value = loss.forward(features);
      expect(value.itemSync()).toBeCloseTo(0.546209, 6);
      value.backward();
      const g = model.table.grad!.arraySync() as number[][];
      expect(g[rowOf(0, 0)]![0]).toBeCloseTo(-0.047432, 6);
      expect(g[rowOf(0, 0)]![1]).toBeCloseTo(0.23716, 6);
    });
  }
});

describe('MegaBatchMarginLoss: gradients', () => {
  it('gradcheck of the non-mini-batched path through an embedding table (float64)', () => {
    for (const opts of [{}, { positiveMargin: 0.95, negativeMargin: -0.5 }] as MegaBatchMarginLossOptions[]) {
      const model = new EmbeddingTableModel(12, 3, { seed: 2 }); // lossGradcheck leaves its probe parameters in the model
      const loss = new MegaBatchMarginLoss(model, { ...opts, useMiniBatchedVersion: false });
      const features = idColumns(randomIdColumns(2, 5, 12, 3));
      lossGradcheck(loss, () => loss.forward(features));
    }
  });

  it('mini-batched == non-mini-batched (value and gradients) for sizes 1, 2, 3, 50 and with a token budget', () => {
    const model = new EmbeddingTableModel(16, 4, { seed: 5 });
    const features = idColumns(randomIdColumns(2, 7, 16, 17));
    for (const opts of [{}, { positiveMargin: 0.99, negativeMargin: -1 }] as MegaBatchMarginLossOptions[]) {
      const plain = new MegaBatchMarginLoss(model, { ...opts, useMiniBatchedVersion: false });
      const want = lossValueAndGrads(plain, () => plain.forward(features));
      expect(want.value).toBeGreaterThan(0);
      for (const [miniBatchSize, miniBatchNumTokens] of [[1, null], [2, null], [3, null], [50, null], [2, 5], [50, 1]] as const) {
        const mini = new MegaBatchMarginLoss(model, { ...opts, miniBatchSize, miniBatchNumTokens });
        const got = lossValueAndGrads(mini, () => mini.forward(features));
        expect(got.value).toBeCloseTo(want.value, 10);
        expectGradsClose(got.grads, want.grads);
      }
    }
  });

  it('mines negatives on the step-1 embeddings with dropout on; the replay reproduces them bit-for-bit', () => {
    const spy = new SpyModel(new EmbeddingTableModel(16, 4, { seed: 6, dropout: 0.3 }));
    const features = idColumns(randomIdColumns(2, 5, 16, 23));
    const loss = new MegaBatchMarginLoss(spy, { miniBatchSize: 2 });
    const value = loss.forward(features);
    const step1 = spy.calls.slice();
    spy.calls = [];
    value.backward();
    expect(spy.calls.map((c) => c.embedding.join())).toEqual(step1.map((c) => c.embedding.join()));
    expect(spy.training).toBe(true); // the loss does not toggle the mode
  });

  it('the max is differentiated: the hinge on the hardest negative moves the anchor and that positive', () => {
    const a = t([[1, 0], [0, 1]]).requiresGrad_(true);
    const p = t([[1, 0.1], [0.9, 1]]).requiresGrad_(true);
    const loss = new MegaBatchMarginLoss(new EmbeddingTableModel(2, 2), { positiveMargin: 0, negativeMargin: 0 });
    loss.computeLossFromEmbeddings([a, p]).backward();
    // row 0's hardest negative is p[1]; row 1's is p[0]; both hinges are active
    const gp = p.grad!.arraySync() as number[][];
    expect(Math.abs(gp[0]![0]!) + Math.abs(gp[0]![1]!)).toBeGreaterThan(0);
    expect(Math.abs(gp[1]![0]!) + Math.abs(gp[1]![1]!)).toBeGreaterThan(0);
  });
});

describe('MegaBatchMarginLoss: edge cases, options and bad input', () => {
  const model = new EmbeddingTableModel(6, 2);
  const err = (fn: () => unknown, arg: string): void => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(TesseraError);
      expect((e as TesseraError).op).toBe('MegaBatchMarginLoss');
      expect((e as TesseraError).arg).toBe(arg);
      return;
    }
    throw new Error(`expected a TesseraError for ${arg}`);
  };

  it('B = 1: no negative (−∞), the second term is 0 and the gradient finite', () => {
    for (const useMiniBatchedVersion of [false, true]) {
      const { model: m, features } = rowsModel([[[1, 0.2]], [[0.2, 1]]]);
      const loss = new MegaBatchMarginLoss(m, { useMiniBatchedVersion });
      const value = loss.forward(features);
      const cos = (1 * 0.2 + 0.2 * 1) / (Math.hypot(1, 0.2) * Math.hypot(0.2, 1));
      expect(value.itemSync()).toBeCloseTo(0.8 - cos, 10);
      value.backward();
      expect(Array.from(m.table.grad!.dataSync()).every(Number.isFinite)).toBe(true);
    }
  });

  it('duplicate rows and a non-dividing chunk size agree on both paths', () => {
    const m = new EmbeddingTableModel(8, 3, { seed: 1 });
    const features = idColumns([[[1, 2], [3], [1, 2], [4], [5, 6]], [[2], [5, 1], [2], [7], [3]]]);
    const plain = new MegaBatchMarginLoss(m, { useMiniBatchedVersion: false });
    const want = lossValueAndGrads(plain, () => plain.forward(features));
    const mini = new MegaBatchMarginLoss(m, { miniBatchSize: 3 });
    const got = lossValueAndGrads(mini, () => mini.forward(features));
    expect(got.value).toBeCloseTo(want.value, 10);
    expectGradsClose(got.grads, want.grads);
  });

  it('evaluates under noGrad on both paths', () => {
    const { model: m, features } = rowsModel([A, P]);
    for (const useMiniBatchedVersion of [false, true]) {
      const v = noGrad(() => new MegaBatchMarginLoss(m, { useMiniBatchedVersion, miniBatchSize: 2 }).forward(features));
      expect(v.requiresGrad).toBe(false);
      expect(v.itemSync()).toBeCloseTo(0.546209, 6);
    }
  });

  it('defaults, getConfigDict (ST keys), info', () => {
    const loss = new MegaBatchMarginLoss(model);
    expect(loss.getConfigDict()).toEqual({ positiveMargin: 0.8, negativeMargin: 0.3, miniBatchSize: 50, miniBatchNumTokens: null });
    expect(loss.useMiniBatchedVersion).toBe(true);
    expect(loss.showProgressBar).toBe(false);
    expect(MegaBatchMarginLoss.info.citation).toContain('P18-1042');
    loss.positiveMargin = 0.5;
    expect(loss.getConfigDict().positiveMargin).toBe(0.5);
  });

  it('requires exactly 2 columns and matching shapes; rejects bad options', () => {
    const three = [idsFeatures([[1], [2]]), idsFeatures([[3], [4]]), idsFeatures([[5], [1]])];
    err(() => new MegaBatchMarginLoss(model).forward(three), 'features');
    err(() => new MegaBatchMarginLoss(model, { useMiniBatchedVersion: false }).forward(three), 'features');
    err(() => new MegaBatchMarginLoss(model).forward([idsFeatures([[1], [2]])]), 'features');
    expect(() => new MegaBatchMarginLoss(model).forward(three)).toThrow(/exactly 2/);
    err(() => new MegaBatchMarginLoss(model).computeLossFromEmbeddings([t(A), t(P), t(P)]), 'embeddings');
    err(() => new MegaBatchMarginLoss(model).computeLossFromEmbeddings([t(A), t([[1, 2, 3]])]), 'embeddings[1]');
    err(() => new MegaBatchMarginLoss(model).forward([idsFeatures([[1], [2]]), idsFeatures([[1]])]), 'features[1]');
    err(() => new MegaBatchMarginLoss(model, { useMiniBatchedVersion: false }).forward([idsFeatures([[1], [2]]), idsFeatures([[1]])]), 'embeddings[1]');
    err(() => new MegaBatchMarginLoss(model, { miniBatchSize: 0 }), 'miniBatchSize');
    err(() => new MegaBatchMarginLoss(model, { miniBatchNumTokens: -1 }), 'miniBatchNumTokens');
    err(() => new MegaBatchMarginLoss(model, { positiveMargin: Number.NaN }), 'positiveMargin');
    err(() => new MegaBatchMarginLoss(model, { negativeMargin: 'x' as unknown as number }), 'negativeMargin');
    err(() => new MegaBatchMarginLoss(model, { useMiniBatchedVersion: 1 as unknown as boolean }), 'useMiniBatchedVersion');
    err(() => new MegaBatchMarginLoss(model, { margin: 0.2 } as MegaBatchMarginLossOptions), 'margin');
    const loss = new MegaBatchMarginLoss(model);
    err(() => (loss.miniBatchSize = 1.5), 'miniBatchSize');
  });
});
