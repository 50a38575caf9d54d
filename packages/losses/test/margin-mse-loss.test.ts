/** MarginMSELoss: spec T7 values in every label layout, gradcheck, WebGPU agreement, bad input. */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import { requireWebGPU } from '@tessera/tensor/testing';
import type { SentenceTransformer } from '@tessera/nn';
import { pairwiseCosSim } from '../src/similarity.js';
import { MarginMSELoss } from '../src/losses/margin-mse-loss.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, t, tinySentenceTransformer } from './support/models.js';
import { close, expectTesseraError } from './support/expect.js';

const gpu = await requireWebGPU();


const Q = [[1, 0], [0.5, 0.5]];
const POS = [[0.8, 0.1], [0.2, 0.9]];
const NEG1 = [[0.1, 0.9], [0.4, 0.1]];
const NEG2 = [[0.5, 0.5], [1, 1]];
const table = (): EmbeddingTableModel => new EmbeddingTableModel(12, 4, { seed: 29 });
const colQ = idsFeatures([[1, 2], [3], [4, 5, 6]]);
const colP = idsFeatures([[7], [8, 9], [10, 11]]);
const colN1 = idsFeatures([[5], [2, 2], [1, 9]]);
const colN2 = idsFeatures([[11, 3], [6], [4]]);

describe('MarginMSELoss: known values (spec T7) and label layouts', () => {
  it('one negative, margins [B] = [0.5, −0.2] ⇒ 0.145 (also as [B, 1] and as raw scores [B, 2])', () => {
    const loss = new MarginMSELoss(table());
    const e = [t(Q), t(POS), t(NEG1)];
    close(loss.computeLossFromEmbeddings(e, t([0.5, -0.2])).itemSync(), 0.145);
    close(loss.computeLossFromEmbeddings(e, t([[0.5], [-0.2]])).itemSync(), 0.145);
    close(loss.computeLossFromEmbeddings(e, t([[0.9, 0.4], [0.3, 0.5]])).itemSync(), 0.145);
  });

  it('two negatives, margins [B, 2] ⇒ 0.088125; raw scores [B, 3] converted ⇒ 0.088125', () => {
    const loss = new MarginMSELoss(table());
    const e = [t(Q), t(POS), t(NEG1), t(NEG2)];
    close(loss.computeLossFromEmbeddings(e, t([[0.5, 0.1], [-0.2, -0.6]])).itemSync(), 0.088125);
    close(loss.computeLossFromEmbeddings(e, t([[0.9, 0.4, 0.8], [0.3, 0.5, 0.9]])).itemSync(), 0.088125);
  });

  it('labels are detached; similarityFct option; config', () => {
    const y = t([0.5, -0.2]).requiresGrad_(true);
    const q = t(Q).requiresGrad_(true);
    const value = new MarginMSELoss(table()).computeLossFromEmbeddings([q, t(POS), t(NEG1)], y);
    value.backward();
    expect(y.grad).toBeNull();
    expect(q.grad).not.toBeNull();
    const cos = new MarginMSELoss(table(), { similarityFct: 'pairwise_cos_sim' });
    expect(cos.similarityFct).toBe(pairwiseCosSim);
    const m = pairwiseCosSim(t(Q), t(POS)).sub(pairwiseCosSim(t(Q), t(NEG1)));
    close(cos.computeLossFromEmbeddings([t(Q), t(POS), t(NEG1)], t([0.5, -0.2])).itemSync(), T.mseLoss(m, t([0.5, -0.2])).itemSync(), 1e-12);
    expect(new MarginMSELoss(table()).getConfigDict()).toEqual({ similarity_fct: 'pairwise_dot_score' });
    expect(cos.getConfigDict()).toEqual({ similarity_fct: 'pairwise_cos_sim' });
  });
});

describe('MarginMSELoss: gradcheck (float64, embedding table)', () => {
  it('one and two negatives', () => {
    const one = new MarginMSELoss(table());
    lossGradcheck(one, () => one.forward([colQ, colP, colN1], t([0.5, -0.2, 0.1])));
    const two = new MarginMSELoss(table(), { similarityFct: pairwiseCosSim });
    lossGradcheck(two, () => two.forward([colQ, colP, colN1, colN2], t([[0.9, 0.4, 0.8], [0.3, 0.5, 0.9], [0.1, 0.2, 0.3]])));
  });
});

describe('MarginMSELoss: bad input', () => {
  it('names the loss and the argument; a bad label shape names both layouts', () => {
    const loss = new MarginMSELoss(table());
    const e = [t(Q), t(POS), t(NEG1), t(NEG2)];
    const err = expectTesseraError(() => loss.computeLossFromEmbeddings(e, t([0.5, -0.2])), 'MarginMSELoss', 'labels');
    expect(err.message).toContain('[2, 2]');
    expect(err.message).toContain('[2, 3]');
    expectTesseraError(() => loss.computeLossFromEmbeddings(e, t([[1, 2, 3, 4], [1, 2, 3, 4]])), 'MarginMSELoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings(e, t([[0.5, 0.1]])), 'MarginMSELoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings(e), 'MarginMSELoss', 'labels');
    expectTesseraError(() => loss.forward([colQ, colP], t([1, 2, 3])), 'MarginMSELoss', 'features');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(Q), t(POS)], t([1, 2])), 'MarginMSELoss', 'embeddings');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(Q), t(POS), t([[1, 2, 3], [1, 2, 3]])], t([1, 2])), 'MarginMSELoss', 'embeddings[2]');
    expectTesseraError(() => new MarginMSELoss(table(), { similarityFct: 'dot' }), 'MarginMSELoss', 'similarityFct');
    expectTesseraError(() => new MarginMSELoss(table(), { scale: 2 } as never), 'MarginMSELoss', 'scale');
  });
});

describe.skipIf(!gpu)('MarginMSELoss: WebGPU agrees with the CPU (tiny BERT, float32)', () => {
  it('two negatives with raw teacher scores: value and every parameter gradient', async () => {
    const loss = new MarginMSELoss(tinySentenceTransformer({ seed: 9 }));
    await expectLossAgreement(loss, (l, device) => {
      const m = l.model as SentenceTransformer;
      return l.forward(
        [m.tokenize(['a cat sat', 'dogs run fast'], device), m.tokenize(['the cat', 'a dog runs'], device), m.tokenize(['rain today', 'good bye now'], device), m.tokenize(['blue', 'hello there'], device)],
        T.tensor([[0.9, 0.4, 0.8], [0.3, 0.5, 0.9]], { device }),
      );
    });
  });
});
