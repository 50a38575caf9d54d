import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import * as T from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { TesseraError } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';
import type { Features } from '@tessera/nn';
import { gradCache } from '../src/gradcache.js';
import { Loss } from '../src/loss.js';
import { dotScore } from '../src/similarity.js';
import { MultipleNegativesRankingLoss, mnrlRowLosses } from '../src/losses/multiple-negatives-ranking-loss.js';
import type { MultipleNegativesRankingLossOptions } from '../src/losses/multiple-negatives-ranking-loss.js';
import { CachedMultipleNegativesRankingLoss } from '../src/losses/cached-multiple-negatives-ranking-loss.js';
import { CachedMultipleNegativesSymmetricRankingLoss } from '../src/losses/cached-multiple-negatives-symmetric-ranking-loss.js';
import { MultipleNegativesSymmetricRankingLoss } from '../src/losses/multiple-negatives-symmetric-ranking-loss.js';
import { EmbeddingTableModel, idsFeatures } from './support/models.js';
import { expectGradsClose, idColumns, lossValueAndGrads, randomIdColumns, rowsModel, SpyModel } from './support/ranking-fixtures.js';

const A = [[1, 0.5], [0.8, 1]];
const P = [[1, 0.3], [0.5, 1]];
const N = [[0.9, 0.6], [1, 0.7]];

afterEach(() => {
  vi.restoreAllMocks();
});

const CONFIGS: [string, MultipleNegativesRankingLossOptions][] = [
  ['defaults', {}],
  ['symmetric per_direction', { directions: ['query_to_doc', 'doc_to_query'], partitionMode: 'per_direction' }],
  ['all four directions joint', { directions: ['query_to_doc', 'query_to_query', 'doc_to_query', 'doc_to_doc'] }],
  ['in_batch_negatives α=9', { hardnessMode: 'in_batch_negatives', hardnessStrength: 9 }],
  ['hard_negatives α=5', { hardnessMode: 'hard_negatives', hardnessStrength: 5 }],
  ['all_negatives α=5, doc_to_query joint', { hardnessMode: 'all_negatives', hardnessStrength: 5, directions: ['query_to_doc', 'doc_to_query'] }],
  ['dotScore scale 1', { similarityFct: dotScore, scale: 1 }],
];

describe('CachedMultipleNegativesRankingLoss: T2 known values through GradCache (float64)', () => {
  for (const miniBatchSize of [1, 2, 32]) {
    it(`miniBatchSize ${miniBatchSize}: every T2 MNRL value, and the MNRL gradients`, () => {
      const cases: [MultipleNegativesRankingLossOptions, number[][][], number][] = [
        [{}, [A, P], 0.034161],
        [{}, [A, P, N], 1.017453],
        [{ similarityFct: dotScore, scale: 1 }, [A, P], 0.587656],
        [{ directions: ['query_to_doc', 'query_to_query', 'doc_to_query', 'doc_to_doc'] }, [A, P], 0.833511],
        [{ directions: ['query_to_doc', 'query_to_query', 'doc_to_query', 'doc_to_doc'] }, [A, P, N], 1.464331],
        [{ directions: ['query_to_doc', 'doc_to_query'], partitionMode: 'per_direction' }, [A, P], 0.033632],
        [{ directions: ['query_to_doc', 'doc_to_query'], partitionMode: 'per_direction' }, [A, P, N], 0.525278],
        [{ directions: ['query_to_doc', 'doc_to_query'] }, [A, P], 0.726807],
        [{ hardnessMode: 'in_batch_negatives', hardnessStrength: 9 }, [A, P], 3.921103],
        [{ hardnessMode: 'hard_negatives', hardnessStrength: 5 }, [A, P, N], 4.784032],
        [{ hardnessMode: 'all_negatives', hardnessStrength: 5 }, [A, P, N], 5.418053],
      ];
      for (const [opts, columns, want] of cases) {
        const { model, features } = rowsModel(columns);
        const loss = new CachedMultipleNegativesRankingLoss(model, { ...opts, miniBatchSize });
        expect(loss.forward(features).itemSync()).toBeCloseTo(want, 6);
      }
      const { model, features, rowOf } = rowsModel([A, P, N]);
      const loss = new CachedMultipleNegativesRankingLoss(model, { miniBatchSize });
      loss.forward(features).backward();
      expect((model.table.grad!.arraySync() as number[][])[rowOf(2, 0)]![1]).toBeCloseTo(0.266968, 6);
      const pair = rowsModel([A, P]);
      const loss2 = new CachedMultipleNegativesRankingLoss(pair.model, { miniBatchSize });
      loss2.forward(pair.features).backward();
      const g = pair.model.table.grad!.arraySync() as number[][];
      expect(g[pair.rowOf(0, 0)]![0]).toBeCloseTo(-0.074134, 6);
      expect(g[pair.rowOf(0, 1)]![1]).toBeCloseTo(-0.163364, 6);
      expect(g[pair.rowOf(1, 0)]![0]).toBeCloseTo(-0.056017, 6);
    });
  }

  it('computeLossFromEmbeddings gives the MNRL value', () => {
    const model = new EmbeddingTableModel(3, 2);
    const loss = new CachedMultipleNegativesRankingLoss(model);
    expect(loss.computeLossFromEmbeddings([T.tensor(A, { dtype: 'float64' }), T.tensor(P, { dtype: 'float64' })]).itemSync()).toBeCloseTo(0.034161, 6);
  });
});

