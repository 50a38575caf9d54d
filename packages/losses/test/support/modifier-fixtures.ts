/**
 * Fixtures for the batch triplet and modifier loss tests (Matryoshka, AdaptiveLayer, Matryoshka2d):
 * a model with given embedding rows, tiny in-test MNRL / MSE inner losses (a plain one and a
 * GradCache one, so the modifiers are tested without depending on the real losses), a small layered
 * "transformer" that returns every hidden state, and an error matcher.
 */
import { expect } from 'vitest';
import * as T from '@tessera/tensor';
import type { DType, Tensor } from '@tessera/tensor';
import { gradcheck } from '@tessera/autograd';
import { Module } from '@tessera/nn';
import type { Features } from '@tessera/nn';
import { cosSim, gradCache, Loss } from '@tessera/losses';
import type { EmbeddingModel } from '@tessera/losses';
import { EmbeddingTableModel, idsFeatures } from './models.js';

/**
 * An EmbeddingTableModel whose table rows 1… are the given column embeddings, with one single-token
 * feature record per column: `model.forward(features[k]).sentenceEmbedding` is exactly `columns[k]`.
 */
export function givenRowsModel(columns: number[][][], dtype: DType = 'float64'): { model: EmbeddingTableModel; features: Features[] } {
  const dim = columns[0]![0]!.length;
  const rows = columns.flat();
  const model = new EmbeddingTableModel(rows.length + 1, dim, { dtype });
  model.loadStateDict({ table: T.tensor([new Array<number>(dim).fill(0), ...rows], { dtype }) });
  const offsets = columns.map((_, k) => 1 + columns.slice(0, k).reduce((n, c) => n + c.length, 0));
  const features = columns.map((c, k) => idsFeatures(c.map((_, i) => [offsets[k]! + i])));
  return { model, features };
}

/** Anchor rows [b, e) of MNRL with cosine similarity: Σ_i CE(scale·cos(q_i, C), i) / B. */
export function mnrlPart(reps: Tensor[], b: number, e: number, scale: number): Tensor {
  const rows = reps[0]!.shape[0]!;
  const q = b === 0 && e === rows ? reps[0]! : reps[0]!.narrow(0, b, e - b);
  const docs = reps.length === 2 ? reps[1]! : T.cat(reps.slice(1), 0);
  const logits = cosSim(q, docs).mul(scale);
  const target = T.arange(b, e, 1, { device: q.device });
  return T.crossEntropy(logits, target, { reduction: 'sum' }).div(rows);
}

/** A minimal MultipleNegativesRankingLoss (cosine, scale 20): `CE(scale · cosSim(E_0, cat(E_1…)), arange(B))`. */
export class TinyMNRL extends Loss {
  constructor(model: EmbeddingModel, readonly scale = 20) {
    super(model);
  }
  forward(features: Features[]): Tensor {
    return this.computeLossFromEmbeddings(this.embed(features));
  }
  computeLossFromEmbeddings(embeddings: Tensor[]): Tensor {
    return mnrlPart(embeddings, 0, embeddings[0]!.shape[0]!, this.scale);
  }
}

/** The same loss through GradCache (a CMNRL stand-in): `cachesGradients`, chunks of `miniBatchSize` rows. */
export class TinyCachedMNRL extends Loss {
  override readonly cachesGradients = true;
  /** Width of the embeddings each chunked loss step received (recorded at the first chunk). */
  readonly widths: number[] = [];
  constructor(model: EmbeddingModel, readonly miniBatchSize = 2, readonly scale = 20) {
    super(model);
  }
  forward(features: Features[]): Tensor {
    const step = (reps: Tensor[], b: number, e: number): Tensor => {
      if (b === 0) this.widths.push(reps[0]!.shape[1]!);
      return mnrlPart(reps, b, e, this.scale);
    };
    return gradCache(this, features, step, { miniBatchSize: this.miniBatchSize, miniBatchNumTokens: null });
  }
}

