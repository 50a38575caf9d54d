import { describe, expect, it, vi } from 'vitest';
import * as T from '@tessera/tensor';
import type { DeviceName, Tensor } from '@tessera/tensor';
import { gradcheck } from '@tessera/autograd';
import { requireWebGPU } from '@tessera/tensor/testing';
import { Module } from '@tessera/nn';
import type { Features, SentenceTransformer } from '@tessera/nn';
import { Loss } from '@tessera/losses';
import { AdaptiveLayerLoss, LAYER_WEIGHTINGS } from '../src/losses/adaptive-layer-loss.js';
import type { LayerWeighting } from '../src/losses/adaptive-layer-loss.js';
import { MatryoshkaLoss, sampleIndices } from '../src/losses/matryoshka-loss.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, tinySentenceTransformer } from './support/models.js';
import { expectTesseraError, LayeredModel, subsetGradcheck, TinyCachedMNRL, TinyMNRL, values } from './support/modifier-fixtures.js';

const gpu = await requireWebGPU();

const f64 = (v: number[][]): Tensor => T.tensor(v, { dtype: 'float64' });
const LAYERS = 3;
const columns = (): Features[] => [idsFeatures([[1, 2], [3], [4, 5, 6]]), idsFeatures([[7, 1], [8, 9], [10]])];
const TEXTS = [
  ['a cat sat on the mat', 'stocks rose today', 'it rained all day'],
  ['the cat is on a mat', 'the market went up', 'a wet day'],
];

/** The §24 formula on one prior layer, computed directly from the model's hidden states. */
function parts(model: LayeredModel, inner: TinyMNRL, features: Features[], layer: number, t: number): { final: number; layerLoss: number; kl: number } {
  const outs = features.map((f) => model.forward({ ...f, outputHiddenStates: true }));
  const final = outs.map((o) => o.sentenceEmbedding!);
  const pooled = outs.map((o, k) => model.forwardAfterTransformer({ ...features[k]!, tokenEmbeddings: o.allLayerEmbeddings![layer]! }).sentenceEmbedding!);
  const p = T.cat(final, 0).div(t).softmax(-1);
  const logq = T.cat(pooled, 0).div(t).logSoftmax(-1);
  const kl = p.mul(p.log().sub(logq)).sum().div(p.shape[0]!).mul(t);
  return { final: inner.computeLossFromEmbeddings(final).itemSync(), layerLoss: inner.computeLossFromEmbeddings(pooled).itemSync(), kl: kl.itemSync() };
}

/** A generator seed whose first draw of one layer out of `layers` is `layer`. */
function seedDrawing(layer: number, layers = LAYERS): number {
  let seed = 0;
  while (sampleIndices(layers, 1, new T.Generator(seed))[0] !== layer) seed++;
  return seed;
}

