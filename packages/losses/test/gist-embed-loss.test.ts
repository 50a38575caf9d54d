import { describe, expect, it } from 'vitest';

import type { DeviceName, Tensor } from '@tessera/tensor';
import { requireWebGPU } from '@tessera/tensor/testing';
import type { Features } from '@tessera/nn';
import { GISTEmbedLoss, gistLogitRows, gistSettings } from '../src/losses/gist-embed-loss.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, t, tinySentenceTransformer } from './support/models.js';
import { expectTesseraError, microSentenceTransformer, tableWithRows } from './support/unsupervised-fixtures.js';

const gpu = await requireWebGPU();

// T3: model A, P, N (T2), guide GA, GP, GN.
const A = [[1, 0.5], [0.8, 1]];
const P = [[1, 0.3], [0.5, 1]];
const N = [[0.9, 0.6], [1, 0.7]];
const GA = [[1, 0], [0, 1]];
const GP = [[1, 0.2], [0.3, 1]];
const GN = [[1, 0.1], [0, 1]];

/** Model and guide table models whose column k, row i is the given row; one single-token record per column. */
function t3Models(): { model: EmbeddingTableModel; guide: EmbeddingTableModel; features: Features[] } {
  const model = tableWithRows([...A, ...P, ...N]);
  const guide = tableWithRows([...GA, ...GP, ...GN]);
  const features = [0, 1, 2].map((k) => idsFeatures([[1 + 2 * k], [2 + 2 * k]]));
  return { model, guide, features };
}

describe('GISTEmbedLoss: T3 known values (float64)', () => {
  it('logit rows (AP | AA | PP | AN, ÷0.01) with −∞ at suppressed entries', () => {
    const z = gistLogitRows([t(A), t(P), t(N)], [t(GA), t(GP), t(GN)], 0, 2, gistSettings('test', {})).arraySync() as number[][];
    const want = [
      [98.5212, 80.0, -Infinity, 90.7959, -Infinity, 68.5365, -Infinity, 98.9203],
      [82.273, 97.7802, 90.7959, -Infinity, 68.5365, -Infinity, 95.2926, -Infinity],
    ];
    want.forEach((row, i) =>
      row.forEach((v, j) => {
        if (v === -Infinity) expect(z[i]![j]).toBe(-Infinity);
        else expect(z[i]![j]).toBeCloseTo(v, 3);
      }),
    );
    // Rows [1, 2) alone: the same row 1 against all candidates.
    const z1 = gistLogitRows([t(A), t(P), t(N)], [t(GA), t(GP), t(GN)], 1, 2, gistSettings('test', {})).arraySync() as number[][];
    expect(z1).toHaveLength(1);
    z1[0]!.forEach((v, j) => (Number.isFinite(v) ? expect(v).toBeCloseTo(z[1]![j]!, 10) : expect(z[1]![j]).toBe(-Infinity)));
  });

  it('values from embeddings: all variants', () => {
    const guideModel = new EmbeddingTableModel(2, 2);
    const value = (cols: number[][][], gcols: number[][][], opts: Record<string, unknown> = {}): number =>
      new GISTEmbedLoss(new EmbeddingTableModel(2, 2), { guide: guideModel, ...opts }).computeLossFromEmbeddings(cols.map((c) => t(c)), gcols.map((c) => t(c))).itemSync();
    expect(value([A, P, N], [GA, GP, GN])).toBeCloseTo(0.496691, 6);
    expect(value([A, P], [GA, GP])).toBeCloseTo(0.000684, 6);
    expect(value([A, P, N], [GA, GP, GN], { contrastAnchors: false })).toBeCloseTo(0.496175, 6);
    expect(value([A, P, N], [GA, GP, GN], { temperature: 0.05 })).toBeCloseTo(0.743327, 6);
    expect(value([A, P, N], [GA, GP, GN], { marginStrategy: 'relative', margin: 0.5 })).toBeCloseTo(0.496691, 6);
  });

  it('the same values through forward (model and guide as embedding tables)', () => {
    const { model, guide, features } = t3Models();
    expect(new GISTEmbedLoss(model, { guide }).forward(features).itemSync()).toBeCloseTo(0.496691, 6);
    expect(new GISTEmbedLoss(model, { guide }).forward(features.slice(0, 2)).itemSync()).toBeCloseTo(0.000684, 6);
  });

  it('relative margin with a negative threshold uses θ − |θ|·margin (ST v6)', () => {
    // θ_0 = cos(ga_0, gp_0) = −0.4; the negative's guide similarity is −0.5.
    const ga = [[1, 0]];
    const gp = [[-0.4, Math.sqrt(1 - 0.16)]];
    const gn = [[-0.5, Math.sqrt(0.75)]];
    const m = [[1, 0.2]];
    const row = (margin: number, strategy: 'relative' | 'absolute'): number[] =>
      (gistLogitRows([t(m), t([[0.3, 1]]), t([[0.5, 0.5]])], [t(ga), t(gp), t(gn)], 0, 1, gistSettings('test', { marginStrategy: strategy, margin })).arraySync() as number[][])[0]!;
    expect(row(0.5, 'relative')[3]).toBe(-Infinity); // bound −0.6 (ST v5's −0.2 would keep it)
    expect(Number.isFinite(row(0.1, 'relative')[3])).toBe(true); // bound −0.44
    expect(row(0.2, 'absolute')[3]).toBe(-Infinity); // bound −0.6
    expect(Number.isFinite(row(0, 'absolute')[0])).toBe(true); // the positive is never suppressed
  });
});

