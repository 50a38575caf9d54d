import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import type { DeviceName, Tensor } from '@tessera/tensor';
import { requireWebGPU } from '@tessera/tensor/testing';
import { ContrastiveTensionLoss, sameTokenRows } from '../src/losses/contrastive-tension-loss.js';
import { ContrastiveTensionDataLoader, contrastiveTensionBatches } from '../src/data/contrastive-tension.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, t, tinySentenceTransformer } from './support/models.js';
import { expectTesseraError, setRows, tableWithRows } from './support/unsupervised-fixtures.js';

const gpu = await requireWebGPU();

// T10
const REPS1 = [[0.5, 0.2], [0.1, -0.3], [0.4, 0.4]];
const REPS2 = [[0.6, 0.1], [0.5, 0.2], [-0.2, 0.3]];

describe('ContrastiveTensionLoss: T10 known values (float64)', () => {
  it('from both encoders\' outputs, with labels [1, 0, 0]', () => {
    const loss = new ContrastiveTensionLoss(new EmbeddingTableModel(4, 2));
    expect(loss.computeLossFromEmbeddings([t(REPS1), t(REPS2)], t([1, 0, 0])).itemSync()).toBeCloseTo(1.9474, 6);
    // Integer labels are cast to the score dtype.
    expect(loss.computeLossFromEmbeddings([t(REPS1), t(REPS2)], T.tensor([1, 0, 0], { dtype: 'int32' })).itemSync()).toBeCloseTo(1.9474, 6);
  });

  it('through forward, with labels and without (inferred: only pair 0 has identical tokens)', () => {
    // model2 (the model): id 1 → REPS2[0], 5 → REPS2[1], 6 → REPS2[2]; the copy model1: ids 1, 2, 3 → REPS1.
    const model = tableWithRows([REPS2[0]!, [9, 9], [9, 9], [9, 9], REPS2[1]!, REPS2[2]!]);
    const loss = new ContrastiveTensionLoss(model);
    setRows(loss.model1 as EmbeddingTableModel, [REPS1[0]!, REPS1[1]!, REPS1[2]!, [7, 7], [7, 7], [7, 7]]);
    const features = [idsFeatures([[1], [2], [3]]), idsFeatures([[1], [5], [6]])];
    expect(loss.forward(features, t([1, 0, 0])).itemSync()).toBeCloseTo(1.9474, 6);
    expect(loss.forward(features).itemSync()).toBeCloseTo(1.9474, 6);
    // Wrong labels give another value: the inferred ones really are [1, 0, 0].
    expect(loss.forward(features, t([0, 0, 0])).itemSync()).not.toBeCloseTo(1.9474, 3);
  });

  it('label inference: unmasked ids compared as sequences; without masks, rows element by element', () => {
    const a = idsFeatures([[4, 5], [4, 5, 6], [7], [8, 9]]); // width 3
    const b = idsFeatures([[4, 5], [4, 5], [7], [9, 8]]); // width 2
    expect(Array.from(sameTokenRows(a, b, 'float64').dataSync())).toEqual([1, 0, 1, 0]);
    const noMask = (f: ReturnType<typeof idsFeatures>): ReturnType<typeof idsFeatures> => ({ inputIds: f.inputIds });
    expect(Array.from(sameTokenRows(noMask(a), noMask(b)).dataSync())).toEqual([0, 0, 0, 0]); // widths differ
    const c = idsFeatures([[4, 5, 0], [4, 5, 6], [7], [8, 9]]);
    expect(Array.from(sameTokenRows(noMask(a), noMask(c)).dataSync())).toEqual([1, 1, 1, 1]);
  });
});

describe('ContrastiveTensionLoss: the copied encoder', () => {
  it('model1 is a deep copy with its own storage, registered and trained; model2 is the model', () => {
    const model = new EmbeddingTableModel(8, 3, { seed: 1 });
    const loss = new ContrastiveTensionLoss(model);
    const copy = loss.model1 as EmbeddingTableModel;
    expect(loss.model2).toBe(model);
    expect(copy).not.toBe(model);
    expect(copy.table).not.toBe(model.table);
    expect(Array.from(copy.table.dataSync())).toEqual(Array.from(model.table.dataSync()));
    expect(loss.namedParameters().map(([n]) => n)).toEqual(['model.table', 'model1.table']);
    // Independent storage: changing one leaves the other.
    setRows(model, Array.from({ length: 7 }, () => [1, 2, 3]));
    expect(copy.table.dataSync()[3]).not.toBe(1);
    loss.forward([idsFeatures([[1], [2]]), idsFeatures([[1], [3]])]).backward();
    expect(copy.table.grad).not.toBeNull();
    expect(model.table.grad).not.toBeNull();
  });

  it('follows the loss\'s train/eval mode (Decision 5)', () => {
    const loss = new ContrastiveTensionLoss(new EmbeddingTableModel(8, 3, { dropout: 0.1 }));
    loss.eval();
    expect(loss.model1.training).toBe(false);
    expect((loss.model1 as EmbeddingTableModel).drop.training).toBe(false);
    loss.train();
    expect(loss.model1.training).toBe(true);
    expect((loss.model1 as EmbeddingTableModel).drop.training).toBe(true);
  });

  it('gradcheck through both encoders (float64)', () => {
    const loss = new ContrastiveTensionLoss(new EmbeddingTableModel(7, 2, { seed: 2 }));
    setRows(loss.model1 as EmbeddingTableModel, Array.from({ length: 6 }, (_, i) => [Math.sin(i), Math.cos(2 * i)]));
    const features = [idsFeatures([[1, 2], [3], [4, 5, 6], [6]]), idsFeatures([[1, 2], [5], [6, 1], [6]])];
    lossGradcheck(loss, () => loss.forward(features));
    const loss2 = new ContrastiveTensionLoss(new EmbeddingTableModel(7, 2, { seed: 5 }));
    lossGradcheck(loss2, () => loss2.forward(features, t([1, 0, 0, 1])));
  });
});