describe('AdaptiveLayerLoss: known values (T12)', () => {
  it('KL term: KLDivBatchmean = 0.083514, times T = 0.025054; its gradient reaches only the layer side', () => {
    const model = new LayeredModel(4, 3, 1);
    const loss = new AdaptiveLayerLoss(model, { loss: new TinyMNRL(model) });
    const final = f64([[0.5, 0.1, -0.2], [0, 0.3, 0.3]]).requiresGrad_(true);
    const layer = f64([[0.4, 0, 0], [0.2, 0.2, 0.1]]).requiresGrad_(true);
    const term = loss.klDivergenceTerm(final, layer);
    expect(term.itemSync()).toBeCloseTo(0.025054, 6);
    expect(term.itemSync() / 0.3).toBeCloseTo(0.083514, 6);
    term.backward();
    expect(final.grad).toBeNull();
    expect(values(layer.grad!).some((g) => g !== 0)).toBe(true);
    const weighted = new AdaptiveLayerLoss(model, { loss: new TinyMNRL(model), klDivWeight: 2 });
    expect(weighted.klDivergenceTerm(final, layer).itemSync()).toBeCloseTo(2 * 0.025054, 6);
    // Its gradient with respect to the layer side (teacher fixed), against finite differences.
    gradcheck((x: Tensor) => weighted.klDivergenceTerm(final.detach(), x), [layer.detach().requiresGrad_(true)]);
  });

  it('full formula: L = 3 layers, one drawn layer ℓ = 1: L_final + L_1·w(1) + KL_1·0.3 for every weighting', () => {
    const seed = seedDrawing(1);
    const expectedW: Record<string, number> = { uniform: 1, log: 0.590616, linear: 0.5 };
    for (const scheme of ['uniform', 'log', 'linear'] as const) {
      const model = new LayeredModel(11, 4, LAYERS);
      const inner = new TinyMNRL(model, 5);
      const loss = new AdaptiveLayerLoss(model, { loss: inner, layerWeighting: scheme, generator: new T.Generator(seed) });
      const features = columns();
      const got = loss.forward(features).itemSync();
      const p = parts(model, inner, features, 1, 0.3);
      expect(LAYER_WEIGHTINGS[scheme](1)).toBeCloseTo(expectedW[scheme]!, 6);
      expect(got).toBeCloseTo(p.final + p.layerLoss * expectedW[scheme]! + p.kl, 5);
      expect(got).toBeCloseTo(p.final + p.layerLoss * LAYER_WEIGHTINGS[scheme](1) + p.kl, 12);
    }
  });

  it('all layers, with weights and a custom weighting: the §24 sum', () => {
    const model = new LayeredModel(11, 4, LAYERS);
    const inner = new TinyMNRL(model, 5);
    const features = columns();
    const custom = (layer: number): number => 2 + layer;
    const loss = new AdaptiveLayerLoss(model, { loss: inner, nLayersPerStep: -1, lastLayerWeight: 0.7, priorLayersWeight: 1.5, klDivWeight: 0.4, klTemperature: 0.5, layerWeighting: custom });
    let expected = 0;
    for (let layer = 0; layer < LAYERS; layer++) {
      const p = parts(model, inner, features, layer, 0.5);
      if (layer === 0) expected += 0.7 * p.final;
      expected += (p.layerLoss * custom(layer) / LAYERS) * 1.5 + p.kl * 0.4;
    }
    expect(loss.forward(features).itemSync()).toBeCloseTo(expected, 12);
    // klTemperature 0: no KL terms.
    const noKl = new AdaptiveLayerLoss(model, { loss: inner, nLayersPerStep: -1, klTemperature: 0 });
    let plain = parts(model, inner, features, 0, 1).final;
    for (let layer = 0; layer < LAYERS; layer++) plain += parts(model, inner, features, layer, 1).layerLoss / LAYERS;
    expect(noKl.forward(features).itemSync()).toBeCloseTo(plain, 12);
  });
});

