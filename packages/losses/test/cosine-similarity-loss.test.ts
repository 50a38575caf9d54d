/** CosineSimilarityLoss: spec T1 values and gradient, gradcheck, WebGPU agreement, options and bad input. */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { requireWebGPU } from '@tessera/tensor/testing';
import type { SentenceTransformer } from '@tessera/nn';
import { CosineSimilarityLoss } from '../src/losses/cosine-similarity-loss.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, t, tinySentenceTransformer } from './support/models.js';
import { close, expectTesseraError } from './support/expect.js';

const gpu = await requireWebGPU();


const U = [[1, 2], [2, -1], [0.5, 1.5]];
const V = [[2, 1], [1, -1], [-1, 2]];
const Y = [0.7, 1.0, 0.3];
const table = (): EmbeddingTableModel => new EmbeddingTableModel(12, 4, { seed: 3 });
const colA = idsFeatures([[1, 2], [3], [4, 5, 6]]);
const colB = idsFeatures([[7], [8, 9], [10, 11]]);

describe('CosineSimilarityLoss: known values (spec T1)', () => {
  it('value 0.059456 and ∂/∂u[0][0] = 0.016', () => {
    const loss = new CosineSimilarityLoss(table());
    const u = t(U).requiresGrad_(true);
    const value = loss.computeLossFromEmbeddings([u, t(V)], t(Y));
    close(value.itemSync(), 0.059456);
    value.backward();
    close(u.grad!.dataSync()[0]!, 0.016);
  });

  it('cosine scores follow torch cosine_similarity (0.8, 0.948683, 0.707107)', () => {
    const scores: number[] = [];
    const loss = new CosineSimilarityLoss(table(), {
      lossFct: (s, y) => {
        scores.push(...s.dataSync());
        return s.sub(y).abs().mean();
      },
    });
    loss.computeLossFromEmbeddings([t(U), t(V)], t(Y));
    [0.8, 0.948683, 0.707107].forEach((c, i) => close(scores[i]!, c));
  });

  it('custom lossFct and cosScoreTransformation (functions and modules)', () => {
    const l1 = Object.assign((s: Tensor, y: Tensor) => s.sub(y).abs().mean(), { stName: 'torch.nn.modules.loss.L1Loss' });
    const relu = { forward: (s: Tensor) => s.relu() };
    const loss = new CosineSimilarityLoss(table(), { lossFct: l1, cosScoreTransformation: relu });
    const expected = (Math.abs(0.8 - 0.7) + Math.abs(0.948683 - 1) + Math.abs(0.707107 - 0.3)) / 3;
    close(loss.computeLossFromEmbeddings([t(U), t(V)], t(Y)).itemSync(), expected);
    expect(loss.getConfigDict()).toEqual({ loss_fct: 'torch.nn.modules.loss.L1Loss', cos_score_transformation: 'Object' });
  });

  it('config records the torch class names by default; info is static', () => {
    expect(new CosineSimilarityLoss(table()).getConfigDict()).toEqual({ loss_fct: 'torch.nn.modules.loss.MSELoss', cos_score_transformation: 'torch.nn.modules.linear.Identity' });
    expect(CosineSimilarityLoss.info.labels).toContain('float');
  });

  it('labels [B, 1] and int labels are accepted (labels.float().view(-1))', () => {
    const loss = new CosineSimilarityLoss(table());
    const a = loss.computeLossFromEmbeddings([t(U), t(V)], t([[1], [0], [1]]));
    const b = loss.computeLossFromEmbeddings([t(U), t(V)], T.tensor([1, 0, 1], { dtype: 'int32' }));
    close(a.itemSync(), b.itemSync(), 1e-12);
  });
});

describe('CosineSimilarityLoss: gradcheck (float64, embedding table)', () => {
  it('default options', () => {
    const loss = new CosineSimilarityLoss(table());
    lossGradcheck(loss, () => loss.forward([colA, colB], t([0.2, 0.9, 0.5])));
  });
});

describe('CosineSimilarityLoss: bad input', () => {
  it('names the loss and the argument', () => {
    const loss = new CosineSimilarityLoss(table());
    expectTesseraError(() => loss.forward([colA], t([1, 0, 1])), 'CosineSimilarityLoss', 'features');
    expectTesseraError(() => loss.forward([colA, colB, colA], t([1, 0, 1])), 'CosineSimilarityLoss', 'features');
    expectTesseraError(() => loss.forward([colA, colB]), 'CosineSimilarityLoss', 'labels');
    expectTesseraError(() => loss.forward([colA, colB], t([1, 0])), 'CosineSimilarityLoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(U), t([[1, 2, 3], [1, 2, 3], [1, 2, 3]])], t(Y)), 'CosineSimilarityLoss', 'embeddings[1]');
    expectTesseraError(() => new CosineSimilarityLoss(table(), { lossFct: 3 as never }), 'CosineSimilarityLoss', 'lossFct');
    expectTesseraError(() => new CosineSimilarityLoss(table(), { scale: 3 } as never), 'CosineSimilarityLoss', 'scale');
  });
});

describe.skipIf(!gpu)('CosineSimilarityLoss: WebGPU agrees with the CPU (tiny BERT, float32)', () => {
  it('value and every parameter gradient', async () => {
    const loss = new CosineSimilarityLoss(tinySentenceTransformer({ seed: 1 }));
    await expectLossAgreement(loss, (l, device) => {
      const m = l.model as SentenceTransformer;
      return l.forward([m.tokenize(['a cat sat', 'dogs run fast', 'hello'], device), m.tokenize(['the cat', 'a dog runs', 'good bye now'], device)], T.tensor([0.9, 0.6, 0.1], { device }));
    });
  });
});
