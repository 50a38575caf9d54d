/** AnglELoss: spec T1 angle similarities and values (pairs, odd width, n-tuples), gradcheck, WebGPU agreement, edge cases, bad input. */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import { requireWebGPU } from '@tessera/tensor/testing';
import type { SentenceTransformer } from '@tessera/nn';
import { pairwiseAngleSim } from '../src/similarity.js';
import { AnglELoss } from '../src/losses/angle-loss.js';
import { CoSENTLoss } from '../src/losses/cosent-loss.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, t, tinySentenceTransformer } from './support/models.js';
import { close, expectTesseraError } from './support/expect.js';

const gpu = await requireWebGPU();


const U = [[1, 2], [2, -1], [0.5, 1.5]];
const V = [[2, 1], [1, -1], [-1, 2]];
const W = [[-1, 2], [1, -1], [2, 1]];
const table = (dim = 4): EmbeddingTableModel => new EmbeddingTableModel(12, dim, { seed: 7 });
const colA = idsFeatures([[1, 2], [3], [4, 5, 6]]);
const colB = idsFeatures([[7], [8, 9], [10, 11]]);
const colC = idsFeatures([[5], [2, 2], [1, 9]]);
const colD = idsFeatures([[11, 3], [6], [4]]);

describe('AnglELoss: known values (spec T1)', () => {
  it('angleSim(u_i, v_i) = [1.4, 1.264911, 0]; 4-d and odd-width values', () => {
    [1.4, 1.264911, 0].forEach((c, i) => close(pairwiseAngleSim(t(U), t(V)).dataSync()[i]!, c));
    close(pairwiseAngleSim(t([[1, 2, 0, 1]]), t([[2, 1, 1, 1]])).itemSync(), 0.46291);
    close(pairwiseAngleSim(t([[3, -1, 1, 0]]), t([[2, -2, 0, 1]])).itemSync(), 1.105542);
    close(pairwiseAngleSim(t([[1, 2, 3]]), t([[2, 0, 1]])).itemSync(), 10 / Math.sqrt(70));
    close(pairwiseAngleSim(t([[1, 2, 3, 0]]), t([[2, 0, 1, 0]])).itemSync(), 1.195229);
  });

  it('pairs, scale 20 = 2.766710', () => {
    close(new AnglELoss(table()).computeLossFromEmbeddings([t(U), t(V)], t([0.7, 1.0, 0.3])).itemSync(), 2.76671);
  });

  it('triplets without labels = 28.333525 (CoSENT over (u,v) label 1 and (u,w) label 0)', () => {
    const loss = new AnglELoss(table());
    close(loss.computeLossFromEmbeddings([t(U), t(V), t(W)]).itemSync(), 28.333525);
    // The same six pairs given explicitly to the pair form.
    const pairs = loss.computeLossFromEmbeddings([t([...U, ...U]), t([...V, ...W])], t([1, 1, 1, 0, 0, 0]));
    close(pairs.itemSync(), 28.333525);
    // Labels of ones reproduce the label-free case; other labels become y (positives) and 1 − y (negatives).
    close(loss.computeLossFromEmbeddings([t(U), t(V), t(W)], t([1, 1, 1])).itemSync(), 28.333525);
    const y = [0.9, 0.2, 0.6];
    close(
      loss.computeLossFromEmbeddings([t(U), t(V), t(W)], t(y)).itemSync(),
      loss.computeLossFromEmbeddings([t([...U, ...U]), t([...V, ...W])], t([...y, ...y.map((v) => 1 - v)])).itemSync(),
      1e-12,
    );
  });

  it('n-tuples: the anchor repeats against every candidate column; negatives take 1 − y', () => {
    const loss = new AnglELoss(table());
    const X = [[0.3, -1], [2, 2], [1, 0.1]];
    const four = loss.computeLossFromEmbeddings([t(U), t(V), t(W), t(X)]).itemSync();
    const flat = loss.computeLossFromEmbeddings([t([...U, ...U, ...U]), t([...V, ...W, ...X])], t([1, 1, 1, 0, 0, 0, 0, 0, 0])).itemSync();
    close(four, flat, 1e-12);
  });

  it('is CoSENTLoss with the angle similarity; config', () => {
    const loss = new AnglELoss(table(), { scale: 10 });
    expect(loss).toBeInstanceOf(CoSENTLoss);
    expect(loss.similarityFct).toBe(pairwiseAngleSim);
    expect(loss.getConfigDict()).toEqual({ scale: 10, similarity_fct: 'pairwise_angle_sim' });
    expect(AnglELoss.info.inputs).toContain('negative_n');
  });
});