describe('GISTEmbedLoss: gradients (float64)', () => {
  const ids = [
    [[1, 2], [3], [4, 5, 6], [7]],
    [[8], [9, 1], [2, 3], [10, 11]],
    [[5, 9], [6], [11, 2, 3], [4]],
  ];
  it('gradcheck through the model (guide: another table model, other width)', () => {
    const guide = new EmbeddingTableModel(12, 5, { seed: 4 });
    for (const [cols, opts] of [
      [3, {}],
      [2, { temperature: 0.05, marginStrategy: 'relative', margin: 0.1 }],
      [3, { contrastAnchors: false, contrastPositives: false, margin: 0.05 }],
    ] as const) {
      // lossGradcheck leaves its (disposed) swapped-in parameters behind: a fresh model each time.
      const loss = new GISTEmbedLoss(new EmbeddingTableModel(12, 3, { seed: 3 }), { guide, ...opts });
      const features = ids.slice(0, cols).map((c) => idsFeatures(c));
      lossGradcheck(loss, () => loss.forward(features));
    }
  });

  it('the guide is not a parameter of the loss and never receives gradients', () => {
    const model = new EmbeddingTableModel(12, 3, { seed: 3 });
    const guide = new EmbeddingTableModel(12, 5, { seed: 4 });
    const loss = new GISTEmbedLoss(model, { guide });
    expect(loss.parameters()).toEqual([model.table]);
    expect(loss.namedModules().some(([, m]) => m === guide)).toBe(false);
    loss.forward(ids.map((c) => idsFeatures(c))).backward();
    expect(model.table.grad).not.toBeNull();
    expect(guide.table.grad).toBeNull();
  });

  it('the guide runs in eval mode (no dropout) and keeps its own mode', () => {
    const model = new EmbeddingTableModel(12, 3, { seed: 3 });
    const guide = new EmbeddingTableModel(12, 5, { seed: 4, dropout: 0.5 });
    guide.train();
    const loss = new GISTEmbedLoss(model, { guide });
    loss.train();
    const features = ids.map((c) => idsFeatures(c));
    const first = loss.forward(features).itemSync();
    expect(loss.forward(features).itemSync()).toBe(first);
    expect(guide.training).toBe(true);
    expect(guide.drop.training).toBe(true);
    guide.eval();
    const g = features.map((f) => guide.forward(f).sentenceEmbedding!);
    const e = features.map((f) => model.forward(f).sentenceEmbedding!);
    expect(loss.computeLossFromEmbeddings(e, g).itemSync()).toBeCloseTo(first, 12);
  });
});