describe('CachedMultipleNegativesRankingLoss equals MultipleNegativesRankingLoss (value and every gradient)', () => {
  const ids = randomIdColumns(3, 7, 16, 21);
  for (const [name, opts] of CONFIGS) {
    for (const k of [2, 3]) {
      it(`${name}, ${k} columns, miniBatchSize 1, 2, 3, 50 on 7 rows`, () => {
        const model = new EmbeddingTableModel(16, 5, { seed: 1 });
        const features = idColumns(ids.slice(0, k));
        const plain = new MultipleNegativesRankingLoss(model, opts);
        const want = lossValueAndGrads(plain, () => plain.forward(features));
        for (const miniBatchSize of [1, 2, 3, 50]) {
          const cached = new CachedMultipleNegativesRankingLoss(model, { ...opts, miniBatchSize });
          const got = lossValueAndGrads(cached, () => cached.forward(features));
          expect(got.value).toBeCloseTo(want.value, 10);
          expectGradsClose(got.grads, want.grads);
        }
      });
    }
  }

  it('property: any batch size, column count, chunk size, token budget and config', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 1, max: 7 }),
        fc.option(fc.integer({ min: 1, max: 12 }), { nil: null }),
        fc.integer({ min: 0, max: CONFIGS.length - 1 }),
        fc.integer({ min: 0, max: 1000 }),
        (rows, k, miniBatchSize, miniBatchNumTokens, config, seed) => {
          const model = new EmbeddingTableModel(10, 3, { seed });
          const features = idColumns(randomIdColumns(k, rows, 10, seed));
          const opts = CONFIGS[config]![1];
          const plain = new MultipleNegativesRankingLoss(model, opts);
          const want = lossValueAndGrads(plain, () => plain.forward(features));
          const cached = new CachedMultipleNegativesRankingLoss(model, { ...opts, miniBatchSize, miniBatchNumTokens });
          const got = lossValueAndGrads(cached, () => cached.forward(features));
          expect(got.value).toBeCloseTo(want.value, 10);
          expectGradsClose(got.grads, want.grads);
        },
      ),
      { numRuns: 25, seed: 42 },
    );
  });

  it('with miniBatchNumTokens (token-budget embedding chunks; anchor chunks still miniBatchSize)', () => {
    const model = new EmbeddingTableModel(16, 5, { seed: 2 });
    const spy = new SpyModel(model);
    const features = idColumns(ids);
    for (const [, opts] of CONFIGS.slice(0, 3)) {
      const plain = new MultipleNegativesRankingLoss(spy, opts);
      const want = lossValueAndGrads(plain, () => plain.forward(features));
      for (const [miniBatchNumTokens, miniBatchSize] of [[1, 3], [6, 2], [9, 50], [1000, 4]] as const) {
        const cached = new CachedMultipleNegativesRankingLoss(spy, { ...opts, miniBatchSize, miniBatchNumTokens });
        spy.calls = [];
        const got = lossValueAndGrads(cached, () => cached.forward(features));
        expect(got.value).toBeCloseTo(want.value, 10);
        expectGradsClose(got.grads, want.grads);
        const step1 = spy.calls.filter((c) => !c.grad);
        // every chunk holds at most the budget (or a single longer row), and is trimmed to its own width
        const mask = features.map((f) => f.attentionMask!.sum(1).dataSync());
        let column = 0;
        let row = 0;
        for (const c of step1) {
          const counts = Array.from(mask[column]!.slice(row, row + c.rows));
          expect(c.rows === 1 || counts.reduce((a, b) => a + b, 0) <= miniBatchNumTokens).toBe(true);
          expect(c.width).toBe(Math.max(...counts));
          row += c.rows;
          if (row === 7) [column, row] = [column + 1, 0];
        }
        expect(column).toBe(3);
        if (miniBatchNumTokens === 1) expect(step1).toHaveLength(21);
        if (miniBatchNumTokens === 1000) expect(step1).toHaveLength(3);
      }
    }
  });

  it('duplicate rows in the batch (false negatives) and B = 1 agree too', () => {
    const model = new EmbeddingTableModel(8, 4, { seed: 4 });
    const dup = idColumns([[[1, 2], [3], [1, 2], [4, 5, 6]], [[2], [5, 1], [2], [7]], [[3, 3], [6], [3, 3], [1]]]);
    const one = idColumns([[[1, 2]], [[3]]]);
    for (const [features, opts] of [[dup, CONFIGS[2]![1]], [dup, {}], [one, {}], [one, CONFIGS[2]![1]]] as const) {
      const plain = new MultipleNegativesRankingLoss(model, opts);
      const want = lossValueAndGrads(plain, () => plain.forward(features));
      for (const miniBatchSize of [1, 3]) {
        const cached = new CachedMultipleNegativesRankingLoss(model, { ...opts, miniBatchSize });
        const got = lossValueAndGrads(cached, () => cached.forward(features));
        expect(got.value).toBeCloseTo(want.value, 10);
        expectGradsClose(got.grads, want.grads);
      }
    }
    // B = 1 with pairs and defaults → 0
    const cached = new CachedMultipleNegativesRankingLoss(model);
    expect(cached.forward(one).itemSync()).toBe(0);
  });
});

