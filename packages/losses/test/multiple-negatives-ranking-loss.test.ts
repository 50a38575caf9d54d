import { afterEach, describe, expect, it, vi } from 'vitest';
import * as T from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { TesseraError } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';
import { cosSim, dotScore, euclideanSim, manhattanSim } from '../src/similarity.js';
import { MultipleNegativesRankingLoss } from '../src/losses/multiple-negatives-ranking-loss.js';
import type { MultipleNegativesRankingLossOptions } from '../src/losses/multiple-negatives-ranking-loss.js';
import { MultipleNegativesSymmetricRankingLoss } from '../src/losses/multiple-negatives-symmetric-ranking-loss.js';
import { EmbeddingTableModel, idsFeatures, lossGradcheck, t } from './support/models.js';
import { idColumns, randomIdColumns, rowsModel } from './support/ranking-fixtures.js';

// T2 (losses.md): in-batch negatives.
const A = [[1, 0.5], [0.8, 1]];
const P = [[1, 0.3], [0.5, 1]];
const N = [[0.9, 0.6], [1, 0.7]];

const model = new EmbeddingTableModel(4, 2);

function mnrl(opts: MultipleNegativesRankingLossOptions = {}): MultipleNegativesRankingLoss {
  return new MultipleNegativesRankingLoss(model, opts);
}

/** Loss value on given embeddings and their gradients. */
function onEmbeddings(loss: { computeLossFromEmbeddings(e: Tensor[]): Tensor }, columns: number[][][]): { value: number; grads: number[][][] } {
  const leaves = columns.map((c) => t(c).requiresGrad_(true));
  const value = loss.computeLossFromEmbeddings(leaves);
  value.backward();
  return { value: value.itemSync(), grads: leaves.map((l) => l.grad!.arraySync() as number[][]) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('MultipleNegativesRankingLoss: T2 known values (float64)', () => {
  it('cosSim(A, [P; N]) matches the spec', () => {
    const s = cosSim(t(A), T.cat([t(P), t(N)], 0)).arraySync() as number[][];
    const expected = [[0.985212, 0.8, 0.992278, 0.989203], [0.82273, 0.977802, 0.952926, 0.959569]];
    s.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 6)));
  });

  it('MNRL(A, P) = 0.034161 with the spec gradients', () => {
    const { value, grads } = onEmbeddings(mnrl(), [A, P]);
    expect(value).toBeCloseTo(0.034161, 6);
    expect(grads[0]![0]![0]).toBeCloseTo(-0.074134, 6);
    expect(grads[0]![1]![1]).toBeCloseTo(-0.163364, 6);
    expect(grads[1]![0]![0]).toBeCloseTo(-0.056017, 6);
  });

  it('MNRL(A, P, N) = 1.017453, ∂/∂N[0][1] = 0.266968', () => {
    const { value, grads } = onEmbeddings(mnrl(), [A, P, N]);
    expect(value).toBeCloseTo(1.017453, 6);
    expect(grads[2]![0]![1]).toBeCloseTo(0.266968, 6);
  });

  it('equals CE(scale · cosSim(q, C), arange(B)) with the defaults', () => {
    const ce = T.crossEntropy(cosSim(t(A), T.cat([t(P), t(N)], 0)).mul(20), T.arange(2, undefined, 1, { dtype: 'int32' })).itemSync();
    expect(mnrl().computeLossFromEmbeddings([t(A), t(P), t(N)]).itemSync()).toBeCloseTo(ce, 12);
  });

  it('dotScore with scale 1 = 0.587656 (option given as a function or by name)', () => {
    expect(onEmbeddings(mnrl({ similarityFct: dotScore, scale: 1 }), [A, P]).value).toBeCloseTo(0.587656, 6);
    expect(onEmbeddings(mnrl({ similarityFct: 'dot_score', scale: 1 }), [A, P]).value).toBeCloseTo(0.587656, 6);
  });

  it('all four directions, joint: (A,P) = 0.833511, (A,P,N) = 1.464331', () => {
    const directions = ['query_to_doc', 'query_to_query', 'doc_to_query', 'doc_to_doc'] as const;
    expect(onEmbeddings(mnrl({ directions }), [A, P]).value).toBeCloseTo(0.833511, 6);
    expect(onEmbeddings(mnrl({ directions }), [A, P, N]).value).toBeCloseTo(1.464331, 6);
    // order and repetition of directions do not matter
    expect(onEmbeddings(mnrl({ directions: ['doc_to_doc', 'query_to_doc', 'doc_to_query', 'query_to_query', 'doc_to_doc'] }), [A, P, N]).value).toBeCloseTo(1.464331, 6);
  });

  it('symmetric preset: per_direction (A,P) = 0.033632, (A,P,N) = 0.525278; joint (A,P) = 0.726807', () => {
    const directions = ['query_to_doc', 'doc_to_query'] as const;
    expect(onEmbeddings(mnrl({ directions, partitionMode: 'per_direction' }), [A, P]).value).toBeCloseTo(0.033632, 6);
    expect(onEmbeddings(mnrl({ directions, partitionMode: 'per_direction' }), [A, P, N]).value).toBeCloseTo(0.525278, 6);
    expect(onEmbeddings(mnrl({ directions }), [A, P]).value).toBeCloseTo(0.726807, 6);
  });

  it('hardness: in_batch_negatives α=9 (A,P) = 3.921103; hard_negatives α=5 (A,P,N) = 4.784032; all_negatives α=5 (A,P,N) = 5.418053', () => {
    expect(onEmbeddings(mnrl({ hardnessMode: 'in_batch_negatives', hardnessStrength: 9 }), [A, P]).value).toBeCloseTo(3.921103, 6);
    expect(onEmbeddings(mnrl({ hardnessMode: 'hard_negatives', hardnessStrength: 5 }), [A, P, N]).value).toBeCloseTo(4.784032, 6);
    expect(onEmbeddings(mnrl({ hardnessMode: 'all_negatives', hardnessStrength: 5 }), [A, P, N]).value).toBeCloseTo(5.418053, 6);
  });

  it('the hardness penalty is never differentiated: its gradient equals that of fixed extra logits', () => {
    // hard_negatives without negative columns adds nothing
    expect(onEmbeddings(mnrl({ hardnessMode: 'hard_negatives', hardnessStrength: 5 }), [A, P]).value).toBeCloseTo(0.034161, 6);
    // Reference: CE over scale·S + H with H a constant tensor.
    const a = t(A).requiresGrad_(true);
    const c = T.cat([t(P), t(N)], 0);
    const s = cosSim(a, c);
    const mask = T.tensor([[0, 1, 1, 1], [1, 0, 1, 1]], { dtype: 'bool' });
    const h = T.where(mask, s.detach().mul(5), 0);
    T.crossEntropy(s.mul(20).add(h), T.arange(2, undefined, 1, { dtype: 'int32' })).backward();
    const { grads } = onEmbeddings(mnrl({ hardnessMode: 'all_negatives', hardnessStrength: 5 }), [A, P, N]);
    const want = a.grad!.arraySync() as number[][];
    grads[0]!.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, 10)));
  });

  it('forward embeds each column with the model and gives the same value and embedding gradients', () => {
    const { model: m, features, rowOf } = rowsModel([A, P, N]);
    const loss = new MultipleNegativesRankingLoss(m);
    const value = loss.forward(features);
    expect(value.ndim).toBe(0);
    expect(value.itemSync()).toBeCloseTo(1.017453, 6);
    value.backward();
    const g = m.table.grad!.arraySync() as number[][];
    expect(g[rowOf(2, 0)]![1]).toBeCloseTo(0.266968, 6);
    // labels are ignored
    expect(loss.forward(features, T.tensor([1, 0])).itemSync()).toBeCloseTo(1.017453, 6);
  });
});

