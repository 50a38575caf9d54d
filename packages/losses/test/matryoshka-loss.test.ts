import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import * as T from '@tessera/tensor';
import type { DeviceName, Tensor } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';
import { requireWebGPU } from '@tessera/tensor/testing';
import { Module } from '@tessera/nn';
import type { Features, SentenceTransformer } from '@tessera/nn';
import { Loss } from '@tessera/losses';
import { MatryoshkaLoss, sampleIndices } from '../src/losses/matryoshka-loss.js';
import { EmbeddingTableModel, expectLossAgreement, idsFeatures, lossGradcheck, tinySentenceTransformer } from './support/models.js';
import { expectTesseraError, givenRowsModel, TinyCachedMNRL, TinyMNRL, TinyMSE, values } from './support/modifier-fixtures.js';

const gpu = await requireWebGPU();
const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
afterEach(() => warn.mockClear());

const A = [[1, 0.5, 0.3, -0.2], [0.8, 1, -0.5, 0.1]];
const P = [[1, 0.3, 0.2, 0], [0.5, 1, -0.4, 0.3]];
const f64 = (v: number[][]): Tensor => T.tensor(v, { dtype: 'float64' });

/** Records the width of every embedding it is given (and the labels), then defers to MNRL. */
class WidthRecorder extends TinyMNRL {
  readonly widths: number[] = [];
  override computeLossFromEmbeddings(embeddings: Tensor[]): Tensor {
    this.widths.push(embeddings[0]!.shape[1]!);
    return super.computeLossFromEmbeddings(embeddings);
  }
}

/** A model of unknown width (getEmbeddingDimension returns null). */
class UnknownWidthModel extends Module {
  readonly inner = this.child('inner', new EmbeddingTableModel(6, 4));
  forward(f: Features): Features {
    return this.inner.forward(f);
  }
  getEmbeddingDimension(): number | null {
    return null;
  }
}

/** Ten float64 pairs for an embedding table of width 6. */
function tableBatch(seed = 3): { model: EmbeddingTableModel; features: Features[] } {
  const model = new EmbeddingTableModel(16, 6, { seed });
  const anchors = idsFeatures([[1, 2], [3], [4, 5, 6], [7], [8, 9]]);
  const positives = idsFeatures([[2, 10], [11, 3], [12], [13, 7], [14, 15, 9]]);
  return { model, features: [anchors, positives] };
}

/** Value and every parameter gradient of one forward + backward. */
function valueAndGrads(loss: Loss, run: () => Tensor): { value: number; grads: number[][] } {
  loss.zeroGrad();
  const out = run();
  out.backward();
  return { value: out.itemSync(), grads: loss.parameters().map((p) => values(p.grad!)) };
}

function expectClose(a: number[][], b: number[][], digits = 10): void {
  expect(a.length).toBe(b.length);
  a.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(b[i]![j]!, digits)));
}

describe('MatryoshkaLoss: known values (T8)', () => {
  it('inner MNRL at dims [4, 2]: 0.001907 + 0.034161 = 0.036069; weights [1, 0.5] give 0.018988', () => {
    const { model, features } = givenRowsModel([A, P]);
    const at = (dims: number[], weights?: number[]): number => new MatryoshkaLoss(model, { loss: new TinyMNRL(model), matryoshkaDims: dims, matryoshkaWeights: weights }).forward(features).itemSync();
    expect(at([4])).toBeCloseTo(0.001907, 6);
    expect(at([2])).toBeCloseTo(0.034161, 6);
    expect(at([4, 2])).toBeCloseTo(0.036069, 6);
    expect(at([4, 2], [1, 0.5])).toBeCloseTo(0.018988, 6);
    expect(at([2, 4], [0.5, 1])).toBeCloseTo(0.018988, 6);
  });

  it('computeLossFromEmbeddings gives the same numbers', () => {
    const model = new EmbeddingTableModel(3, 4);
    const loss = new MatryoshkaLoss(model, { loss: new TinyMNRL(model), matryoshkaDims: [4, 2], matryoshkaWeights: [1, 0.5] });
    expect(loss.computeLossFromEmbeddings([f64(A), f64(P)]).itemSync()).toBeCloseTo(0.018988, 6);
  });

  it('the real MultipleNegativesRankingLoss as the inner loss (when present) gives T8', async () => {
    const path = new URL('../src/losses/multiple-negatives-ranking-loss.ts', import.meta.url);
    if (!existsSync(path)) return;
    const { MultipleNegativesRankingLoss } = await import('../src/losses/multiple-negatives-ranking-loss.js');
    const { model, features } = givenRowsModel([A, P]);
    const loss = new MatryoshkaLoss(model, { loss: new MultipleNegativesRankingLoss(model), matryoshkaDims: [4, 2] });
    expect(loss.forward(features).itemSync()).toBeCloseTo(0.036069, 6);
  });
});