describe('AdaptiveLayerLoss: behaviour', () => {
  /** Which hidden state each prior-layer pass used, per forward. */
  function layersUsed(loss: AdaptiveLayerLoss, model: LayeredModel, steps: number): number[][] {
    let hidden: Tensor[] = [];
    const forward = model.forward.bind(model);
    const after = model.forwardAfterTransformer.bind(model);
    const used: number[][] = [];
    const f = vi.spyOn(model, 'forward').mockImplementation((x: Features) => {
      const out = forward(x);
      hidden = out.allLayerEmbeddings!;
      return out;
    });
    const a = vi.spyOn(model, 'forwardAfterTransformer').mockImplementation((x: Features) => {
      used[used.length - 1]!.push(hidden.indexOf(x.tokenEmbeddings!));
      return after(x);
    });
    for (let s = 0; s < steps; s++) {
      used.push([]);
      loss.forward([columns()[0]!]);
    }
    f.mockRestore();
    a.mockRestore();
    return used;
  }

  /** A one-column inner loss (for the layer bookkeeping). */
  class SumLoss extends Loss {
    forward(fs: Features[]): Tensor {
      return this.embed(fs)[0]!.square().sum();
    }
  }

  it('prior layers are H_0 … H_{L−1}: the embedding output is a candidate, the last layer never', () => {
    const model = new LayeredModel(11, 4, LAYERS);
    const loss = new AdaptiveLayerLoss(model, { loss: new SumLoss(model), generator: new T.Generator(3) });
    const used = layersUsed(loss, model, 24);
    expect(used.every((u) => u.length === 1)).toBe(true);
    expect(new Set(used.flat())).toEqual(new Set([0, 1, 2]));
    const all = new AdaptiveLayerLoss(model, { loss: new SumLoss(model), nLayersPerStep: -1 });
    expect(layersUsed(all, model, 1)).toEqual([[0, 1, 2]]);
    for (const n of [0, 3, 7]) expect(layersUsed(new AdaptiveLayerLoss(model, { loss: new SumLoss(model), nLayersPerStep: n }), model, 1)).toEqual([[0, 1, 2]]);
    const two = layersUsed(new AdaptiveLayerLoss(model, { loss: new SumLoss(model), nLayersPerStep: 2, generator: new T.Generator(5) }), model, 6);
    two.forEach((u) => {
      expect(u).toHaveLength(2);
      expect(u[0]).not.toBe(u[1]);
      expect(u.every((l) => l >= 0 && l < LAYERS)).toBe(true);
    });
  });

  it('runs the transformer once per column; the prior layers re-run only the modules after it', () => {
    const model = new LayeredModel(11, 4, LAYERS);
    const loss = new AdaptiveLayerLoss(model, { loss: new TinyMNRL(model), nLayersPerStep: -1 });
    loss.forward(columns());
    expect(model.transformerRuns).toBe(2);
    expect(model.afterRuns).toBe(2 * LAYERS);
  });

  it('the KL teacher (final layer) receives no gradient from the KL terms', () => {
    const model = new LayeredModel(11, 4, LAYERS);
    // Only the KL terms: the last layer's weight w2 shapes only H_3 (the teacher), so its gradient is 0.
    const loss = new AdaptiveLayerLoss(model, { loss: new TinyMNRL(model), nLayersPerStep: -1, lastLayerWeight: 0, priorLayersWeight: 0 });
    loss.zeroGrad();
    const out = loss.forward(columns());
    expect(out.itemSync()).toBeGreaterThan(0);
    out.backward();
    const grads = Object.fromEntries(loss.namedParameters().map(([n, p]) => [n, values(p.grad!)]));
    expect(grads['model.w2']!.every((g) => g === 0)).toBe(true);
    expect(grads['model.w0']!.some((g) => g !== 0)).toBe(true);
    expect(grads['model.table']!.some((g) => g !== 0)).toBe(true);
  });

  it('the model and the inner loss are restored after an error', () => {
    const model = new LayeredModel(11, 4, LAYERS);
    class FailsOnPriorLayers extends TinyMNRL {
      seen = 0;
      override forward(fs: Features[]): Tensor {
        if (this.seen++ === 1) throw new Error('boom');
        return super.forward(fs);
      }
    }
    const inner = new FailsOnPriorLayers(model);
    const loss = new AdaptiveLayerLoss(model, { loss: inner });
    const forward = model.forward;
    expect(() => loss.forward(columns())).toThrow('boom');
    expect(model.forward).toBe(forward);
    expect(model.forwardAfterTransformer).toBe(LayeredModel.prototype.forwardAfterTransformer);
    // The inner loss embeds through the real model again (no replay of cached hidden states).
    const runs = model.transformerRuns;
    const after = model.afterRuns;
    const value = inner.forward(columns()).itemSync();
    expect(model.transformerRuns).toBe(runs + 2);
    expect(model.afterRuns).toBe(after);
    expect(value).toBeCloseTo(new TinyMNRL(model).forward(columns()).itemSync(), 12);
    // And the wrapper works again.
    expect(Number.isFinite(loss.forward(columns()).itemSync())).toBe(true);
  });

  // The KL teacher is detached, so the value's true derivative differs from the trained gradient:
  // gradcheck runs without the KL terms (klTemperature 0); the KL term's own gradient is checked with a fixed teacher above.
  it('gradcheck in float64 on a small layered encoder', () => {
    const model = new LayeredModel(11, 3, 2, { seed: 4 });
    const loss = new AdaptiveLayerLoss(model, { loss: new TinyMNRL(model, 5), nLayersPerStep: -1, layerWeighting: 'log', lastLayerWeight: 0.5, klTemperature: 0 });
    const features = [idsFeatures([[1, 2], [3], [4, 5]]), idsFeatures([[6, 1], [7], [8]])];
    lossGradcheck(loss, () => loss.forward(features));
  });

  it('gradcheck in float64 on a tiny BERT (a subset of its parameters)', () => {
    const model = tinySentenceTransformer({ dtype: 'float64' });
    const loss = new AdaptiveLayerLoss(model, { loss: new TinyMNRL(model, 5), nLayersPerStep: -1, klTemperature: 0 });
    const features = TEXTS.map((t) => model.tokenize(t.slice(0, 2)));
    const picked = subsetGradcheck(loss, /embeddings\.LayerNorm\.bias$|layer\.0\.output\.dense\.bias$|layer\.1\.attention\.output\.dense\.bias$/, () => loss.forward(features));
    expect(picked).toHaveLength(3);
  });
});