describe('MultipleNegativesRankingLoss: gradcheck through an embedding table (float64)', () => {
  const ids3 = randomIdColumns(3, 4, 10, 7);
  const configs: [string, MultipleNegativesRankingLossOptions][] = [
    ['defaults', {}],
    ['symmetric per_direction', { directions: ['query_to_doc', 'doc_to_query'], partitionMode: 'per_direction' }],
    ['all four joint', { directions: ['query_to_doc', 'query_to_query', 'doc_to_query', 'doc_to_doc'] }],
    ['query_to_query joint', { directions: ['query_to_doc', 'query_to_query'] }],
    ['doc_to_doc joint', { directions: ['query_to_doc', 'doc_to_doc'], scale: 5 }],
    ['dotScore', { similarityFct: dotScore, scale: 1 }],
    ['euclideanSim', { similarityFct: euclideanSim, scale: 2, directions: ['query_to_doc', 'doc_to_query'] }],
    ['manhattanSim', { similarityFct: manhattanSim, scale: 1 }],
  ];
  for (const [name, opts] of configs) {
    for (const k of [2, 3]) {
      it(`${name}, ${k} columns`, () => {
        const m = new EmbeddingTableModel(10, 3, { seed: 3 });
        const loss = new MultipleNegativesRankingLoss(m, opts);
        const features = idColumns(ids3.slice(0, k));
        lossGradcheck(loss, () => loss.forward(features));
      });
    }
  }
});

