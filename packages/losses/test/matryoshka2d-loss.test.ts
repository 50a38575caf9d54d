import { describe, expect, it, vi } from 'vitest';
import * as T from '@tessera/tensor';
import type { DeviceName, Tensor } from '@tessera/tensor';
import '@tessera/autograd';
import { requireWebGPU } from '@tessera/tensor/testing';
import type { Features, SentenceTransformer } from '@tessera/nn';
import { AdaptiveLayerLoss } from '../src/losses/adaptive-layer-loss.js';
import { Matryoshka2dLoss } from '../src/losses/matryoshka2d-loss.js';
import { MatryoshkaLoss } from '../src/losses/matryoshka-loss.js';
import { expectLossAgreement, idsFeatures, tinySentenceTransformer } from './support/models.js';
import { expectTesseraError, LayeredModel, subsetGradcheck, TinyCachedMNRL, TinyMNRL } from './support/modifier-fixtures.js';

const gpu = await requireWebGPU();
vi.spyOn(console, 'warn').mockImplementation(() => undefined);

const LAYERS = 3;
const columns = (): Features[] => [idsFeatures([[1, 2], [3], [4, 5, 6]]), idsFeatures([[7, 1], [8, 9], [10]])];

/** Records the width of the embeddings of every inner-loss call. */
class WidthRecorder extends TinyMNRL {
  readonly widths: number[] = [];
  override computeLossFromEmbeddings(embeddings: Tensor[]): Tensor {
    this.widths.push(embeddings[0]!.shape[1]!);
    return super.computeLossFromEmbeddings(embeddings);
  }
}