describe('AdaptiveLayerLoss: construction and bad input', () => {
  it('a loss that caches gradients is refused (also behind MatryoshkaLoss)', () => {
    const model = new LayeredModel(11, 4, LAYERS);
    expectTesseraError(() => new AdaptiveLayerLoss(model, { loss: new TinyCachedMNRL(model) }), 'AdaptiveLayerLoss', 'loss', /TinyCachedMNRL/);
    const wrapped = new MatryoshkaLoss(model, { loss: new TinyCachedMNRL(model), matryoshkaDims: [4, 2] });
    expectTesseraError(() => new AdaptiveLayerLoss(model, { loss: wrapped }), 'AdaptiveLayerLoss', 'loss', /MatryoshkaLoss\(TinyCachedMNRL\)/);
  });

  it('errors name the loss and the option', () => {
    const model = new LayeredModel(11, 4, LAYERS);
    const inner = new TinyMNRL(model);
    const name = 'AdaptiveLayerLoss';
    expectTesseraError(() => new AdaptiveLayerLoss(model, { loss: inner, layerWeighting: 'quadratic' as LayerWeighting }), name, 'layerWeighting');
    expectTesseraError(() => new AdaptiveLayerLoss(model, { loss: inner, klTemperature: -0.1 }), name, 'klTemperature');
    expectTesseraError(() => new AdaptiveLayerLoss(model, { loss: inner, lastLayerWeight: Number.POSITIVE_INFINITY }), name, 'lastLayerWeight');
    expectTesseraError(() => new AdaptiveLayerLoss(model, { loss: inner, priorLayersWeight: Number.NaN }), name, 'priorLayersWeight');
    expectTesseraError(() => new AdaptiveLayerLoss(model, { loss: inner, klDivWeight: '1' as never }), name, 'klDivWeight');
    expectTesseraError(() => new AdaptiveLayerLoss(model, { loss: inner, nLayersPerStep: 0.5 }), name, 'nLayersPerStep');
    expectTesseraError(() => new AdaptiveLayerLoss(model, { loss: inner, layers: 2 } as never), name, 'layers');
    expectTesseraError(() => new AdaptiveLayerLoss(model, { loss: undefined as never }), name, 'loss');
    expectTesseraError(() => new AdaptiveLayerLoss(model, { loss: new TinyMNRL(new LayeredModel(11, 4, LAYERS)) }), name, 'loss');
    const table = new EmbeddingTableModel(4, 2);
    expectTesseraError(() => new AdaptiveLayerLoss(table, { loss: new TinyMNRL(table) }), name, 'model', /forwardAfterTransformer/);
    // A model with forwardAfterTransformer that never returns hidden states fails at run time.
    class NoHidden extends Module {
      readonly inner = this.child('inner', new EmbeddingTableModel(12, 4));
      forward(f: Features): Features {
        return this.inner.forward(f);
      }
      forwardAfterTransformer(f: Features): Features {
        return f;
      }
    }
    const noHidden = new NoHidden();
    expectTesseraError(() => new AdaptiveLayerLoss(noHidden, { loss: new TinyMNRL(noHidden) }).forward(columns()), name, 'model', /allLayerEmbeddings/);
    // A weighting function that returns a non-number.
    const nan = new AdaptiveLayerLoss(model, { loss: inner, layerWeighting: () => Number.NaN, nLayersPerStep: -1 });
    expectTesseraError(() => nan.forward(columns()), name, 'layerWeighting');
  });

  it('config and info', () => {
    const model = new LayeredModel(11, 4, LAYERS);
    const inner = new TinyMNRL(model);
    expect(new AdaptiveLayerLoss(model, { loss: inner }).getConfigDict()).toEqual({
      loss: 'TinyMNRL',
      nLayersPerStep: 1,
      lastLayerWeight: 1,
      priorLayersWeight: 1,
      klDivWeight: 1,
      klTemperature: 0.3,
      layerWeighting: 'uniform',
    });
    expect(new AdaptiveLayerLoss(model, { loss: inner, layerWeighting: 'linear' }).getConfigDict().layerWeighting).toBe('linear');
    expect(new AdaptiveLayerLoss(model, { loss: inner, layerWeighting: function halving(l: number) { return 0.5 ** l; } }).getConfigDict().layerWeighting).toBe('halving');
    expect(new AdaptiveLayerLoss(model, { loss: inner, layerWeighting: (() => () => 1)() }).getConfigDict().layerWeighting).toBe('custom');
    expect(AdaptiveLayerLoss.info.citation).toMatch(/li20242d/);
  });
});

describe.skipIf(!gpu)('AdaptiveLayerLoss: CPU vs WebGPU', () => {
  it('value and every parameter gradient agree on a tiny BERT (float32)', async () => {
    const model = tinySentenceTransformer();
    const loss = new AdaptiveLayerLoss(model, { loss: new TinyMNRL(model), nLayersPerStep: -1, layerWeighting: 'log' });
    await expectLossAgreement(loss, (l, device: DeviceName) => {
      const m = l.model as SentenceTransformer;
      return l.forward(TEXTS.map((t) => m.tokenize(t, device)));
    });
  });
});