describe('MatryoshkaLoss: non-cached path', () => {
  it('runs the model once per column and reuses the outputs for every dim', () => {
    const { model, features } = tableBatch();
    const spy = vi.spyOn(model, 'forward');
    const loss = new MatryoshkaLoss(model, { loss: new TinyMNRL(model), matryoshkaDims: [6, 4, 2, 1] });
    loss.forward(features);
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });

  it('normalizes every truncated embedding, also at the full width', () => {
    const { model, features } = givenRowsModel([[[3, 4, 0, 0], [0, 0, 0, 2]]]);
    const inner = new TinyMSE(model);
    const loss = new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [4] });
    const teacher = f64([[0.6, 0.8, 0, 0], [0, 0, 0, 1]]);
    expect(loss.forward(features, teacher).itemSync()).toBeCloseTo(0, 14);
    // The token embeddings are truncated and normalized too.
    const seen: Features[] = [];
    class TokenSpy extends Loss {
      forward(fs: Features[]): Tensor {
        seen.push(this.encode(fs[0]!));
        return T.zeros([], { dtype: 'float64' });
      }
    }
    new MatryoshkaLoss(model, { loss: new TokenSpy(model), matryoshkaDims: [4, 2] }).forward(features);
    expect(seen.map((f) => f.tokenEmbeddings!.shape)).toEqual([[2, 1, 4], [2, 1, 2]]);
    const norms = values(seen[1]!.tokenEmbeddings!.norm(2, -1));
    expect(norms[0]).toBeCloseTo(1, 14);
    expect(norms[1]).toBe(0);
  });

  it('MSELoss over dims [32 … 1024] on a 1024-wide model with a [1, 1024] teacher: labels truncated per dim, scalar result', () => {
    const model = new EmbeddingTableModel(3, 1024, { dtype: 'float32' });
    const inner = new TinyMSE(model);
    const dims = [32, 64, 128, 256, 512, 768, 1024];
    const loss = new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: dims });
    const out = loss.forward([idsFeatures([[1, 2]])], T.randn([1, 1024]));
    expect(out.shape).toEqual([]);
    expect(Number.isFinite(out.itemSync())).toBe(true);
    expect(inner.labelShapes).toEqual([...dims].reverse().map((d) => [1, d]));
    // Labels that do not look like embeddings pass unchanged.
    const shapes: number[][] = [];
    class LabelShapes extends Loss {
      forward(fs: Features[], labels?: Tensor): Tensor {
        shapes.push([...labels!.shape]);
        return this.embed(fs)[0]!.sum();
      }
    }
    new MatryoshkaLoss(model, { loss: new LabelShapes(model), matryoshkaDims: [1024, 32] }).forward([idsFeatures([[1, 2]])], T.randn([1, 1000]));
    expect(shapes).toEqual([[1, 1000], [1, 1000]]);
  });

  it('nDimsPerStep: a seeded sample of that many dims each step, largest first', () => {
    const { model, features } = tableBatch();
    const inner = new WidthRecorder(model);
    const generator = new T.Generator(11);
    const loss = new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [6, 5, 4, 3, 2, 1], nDimsPerStep: 3, generator });
    const replay = new T.Generator(11);
    const seen = new Set<number>();
    for (let step = 0; step < 6; step++) {
      inner.widths.length = 0;
      loss.forward(features);
      const expected = sampleIndices(6, 3, replay).sort((a, b) => a - b).map((i) => loss.matryoshkaDims[i]!);
      expect(inner.widths).toEqual(expected);
      expect([...inner.widths].sort((a, b) => b - a)).toEqual(inner.widths);
      inner.widths.forEach((w) => seen.add(w));
    }
    expect(seen.size).toBe(6);
    // nDimsPerStep ≤ 0 or ≥ #dims: every dim.
    for (const n of [-1, 0, 6, 9]) {
      inner.widths.length = 0;
      new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [6, 5, 4, 3, 2, 1], nDimsPerStep: n }).forward(features);
      expect(inner.widths).toEqual([6, 5, 4, 3, 2, 1]);
    }
  });

  it('gradcheck in float64 (weights, truncation and normalization)', () => {
    const model = new EmbeddingTableModel(8, 4, { seed: 5 });
    const features = [idsFeatures([[1, 2], [3], [4, 5]]), idsFeatures([[6, 1], [7], [2, 5, 3]])];
    const loss = new MatryoshkaLoss(model, { loss: new TinyMNRL(model, 5), matryoshkaDims: [4, 2], matryoshkaWeights: [1, 0.5] });
    lossGradcheck(loss, () => loss.forward(features));
  });
});