describe('CachedMultipleNegativesRankingLoss: GradCache behaviour', () => {
  const ids = randomIdColumns(3, 7, 12, 5);
  const features = idColumns(ids);

  it('with dropout on, step 3 re-embeds every chunk bit-for-bit as step 1 did', () => {
    const spy = new SpyModel(new EmbeddingTableModel(12, 4, { seed: 6, dropout: 0.3 }));
    const loss = new CachedMultipleNegativesRankingLoss(spy, { miniBatchSize: 3 });
    T.manualSeed(123);
    const value = loss.forward(features);
    const step1 = spy.calls.slice();
    expect(step1.every((c) => !c.grad)).toBe(true);
    expect(step1.map((c) => c.rows)).toEqual([3, 3, 1, 3, 3, 1, 3, 3, 1]);
    spy.calls = [];
    value.backward();
    const step3 = spy.calls;
    expect(step3.every((c) => c.grad)).toBe(true);
    expect(step3).toHaveLength(step1.length);
    step3.forEach((c, i) => expect(Array.from(c.embedding)).toEqual(Array.from(step1[i]!.embedding)));
    // dropout really acted: eval-mode embeddings differ
    spy.eval();
    spy.calls = [];
    noGrad(() => spy.forward(features[0]!));
    expect(Array.from(spy.calls[0]!.embedding.slice(0, 12))).not.toEqual(Array.from(step1[0]!.embedding));
    spy.train();
  });

  it('with dropout on, the gradient is the gradient of the loss’s own value (central differences, same RNG state)', () => {
    const model = new EmbeddingTableModel(12, 3, { seed: 8, dropout: 0.25 });
    const loss = new CachedMultipleNegativesRankingLoss(model, { miniBatchSize: 2, directions: ['query_to_doc', 'doc_to_query'] });
    const seed = T.defaultGenerator.getState();
    const valueAt = (table: Float64Array): number => {
      model.loadStateDict({ table: T.tensor(table, { dtype: 'float64', shape: [12, 3] }) });
      return T.withRngState(seed, () => noGrad(() => loss.forward(features).itemSync()));
    };
    const base = Float64Array.from(model.table.dataSync());
    const analytical = T.withRngState(seed, () => lossValueAndGrads(loss, () => loss.forward(features)));
    expect(analytical.value).toBeCloseTo(valueAt(base), 12);
    const g = analytical.grads.get('model.table')!;
    const eps = 1e-6;
    for (let j = 0; j < base.length; j++) {
      const plus = Float64Array.from(base);
      plus[j]! += eps;
      const minus = Float64Array.from(base);
      minus[j]! -= eps;
      const numerical = (valueAt(plus) - valueAt(minus)) / (2 * eps);
      expect(Math.abs(g[j]! - numerical)).toBeLessThan(1e-6 + 1e-4 * Math.abs(numerical));
    }
    model.loadStateDict({ table: T.tensor(base, { dtype: 'float64', shape: [12, 3] }) });
    // and it differs from the plain MNRL (different dropout draws), as the spec says it may
    const plain = new MultipleNegativesRankingLoss(model, { directions: ['query_to_doc', 'doc_to_query'] });
    expect(T.withRngState(seed, () => noGrad(() => plain.forward(features).itemSync()))).not.toBeCloseTo(analytical.value, 6);
  });

  it('is computable under noGrad in train and eval mode (no replay, same value)', () => {
    const model = new EmbeddingTableModel(12, 4, { seed: 7, dropout: 0.2 });
    const loss = new CachedMultipleNegativesRankingLoss(model, { miniBatchSize: 2 });
    const plain = new MultipleNegativesRankingLoss(model);
    loss.eval();
    const evalValue = noGrad(() => loss.forward(features));
    expect(evalValue.requiresGrad).toBe(false);
    expect(evalValue.itemSync()).toBeCloseTo(noGrad(() => plain.forward(features).itemSync()), 12);
    loss.train();
    const seed = T.defaultGenerator.getState();
    const trainValue = T.withRngState(seed, () => noGrad(() => loss.forward(features).itemSync()));
    expect(Number.isFinite(trainValue)).toBe(true);
    expect(trainValue).not.toBeCloseTo(evalValue.itemSync(), 6);
    expect(T.withRngState(seed, () => loss.forward(features).itemSync())).toBeCloseTo(trainValue, 12);
  });

  it('multiplying the returned loss by 0.5 (or 0.25) scales every gradient by the same factor', () => {
    const model = new EmbeddingTableModel(12, 4, { seed: 9, dropout: 0.2 });
    const loss = new CachedMultipleNegativesRankingLoss(model, { miniBatchSize: 3 });
    const seed = T.defaultGenerator.getState();
    const full = T.withRngState(seed, () => lossValueAndGrads(loss, () => loss.forward(features)));
    for (const factor of [0.5, 0.25]) {
      const scaled = T.withRngState(seed, () => lossValueAndGrads(loss, () => loss.forward(features), factor));
      expect(scaled.value).toBe(full.value);
      const g = scaled.grads.get('model.table')!;
      const w = full.grads.get('model.table')!;
      for (let i = 0; i < w.length; i++) expect(g[i]).toBeCloseTo(w[i]! * factor, 12);
    }
  });

  it('two forward calls summed before one backward equal two separate losses (dropout on)', () => {
    const model = new EmbeddingTableModel(12, 4, { seed: 10, dropout: 0.3 });
    const loss = new CachedMultipleNegativesRankingLoss(model, { miniBatchSize: 2 });
    const other = idColumns(randomIdColumns(3, 5, 12, 99));
    const seed = T.defaultGenerator.getState();
    const together = T.withRngState(seed, () => lossValueAndGrads(loss, () => loss.forward(features).add(loss.forward(other))));
    const separate = T.withRngState(seed, () => {
      const first = lossValueAndGrads(loss, () => loss.forward(features));
      const second = lossValueAndGrads(loss, () => loss.forward(other));
      return { value: first.value + second.value, grads: new Map([...first.grads].map(([n, g]) => [n, g.map((x, i) => x + second.grads.get(n)![i]!)])) };
    });
    expect(together.value).toBeCloseTo(separate.value, 12);
    expectGradsClose(together.grads, separate.grads, 1e-10, 1e-12);
  });

  it('a loss that leaves a column unused raises an error naming the column', () => {
    class FirstTwoColumns extends Loss {
      override readonly cachesGradients = true;
      forward(f: Features[]): Tensor {
        return gradCache(this, f, (reps, b, e) => mnrlRowLosses(inner, reps.slice(0, 2), b, e).sum().div(7), { miniBatchSize: 3, miniBatchNumTokens: null });
      }
    }
    const model = new EmbeddingTableModel(12, 4);
    const inner = new MultipleNegativesRankingLoss(model);
    expect(() => new FirstTwoColumns(model).forward(features)).toThrow(/FirstTwoColumns: argument 'features\[2\]' \(column 2\) received no gradient/);
  });

  it('the returned loss is a scalar that requires grad; parameters are the model’s', () => {
    const model = new EmbeddingTableModel(12, 4);
    const loss = new CachedMultipleNegativesRankingLoss(model);
    const v = loss.forward(features);
    expect(v.ndim).toBe(0);
    expect(v.requiresGrad).toBe(true);
    expect(loss.cachesGradients).toBe(true);
    expect(loss.namedParameters().map(([n]) => n)).toEqual(['model.table']);
  });
});

