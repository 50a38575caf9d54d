/** SoftmaxLoss: spec T11 value, the owned classifier (init, registration, dtype), predict, gradcheck incl. classifier, WebGPU agreement, bad input. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as T from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { requireWebGPU } from '@tessera/tensor/testing';
import { Linear } from '@tessera/nn';
import type { SentenceTransformer } from '@tessera/nn';
import { SoftmaxLoss } from '../src/losses/softmax-loss.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, t, tinySentenceTransformer } from './support/models.js';
import { close, expectTesseraError } from './support/expect.js';

const gpu = await requireWebGPU();


const W = [[0.1, 0.2, 0, -0.1, 0.3, 0], [0, -0.2, 0.1, 0.2, 0, 0.1], [0.2, 0, -0.1, 0, 0.1, 0.4]];
const B = [0, 0.1, -0.1];
const table = (dim = 2): EmbeddingTableModel => new EmbeddingTableModel(12, dim, { seed: 17 });
const colA = idsFeatures([[1, 2], [3], [4, 5, 6]]);
const colB = idsFeatures([[7], [8, 9], [10, 11]]);
const classes = T.tensor([0, 2, 1], { dtype: 'int32' });

afterEach(() => {
  vi.restoreAllMocks();
});

function t11(): SoftmaxLoss {
  const loss = new SoftmaxLoss(table(), { embeddingDimension: 2, numLabels: 3 });
  loss.classifier.weight.assign(t(W));
  loss.classifier.bias!.assign(t(B));
  return loss;
}

describe('SoftmaxLoss: known values (spec T11)', () => {
  it('features [u, v, |u − v|], logits and loss 1.119613', () => {
    const loss = t11();
    const u = t([[1, 2], [0, 1]]);
    const v = t([[2, 1], [1, 1]]);
    // An identity classifier shows the concatenated features.
    const identity = new SoftmaxLoss(table(), { embeddingDimension: 2, numLabels: 6 });
    identity.classifier.weight.assign(T.eye(6, 6, { dtype: 'float64' }));
    identity.classifier.bias!.assign(T.zeros([6], { dtype: 'float64' }));
    expect([...identity.logits(u, v).dataSync()]).toEqual([1, 2, 2, 1, 1, 1, 0, 1, 1, 1, 1, 0]);
    const logits = loss.logits(u, v).dataSync();
    [0.7, 0.2, 0.4, 0.4, 0.2, -0.1].forEach((c, i) => close(logits[i]!, c, 1e-12));
    close(loss.computeLossFromEmbeddings([u, v], T.tensor([0, 2], { dtype: 'int32' })).itemSync(), 1.119613);
    // Float and [B, 1] class labels are accepted (labels.view(-1), cast to integer classes).
    close(loss.computeLossFromEmbeddings([u, v], t([[0], [2]])).itemSync(), 1.119613);
  });

  it('with u ⊙ v appended (all three flags): k = 4', () => {
    const loss = new SoftmaxLoss(table(), { embeddingDimension: 2, numLabels: 2, concatenationSentMultiplication: true });
    expect(loss.classifier.weight.shape).toEqual([2, 8]);
    const w = [[1, 0, 0, 0, 0, 0, 0.5, 0], [0, 0, 0, 1, 0, 0, 0, -1]];
    loss.classifier.weight.assign(t(w));
    loss.classifier.bias!.assign(t([0, 0]));
    const logits = loss.logits(t([[1, 2]]), t([[3, -1]])).dataSync();
    // feat = [1, 2, 3, −1, 2, 3, 3, −2]
    close(logits[0]!, 1 + 0.5 * 3, 1e-12);
    close(logits[1]!, -1 + 2, 1e-12);
  });
});

describe('SoftmaxLoss: the owned classifier', () => {
  it('is a Linear child named classifier, in loss.parameters(), dtype of the model, PyTorch init bound', () => {
    const loss = new SoftmaxLoss(table(4), { embeddingDimension: 4, numLabels: 3 });
    expect(loss.classifier).toBeInstanceOf(Linear);
    const names = loss.namedParameters().map(([n]) => n);
    expect(names).toEqual(['model.table', 'classifier.weight', 'classifier.bias']);
    expect(loss.classifier.weight.shape).toEqual([3, 12]);
    expect(loss.classifier.weight.dtype).toBe('float64');
    expect(loss.classifier.weight.device).toBe('cpu');
    const bound = 1 / Math.sqrt(12);
    for (const p of [loss.classifier.weight, loss.classifier.bias!]) for (const x of p.dataSync()) expect(Math.abs(x)).toBeLessThanOrEqual(bound);
    expect(loss.numVectorsConcatenated).toBe(3);
  });

  it('is reproducible from a seeded generator (option or manualSeed)', () => {
    const a = new SoftmaxLoss(table(4), { embeddingDimension: 4, numLabels: 3, generator: new T.Generator(9) });
    const b = new SoftmaxLoss(table(4), { embeddingDimension: 4, numLabels: 3, generator: new T.Generator(9) });
    expect([...a.classifier.weight.dataSync()]).toEqual([...b.classifier.weight.dataSync()]);
    T.manualSeed(3);
    const c = new SoftmaxLoss(table(4), { embeddingDimension: 4, numLabels: 3 });
    T.manualSeed(3);
    const d = new SoftmaxLoss(table(4), { embeddingDimension: 4, numLabels: 3 });
    expect([...c.classifier.bias!.dataSync()]).toEqual([...d.classifier.bias!.dataSync()]);
  });

  it('sentenceEmbeddingDimension is a deprecated alias; the new name wins', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const old = new SoftmaxLoss(table(), { sentenceEmbeddingDimension: 2, numLabels: 3 });
    expect(old.embeddingDimension).toBe(2);
    const both = new SoftmaxLoss(table(), { embeddingDimension: 2, sentenceEmbeddingDimension: 5, numLabels: 3 });
    expect(both.embeddingDimension).toBe(2);
    // One deprecation warning per process (this file's worker).
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('deprecated');
  });

  it('config records numLabels and the three flags', () => {
    expect(new SoftmaxLoss(table(), { embeddingDimension: 2, numLabels: 3 }).getConfigDict()).toEqual({
      num_labels: 3,
      concatenation_sent_rep: true,
      concatenation_sent_difference: true,
      concatenation_sent_multiplication: false,
    });
  });
});

describe('SoftmaxLoss: without labels', () => {
  it('predict returns both embeddings and the logits; forward needs labels', () => {
    const loss = new SoftmaxLoss(table(), { embeddingDimension: 2, numLabels: 3 });
    const { embeddings, logits } = loss.predict([colA, colB]);
    expect(embeddings.map((e) => e.shape)).toEqual([[3, 2], [3, 2]]);
    expect(logits.shape).toEqual([3, 3]);
    expect([...logits.dataSync()]).toEqual([...loss.logits(embeddings[0], embeddings[1]).dataSync()]);
    expectTesseraError(() => loss.forward([colA, colB]), 'SoftmaxLoss', 'labels');
  });

  it('custom lossFct receives the logits and the flattened labels', () => {
    const seen: number[][] = [];
    const loss = new SoftmaxLoss(table(), {
      embeddingDimension: 2,
      numLabels: 3,
      lossFct: (logits: Tensor, labels: Tensor) => {
        seen.push(logits.shape.slice(), labels.shape.slice());
        return logits.sum();
      },
    });
    loss.forward([colA, colB], T.tensor([[0], [2], [1]], { dtype: 'int32' }));
    expect(seen).toEqual([[3, 3], [3]]);
  });
});

describe('SoftmaxLoss: gradcheck (float64, embedding table, classifier included)', () => {
  it('rep + difference (default)', () => {
    const loss = new SoftmaxLoss(table(3), { embeddingDimension: 3, numLabels: 3, generator: new T.Generator(1) });
    lossGradcheck(loss, () => loss.forward([colA, colB], classes));
  });
  it('all three vectors; difference + multiplication only', () => {
    const all = new SoftmaxLoss(table(3), { embeddingDimension: 3, numLabels: 3, concatenationSentMultiplication: true, generator: new T.Generator(2) });
    lossGradcheck(all, () => all.forward([colA, colB], classes));
    const noRep = new SoftmaxLoss(table(3), { embeddingDimension: 3, numLabels: 3, concatenationSentRep: false, concatenationSentMultiplication: true, generator: new T.Generator(3) });
    lossGradcheck(noRep, () => noRep.forward([colA, colB], classes));
  });
});

describe('SoftmaxLoss: bad input', () => {
  it('names the loss and the argument', () => {
    const loss = new SoftmaxLoss(table(), { embeddingDimension: 2, numLabels: 3 });
    expectTesseraError(() => new SoftmaxLoss(table(), { embeddingDimension: 2, numLabels: 3, concatenationSentRep: false, concatenationSentDifference: false }), 'SoftmaxLoss', 'concatenationSentRep');
    expectTesseraError(() => new SoftmaxLoss(table(), { numLabels: 3 }), 'SoftmaxLoss', 'embeddingDimension');
    expectTesseraError(() => new SoftmaxLoss(table(), { embeddingDimension: 2.5, numLabels: 3 }), 'SoftmaxLoss', 'embeddingDimension');
    expectTesseraError(() => new SoftmaxLoss(table(), { embeddingDimension: 2 } as never), 'SoftmaxLoss', 'numLabels');
    expectTesseraError(() => new SoftmaxLoss(table(), { embeddingDimension: 2, numLabels: 3, concatenationSentMultiplication: 'yes' as never }), 'SoftmaxLoss', 'concatenationSentMultiplication');
    expectTesseraError(() => new SoftmaxLoss(table(), { embeddingDimension: 2, numLabels: 3, num_labels: 3 } as never), 'SoftmaxLoss', 'num_labels');
    expectTesseraError(() => loss.forward([colA, colB, colA], classes), 'SoftmaxLoss', 'features');
    expectTesseraError(() => loss.forward([colA, colB], T.tensor([0, 1], { dtype: 'int32' })), 'SoftmaxLoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t([[1, 2, 3]]), t([[1, 2, 3]])], classes), 'SoftmaxLoss', 'embeddings');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t([[1, 2]]), t([[1, 2, 3]])], classes), 'SoftmaxLoss', 'embeddings[1]');
    expectTesseraError(() => loss.predict([colA]), 'SoftmaxLoss', 'features');
  });
});

describe.skipIf(!gpu)('SoftmaxLoss: WebGPU agrees with the CPU (tiny BERT, float32)', () => {
  it("the classifier is created on the model's device, with the same initial values", async () => {
    const onGpu = new SoftmaxLoss(await tinySentenceTransformer({ seed: 6 }).to('webgpu'), { embeddingDimension: 8, numLabels: 3, generator: new T.Generator(4) });
    const onCpu = new SoftmaxLoss(tinySentenceTransformer({ seed: 6 }), { embeddingDimension: 8, numLabels: 3, generator: new T.Generator(4) });
    expect(onGpu.classifier.weight.device).toBe('webgpu');
    const g = await onGpu.classifier.weight.data();
    const c = onCpu.classifier.weight.dataSync();
    for (let i = 0; i < c.length; i++) close(g[i]!, c[i]!, 1e-7);
  });

  it('value and every parameter gradient, classifier included', async () => {
    const model = tinySentenceTransformer({ seed: 6 });
    const loss = new SoftmaxLoss(model, { embeddingDimension: model.getEmbeddingDimension(), numLabels: 3, concatenationSentMultiplication: true, generator: new T.Generator(4) });
    await expectLossAgreement(loss, (l, device) => {
      const m = l.model as SentenceTransformer;
      return l.forward([m.tokenize(['a cat sat', 'dogs run fast', 'hello'], device), m.tokenize(['the cat', 'rain today', 'hello there'], device)], T.tensor([2, 0, 1], { dtype: 'int32', device }));
    });
  });
});