describe('Matryoshka2dLoss', () => {
  it('is AdaptiveLayerLoss(MatryoshkaLoss(inner)) with the same draws', () => {
    const model = new LayeredModel(11, 6, LAYERS);
    const inner = new TinyMNRL(model, 5);
    const features = columns();
    for (const seed of [1, 2, 3]) {
      const twoD = new Matryoshka2dLoss(model, { loss: inner, matryoshkaDims: [6, 4, 2], matryoshkaWeights: [1, 0.7, 0.4], generator: new T.Generator(seed) });
      const g = new T.Generator(seed);
      const composed = new AdaptiveLayerLoss(model, { loss: new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [6, 4, 2], matryoshkaWeights: [1, 0.7, 0.4], nDimsPerStep: 1, generator: g }), generator: g });
      expect(twoD.forward(features).itemSync()).toBeCloseTo(composed.forward(features).itemSync(), 12);
    }
  });

  it('the final pass and every prior-layer pass draw their own dim; the model runs once per column', () => {
    const model = new LayeredModel(11, 6, LAYERS);
    const inner = new WidthRecorder(model, 5);
    const loss = new Matryoshka2dLoss(model, { loss: inner, matryoshkaDims: [6, 4, 2], nLayersPerStep: -1, generator: new T.Generator(7) });
    const seen = new Set<string>();
    for (let step = 0; step < 6; step++) {
      inner.widths.length = 0;
      loss.forward(columns());
      expect(inner.widths).toHaveLength(1 + LAYERS);
      seen.add(inner.widths.join(','));
    }
    expect(seen.size).toBeGreaterThan(1);
    expect(model.transformerRuns).toBe(2 * 6);
  });

  it('the KL terms use the full-width, un-normalized sentence embeddings', () => {
    const model = new LayeredModel(11, 6, LAYERS);
    const inner = new TinyMNRL(model, 5);
    const features = columns();
    // Only the KL terms (loss weights 0): the value must not depend on the Matryoshka dims.
    const kl = (dims: number[]): number => new Matryoshka2dLoss(model, { loss: inner, matryoshkaDims: dims, nLayersPerStep: -1, lastLayerWeight: 0, priorLayersWeight: 0 }).forward(features).itemSync();
    const full = kl([6]);
    expect(kl([6, 2])).toBeCloseTo(full, 12);
    expect(kl([3, 1])).toBeCloseTo(full, 12);
    // … and equal the AdaptiveLayerLoss KL terms on the raw embeddings.
    const outs = features.map((f) => model.forward({ ...f, outputHiddenStates: true }));
    const adaptive = new AdaptiveLayerLoss(model, { loss: inner });
    let expected = 0;
    for (let layer = 0; layer < LAYERS; layer++) {
      const pooled = outs.map((o, k) => model.forwardAfterTransformer({ ...features[k]!, tokenEmbeddings: o.allLayerEmbeddings![layer]! }).sentenceEmbedding!);
      expected += adaptive.klDivergenceTerm(T.cat(outs.map((o) => o.sentenceEmbedding!), 0), T.cat(pooled, 0)).itemSync();
    }
    expect(full).toBeCloseTo(expected, 12);
  });

  it('defaults, config (AdaptiveLayer keys merged with Matryoshka keys) and info', () => {
    const model = new LayeredModel(11, 6, LAYERS);
    const loss = new Matryoshka2dLoss(model, { loss: new TinyMNRL(model), matryoshkaDims: [2, 6] });
    expect(loss.nLayersPerStep).toBe(1);
    expect(loss.matryoshka.nDimsPerStep).toBe(1);
    expect(loss.getConfigDict()).toEqual({
      loss: 'TinyMNRL',
      nLayersPerStep: 1,
      lastLayerWeight: 1,
      priorLayersWeight: 1,
      klDivWeight: 1,
      klTemperature: 0.3,
      layerWeighting: 'uniform',
      matryoshkaDims: [6, 2],
      matryoshkaWeights: [1, 1],
      nDimsPerStep: 1,
    });
    expect(loss).toBeInstanceOf(AdaptiveLayerLoss);
    expect(Matryoshka2dLoss.info.citation).toMatch(/li20242d/);
  });

  it('errors name Matryoshka2dLoss and the option', () => {
    const model = new LayeredModel(11, 6, LAYERS);
    const inner = new TinyMNRL(model);
    const name = 'Matryoshka2dLoss';
    expectTesseraError(() => new Matryoshka2dLoss(model, { loss: inner, matryoshkaDims: [] }), name, 'matryoshkaDims');
    expectTesseraError(() => new Matryoshka2dLoss(model, { loss: inner, matryoshkaDims: [8] }), name, 'matryoshkaDims');
    expectTesseraError(() => new Matryoshka2dLoss(model, { loss: inner, matryoshkaDims: [6, 2], matryoshkaWeights: [1] }), name, 'matryoshkaWeights');
    expectTesseraError(() => new Matryoshka2dLoss(model, { loss: inner, matryoshkaDims: [6], nDimsPerStep: 0.5 }), name, 'nDimsPerStep');
    expectTesseraError(() => new Matryoshka2dLoss(model, { loss: inner, matryoshkaDims: [6], layerWeighting: 'cubic' as never }), name, 'layerWeighting');
    expectTesseraError(() => new Matryoshka2dLoss(model, { loss: inner, matryoshkaDims: [6], klTemperature: -1 }), name, 'klTemperature');
    expectTesseraError(() => new Matryoshka2dLoss(model, { loss: inner, matryoshkaDims: [6], dims: 3 } as never), name, 'dims');
    expectTesseraError(() => new Matryoshka2dLoss(model, { loss: null as never, matryoshkaDims: [6] }), name, 'loss');
    expectTesseraError(() => new Matryoshka2dLoss(model, { loss: new TinyCachedMNRL(model), matryoshkaDims: [6] }), name, 'loss', /TinyCachedMNRL/);
  });

  it('gradcheck in float64 on a tiny BERT (a subset of its parameters)', () => {
    const model = tinySentenceTransformer({ dtype: 'float64' });
    const loss = new Matryoshka2dLoss(model, { loss: new TinyMNRL(model, 5), matryoshkaDims: [8, 3], nDimsPerStep: -1, nLayersPerStep: -1, klTemperature: 0, layerWeighting: 'linear' });
    const features = [model.tokenize(['a cat sat on the mat', 'stocks rose today']), model.tokenize(['the cat is on a mat', 'the market went up'])];
    subsetGradcheck(loss, /embeddings\.LayerNorm\.bias$|layer\.1\.output\.dense\.bias$/, () => loss.forward(features));
  });
});

describe.skipIf(!gpu)('Matryoshka2dLoss: CPU vs WebGPU', () => {
  it('value and every parameter gradient agree on a tiny BERT (float32)', async () => {
    const model = tinySentenceTransformer();
    const generator = new T.Generator(0);
    const loss = new Matryoshka2dLoss(model, { loss: new TinyMNRL(model), matryoshkaDims: [8, 4, 2], nLayersPerStep: -1, generator });
    await expectLossAgreement(loss, (l, device: DeviceName) => {
      generator.manualSeed(9); // the same dim draws on both devices (the copy shares the generator)
      const m = l.model as SentenceTransformer;
      return l.forward([m.tokenize(['a cat sat on the mat', 'stocks rose today', 'it rained'], device), m.tokenize(['the cat is on a mat', 'the market went up', 'a wet day'], device)]);
    });
  });
});