describe('MultipleNegativesRankingLoss: hardness gradients (float64, through an embedding table)', () => {
  // The penalty H = α·detach(sim) is not differentiated, so the gradient is that of the loss with H held
  // at its current value: compare the loss's autograd gradient with central differences of that function.
  const ids3 = randomIdColumns(3, 4, 10, 13);
  const keepRule = {
    in_batch_negatives: (i: number, c: number, b: number) => c % b !== i,
    hard_negatives: (i: number, c: number, b: number) => c >= b && c % b === i,
    all_negatives: (i: number, c: number, b: number) => c !== i,
  } as const;
  for (const mode of ['in_batch_negatives', 'hard_negatives', 'all_negatives'] as const) {
    for (const [k, symmetric] of [[2, false], [3, false], [3, true]] as const) {
      it(`${mode}, ${k} columns${symmetric ? ', doc_to_query per_direction' : ''}`, () => {
        const m = new EmbeddingTableModel(10, 3, { seed: 9 });
        const opts: MultipleNegativesRankingLossOptions = { hardnessMode: mode, hardnessStrength: 5, scale: 4 };
        if (symmetric) Object.assign(opts, { directions: ['query_to_doc', 'doc_to_query'], partitionMode: 'per_direction' });
        const loss = new MultipleNegativesRankingLoss(m, opts);
        const features = idColumns(ids3.slice(0, k));
        const B = 4;
        const embed = (): Tensor[] => features.map((f) => m.forward(f).sentenceEmbedding!);
        const e0 = noGrad(embed);
        const s0 = cosSim(e0[0]!, T.cat(e0.slice(1), 0));
        const keep = T.tensor(Array.from({ length: B }, (_, i) => Array.from({ length: (k - 1) * B }, (_, c) => keepRule[mode](i, c, B))), { dtype: 'bool' });
        const h0 = T.where(keep, s0.mul(5), 0);
        const frozen = (): number =>
          noGrad(() => {
            const e = embed();
            const qd = cosSim(e[0]!, T.cat(e.slice(1), 0)).mul(4).add(h0);
            const pos = T.diag(qd);
            let logZ = T.logsumexp(qd, 1);
            if (symmetric) logZ = logZ.add(T.logsumexp(cosSim(e[0]!, e[1]!).T.mul(4), 1)).div(2);
            return logZ.sub(pos).mean().itemSync();
          });
        m.zeroGrad();
        loss.forward(features).backward();
        const analytical = m.table.grad!.dataSync();
        const base = Float64Array.from(m.table.dataSync());
        const eps = 1e-6;
        for (let j = 0; j < base.length; j++) {
          const shifted = (d: number): number => {
            const v = Float64Array.from(base);
            v[j]! += d;
            m.loadStateDict({ table: T.tensor(v, { dtype: 'float64', shape: [10, 3] }) });
            return frozen();
          };
          const numerical = (shifted(eps) - shifted(-eps)) / (2 * eps);
          expect(Math.abs(analytical[j]! - numerical)).toBeLessThan(1e-6 + 1e-4 * Math.abs(numerical));
        }
        // and the value is the frozen function's value at θ0
        m.loadStateDict({ table: T.tensor(base, { dtype: 'float64', shape: [10, 3] }) });
        expect(loss.forward(features).itemSync()).toBeCloseTo(frozen(), 12);
      });
    }
  }
});

