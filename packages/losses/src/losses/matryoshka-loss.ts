import type { Generator, Tensor } from '@tessera/tensor';
import { check, defaultGenerator, fmtShape, normalize, TesseraError, zeros } from '@tessera/tensor';
import { isGradEnabled, noGrad } from '@tessera/autograd';
import type { Features } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo, ModelCall } from '../loss.js';
import type { GradCacheStage2 } from '../gradcache.js';
import type { EmbeddingModel } from '../model.js';
import { checkOptionNames } from './batch-triplet-shared.js';

export interface MatryoshkaLossOptions {
  /** [loss] The inner loss, built on the same model (e.g. MultipleNegativesRankingLoss, CoSENTLoss, a cached loss). Required. */
  loss: Loss;
  /** [matryoshka_dims] Embedding widths to train, e.g. [768, 512, 256, 128, 64]. Required, each > 0. */
  matryoshkaDims: readonly number[];
  /** [matryoshka_weights] One weight per dim (in the order given). Default null: all 1. */
  matryoshkaWeights?: readonly number[] | null;
  /** [n_dims_per_step] Dims used per step: ≤ 0 (default −1) or ≥ #dims: all; else a random sample of that many. */
  nDimsPerStep?: number;
  /** Host generator for the dim sampling (Tessera; sentence-transformers uses Python's `random`). Default: the global generator. */
  generator?: Generator;
}

/** An inner loss that can be computed on given embeddings. */
interface EmbeddingLevelLoss {
  computeLossFromEmbeddings(embeddings: Tensor[], labels?: Tensor): Tensor;
}

/** `k` distinct indices of `[0, n)`, uniformly, in the order drawn (partial Fisher–Yates on `generator.random()`). */
export function sampleIndices(n: number, k: number, generator: Generator): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(generator.random() * (n - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, k);
}

/** `normalize(x[..., :dim])` (eps 1e-12) — sentence-transformers' `shrink`. */
function shrink(op: string, x: Tensor, dim: number, what: string): Tensor {
  const width = x.shape[x.ndim - 1]!;
  if (dim > width) throw new TesseraError(op, 'matryoshkaDims', `holds ${dim}, wider than the ${what} (${width})`);
  return normalize(dim === width ? x : x.narrow(x.ndim - 1, 0, dim), { dim: -1 });
}

/**
 * Checks and sorts the Matryoshka options (shared with Matryoshka2dLoss, which reports under its own
 * name): dims non-empty positive integers, weights (default all 1) as many as dims and finite,
 * dims within the model's width when it is known. Returns (dim, weight) pairs sorted by dim, descending.
 */
export function checkMatryoshkaDims(op: string, model: EmbeddingModel, dimsIn: unknown, weightsIn: unknown): { dims: number[]; weights: number[]; modelDim: number | null } {
  check(Array.isArray(dimsIn) && dimsIn.length > 0, op, 'matryoshkaDims', () => `must be a non-empty array of embedding widths, got ${Array.isArray(dimsIn) ? '[]' : String(dimsIn)}`);
  const dims = dimsIn as unknown[];
  dims.forEach((d, i) => check(typeof d === 'number' && Number.isInteger(d) && d > 0, op, 'matryoshkaDims', () => `must hold positive integers (every dim > 0), got ${String(d)} at index ${i}`));
  let weights: number[];
  if (weightsIn === null || weightsIn === undefined) weights = dims.map(() => 1);
  else {
    check(Array.isArray(weightsIn), op, 'matryoshkaWeights', () => `must be an array of numbers or null, got ${String(weightsIn)}`);
    const w = weightsIn as unknown[];
    check(w.length === dims.length, op, 'matryoshkaWeights', () => `has ${w.length} weight(s) but matryoshkaDims has ${dims.length}; they must be the same length`);
    w.forEach((x, i) => check(typeof x === 'number' && Number.isFinite(x), op, 'matryoshkaWeights', () => `must hold finite numbers, got ${String(x)} at index ${i}`));
    weights = w as number[];
  }
  const modelDim = typeof model.getEmbeddingDimension === 'function' ? model.getEmbeddingDimension() : null;
  if (modelDim !== null && modelDim !== undefined) {
    const over = (dims as number[]).filter((d) => d > modelDim);
    check(over.length === 0, op, 'matryoshkaDims', () => `holds ${over.join(', ')}, above the model's embedding dimension ${modelDim}`);
  }
  const pairs = (dims as number[]).map((d, i) => [d, weights[i]!] as const).sort((a, b) => b[0] - a[0]);
  return { dims: pairs.map((p) => p[0]), weights: pairs.map((p) => p[1]), modelDim: modelDim ?? null };
}