describe('MatryoshkaLoss: cached inner loss (GradCache step 2 wrapped)', () => {
  it('gives the value and parameter gradients of the non-cached path over the same formula', () => {
    const { model, features } = tableBatch();
    const plain = new MatryoshkaLoss(model, { loss: new TinyMNRL(model), matryoshkaDims: [6, 4, 2], matryoshkaWeights: [1, 0.5, 0.25] });
    const cached = new MatryoshkaLoss(model, { loss: new TinyCachedMNRL(model, 2), matryoshkaDims: [6, 4, 2], matryoshkaWeights: [1, 0.5, 0.25] });
    expect(cached.cachesGradients).toBe(true);
    expect(plain.cachesGradients).toBe(false);
    const a = valueAndGrads(plain, () => plain.forward(features));
    const b = valueAndGrads(cached, () => cached.forward(features));
    expect(b.value).toBeCloseTo(a.value, 12);
    expectClose(b.grads, a.grads, 12);
    // The upstream gradient scales the whole backward (step 3 replay included).
    const half = valueAndGrads(cached, () => cached.forward(features).mul(0.5));
    expectClose(half.grads, a.grads.map((g) => g.map((v) => v / 2)), 12);
    // No-grad mode: the value only.
    expect(noGrad(() => cached.forward(features)).itemSync()).toBeCloseTo(a.value, 12);
  });

  it('nDimsPerStep samples in the order drawn (unsorted) and equals the non-cached path on the same draw', () => {
    const { model, features } = tableBatch();
    const dims = [6, 5, 4, 3, 2, 1];
    const recorder = new TinyCachedMNRL(model, 3);
    const widths = recorder.widths;
    let unsorted = false;
    for (let seed = 0; seed < 4; seed++) {
      widths.length = 0;
      const cached = new MatryoshkaLoss(model, { loss: recorder, matryoshkaDims: dims, nDimsPerStep: 3, generator: new T.Generator(seed) });
      const plain = new MatryoshkaLoss(model, { loss: new TinyMNRL(model), matryoshkaDims: dims, nDimsPerStep: 3, generator: new T.Generator(seed) });
      const b = valueAndGrads(cached, () => cached.forward(features));
      const a = valueAndGrads(plain, () => plain.forward(features));
      expect(widths).toEqual(sampleIndices(6, 3, new T.Generator(seed)).map((i) => dims[i]!));
      if (widths.some((w, i) => i > 0 && w > widths[i - 1]!)) unsorted = true;
      expect(b.value).toBeCloseTo(a.value, 12);
      expectClose(b.grads, a.grads, 12);
    }
    expect(unsorted).toBe(true);
  });

  it('labels reach the cached inner loss unchanged', () => {
    const { model, features } = tableBatch();
    const got: (Tensor | undefined)[] = [];
    class LabelSpy extends TinyCachedMNRL {
      override forward(fs: Features[], labels?: Tensor): Tensor {
        got.push(labels);
        return super.forward(fs);
      }
    }
    const teacher = T.randn([5, 6], { dtype: 'float64' });
    new MatryoshkaLoss(model, { loss: new LabelSpy(model), matryoshkaDims: [6, 3] }).forward(features, teacher);
    expect(got).toHaveLength(1);
    expect(got[0]).toBe(teacher);
  });

  it('the real CachedMultipleNegativesRankingLoss (when present) matches MatryoshkaLoss over MultipleNegativesRankingLoss', async () => {
    const cmnrlPath = new URL('../src/losses/cached-multiple-negatives-ranking-loss.ts', import.meta.url);
    const mnrlPath = new URL('../src/losses/multiple-negatives-ranking-loss.ts', import.meta.url);
    if (!existsSync(cmnrlPath) || !existsSync(mnrlPath)) return;
    const { CachedMultipleNegativesRankingLoss } = await import('../src/losses/cached-multiple-negatives-ranking-loss.js');
    const { MultipleNegativesRankingLoss } = await import('../src/losses/multiple-negatives-ranking-loss.js');
    const { model, features } = tableBatch();
    const plain = new MatryoshkaLoss(model, { loss: new MultipleNegativesRankingLoss(model), matryoshkaDims: [6, 4, 2], matryoshkaWeights: [1, 0.5, 0.25] });
    const cached = new MatryoshkaLoss(model, { loss: new CachedMultipleNegativesRankingLoss(model, { miniBatchSize: 2 }), matryoshkaDims: [6, 4, 2], matryoshkaWeights: [1, 0.5, 0.25] });
    expect(cached.cachesGradients).toBe(true);
    const a = valueAndGrads(plain, () => plain.forward(features));
    const b = valueAndGrads(cached, () => cached.forward(features));
    expect(b.value).toBeCloseTo(a.value, 10);
    expectClose(b.grads, a.grads, 6);
  });
});

