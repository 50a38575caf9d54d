/** CoSENTLoss: spec T1 values and gradients, order-invariance property, edge cases, gradcheck, WebGPU agreement, bad input. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { requireWebGPU } from '@tessera/tensor/testing';
import type { SentenceTransformer } from '@tessera/nn';
import { pairwiseCosSim, pairwiseDotScore } from '../src/similarity.js';
import { CoSENTLoss, cosentObjective } from '../src/losses/cosent-loss.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, t, tinySentenceTransformer } from './support/models.js';
import { close, expectTesseraError } from './support/expect.js';

const gpu = await requireWebGPU();


const U = [[1, 2], [2, -1], [0.5, 1.5]];
const V = [[2, 1], [1, -1], [-1, 2]];
const table = (): EmbeddingTableModel => new EmbeddingTableModel(12, 4, { seed: 5 });
const colA = idsFeatures([[1, 2], [3], [4, 5, 6], [2, 7]]);
const colB = idsFeatures([[7], [8, 9], [10, 11], [1]]);

describe('CoSENTLoss: known values (spec T1)', () => {
  it('value 0.194823, ∂/∂u[0][0] = −0.414347, ∂/∂u[2][1] = 0.381702', () => {
    const loss = new CoSENTLoss(table());
    const u = t(U).requiresGrad_(true);
    const value = loss.computeLossFromEmbeddings([u, t(V)], t([0.7, 1.0, 0.3]));
    close(value.itemSync(), 0.194823);
    value.backward();
    const g = u.grad!.dataSync();
    close(g[0]!, -0.414347);
    close(g[5]!, 0.381702);
  });

  it('labels with the same order give the same value ([0.8, 1.0, 0.3])', () => {
    close(new CoSENTLoss(table()).computeLossFromEmbeddings([t(U), t(V)], t([0.8, 1.0, 0.3])).itemSync(), 0.194823);
  });

  it('equals log(1 + Σ_{y_i < y_j} exp(s_i − s_j)) written out', () => {
    const s = [0.8, 0.948683, 0.707107].map((c) => 20 * c);
    const y = [0.7, 1.0, 0.3];
    let sum = 1;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (y[i]! < y[j]!) sum += Math.exp(s[i]! - s[j]!);
    close(cosentObjective(t(s), t(y)).itemSync(), Math.log(sum));
  });

  it('options: scale and similarityFct (function or name); config', () => {
    const loss = new CoSENTLoss(table(), { scale: 1, similarityFct: 'pairwise_dot_score' });
    expect(loss.similarityFct).toBe(pairwiseDotScore);
    const dots = [4, 3, 2.5];
    const y = [0.7, 1.0, 0.3];
    let sum = 1;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (y[i]! < y[j]!) sum += Math.exp(dots[i]! - dots[j]!);
    close(loss.computeLossFromEmbeddings([t(U), t(V)], t(y)).itemSync(), Math.log(sum));
    expect(loss.getConfigDict()).toEqual({ scale: 1, similarity_fct: 'pairwise_dot_score' });
    expect(new CoSENTLoss(table()).getConfigDict()).toEqual({ scale: 20, similarity_fct: 'pairwise_cos_sim' });
    const custom = new CoSENTLoss(table(), { similarityFct: function myDot(a: Tensor, b: Tensor) { return a.mul(b).sum(-1); } });
    expect(custom.getConfigDict().similarity_fct).toBe('myDot');
  });
});

describe('CoSENTLoss: edge cases', () => {
  it('all labels equal → exactly 0 with zero gradient; one pair → 0', () => {
    const loss = new CoSENTLoss(table());
    const u = t(U).requiresGrad_(true);
    const value = loss.computeLossFromEmbeddings([u, t(V)], t([0.5, 0.5, 0.5]));
    expect(value.itemSync()).toBe(0);
    value.backward();
    expect([...u.grad!.dataSync()].every((g) => g === 0)).toBe(true);
    expect(loss.computeLossFromEmbeddings([t([[1, 2]]), t([[3, -1]])], t([1])).itemSync()).toBe(0);
  });

  it('ties contribute nothing', () => {
    const s = [3, 1, 2];
    const value = cosentObjective(t(s), t([1, 1, 2])).itemSync();
    close(value, Math.log(1 + Math.exp(3 - 2) + Math.exp(1 - 2)), 1e-12);
  });

  it('further columns are ignored (not embedded)', () => {
    const loss = new CoSENTLoss(table());
    const y = t([0.1, 0.9, 0.4, 0.6]);
    close(loss.forward([colA, colB, colA], y).itemSync(), loss.forward([colA, colB], y).itemSync(), 0);
  });

  it('extreme scores stay finite (float32 and float64)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const v = cosentObjective(T.tensor([400, -400, 0], { dtype }), T.tensor([0, 1, 2], { dtype })).itemSync();
      close(v / 800, 1, 1e-6);
    }
  });
});

describe('CoSENTLoss: properties', () => {
  it('invariant to any strictly increasing transformation of the labels', () => {
    const loss = new CoSENTLoss(table());
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 36, maxLength: 36 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 6, maxLength: 6 }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.double({ min: -5, max: 5, noNaN: true }),
        (b, values, labels, a, shift) => {
          const e1 = T.tensor(values.slice(0, b * 3), { dtype: 'float64', shape: [b, 3] }).add(0.01);
          const e2 = T.tensor(values.slice(18, 18 + b * 3), { dtype: 'float64', shape: [b, 3] }).sub(0.01);
          const y = labels.slice(0, b);
          const base = loss.computeLossFromEmbeddings([e1, e2], t(y)).itemSync();
          const transformed = loss.computeLossFromEmbeddings([e1, e2], t(y.map((v) => a * v ** 3 + shift))).itemSync();
          expect(transformed).toBe(base);
          expect(base).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('CoSENTLoss: gradcheck (float64, embedding table)', () => {
  it('cosine (default) and dot score', () => {
    const y = t([0.1, 0.9, 0.4, 0.6]);
    const loss = new CoSENTLoss(table());
    lossGradcheck(loss, () => loss.forward([colA, colB], y));
    const dot = new CoSENTLoss(table(), { scale: 2, similarityFct: pairwiseDotScore });
    lossGradcheck(dot, () => dot.forward([colA, colB], y));
  });
});

describe('CoSENTLoss: bad input', () => {
  it('names the loss and the argument', () => {
    const loss = new CoSENTLoss(table());
    expectTesseraError(() => loss.forward([colA], t([1, 0, 1, 0])), 'CoSENTLoss', 'features');
    expectTesseraError(() => loss.forward([colA, colB]), 'CoSENTLoss', 'labels');
    expectTesseraError(() => loss.forward([colA, colB], t([[1, 0], [0, 1], [1, 1], [0, 0]])), 'CoSENTLoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(U), t([[1, 2, 3], [1, 2, 3], [1, 2, 3]])], t([1, 2, 3])), 'CoSENTLoss', 'embeddings[1]');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(U), t([[1, 2]])], t([1, 2, 3])), 'CoSENTLoss', 'embeddings[1]');
    expectTesseraError(() => new CoSENTLoss(table(), { scale: Number.NaN }), 'CoSENTLoss', 'scale');
    expectTesseraError(() => new CoSENTLoss(table(), { scale: 0 }), 'CoSENTLoss', 'scale');
    expectTesseraError(() => new CoSENTLoss(table(), { similarityFct: 'cos_sim' }), 'CoSENTLoss', 'similarityFct');
    expectTesseraError(() => new CoSENTLoss(table(), { margin: 1 } as never), 'CoSENTLoss', 'margin');
    const matrix = new CoSENTLoss(table(), { similarityFct: (a: Tensor, b: Tensor) => a.matmul(b.T) });
    expectTesseraError(() => matrix.computeLossFromEmbeddings([t(U), t(V)], t([1, 2, 3])), 'CoSENTLoss', 'similarityFct');
    expect(pairwiseCosSim.stName).toBe('pairwise_cos_sim');
  });
});

describe.skipIf(!gpu)('CoSENTLoss: WebGPU agrees with the CPU (tiny BERT, float32)', () => {
  it('value and every parameter gradient', async () => {
    const loss = new CoSENTLoss(tinySentenceTransformer({ seed: 2 }));
    await expectLossAgreement(loss, (l, device) => {
      const m = l.model as SentenceTransformer;
      return l.forward([m.tokenize(['a cat sat', 'dogs run fast', 'hello', 'rain today'], device), m.tokenize(['the cat', 'a dog runs', 'good bye now', 'sunny'], device)], T.tensor([0.9, 0.6, 0.1, 0.6], { device }));
    });
  });
});