/**
 * MatryoshkaLoss (losses.md §23): trains the inner loss at several embedding widths at once, so the
 * embeddings can be truncated at inference (Matryoshka Representation Learning).
 *
 * With dims `d_1 > … > d_m` and weights `w_k` (sorted by dim, descending; weights follow their dims):
 *
 *   `loss = Σ_k w_k · inner(normalize(E_c[:, :d_k]) for every column c; labels_k)`
 *
 * Every truncated embedding is L2-normalized (eps 1e-12), also at the full width — so the inner
 * loss always sees unit-norm embeddings (dot-product inner losses therefore behave differently than
 * bare). `tokenEmbeddings`, when the model returns them, are truncated and normalized likewise per
 * token (left as they are when narrower than the dim — sentence-transformers would raise there).
 * Labels that look like embeddings (2-D with last dim = the model's embedding dimension) are
 * truncated to `[:, :d_k]` (not normalized), e.g. for MSELoss distillation.
 *
 * The model runs once per column: the first dim's calls run it (through the inner loss's model-call
 * hook), the other dims reuse the outputs. With `0 < nDimsPerStep < m`, each step uses a random
 * sample of that many dims (largest first).
 *
 * An inner loss that caches gradients (`cachesGradients`: CachedMultipleNegativesRankingLoss,
 * CachedGISTEmbedLoss, the mini-batched MegaBatchMarginLoss…) is wrapped at its GradCache step 2:
 * for each chosen dim (sampled ones in the order drawn) `T_d = normalize(R[:, :d])` from the cached
 * embeddings `R`, the inner chunked loss runs on `detach(T_d)`, and its embedding gradients flow back
 * through the truncation (× `w_d`) into `R`; the model replay (step 3) then runs once. Labels are not
 * truncated on that path.
 *
 * Errors: empty dims, a dim ≤ 0, weights of another length, a dim above the model's width; a
 * one-time warning when the model's width is not among the dims.
 */