describe('MatryoshkaLoss: construction (sentence-transformers behaviours)', () => {
  it('dims and weights are sorted by dim, descending; omitted weights are all 1', () => {
    const model = new EmbeddingTableModel(3, 1024, { dtype: 'float32' });
    const loss = new MatryoshkaLoss(model, { loss: new TinyMNRL(model), matryoshkaDims: [256, 768, 512, 1024], matryoshkaWeights: [0.6, 1.0, 0.8, 0.4] });
    expect(loss.matryoshkaDims).toEqual([1024, 768, 512, 256]);
    expect(loss.matryoshkaWeights).toEqual([0.4, 1.0, 0.8, 0.6]);
    expect(new MatryoshkaLoss(model, { loss: new TinyMNRL(model), matryoshkaDims: [256, 1024] }).matryoshkaWeights).toEqual([1, 1]);
    expect(warn).not.toHaveBeenCalled();
  });

  it("warns exactly once when the model's width is not among the dims; an unknown width skips checks and warnings", () => {
    const model = new EmbeddingTableModel(3, 8);
    new MatryoshkaLoss(model, { loss: new TinyMNRL(model), matryoshkaDims: [4, 2] });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/MatryoshkaLoss.*8/);
    warn.mockClear();
    const unknown = new UnknownWidthModel();
    new MatryoshkaLoss(unknown, { loss: new TinyMNRL(unknown), matryoshkaDims: [4, 2, 100] });
    expect(warn).not.toHaveBeenCalled();
  });

  it('errors name the loss and the option', () => {
    const model = new EmbeddingTableModel(3, 8);
    const inner = new TinyMNRL(model);
    const name = 'MatryoshkaLoss';
    expectTesseraError(() => new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [] }), name, 'matryoshkaDims');
    expectTesseraError(() => new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [8, 0] }), name, 'matryoshkaDims');
    expectTesseraError(() => new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [8, -4] }), name, 'matryoshkaDims');
    expectTesseraError(() => new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [8, 2.5] }), name, 'matryoshkaDims');
    expectTesseraError(() => new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [8, 4], matryoshkaWeights: [1] }), name, 'matryoshkaWeights');
    expectTesseraError(() => new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [8, 4], matryoshkaWeights: [1, Number.NaN] }), name, 'matryoshkaWeights');
    expectTesseraError(() => new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [16, 8] }), name, 'matryoshkaDims', /16.*8/);
    expectTesseraError(() => new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [8], nDimsPerStep: 1.5 }), name, 'nDimsPerStep');
    expectTesseraError(() => new MatryoshkaLoss(model, { loss: {} as Loss, matryoshkaDims: [8] }), name, 'loss');
    expectTesseraError(() => new MatryoshkaLoss(model, { loss: new TinyMNRL(new EmbeddingTableModel(3, 8)), matryoshkaDims: [8] }), name, 'loss');
    expectTesseraError(() => new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [8], scale: 3 } as never), name, 'scale');
    expectTesseraError(() => new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [8], generator: 3 as never }), name, 'generator');
    // A model of unknown width: a dim above the real width fails at run time, naming the option.
    const unknown = new UnknownWidthModel();
    const wide = new MatryoshkaLoss(unknown, { loss: new TinyMNRL(unknown), matryoshkaDims: [100] });
    expectTesseraError(() => wide.forward([idsFeatures([[1]]), idsFeatures([[2]])]), name, 'matryoshkaDims', /100/);
    // computeLossFromEmbeddings needs an inner loss that has it.
    class NoEmbeddingLevel extends Loss {
      forward(): Tensor {
        return T.zeros([]);
      }
    }
    const noEl = new MatryoshkaLoss(model, { loss: new NoEmbeddingLevel(model), matryoshkaDims: [8] });
    expectTesseraError(() => noEl.computeLossFromEmbeddings([T.zeros([2, 8])]), name, 'loss');
  });

  it('config and info', () => {
    const model = new EmbeddingTableModel(3, 8);
    const loss = new MatryoshkaLoss(model, { loss: new TinyMNRL(model), matryoshkaDims: [2, 8, 4], matryoshkaWeights: [3, 1, 2], nDimsPerStep: 2 });
    expect(loss.getConfigDict()).toEqual({ loss: 'TinyMNRL', matryoshkaDims: [8, 4, 2], matryoshkaWeights: [1, 2, 3], nDimsPerStep: 2 });
    expect(MatryoshkaLoss.info.citation).toMatch(/kusupati2024matryoshka/);
    // The inner loss is a child: its parameters (the model's) appear once.
    expect(loss.parameters()).toHaveLength(1);
    expect(loss.parameters()[0]).toBe(model.parameters()[0]);
  });
});

describe.skipIf(!gpu)('MatryoshkaLoss: CPU vs WebGPU', () => {
  it('value and every parameter gradient agree on a tiny BERT (float32)', async () => {
    const model = tinySentenceTransformer();
    const loss = new MatryoshkaLoss(model, { loss: new TinyMNRL(model), matryoshkaDims: [8, 4, 2], matryoshkaWeights: [1, 0.5, 0.25] });
    await expectLossAgreement(loss, (l, device: DeviceName) => {
      const m = l.model as SentenceTransformer;
      return l.forward([m.tokenize(['a cat sat on the mat', 'stocks rose today', 'it rained all day'], device), m.tokenize(['the cat is on a mat', 'the market went up', 'a wet day'], device)]);
    });
  });
});