describe('CachedMultipleNegativesRankingLoss: options', () => {
  const model = new EmbeddingTableModel(6, 2);
  const err = (fn: () => unknown, arg: string, op = 'CachedMultipleNegativesRankingLoss'): void => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(TesseraError);
      expect((e as TesseraError).op).toBe(op);
      expect((e as TesseraError).arg).toBe(arg);
      return;
    }
    throw new Error(`expected a TesseraError for ${arg}`);
  };

  it('defaults and getConfigDict', () => {
    const loss = new CachedMultipleNegativesRankingLoss(model);
    expect(loss.getConfigDict()).toEqual({
      scale: 20,
      similarityFct: 'cos_sim',
      miniBatchSize: 32,
      miniBatchNumTokens: null,
      gatherAcrossDevices: false,
      directions: ['query_to_doc'],
      partitionMode: 'joint',
      hardnessMode: null,
      hardnessStrength: 0,
    });
    expect(loss.showProgressBar).toBe(false);
    expect(CachedMultipleNegativesRankingLoss.info.citation).toContain('2101.06983');
    expect(new CachedMultipleNegativesRankingLoss(model, { showProgressBar: true }).showProgressBar).toBe(true);
  });

  it('reading and assigning hyper-parameters reaches the inner MNRL (validated, errors name the cached loss)', () => {
    const loss = new CachedMultipleNegativesRankingLoss(model, { scale: 10 });
    expect(loss.scale).toBe(10);
    expect(loss.mnrl.scale).toBe(10);
    loss.scale = 5;
    expect(loss.mnrl.scale).toBe(5);
    expect(loss.temperature).toBeCloseTo(0.2, 12);
    loss.directions = ['query_to_doc', 'doc_to_query'];
    loss.partitionMode = 'per_direction';
    loss.hardnessMode = 'all_negatives';
    loss.hardnessStrength = 2;
    loss.similarityFct = dotScore;
    expect(loss.mnrl.getConfigDict()).toMatchObject({ scale: 5, directions: ['query_to_doc', 'doc_to_query'], partitionMode: 'per_direction', hardnessMode: 'all_negatives', hardnessStrength: 2, similarityFct: 'dot_score' });
    expect(loss.getConfigDict()).toMatchObject({ scale: 5, partitionMode: 'per_direction', similarityFct: 'dot_score' });
    err(() => (loss.scale = -1), 'scale');
    err(() => (loss.directions = ['query_to_doc', 'doc_to_doc']), 'partitionMode');
    err(() => (loss.gatherAcrossDevices = true), 'gatherAcrossDevices');
    loss.miniBatchSize = 4;
    expect(loss.getConfigDict().miniBatchSize).toBe(4);
    err(() => (loss.miniBatchSize = 0), 'miniBatchSize');
    err(() => (loss.miniBatchNumTokens = -3), 'miniBatchNumTokens');
  });

  it('rejects bad options and inputs, naming the loss and the argument', () => {
    err(() => new CachedMultipleNegativesRankingLoss(model, { miniBatchSize: 0 }), 'miniBatchSize');
    err(() => new CachedMultipleNegativesRankingLoss(model, { miniBatchSize: 2.5 }), 'miniBatchSize');
    err(() => new CachedMultipleNegativesRankingLoss(model, { miniBatchNumTokens: 0 }), 'miniBatchNumTokens');
    err(() => new CachedMultipleNegativesRankingLoss(model, { scale: 0 }), 'scale');
    err(() => new CachedMultipleNegativesRankingLoss(model, { directions: ['doc_to_query'] }), 'directions');
    err(() => new CachedMultipleNegativesRankingLoss(model, { partitionMode: 'per_direction', directions: ['query_to_doc', 'query_to_query'] }), 'partitionMode');
    err(() => new CachedMultipleNegativesRankingLoss(model, { hardnessMode: 'x' as 'hard_negatives' }), 'hardnessMode');
    err(() => new CachedMultipleNegativesRankingLoss(model, { gatherAcrossDevices: true }), 'gatherAcrossDevices');
    err(() => new CachedMultipleNegativesRankingLoss(model, { mini_batch_size: 4 } as never), 'mini_batch_size');
    const loss = new CachedMultipleNegativesRankingLoss(model);
    err(() => loss.forward([idsFeatures([[1], [2]])]), 'features');
    err(() => loss.forward([idsFeatures([[1], [2]]), idsFeatures([[1]])]), 'features[1]');
    err(() => loss.computeLossFromEmbeddings([T.tensor(A, { dtype: 'float64' })]), 'embeddings');
    err(() => loss.computeLossFromEmbeddings([T.tensor(A, { dtype: 'float64' }), T.tensor([[1, 2, 3], [1, 2, 3]], { dtype: 'float64' })]), 'embeddings[1]');
    const noMask = { inputIds: T.tensor([[1], [2]], { dtype: 'int32' }) };
    expect(() => new CachedMultipleNegativesRankingLoss(model, { miniBatchNumTokens: 4 }).forward([noMask, noMask])).toThrow(/attentionMask/);
  });

  it('a hardness mode with strength 0 warns, naming the cached loss', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    new CachedMultipleNegativesRankingLoss(model, { hardnessMode: 'hard_negatives' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/^CachedMultipleNegativesRankingLoss: hardnessMode='hard_negatives'/);
  });
});

