import { describe, expect, it } from 'vitest';
import type { DeviceName, Tensor } from '@tessera/tensor';
import { requireWebGPU } from '@tessera/tensor/testing';
import { noGrad } from '@tessera/autograd';
import type { Features } from '@tessera/nn';
import { CachedGISTEmbedLoss } from '../src/losses/cached-gist-embed-loss.js';
import { GISTEmbedLoss } from '../src/losses/gist-embed-loss.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, t, tinySentenceTransformer } from './support/models.js';
import { expectGradsClose, expectTesseraError, tableWithRows, valueAndGrads } from './support/unsupervised-fixtures.js';

const gpu = await requireWebGPU();

const A = [[1, 0.5], [0.8, 1]];
const P = [[1, 0.3], [0.5, 1]];
const N = [[0.9, 0.6], [1, 0.7]];
const GA = [[1, 0], [0, 1]];
const GP = [[1, 0.2], [0.3, 1]];
const GN = [[1, 0.1], [0, 1]];

/** 4 columns × 7 rows of token ids in [1, 16), 1–4 tokens each (deterministic). */
function idColumns(columns: number, rows = 7): Features[] {
  let s = 12345;
  const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: columns }, () => idsFeatures(Array.from({ length: rows }, () => Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => 1 + Math.floor(rnd() * 15)))));
}

describe('CachedGISTEmbedLoss: T3 known values (float64)', () => {
  for (const miniBatchSize of [1, 2, 32]) {
    it(`miniBatchSize ${miniBatchSize}: the GIST values through GradCache`, () => {
      const model = tableWithRows([...A, ...P, ...N]);
      const guide = tableWithRows([...GA, ...GP, ...GN]);
      const features = [0, 1, 2].map((k) => idsFeatures([[1 + 2 * k], [2 + 2 * k]]));
      const value = (cols: number, opts: Record<string, unknown> = {}): number => new CachedGISTEmbedLoss(model, { guide, miniBatchSize, ...opts }).forward(features.slice(0, cols)).itemSync();
      expect(value(3)).toBeCloseTo(0.496691, 6);
      expect(value(2)).toBeCloseTo(0.000684, 6);
      expect(value(3, { contrastAnchors: false })).toBeCloseTo(0.496175, 6);
      expect(value(3, { temperature: 0.05 })).toBeCloseTo(0.743327, 6);
      expect(value(3, { marginStrategy: 'relative', margin: 0.5 })).toBeCloseTo(0.496691, 6);
      const loss = new CachedGISTEmbedLoss(model, { guide, miniBatchSize });
      expect(loss.computeLossFromEmbeddings([t(A), t(P), t(N)], [t(GA), t(GP), t(GN)]).itemSync()).toBeCloseTo(0.496691, 6);
      expect(noGrad(() => loss.forward(features)).itemSync()).toBeCloseTo(0.496691, 6);
    });
  }
});

describe('CachedGISTEmbedLoss equals GISTEmbedLoss (value and every parameter gradient)', () => {
  const configs: Record<string, unknown>[] = [{}, { marginStrategy: 'relative', margin: 0.1, temperature: 0.05 }, { contrastAnchors: false, margin: 0.05 }];
  for (const columns of [2, 3]) {
    for (const miniBatchSize of [1, 3, 4, 7, 50]) {
      it(`${columns} columns, 7 rows, miniBatchSize ${miniBatchSize}`, () => {
        const features = idColumns(columns);
        for (const opts of configs) {
          const guide = new EmbeddingTableModel(16, 5, { seed: 9 });
          const plain = new GISTEmbedLoss(new EmbeddingTableModel(16, 4, { seed: 2 }), { guide, ...opts });
          const cached = new CachedGISTEmbedLoss(new EmbeddingTableModel(16, 4, { seed: 2 }), { guide, miniBatchSize, ...opts });
          expect(cached.cachesGradients).toBe(true);
          const a = valueAndGrads(plain, () => plain.forward(features));
          const b = valueAndGrads(cached, () => cached.forward(features));
          expect(b.value).toBeCloseTo(a.value, 10);
          expectGradsClose(a.grads, b.grads);
          expect(guide.table.grad).toBeNull();
        }
      });
    }
  }

  it('a token budget (miniBatchNumTokens) gives the same value and gradients', () => {
    const features = idColumns(3);
    const guide = new EmbeddingTableModel(16, 5, { seed: 9 });
    const plain = new GISTEmbedLoss(new EmbeddingTableModel(16, 4, { seed: 2 }), { guide });
    const cached = new CachedGISTEmbedLoss(new EmbeddingTableModel(16, 4, { seed: 2 }), { guide, miniBatchSize: 2, miniBatchNumTokens: 5 });
    const a = valueAndGrads(plain, () => plain.forward(features));
    const b = valueAndGrads(cached, () => cached.forward(features));
    expect(b.value).toBeCloseTo(a.value, 10);
    expectGradsClose(a.grads, b.grads);
  });

  it('two negative columns: equals the un-cached computation on the model\'s embeddings', () => {
    const features = idColumns(4);
    const guide = new EmbeddingTableModel(16, 5, { seed: 9 });
    const cached = new CachedGISTEmbedLoss(new EmbeddingTableModel(16, 4, { seed: 2 }), { guide, miniBatchSize: 3 });
    const plainModel = new EmbeddingTableModel(16, 4, { seed: 2 });
    const reference = new CachedGISTEmbedLoss(plainModel, { guide, miniBatchSize: 100 });
    const guideEmb = features.map((f) => guide.forward(f).sentenceEmbedding!);
    const a = valueAndGrads(reference, () => reference.computeLossFromEmbeddings(features.map((f) => plainModel.forward(f).sentenceEmbedding!), guideEmb));
    const b = valueAndGrads(cached, () => cached.forward(features));
    expect(b.value).toBeCloseTo(a.value, 10);
    expectGradsClose(a.grads, b.grads);
    // Four columns are rejected by the plain loss.
    expectTesseraError(() => new GISTEmbedLoss(plainModel, { guide }).forward(features), 'GISTEmbedLoss', 'features');
  });

  it('the guide re-tokenizes per chunk when required (smaller maxSeqLength), matching GISTEmbedLoss', () => {
    const model = tinySentenceTransformer({ dtype: 'float64', seed: 1 });
    const guide = tinySentenceTransformer({ dtype: 'float64', seed: 2, hidden: 4 });
    guide.maxSeqLength = 12;
    const texts = [
      ['the cat sat on the mat.', 'a dog ran.', 'birds sing in the morning.'],
      ['a cat sat.', 'the dog ran in a park.', 'the birds sang.'],
    ];
    const plainModel = model.clone();
    const plain = new GISTEmbedLoss(plainModel, { guide });
    const cached = new CachedGISTEmbedLoss(model, { guide, miniBatchSize: 2 });
    expect(cached.mustRetokenize).toBe(true);
    const a = valueAndGrads(plain, () => plain.forward(texts.map((c) => plainModel.tokenize(c))));
    const b = valueAndGrads(cached, () => cached.forward(texts.map((c) => model.tokenize(c))));
    expect(b.value).toBeCloseTo(a.value, 10);
    expectGradsClose(a.grads, b.grads, 1e-9, 1e-6);
  });
});

