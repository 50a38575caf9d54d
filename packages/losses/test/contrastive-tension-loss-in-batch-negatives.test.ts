import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import type { DeviceName, Tensor } from '@tessera/tensor';
import { requireWebGPU } from '@tessera/tensor/testing';
import { ContrastiveTensionLossInBatchNegatives } from '../src/losses/contrastive-tension-loss-in-batch-negatives.js';
import { dotScore } from '../src/similarity.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, t, tinySentenceTransformer } from './support/models.js';
import { expectTesseraError, setRows, tableWithRows } from './support/unsupervised-fixtures.js';

const gpu = await requireWebGPU();

// T2
const A = [[1, 0.5], [0.8, 1]];
const P = [[1, 0.3], [0.5, 1]];

describe('ContrastiveTensionLossInBatchNegatives: T2 known value (float64)', () => {
  it('encoders giving A (model1) and P (model2), logitScale = ln 20: 0.033632', () => {
    const loss = new ContrastiveTensionLossInBatchNegatives(new EmbeddingTableModel(3, 2));
    expect(loss.logitScale.itemSync()).toBeCloseTo(Math.log(20), 12);
    expect(loss.computeLossFromEmbeddings([t(A), t(P)]).itemSync()).toBeCloseTo(0.033632, 6);
  });

  it('through forward: column 0 goes to both encoders, further columns are ignored', () => {
    const model = tableWithRows(P);
    const loss = new ContrastiveTensionLossInBatchNegatives(model);
    setRows(loss.model1 as EmbeddingTableModel, A);
    const column = idsFeatures([[1], [2]]);
    expect(loss.forward([column]).itemSync()).toBeCloseTo(0.033632, 6);
    expect(loss.forward([column, idsFeatures([[2], [1]])]).itemSync()).toBeCloseTo(0.033632, 6);
  });

  it('the scale is learnable: gradient on logitScale, config reports exp(logitScale)', () => {
    const loss = new ContrastiveTensionLossInBatchNegatives(tableWithRows(P), { scale: 10 });
    setRows(loss.model1 as EmbeddingTableModel, A);
    expect(loss.namedParameters().map(([n]) => n)).toEqual(['logitScale', 'model.table', 'model1.table']);
    loss.forward([idsFeatures([[1], [2]])]).backward();
    expect(loss.logitScale.grad).not.toBeNull();
    expect(loss.getConfigDict().similarityFct).toBe('cos_sim');
    expect(loss.getConfigDict().scale as number).toBeCloseTo(10, 12);
    loss.logitScale.assign(T.tensor(Math.log(5), { dtype: 'float64' }));
    expect(loss.getConfigDict().scale as number).toBeCloseTo(5, 12);
    expect(new ContrastiveTensionLossInBatchNegatives(tableWithRows(P), { similarityFct: 'dot_score' }).similarityFct).toBe(dotScore);
  });
});

describe('ContrastiveTensionLossInBatchNegatives: gradients and the copy', () => {
  it('gradcheck through both encoders and logitScale (float64)', () => {
    const loss = new ContrastiveTensionLossInBatchNegatives(new EmbeddingTableModel(7, 2, { seed: 4 }), { scale: 3 });
    setRows(loss.model1 as EmbeddingTableModel, Array.from({ length: 6 }, (_, i) => [Math.sin(i + 1), Math.cos(3 * i)]));
    const features = [idsFeatures([[1, 2], [3], [4, 5, 6], [6]])];
    lossGradcheck(loss, () => loss.forward(features));
  });

  it('the copy is independent, registered, and follows train/eval', () => {
    const model = new EmbeddingTableModel(7, 2, { seed: 4, dropout: 0.1 });
    const loss = new ContrastiveTensionLossInBatchNegatives(model);
    expect(loss.model2).toBe(model);
    expect((loss.model1 as EmbeddingTableModel).table).not.toBe(model.table);
    expect(Array.from((loss.model1 as EmbeddingTableModel).table.dataSync())).toEqual(Array.from(model.table.dataSync()));
    loss.eval();
    expect((loss.model1 as EmbeddingTableModel).drop.training).toBe(false);
    loss.train();
    expect((loss.model1 as EmbeddingTableModel).drop.training).toBe(true);
  });
});

describe('ContrastiveTensionLossInBatchNegatives: options and errors', () => {
  it('bad options and inputs name the loss and the argument', () => {
    const model = new EmbeddingTableModel(7, 2);
    expectTesseraError(() => new ContrastiveTensionLossInBatchNegatives(model, { scale: 0 }), 'ContrastiveTensionLossInBatchNegatives', 'scale');
    expectTesseraError(() => new ContrastiveTensionLossInBatchNegatives(model, { similarityFct: 'nope' }), 'ContrastiveTensionLossInBatchNegatives', 'similarityFct');
    const loss = new ContrastiveTensionLossInBatchNegatives(model);
    expectTesseraError(() => loss.forward([]), 'ContrastiveTensionLossInBatchNegatives', 'features');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(A)]), 'ContrastiveTensionLossInBatchNegatives', 'embeddings');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(A), t([[1, 2]])]), 'ContrastiveTensionLossInBatchNegatives', 'embeddings[1]');
    expect(ContrastiveTensionLossInBatchNegatives.info.inputs).toContain('one column');
  });
});

describe.skipIf(!gpu)('ContrastiveTensionLossInBatchNegatives: CPU vs WebGPU (float32, tiny BERT)', () => {
  it('value and gradients agree (logitScale included)', async () => {
    const loss = new ContrastiveTensionLossInBatchNegatives(tinySentenceTransformer({ seed: 1 }));
    const texts = ['the cat sat', 'a dog ran far', 'hello there'];
    await expectLossAgreement(loss, (l: unknown, device: DeviceName): Tensor => {
      const ct = l as ContrastiveTensionLossInBatchNegatives;
      return ct.forward([(ct.model as ReturnType<typeof tinySentenceTransformer>).tokenize(texts, device)]);
    });
  });
});
