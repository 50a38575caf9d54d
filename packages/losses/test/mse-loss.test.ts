/** MSELoss: spec T7 values (shared and per-column teachers), the owned projection, gradcheck, WebGPU agreement, bad input. */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import { requireWebGPU } from '@tessera/tensor/testing';
import { Linear } from '@tessera/nn';
import type { SentenceTransformer } from '@tessera/nn';
import { MSELoss } from '../src/losses/mse-loss.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, t, tinySentenceTransformer } from './support/models.js';
import { close, expectTesseraError } from './support/expect.js';

const gpu = await requireWebGPU();


const S1 = [[1, 2, 3], [0, -1, 0.5]];
const S2 = [[0, 1, 1], [2, 0, 0]];
const Y1 = [[1.5, 2, 2], [0, 0, 0]];
const Y2 = [[0, 1, 0], [1, 1, 1]];
const table = (dim = 3): EmbeddingTableModel => new EmbeddingTableModel(12, dim, { seed: 23 });
const colA = idsFeatures([[1, 2], [3], [4, 5, 6]]);
const colB = idsFeatures([[7], [8, 9], [10, 11]]);
const teacher = (k: number, width: number, seed: number): T.Tensor =>
  T.randn(k === 0 ? [3, width] : [3, k, width], { dtype: 'float64', generator: new T.Generator(seed) });

describe('MSELoss: known values (spec T7)', () => {
  it('one column: 0.416667', () => {
    close(new MSELoss(table()).computeLossFromEmbeddings([t(S1)], t(Y1)).itemSync(), 0.416667);
  });
  it('two columns, shared [B, D] teacher: 0.895833 (mean of 0.416667 and 1.375)', () => {
    close(new MSELoss(table()).computeLossFromEmbeddings([t(S1), t(S2)], t(Y1)).itemSync(), 0.895833);
  });
  it('two columns, per-column [B, 2, D] teachers: 0.541667 (mean of 0.416667 and 0.666667)', () => {
    const perColumn = t(Y1.map((row, i) => [row, Y2[i]!]));
    const loss = new MSELoss(table());
    close(loss.computeLossFromEmbeddings([t(S1), t(S2)], perColumn).itemSync(), 0.541667);
    // sentence-transformers' embedding-level form: the list of per-column teacher matrices.
    close(loss.computeLossFromEmbeddings([t(S1), t(S2)], [t(Y1), t(Y2)]).itemSync(), 0.541667);
  });
  it('shared teachers equal one MSE over the row-concatenation (ST v5 form)', () => {
    const cat = T.mseLoss(t([...S1, ...S2]), t([...Y1, ...Y1])).itemSync();
    close(new MSELoss(table()).computeLossFromEmbeddings([t(S1), t(S2)], t(Y1)).itemSync(), cat, 1e-12);
  });
  it('labels are detached and cast to the student dtype', () => {
    const y = T.tensor(Y1, { dtype: 'float32' }).requiresGrad_(true);
    const s = t(S1).requiresGrad_(true);
    const value = new MSELoss(table()).computeLossFromEmbeddings([s], y);
    expect(value.dtype).toBe('float64');
    value.backward();
    expect(y.grad).toBeNull();
    expect(s.grad).not.toBeNull();
  });
  it('config: projection_dim (null by default)', () => {
    expect(new MSELoss(table()).getConfigDict()).toEqual({ projection_dim: null });
    expect(new MSELoss(table(), { projectionDim: 5 }).getConfigDict()).toEqual({ projection_dim: 5 });
  });
});