describe('GISTEmbedLoss: guide re-tokenization', () => {
  const anchors = ['the cat sat on the mat.', 'a dog ran in the park.', 'the dog sat.'];
  const positives = ['a cat sat.', 'the dog ran in a park.', 'a dog sat on a mat.'];

  it('a guide with a smaller maxSeqLength re-tokenizes: same result as giving the guide the texts', () => {
    const model = tinySentenceTransformer({ dtype: 'float64', seed: 1 });
    const guide = tinySentenceTransformer({ dtype: 'float64', seed: 2, hidden: 4 });
    guide.maxSeqLength = 16;
    const loss = new GISTEmbedLoss(model, { guide });
    expect(loss.mustRetokenize).toBe(true);
    const features = [model.tokenize(anchors), model.tokenize(positives)];
    const got = loss.forward(features).itemSync();
    const direct = loss.computeLossFromEmbeddings(
      features.map((f) => model.forward(f).sentenceEmbedding!),
      [anchors, positives].map((texts) => guide.forward(guide.tokenize(texts)).sentenceEmbedding!),
    );
    expect(got).toBeCloseTo(direct.itemSync(), 12);
  });

  it('no re-tokenization with the same tokenizer and maxSeqLength >= the model\'s; re-tokenization with another vocabulary', () => {
    const model = tinySentenceTransformer({ dtype: 'float64', seed: 1 });
    expect(new GISTEmbedLoss(model, { guide: tinySentenceTransformer({ dtype: 'float64', seed: 2 }) }).mustRetokenize).toBe(false);
    const micro = microSentenceTransformer({ seed: 2 });
    const loss = new GISTEmbedLoss(model, { guide: micro });
    expect(loss.mustRetokenize).toBe(true);
    // Every word is in the micro vocabulary, so decoding + re-tokenizing reproduces the micro model's own records.
    const features = [model.tokenize(anchors), model.tokenize(positives)];
    const direct = loss.computeLossFromEmbeddings(
      features.map((f) => model.forward(f).sentenceEmbedding!),
      [anchors, positives].map((texts) => micro.forward(micro.tokenize(texts)).sentenceEmbedding!),
    );
    expect(loss.forward(features).itemSync()).toBeCloseTo(direct.itemSync(), 12);
  });

  it('the guide never writes into the model\'s feature records', () => {
    const model = new EmbeddingTableModel(12, 3, { seed: 3 });
    const guide = new EmbeddingTableModel(12, 5, { seed: 4 });
    const loss = new GISTEmbedLoss(model, { guide });
    const features = [idsFeatures([[1], [2]]), idsFeatures([[3], [4]])];
    const keys = features.map((f) => Object.keys(f).sort());
    loss.forward(features);
    expect(features.map((f) => Object.keys(f).sort())).toEqual(keys);
  });
});

describe('GISTEmbedLoss: options and errors', () => {
  const model = new EmbeddingTableModel(12, 3);
  const guide = new EmbeddingTableModel(12, 3, { seed: 1 });

  it('defaults, config and info', () => {
    const loss = new GISTEmbedLoss(model, { guide });
    expect(loss.getConfigDict()).toEqual({ guide: 'EmbeddingTableModel', temperature: 0.01, marginStrategy: 'absolute', margin: 0, contrastAnchors: true, contrastPositives: true, gatherAcrossDevices: false });
    expect(GISTEmbedLoss.info.labels).toBe('none');
    expect(GISTEmbedLoss.info.citation).toContain('2402.16829');
  });

  it('bad options and inputs name the loss and the argument', () => {
    expectTesseraError(() => new GISTEmbedLoss(model, {} as never), 'GISTEmbedLoss', 'guide');
    expectTesseraError(() => new GISTEmbedLoss(model, { guide: model }), 'GISTEmbedLoss', 'guide');
    expectTesseraError(() => new GISTEmbedLoss(model, { guide, marginStrategy: 'percent' as never }), 'GISTEmbedLoss', 'marginStrategy');
    expectTesseraError(() => new GISTEmbedLoss(model, { guide, temperature: 0 }), 'GISTEmbedLoss', 'temperature');
    expectTesseraError(() => new GISTEmbedLoss(model, { guide, margin: Number.NaN }), 'GISTEmbedLoss', 'margin');
    expectTesseraError(() => new GISTEmbedLoss(model, { guide, gatherAcrossDevices: true }), 'GISTEmbedLoss', 'gatherAcrossDevices');
    const loss = new GISTEmbedLoss(model, { guide });
    const f = idsFeatures([[1], [2]]);
    expectTesseraError(() => loss.forward([f]), 'GISTEmbedLoss', 'features');
    expectTesseraError(() => loss.forward([f, f, f, f]), 'GISTEmbedLoss', 'features');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(A), t(P)], [t(GA)]), 'GISTEmbedLoss', 'guideEmbeddings');
    expectTesseraError(() => loss.computeLossFromEmbeddings([t(A), t([[1, 2]])], [t(GA), t(GP)]), 'GISTEmbedLoss', 'embeddings[1]');
  });
});

describe.skipIf(!gpu)('GISTEmbedLoss: CPU vs WebGPU (float32, tiny BERT)', () => {
  it('value and gradients agree', async () => {
    const model = tinySentenceTransformer({ seed: 1 });
    const guide = tinySentenceTransformer({ seed: 2, hidden: 4 });
    const loss = new GISTEmbedLoss(model, { guide, temperature: 0.05 });
    const texts = [['the cat sat', 'a dog ran'], ['a cat', 'the dog ran far'], ['a bird sang', 'cats sleep']];
    await expectLossAgreement(loss, (l: unknown, device: DeviceName): Tensor => {
      const g = l as GISTEmbedLoss;
      return g.forward(texts.map((c) => (g.model as ReturnType<typeof tinySentenceTransformer>).tokenize(c, device)));
    });
  });
});