describe('MultipleNegativesRankingLoss: edge cases', () => {
  it('B = 1 with pairs and defaults gives 0 (and a zero gradient)', () => {
    const { value, grads } = onEmbeddings(mnrl(), [[[1, 2]], [[0.5, -1]]]);
    expect(value).toBe(0);
    expect(grads.flat(2).every((g) => g === 0)).toBe(true);
  });

  it('B = 1 with every direction stays finite (−∞ entries tolerated)', () => {
    const loss = mnrl({ directions: ['query_to_doc', 'query_to_query', 'doc_to_query', 'doc_to_doc'] });
    const { value, grads } = onEmbeddings(loss, [[[1, 2]], [[0.5, -1]], [[2, 1]]]);
    expect(Number.isFinite(value)).toBe(true);
    expect(grads.flat(2).every(Number.isFinite)).toBe(true);
  });

  it('duplicate rows are false negatives (value ln 2 for two identical pairs) and stay finite', () => {
    const { value, grads } = onEmbeddings(mnrl(), [[[1, 0], [1, 0]], [[1, 0], [1, 0]]]);
    expect(value).toBeCloseTo(Math.log(2), 12);
    expect(grads.flat(2).every(Number.isFinite)).toBe(true);
  });

  it('with a non-symmetric similarity, doc_to_query uses sim(q_j, p_i) (argument order as written)', () => {
    const asym = Object.assign((a: Tensor, b: Tensor) => T.matmul(a, b.T).add(a.sum(1, true)), { stName: 'asym' });
    const loss = mnrl({ similarityFct: asym, scale: 1, directions: ['query_to_doc', 'doc_to_query'], partitionMode: 'per_direction' });
    const value = loss.computeLossFromEmbeddings([t(A), t(P)]).itemSync();
    const q2d = T.crossEntropy(asym(t(A), t(P)), T.arange(2, undefined, 1, { dtype: 'int32' })).itemSync();
    const d2q = T.crossEntropy(asym(t(A), t(P)).T, T.arange(2, undefined, 1, { dtype: 'int32' })).itemSync();
    expect(value).toBeCloseTo((q2d + d2q) / 2, 12);
    expect(loss.getConfigDict().similarityFct).toBe('asym');
  });

  it('works under noGrad', () => {
    expect(noGrad(() => mnrl().computeLossFromEmbeddings([t(A), t(P)]).itemSync())).toBeCloseTo(0.034161, 6);
  });

  it('float32 embeddings give float32 values close to the float64 ones', () => {
    const v = mnrl().computeLossFromEmbeddings([t(A, 'float32'), t(P, 'float32'), t(N, 'float32')]);
    expect(v.dtype).toBe('float32');
    expect(v.itemSync()).toBeCloseTo(1.017453, 4);
  });
});