describe('MSELoss: projection', () => {
  it('an owned Linear(D → projectionDim) named projection, applied to every column first', () => {
    const loss = new MSELoss(table(), { projectionDim: 4, generator: new T.Generator(2) });
    expect(loss.projection).toBeInstanceOf(Linear);
    expect(loss.namedParameters().map(([n]) => n)).toEqual(['model.table', 'projection.weight', 'projection.bias']);
    expect(loss.projection!.weight.shape).toEqual([4, 3]);
    expect(loss.projection!.weight.dtype).toBe('float64');
    const bound = 1 / Math.sqrt(3);
    for (const x of loss.projection!.weight.dataSync()) expect(Math.abs(x)).toBeLessThanOrEqual(bound);
    const y = T.randn([2, 4], { dtype: 'float64', generator: new T.Generator(5) });
    const expected = T.mseLoss(loss.projection!.forward(t(S1)), y).add(T.mseLoss(loss.projection!.forward(t(S2)), y)).div(2).itemSync();
    close(loss.computeLossFromEmbeddings([t(S1), t(S2)], y).itemSync(), expected, 1e-12);
    expect(new MSELoss(table()).projection).toBeNull();
  });
});

describe('MSELoss: gradcheck (float64, embedding table)', () => {
  it('one column; two columns with shared and per-column teachers', () => {
    const one = new MSELoss(table());
    lossGradcheck(one, () => one.forward([colA], teacher(0, 3, 1)));
    const shared = new MSELoss(table());
    lossGradcheck(shared, () => shared.forward([colA, colB], teacher(0, 3, 2)));
    const perColumn = new MSELoss(table());
    lossGradcheck(perColumn, () => perColumn.forward([colA, colB], teacher(2, 3, 3)));
  });
  it('with a projection to a wider teacher (projection parameters included)', () => {
    const loss = new MSELoss(table(), { projectionDim: 5, generator: new T.Generator(4) });
    lossGradcheck(loss, () => loss.forward([colA, colB], teacher(2, 5, 5)));
  });
});

describe('MSELoss: bad input', () => {
  it('names the loss and the argument', () => {
    const loss = new MSELoss(table());
    expectTesseraError(() => loss.forward([colA]), 'MSELoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(S1)]), 'MSELoss', 'labels');
    expectTesseraError(() => loss.forward([], teacher(0, 3, 1)), 'MSELoss', 'features');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(S1)], t([1, 2])), 'MSELoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(S1)], T.zeros([2, 1, 1, 3], { dtype: 'float64' })), 'MSELoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(S1), t(S2)], T.zeros([2, 3, 3], { dtype: 'float64' })), 'MSELoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(S1)], T.zeros([3, 3], { dtype: 'float64' })), 'MSELoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(S1)], T.zeros([2, 4], { dtype: 'float64' })), 'MSELoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(S1), t(S2)], [t(Y1)]), 'MSELoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(S1), t([[1, 2]])], t(Y1)), 'MSELoss', 'embeddings[1]');
    expectTesseraError(() => new MSELoss(table(), { projectionDim: 0 }), 'MSELoss', 'projectionDim');
    expectTesseraError(() => new MSELoss(table(), { projection_dim: 4 } as never), 'MSELoss', 'projection_dim');
    const noDim = table();
    (noDim as unknown as { getEmbeddingDimension: undefined }).getEmbeddingDimension = undefined;
    expectTesseraError(() => new MSELoss(noDim, { projectionDim: 4 }), 'MSELoss', 'projectionDim');
  });
});

describe.skipIf(!gpu)('MSELoss: WebGPU agrees with the CPU (tiny BERT, float32)', () => {
  it('per-column teachers through a projection: value and every parameter gradient', async () => {
    const loss = new MSELoss(tinySentenceTransformer({ seed: 8 }), { projectionDim: 6, generator: new T.Generator(6) });
    const y = T.randn([3, 2, 6], { generator: new T.Generator(7) });
    await expectLossAgreement(loss, (l, device) => {
      const m = l.model as SentenceTransformer;
      return l.forward([m.tokenize(['a cat sat', 'dogs run fast', 'hello'], device), m.tokenize(['the cat', 'rain today', 'hello there'], device)], y.to(device));
    });
  });
});