describe('CachedMultipleNegativesSymmetricRankingLoss (deprecated preset of CMNRL)', () => {
  it('T2: 0.033632 (A,P) and 0.525278 (A,P,N) for miniBatchSize 1, 2, 32; warns once', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    for (const miniBatchSize of [1, 2, 32]) {
      const pair = rowsModel([A, P]);
      expect(new CachedMultipleNegativesSymmetricRankingLoss(pair.model, { miniBatchSize }).forward(pair.features).itemSync()).toBeCloseTo(0.033632, 6);
      const triple = rowsModel([A, P, N]);
      expect(new CachedMultipleNegativesSymmetricRankingLoss(triple.model, { miniBatchSize }).forward(triple.features).itemSync()).toBeCloseTo(0.525278, 6);
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/CachedMultipleNegativesSymmetricRankingLoss is deprecated/);
  });

  it('equals MultipleNegativesSymmetricRankingLoss in value and gradients', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = new EmbeddingTableModel(16, 5, { seed: 3 });
    const features = idColumns(randomIdColumns(3, 7, 16, 8));
    const plain = new MultipleNegativesSymmetricRankingLoss(model, { scale: 12 });
    const want = lossValueAndGrads(plain, () => plain.forward(features));
    for (const miniBatchSize of [1, 3, 50]) {
      const cached = new CachedMultipleNegativesSymmetricRankingLoss(model, { scale: 12, miniBatchSize });
      expect(cached).toBeInstanceOf(CachedMultipleNegativesRankingLoss);
      const got = lossValueAndGrads(cached, () => cached.forward(features));
      expect(got.value).toBeCloseTo(want.value, 10);
      expectGradsClose(got.grads, want.grads);
    }
  });

  it('config, and only its own options', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = new EmbeddingTableModel(6, 2);
    const loss = new CachedMultipleNegativesSymmetricRankingLoss(model, { miniBatchSize: 8 });
    expect(loss.getConfigDict()).toMatchObject({ miniBatchSize: 8, directions: ['query_to_doc', 'doc_to_query'], partitionMode: 'per_direction' });
    expect(() => new CachedMultipleNegativesSymmetricRankingLoss(model, { hardnessMode: 'all_negatives' } as never)).toThrow(/CachedMultipleNegativesSymmetricRankingLoss: argument 'hardnessMode'/);
    expect(() => new CachedMultipleNegativesSymmetricRankingLoss(model, { miniBatchSize: -1 })).toThrow(/CachedMultipleNegativesSymmetricRankingLoss: argument 'miniBatchSize'/);
  });
});