describe('MultipleNegativesRankingLoss: options, config and bad input', () => {
  const err = (fn: () => unknown, arg: string, op = 'MultipleNegativesRankingLoss'): void => {
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

  it('defaults, getConfigDict (ST keys in camelCase), temperature, info, citation', () => {
    const loss = mnrl();
    expect(loss.getConfigDict()).toEqual({
      scale: 20,
      similarityFct: 'cos_sim',
      gatherAcrossDevices: false,
      directions: ['query_to_doc'],
      partitionMode: 'joint',
      hardnessMode: null,
      hardnessStrength: 0,
    });
    expect(loss.temperature).toBeCloseTo(0.05, 12);
    expect(MultipleNegativesRankingLoss.info.labels).toBe('none');
    expect(MultipleNegativesRankingLoss.info.citation).toContain('1807.03748');
    expect(mnrl({ directions: ['query_to_doc', 'query_to_query', 'doc_to_query', 'doc_to_doc'] }).citation).toContain('2308.03281');
    expect(mnrl({ directions: ['query_to_doc', 'doc_to_query'], partitionMode: 'per_direction' }).citation).toContain('2310.19923');
    expect(loss.parameters()).toHaveLength(1);
  });

  it('rejects bad options, naming the option', () => {
    err(() => mnrl({ scale: 0 }), 'scale');
    err(() => mnrl({ scale: -1 }), 'scale');
    err(() => mnrl({ scale: Number.NaN }), 'scale');
    err(() => mnrl({ similarityFct: 'cosine_sim' }), 'similarityFct');
    err(() => mnrl({ gatherAcrossDevices: true }), 'gatherAcrossDevices');
    err(() => mnrl({ directions: [] }), 'directions');
    err(() => mnrl({ directions: ['doc_to_query'] }), 'directions');
    err(() => mnrl({ directions: ['query_to_doc', 'doc_to_docs' as 'doc_to_doc'] }), 'directions');
    err(() => mnrl({ partitionMode: 'separate' as 'joint' }), 'partitionMode');
    err(() => mnrl({ partitionMode: 'per_direction', directions: ['query_to_doc', 'query_to_query'] }), 'partitionMode');
    err(() => mnrl({ partitionMode: 'per_direction', directions: ['query_to_doc', 'doc_to_doc'] }), 'partitionMode');
    err(() => mnrl({ hardnessMode: 'hardest' as 'hard_negatives' }), 'hardnessMode');
    err(() => mnrl({ hardnessMode: 'hard_negatives', hardnessStrength: -1 }), 'hardnessStrength');
    err(() => mnrl({ temperature: 0.05 } as MultipleNegativesRankingLossOptions), 'temperature');
    err(() => new MultipleNegativesRankingLoss({} as EmbeddingTableModel), 'model');
  });

  it('gatherAcrossDevices=true says it is not supported on a single device', () => {
    expect(() => mnrl({ gatherAcrossDevices: true })).toThrow(/not supported on a single device/);
  });

  it('assigning options validates them', () => {
    const loss = mnrl();
    loss.scale = 10;
    expect(loss.getConfigDict().scale).toBe(10);
    err(() => (loss.scale = 0), 'scale');
    loss.partitionMode = 'per_direction';
    err(() => (loss.directions = ['query_to_doc', 'query_to_query']), 'partitionMode');
    loss.similarityFct = 'dot_score';
    expect(loss.similarityFct).toBe(dotScore);
  });

  it('a hardness mode with strength 0 is legal and warns (no effect)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const loss = mnrl({ hardnessMode: 'in_batch_negatives' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/hardnessStrength is 0/);
    expect(onEmbeddings(loss, [A, P]).value).toBeCloseTo(0.034161, 6);
    mnrl({ hardnessMode: 'in_batch_negatives', hardnessStrength: 1 });
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('rejects fewer than 2 columns and mismatched rows or widths, naming the argument', () => {
    const loss = mnrl();
    err(() => loss.forward([idsFeatures([[1], [2]])]), 'features');
    err(() => loss.computeLossFromEmbeddings([t(A)]), 'embeddings');
    err(() => loss.computeLossFromEmbeddings([t(A), t([[1, 2, 3], [4, 5, 6]])]), 'embeddings[1]');
    err(() => loss.computeLossFromEmbeddings([t(A), t([[1, 2]])]), 'embeddings[1]');
    err(() => loss.computeLossFromEmbeddings([t(A), t(P), t([[1, 2, 3], [4, 5, 6]])]), 'embeddings[2]');
    const m = new EmbeddingTableModel(5, 2);
    err(() => new MultipleNegativesRankingLoss(m).forward([idsFeatures([[1], [2]]), idsFeatures([[1]])]), 'embeddings[1]');
  });
});

describe('MultipleNegativesSymmetricRankingLoss (deprecated preset of MNRL)', () => {
  it('T2: MNSRL(A,P) = 0.033632, MNSRL(A,P,N) = 0.525278; warns once that it is deprecated', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const loss = new MultipleNegativesSymmetricRankingLoss(model);
    new MultipleNegativesSymmetricRankingLoss(model, { scale: 20 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/deprecated/);
    expect(onEmbeddings(loss, [A, P]).value).toBeCloseTo(0.033632, 6);
    expect(onEmbeddings(loss, [A, P, N]).value).toBeCloseTo(0.525278, 6);
  });

  it('is (CE(S, t) + CE(DQ, t)) / 2 with negatives only in the forward term', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const loss = new MultipleNegativesSymmetricRankingLoss(model, { scale: 7 });
    const target = T.arange(2, undefined, 1, { dtype: 'int32' });
    const fwd = T.crossEntropy(cosSim(t(A), T.cat([t(P), t(N)], 0)).mul(7), target).itemSync();
    const bwd = T.crossEntropy(cosSim(t(A), t(P)).mul(7).T, target).itemSync();
    expect(loss.computeLossFromEmbeddings([t(A), t(P), t(N)]).itemSync()).toBeCloseTo((fwd + bwd) / 2, 12);
  });

  it('is an MNRL with the preset config; accepts only its own options', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const loss = new MultipleNegativesSymmetricRankingLoss(model, { scale: 10, similarityFct: dotScore });
    expect(loss).toBeInstanceOf(MultipleNegativesRankingLoss);
    expect(loss.getConfigDict()).toMatchObject({ scale: 10, similarityFct: 'dot_score', directions: ['query_to_doc', 'doc_to_query'], partitionMode: 'per_direction', hardnessMode: null });
    expect(MultipleNegativesSymmetricRankingLoss.info.relations).toContain('MultipleNegativesRankingLoss');
    const opts = { directions: ['query_to_doc'] } as unknown as ConstructorParameters<typeof MultipleNegativesSymmetricRankingLoss>[1];
    expect(() => new MultipleNegativesSymmetricRankingLoss(model, opts)).toThrow(/MultipleNegativesSymmetricRankingLoss: argument 'directions'/);
    expect(() => new MultipleNegativesSymmetricRankingLoss(model, { scale: -2 })).toThrow(/MultipleNegativesSymmetricRankingLoss: argument 'scale'/);
    expect(() => new MultipleNegativesSymmetricRankingLoss(model, { gatherAcrossDevices: true })).toThrow(/not supported on a single device/);
  });

  it('gradcheck with negatives through an embedding table', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const m = new EmbeddingTableModel(10, 3, { seed: 5 });
    const loss = new MultipleNegativesSymmetricRankingLoss(m);
    const features = idColumns(randomIdColumns(3, 4, 10, 11));
    lossGradcheck(loss, () => loss.forward(features));
  });
});