describe('CachedGISTEmbedLoss: options and errors', () => {
  const model = new EmbeddingTableModel(16, 3);
  const guide = new EmbeddingTableModel(16, 3, { seed: 1 });

  it('defaults and config', () => {
    const loss = new CachedGISTEmbedLoss(model, { guide });
    expect(loss.getConfigDict()).toEqual({
      guide: 'EmbeddingTableModel',
      temperature: 0.01,
      miniBatchSize: 32,
      miniBatchNumTokens: null,
      marginStrategy: 'absolute',
      margin: 0,
      contrastAnchors: true,
      contrastPositives: true,
      gatherAcrossDevices: false,
    });
    expect(loss.parameters()).toEqual([model.table]);
    expect(CachedGISTEmbedLoss.info.citation).toContain('2101.06983');
  });

  it('bad options and inputs name the loss and the argument', () => {
    expectTesseraError(() => new CachedGISTEmbedLoss(model, {} as never), 'CachedGISTEmbedLoss', 'guide');
    expectTesseraError(() => new CachedGISTEmbedLoss(model, { guide, miniBatchSize: 0 }), 'CachedGISTEmbedLoss', 'miniBatchSize');
    expectTesseraError(() => new CachedGISTEmbedLoss(model, { guide, miniBatchNumTokens: 0 }), 'CachedGISTEmbedLoss', 'miniBatchNumTokens');
    expectTesseraError(() => new CachedGISTEmbedLoss(model, { guide, marginStrategy: 'x' as never }), 'CachedGISTEmbedLoss', 'marginStrategy');
    expectTesseraError(() => new CachedGISTEmbedLoss(model, { guide, gatherAcrossDevices: true }), 'CachedGISTEmbedLoss', 'gatherAcrossDevices');
    const loss = new CachedGISTEmbedLoss(model, { guide });
    expectTesseraError(() => loss.forward([idsFeatures([[1], [2]])]), 'CachedGISTEmbedLoss', 'features');
    expectTesseraError(() => loss.forward([idsFeatures([[1], [2]]), idsFeatures([[1]])]), 'CachedGISTEmbedLoss', 'features[1]');
  });
});

describe.skipIf(!gpu)('CachedGISTEmbedLoss: CPU vs WebGPU (float32, tiny BERT)', () => {
  it('value and gradients agree (miniBatchSize 2, 3 columns)', async () => {
    const model = tinySentenceTransformer({ seed: 1 });
    const guide = tinySentenceTransformer({ seed: 2, hidden: 4 });
    const loss = new CachedGISTEmbedLoss(model, { guide, temperature: 0.05, miniBatchSize: 2 });
    const texts = [['the cat sat', 'a dog ran', 'hello'], ['a cat', 'the dog ran far', 'hi there'], ['a bird sang', 'cats sleep', 'no']];
    await expectLossAgreement(loss, (l: unknown, device: DeviceName): Tensor => {
      const g = l as CachedGISTEmbedLoss;
      return g.forward(texts.map((c) => (g.model as ReturnType<typeof tinySentenceTransformer>).tokenize(c, device)));
    });
  });
});