/** A minimal MSELoss (distillation): mean over columns of MSE(E_k, labels); records the label widths it saw. */
export class TinyMSE extends Loss {
  readonly labelShapes: number[][] = [];
  forward(features: Features[], labels?: Tensor): Tensor {
    const y = labels!;
    this.labelShapes.push([...y.shape]);
    const parts = this.embed(features).map((e) => T.mseLoss(e, y));
    return parts.reduce((a, p) => a.add(p)).div(parts.length);
  }
}

/**
 * A tiny layered encoder with SentenceTransformer's interface for AdaptiveLayerLoss: `H_0 = table[ids]`,
 * `H_k = tanh(H_{k−1} · W_k)`, `k = 1…L`; mean pooling over the mask. `allLayerEmbeddings` on request;
 * `forwardAfterTransformer` pools the given `tokenEmbeddings`. Counts transformer runs.
 */
export class LayeredModel extends Module {
  readonly table: Tensor;
  transformerRuns = 0;
  afterRuns = 0;
  constructor(vocab: number, readonly dim: number, readonly layers: number, opts: { dtype?: DType; seed?: number } = {}) {
    super();
    const generator = new T.Generator(opts.seed ?? 1);
    const dtype = opts.dtype ?? 'float64';
    this.table = this.param('table', T.randn([vocab, dim], { dtype, generator }));
    for (let k = 0; k < layers; k++) this.param(`w${k}`, T.randn([dim, dim], { dtype, generator }).mul(0.8));
  }
  forward(f: Features): Features {
    this.transformerRuns++;
    const [b, t] = f.inputIds.shape as [number, number];
    let h = this.table.indexSelect(0, f.inputIds.reshape(-1)).reshape([b, t, this.dim]);
    const hidden = [h];
    for (let k = 0; k < this.layers; k++) {
      const w = (this as unknown as Record<string, Tensor>)[`w${k}`]!;
      h = h.matmul(w).tanh();
      hidden.push(h);
    }
    const out: Features = { ...f, tokenEmbeddings: h };
    if (f.outputHiddenStates) out.allLayerEmbeddings = hidden;
    return this.pool(out);
  }
  forwardAfterTransformer(f: Features): Features {
    this.afterRuns++;
    return this.pool(f);
  }
  private pool(f: Features): Features {
    const tokens = f.tokenEmbeddings!;
    const mask = (f.attentionMask ?? T.onesLike(f.inputIds)).to(tokens.dtype).unsqueeze(-1);
    return { ...f, sentenceEmbedding: tokens.mul(mask).sum(1).div(mask.sum(1).clampMin(1e-9)) };
  }
  getEmbeddingDimension(): number {
    return this.dim;
  }
}

/** Expects `fn` to throw a TesseraError from `op` naming argument `arg` (and matching `message`, if given). */
export function expectTesseraError(fn: () => unknown, op: string, arg: string, message?: RegExp): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${op} to throw for '${arg}'`).toBeInstanceOf(T.TesseraError);
  const err = caught as T.TesseraError;
  expect(err.op).toBe(op);
  expect(err.arg).toBe(arg);
  if (message) expect(err.message).toMatch(message);
}

/** Values of a CPU tensor as a plain array. */
export function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

/**
 * lossGradcheck restricted to the parameters whose dotted name matches `pattern` (the others are
 * constants): for models too large to perturb every element (a BERT's word embeddings).
 */
export function subsetGradcheck(loss: Loss, pattern: RegExp, run: () => Tensor, opts: { atol?: number; rtol?: number; eps?: number } = {}): string[] {
  const named = loss.namedParameters();
  const picked = named.filter(([n]) => pattern.test(n)).map(([n]) => n);
  if (picked.length === 0) throw new Error(`no parameter matches ${pattern}`);
  const params = named.map(([n, p]) => p.detach().clone().requiresGrad_(pattern.test(n)));
  T.tidy(() => {
    gradcheck(
      (...all: Tensor[]) => {
        named.forEach(([n], i) => loss.setParameter(n, all[i]!));
        return run();
      },
      params,
      { atol: opts.atol ?? 1e-6, rtol: opts.rtol ?? 1e-4, eps: opts.eps ?? 1e-6 },
    );
  });
  return picked;
}