export class MatryoshkaLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: 'any',
    labels: 'any',
    citation: `@misc{kusupati2024matryoshka,
    title={Matryoshka Representation Learning},
    author={Aditya Kusupati and Gantavya Bhatt and Aniket Rege and Matthew Wallingford and Aditya Sinha and Vivek Ramanujan and William Howard-Snyder and Kaifeng Chen and Sham Kakade and Prateek Jain and Ali Farhadi},
    year={2024},
    eprint={2205.13147},
    archivePrefix={arXiv},
    primaryClass={cs.LG}
}`,
    relations: ['Matryoshka2dLoss', 'AdaptiveLayerLoss'],
  };

  readonly loss: Loss;
  /** Sorted descending. */
  readonly matryoshkaDims: readonly number[];
  /** Following their dims. */
  readonly matryoshkaWeights: readonly number[];
  readonly nDimsPerStep: number;
  readonly generator: Generator;
  /** True when the inner loss caches gradients (its returned value back-propagates through a replay hook). */
  override readonly cachesGradients: boolean;

  constructor(model: EmbeddingModel, options: MatryoshkaLossOptions) {
    super(model);
    const op = new.target.name;
    checkOptionNames(op, options, ['loss', 'matryoshkaDims', 'matryoshkaWeights', 'nDimsPerStep', 'generator']);
    const inner = options.loss;
    check(inner instanceof Loss, op, 'loss', () => `must be a Loss (e.g. new MultipleNegativesRankingLoss(model)), got ${inner === null ? 'null' : typeof inner}`);
    check(inner.model === model, op, 'loss', () => `${inner.constructor.name} must be built on the same model as the ${op}`);
    this.loss = this.child('loss', inner);
    const { dims, weights, modelDim } = checkMatryoshkaDims(op, model, options.matryoshkaDims, options.matryoshkaWeights);
    if (modelDim !== null && !dims.includes(modelDim)) {
      console.warn(
        `${op}: the model's embedding dimension ${modelDim} is not included in matryoshkaDims [${options.matryoshkaDims.join(', ')}], so the full width is not trained; ` +
          `the model may then do worse without a truncation dimension. Include ${modelDim} in matryoshkaDims.`,
      );
    }
    this.matryoshkaDims = dims;
    this.matryoshkaWeights = weights;
    const n = options.nDimsPerStep ?? -1;
    check(typeof n === 'number' && Number.isInteger(n), op, 'nDimsPerStep', () => `must be an integer (≤ 0: every dim), got ${String(n)}`);
    this.nDimsPerStep = n;
    const g = options.generator ?? defaultGenerator;
    check(g !== null && typeof g === 'object' && typeof (g as Generator).random === 'function', op, 'generator', () => 'must be a Generator');
    this.generator = g;
    this.cachesGradients = inner.cachesGradients;
  }

  /** Indices into the sorted dims for one step: all, or a sample of nDimsPerStep (sorted ascending unless `drawOrder`). */
  private dimIndices(drawOrder: boolean): number[] {
    const m = this.matryoshkaDims.length;
    if (!(this.nDimsPerStep > 0 && this.nDimsPerStep < m)) return Array.from({ length: m }, (_, i) => i);
    const picked = sampleIndices(m, this.nDimsPerStep, this.generator);
    return drawOrder ? picked : picked.sort((a, b) => a - b);
  }

  /** Labels for width `dim`: truncated when they look like embeddings (2-D, last dim = `width`). */
  private labelsFor(labels: Tensor | undefined, width: number | null, dim: number): Tensor | undefined {
    if (!labels || width === null || labels.ndim !== 2 || labels.shape[1] !== width || dim === width) return labels;
    return labels.narrow(1, 0, dim);
  }

  private modelDim(): number | null {
    return typeof this.model.getEmbeddingDimension === 'function' ? (this.model.getEmbeddingDimension() ?? null) : null;
  }

  /** The model output `out` at width `dim`: sentence (and token) embeddings truncated and normalized. */
  private shrinkOutput(out: Features, dim: number): Features {
    const op = this.constructor.name;
    const e = out.sentenceEmbedding;
    if (!e) throw new TesseraError(op, 'model', 'returned no sentenceEmbedding');
    const next: Features = { ...out, sentenceEmbedding: shrink(op, e, dim, 'sentence embedding') };
    const tokens = out.tokenEmbeddings;
    if (tokens && dim <= tokens.shape[tokens.ndim - 1]!) next.tokenEmbeddings = shrink(op, tokens, dim, 'token embeddings');
    return next;
  }

  override forward(features: Features[], labels?: Tensor): Tensor {
    if (this.loss.cachesGradients) return this.loss.withGradCacheStage2(this.cachedStage2(), () => this.loss.forward(features, labels));
    const cache: Features[] = [];
    const modelDim = this.modelDim();
    let total: Tensor | null = null;
    for (const k of this.dimIndices(false)) {
      const dim = this.matryoshkaDims[k]!;
      const weight = this.matryoshkaWeights[k]!;
      const call: ModelCall = (f, _call, index) => {
        let out = cache[index];
        if (!out) {
          out = this.encode(f);
          cache[index] = out;
        }
        return this.shrinkOutput(out, dim);
      };
      const part = this.loss.withModelCall(call, () => this.loss.forward(features, this.labelsFor(labels, modelDim, dim)));
      const weighted = weight === 1 ? part : part.mul(weight);
      total = total ? total.add(weighted) : weighted;
    }
    return total!;
  }

  /**
   * The loss on given embeddings (when the inner loss has `computeLossFromEmbeddings`): every column
   * truncated and normalized per dim, labels truncated when 2-D with the embeddings' (or the model's) width.
   */
  computeLossFromEmbeddings(embeddings: Tensor[], labels?: Tensor): Tensor {
    const op = this.constructor.name;
    const inner = this.loss as unknown as Partial<EmbeddingLevelLoss>;
    if (typeof inner.computeLossFromEmbeddings !== 'function') {
      throw new TesseraError(op, 'loss', `${this.loss.constructor.name} has no computeLossFromEmbeddings; use forward(features, labels)`);
    }
    check(Array.isArray(embeddings) && embeddings.length > 0, op, 'embeddings', () => 'must be a non-empty list of [batch, dim] tensors');
    embeddings.forEach((e, i) => check(e.ndim === 2, op, `embeddings[${i}]`, () => `must be [batch, dim], got ${fmtShape(e.shape)}`));
    const width = this.modelDim() ?? embeddings[0]!.shape[1]!;
    let total: Tensor | null = null;
    for (const k of this.dimIndices(false)) {
      const dim = this.matryoshkaDims[k]!;
      const weight = this.matryoshkaWeights[k]!;
      const truncated = embeddings.map((e) => shrink(op, e, dim, 'embeddings'));
      const part = inner.computeLossFromEmbeddings.call(this.loss, truncated, this.labelsFor(labels, width, dim));
      const weighted = weight === 1 ? part : part.mul(weight);
      total = total ? total.add(weighted) : weighted;
    }
    return total!;
  }

  /** GradCache step 2 of a cached inner loss, run once per chosen dim on the truncated embeddings. */
  private cachedStage2(): GradCacheStage2 {
    const op = this.constructor.name;
    return (reps, defaultStage2) => {
      const grad = isGradEnabled();
      let total: Tensor = noGrad(() => zeros([], { dtype: reps[0]!.dtype, device: reps[0]!.device }));
      for (const k of this.dimIndices(true)) {
        const dim = this.matryoshkaDims[k]!;
        const weight = this.matryoshkaWeights[k]!;
        const truncated = reps.map((r) => shrink(op, r, dim, 'embeddings'));
        const leaves = grad ? truncated.map((t) => t.detach().requiresGrad_(true)) : truncated;
        const value = defaultStage2(leaves);
        const next = noGrad(() => total.add(value.detach().mul(weight)));
        total.dispose();
        total = next;
        if (grad) {
          truncated.forEach((t, c) => {
            const g = leaves[c]!.grad;
            if (g) t.backward(weight === 1 ? g : noGrad(() => g.mul(weight)));
          });
        }
      }
      return total;
    };
  }

  override getConfigDict(): Record<string, unknown> {
    return {
      loss: this.loss.constructor.name,
      matryoshkaDims: [...this.matryoshkaDims],
      matryoshkaWeights: [...this.matryoshkaWeights],
      nDimsPerStep: this.nDimsPerStep,
    };
  }
}