describe('AnglELoss: edge cases', () => {
  it('a zero embedding row gives NaN (no epsilon, as sentence-transformers)', () => {
    const loss = new AnglELoss(table());
    expect(Number.isNaN(pairwiseAngleSim(t([[0, 0]]), t([[1, 2]])).itemSync())).toBe(true);
    expect(Number.isNaN(loss.computeLossFromEmbeddings([t([[0, 0], [1, 2]]), t([[1, 2], [2, 1]])], t([1, 0])).itemSync())).toBe(true);
  });

  it('odd width: the zero coordinate pairs x_h with an imaginary part 0 (3-d = 4-d padded)', () => {
    const loss = new AnglELoss(table());
    const a3 = [[1, 2, 3], [0.5, -1, 2]];
    const b3 = [[2, 0, 1], [1, 1, -1]];
    const pad = (m: number[][]): number[][] => m.map((r) => [...r, 0]);
    close(loss.computeLossFromEmbeddings([t(a3), t(b3)], t([1, 0])).itemSync(), loss.computeLossFromEmbeddings([t(pad(a3)), t(pad(b3))], t([1, 0])).itemSync(), 1e-12);
  });
});

describe('AnglELoss: gradcheck (float64, embedding table)', () => {
  it('pairs with labels, even width', () => {
    const loss = new AnglELoss(table(), { scale: 5 });
    lossGradcheck(loss, () => loss.forward([colA, colB], t([0.2, 0.9, 0.5])));
  });
  it('pairs, odd width (zero-padded)', () => {
    const loss = new AnglELoss(table(3), { scale: 5 });
    lossGradcheck(loss, () => loss.forward([colA, colB], t([0.2, 0.9, 0.5])));
  });
  it('n-tuples with and without labels', () => {
    // lossGradcheck leaves its last probe tensors in the loss: one fresh loss per check.
    const free = new AnglELoss(table(), { scale: 5 });
    lossGradcheck(free, () => free.forward([colA, colB, colC, colD]));
    const labelled = new AnglELoss(table(), { scale: 5 });
    lossGradcheck(labelled, () => labelled.forward([colA, colB, colC], t([0.8, 0.3, 1])));
  });
});

describe('AnglELoss: bad input', () => {
  it('names the loss and the argument', () => {
    const loss = new AnglELoss(table());
    expectTesseraError(() => loss.forward([colA, colB]), 'AnglELoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(U), t(V)]), 'AnglELoss', 'labels');
    expectTesseraError(() => loss.forward([colA]), 'AnglELoss', 'features');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(U), t(V), t(W)], t([1, 0])), 'AnglELoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(U), t(V), t([[1, 2, 3]])]), 'AnglELoss', 'embeddings[2]');
    expectTesseraError(() => new AnglELoss(table(), { similarityFct: 'pairwise_cos_sim' } as never), 'AnglELoss', 'similarityFct');
    expectTesseraError(() => new AnglELoss(table(), { scale: -1 }), 'AnglELoss', 'scale');
  });
});

describe.skipIf(!gpu)('AnglELoss: WebGPU agrees with the CPU (tiny BERT, float32)', () => {
  it('triplets without labels: value and every parameter gradient', async () => {
    const loss = new AnglELoss(tinySentenceTransformer({ seed: 3 }));
    await expectLossAgreement(loss, (l, device) => {
      const m = l.model as SentenceTransformer;
      return l.forward([m.tokenize(['a cat sat', 'dogs run fast'], device), m.tokenize(['the cat', 'a dog runs'], device), m.tokenize(['rain today', 'good bye now'], device)]);
    });
  });
});