describe('ContrastiveTensionLoss: options and errors', () => {
  it('config, info and bad input', () => {
    const loss = new ContrastiveTensionLoss(new EmbeddingTableModel(8, 2));
    expect(loss.getConfigDict()).toEqual({});
    expect(ContrastiveTensionLoss.info.citation).toContain('Contrastive Tension');
    const f = idsFeatures([[1], [2]]);
    expectTesseraError(() => loss.forward([f]), 'ContrastiveTensionLoss', 'features');
    expectTesseraError(() => loss.forward([f, f, f]), 'ContrastiveTensionLoss', 'features');
    expectTesseraError(() => loss.forward([f, f], t([1, 0, 0])), 'ContrastiveTensionLoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(REPS1), t(REPS2)]), 'ContrastiveTensionLoss', 'labels');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(REPS1)], t([1, 0, 0])), 'ContrastiveTensionLoss', 'embeddings');
    expectTesseraError(() => new ContrastiveTensionLoss({} as never), 'ContrastiveTensionLoss', 'model');
  });
});

describe('ContrastiveTensionDataLoader / contrastiveTensionBatches', () => {
  const sentences = Array.from({ length: 100 }, (_, i) => `sentence ${i}`);

  it('batch composition: batchSize/posNegRatio positives per batch, identical pairs labelled 1', () => {
    const batches = [...contrastiveTensionBatches(sentences, 16, 8, new T.Generator(1))];
    expect(batches).toHaveLength(3); // each batch uses 2 + 14·2 = 30 sentences
    const used = new Set<string>();
    for (const { pairs, labels } of batches) {
      expect(pairs).toHaveLength(16);
      expect(labels.filter((l) => l === 1)).toHaveLength(2);
      pairs.forEach(([a, b], j) => {
        expect(labels[j]).toBe(j % 8 === 0 ? 1 : 0);
        expect(a === b).toBe(labels[j] === 1);
        used.add(a).add(b);
      });
    }
    expect(used.size).toBe(90); // consecutive sentences of one shuffled order, none reused
    const ratio4 = [...contrastiveTensionBatches(sentences, 8, 4, new T.Generator(1))];
    for (const { labels } of ratio4) expect(labels.filter((l) => l === 1)).toHaveLength(2);
  });

  it('length ⌊N / (2·batchSize)⌋; deterministic per seed; reshuffled every epoch; input untouched', () => {
    const copy = [...sentences];
    const loader = new ContrastiveTensionDataLoader(sentences, 16, 8, new T.Generator(7));
    expect(loader.length).toBe(3);
    expect(new ContrastiveTensionDataLoader(sentences.slice(0, 31), 16).length).toBe(0);
    expect(new ContrastiveTensionDataLoader(sentences, 10, 5).length).toBe(5);
    const epoch1 = [...loader];
    const epoch2 = [...loader];
    expect(epoch1).toHaveLength(loader.length);
    expect(epoch2).toHaveLength(loader.length);
    expect(epoch2).not.toEqual(epoch1);
    const again = new ContrastiveTensionDataLoader(sentences, 16, 8, new T.Generator(7));
    expect([...again]).toEqual(epoch1);
    expect(sentences).toEqual(copy);
    expect([...contrastiveTensionBatches(sentences, 16, 8, new T.Generator(3))]).toEqual([...contrastiveTensionBatches(sentences, 16, 8, new T.Generator(3))]);
  });

  it('a trailing partial batch is dropped; bad sizes are errors naming the loader and argument', () => {
    expect([...contrastiveTensionBatches(sentences.slice(0, 20), 16, 8, new T.Generator(1))]).toHaveLength(0);
    expectTesseraError(() => new ContrastiveTensionDataLoader(sentences, 12, 8), 'ContrastiveTensionDataLoader', 'batchSize');
    expectTesseraError(() => contrastiveTensionBatches(sentences, 12, 8).next(), 'ContrastiveTensionDataLoader', 'batchSize');
    expectTesseraError(() => new ContrastiveTensionDataLoader(sentences, 0), 'ContrastiveTensionDataLoader', 'batchSize');
    expectTesseraError(() => new ContrastiveTensionDataLoader(sentences, 8, 0), 'ContrastiveTensionDataLoader', 'posNegRatio');
  });
});

describe.skipIf(!gpu)('ContrastiveTensionLoss: CPU vs WebGPU (float32, tiny BERT)', () => {
  it('value and gradients agree (labels inferred on each device)', async () => {
    const model = tinySentenceTransformer({ seed: 1 });
    const loss = new ContrastiveTensionLoss(model);
    const pairs = [['the cat sat', 'the cat sat'], ['a dog ran', 'birds sing loudly'], ['hello', 'hi there']];
    await expectLossAgreement(loss, (l: unknown, device: DeviceName): Tensor => {
      const ct = l as ContrastiveTensionLoss;
      const m = ct.model as ReturnType<typeof tinySentenceTransformer>;
      return ct.forward([m.tokenize(pairs.map((p) => p[0]!), device), m.tokenize(pairs.map((p) => p[1]!), device)]);
    });
  });
});
