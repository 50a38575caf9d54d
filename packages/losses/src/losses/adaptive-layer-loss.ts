import type { Generator, Tensor } from '@tessera/tensor';
import { cat, check, defaultGenerator, klDiv, TesseraError } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo, ModelCall } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { checkOptionNames } from './batch-triplet-shared.js';
import { sampleIndices } from './matryoshka-loss.js';

/** Weight `w(ℓ)` of the prior layer ℓ (ℓ = 0 is the embedding-layer output `H_0`). */
export type LayerWeightingFn = (layer: number) => number;
export type LayerWeighting = 'uniform' | 'log' | 'linear' | LayerWeightingFn;

export const LAYER_WEIGHTINGS: Readonly<Record<'uniform' | 'log' | 'linear', LayerWeightingFn>> = {
  uniform: () => 1,
  log: (layer) => 1 / (1 + Math.log(1 + layer)),
  linear: (layer) => 1 / (1 + layer),
};

export interface AdaptiveLayerLossOptions {
  /** [loss] The inner loss, built on the same model. Required; a loss that caches gradients is refused. */
  loss: Loss;
  /** [n_layers_per_step] Prior layers per step: ≤ 0 or ≥ L: all L; else a random sample. Default 1. */
  nLayersPerStep?: number;
  /** [last_layer_weight] Weight of the final-layer loss. Default 1. */
  lastLayerWeight?: number;
  /** [prior_layers_weight] Weight of the prior-layer losses. Default 1. */
  priorLayersWeight?: number;
  /** [kl_div_weight] Weight of the KL terms. Default 1. */
  klDivWeight?: number;
  /** [kl_temperature] Softmax temperature of the KL terms; 0 switches them off. Default 0.3. */
  klTemperature?: number;
  /** [layer_weighting] `'uniform'` (1), `'log'` (1 / (1 + ln(1 + ℓ))), `'linear'` (1 / (1 + ℓ)) or `ℓ ↦ weight`. Default 'uniform'. */
  layerWeighting?: LayerWeighting;
  /** Host generator for the layer sampling (Tessera; sentence-transformers uses Python's `random`). Default: the global generator. */
  generator?: Generator;
}

/** What one model call of the final-layer pass left behind. */
interface CallRecord {
  hidden: Tensor[];
  final: Tensor;
}

/** Every option key of AdaptiveLayerLoss (Matryoshka2dLoss adds its own). */
export const ADAPTIVE_LAYER_OPTIONS = ['loss', 'nLayersPerStep', 'lastLayerWeight', 'priorLayersWeight', 'klDivWeight', 'klTemperature', 'layerWeighting', 'generator'] as const;

/**
 * AdaptiveLayerLoss (losses.md §24; 2D Matryoshka Sentence Embeddings): trains the inner loss on the
 * final layer and on earlier layers of the transformer, so the model can be run with fewer layers.
 *
 * The model runs once per column with every hidden state `H_0 … H_L` (`H_0` the embedding-layer
 * output) recorded; the modules after the transformer (pooling, dense, normalize …) are then re-run
 * on a cached `H_ℓ` instead of the last layer (`model.forwardAfterTransformer`), without recomputing
 * the transformer. With `F` the final sentence embeddings of all columns (concatenated), `G_ℓ` those
 * of the pass on `H_ℓ`, `T = klTemperature` and the chosen prior layers `C ⊆ {0, …, L−1}`
 * (all, or `nLayersPerStep` of them drawn at random; `H_L` is never a prior layer):
 *
 *   `loss = lastLayerWeight · L_final
 *         + Σ_{ℓ∈C} L_ℓ · w(ℓ) / |C| · priorLayersWeight
 *         + Σ_{ℓ∈C} KL(softmax(F/T) ‖ softmax(G_ℓ/T)) · T · klDivWeight`  (KL terms only when T > 0)
 *
 * where the KL is `KLDivBatchmean(logSoftmax(G_ℓ/T), P)` with the teacher `P = detach(softmax(F/T))`
 * (the final layer gets no gradient from the KL terms) and `w(ℓ)` is the layer weighting
 * (`'uniform'` 1 by default; `'log'` `1/(1+ln(1+ℓ))`; `'linear'` `1/(1+ℓ)`, sentence-transformers
 * v5's only behaviour; or a function). All terms back-propagate through the one transformer forward.
 *
 * Needs a model whose forward returns `allLayerEmbeddings` when the features ask for
 * `outputHiddenStates` and that has `forwardAfterTransformer` (a SentenceTransformer). Inner losses
 * that cache gradients (CachedMultipleNegativesRankingLoss, CachedGISTEmbedLoss, the mini-batched
 * MegaBatchMarginLoss, or a MatryoshkaLoss around one) are refused. The model and the inner loss
 * are left as they were, also when an error is thrown.
 */
export class AdaptiveLayerLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: 'any',
    labels: 'any',
    citation: `@misc{li20242d,
    title={2D Matryoshka Sentence Embeddings},
    author={Xianming Li and Zongxi Li and Jing Li and Haoran Xie and Qing Li},
    year={2024},
    eprint={2402.14776},
    archivePrefix={arXiv},
    primaryClass={cs.CL}
}`,
    relations: ['Matryoshka2dLoss', 'MatryoshkaLoss'],
  };

  readonly loss: Loss;
  readonly nLayersPerStep: number;
  readonly lastLayerWeight: number;
  readonly priorLayersWeight: number;
  readonly klDivWeight: number;
  readonly klTemperature: number;
  readonly layerWeighting: LayerWeighting;
  readonly generator: Generator;
  private readonly weightOf: LayerWeightingFn;

  constructor(model: EmbeddingModel, options: AdaptiveLayerLossOptions, allowed: readonly string[] = ADAPTIVE_LAYER_OPTIONS) {
    super(model);
    const op = new.target.name;
    checkOptionNames(op, options, allowed);
    const inner = options.loss;
    check(inner instanceof Loss, op, 'loss', () => `must be a Loss (e.g. new MultipleNegativesRankingLoss(model)), got ${inner === null ? 'null' : typeof inner}`);
    check(inner.model === model, op, 'loss', () => `${inner.constructor.name} must be built on the same model as the ${op}`);
    if (inner.cachesGradients) {
      throw new TesseraError(op, 'loss', `${describe(inner)} caches gradients (GradCache), which cannot be re-run on cached hidden states; use its non-cached counterpart (e.g. MultipleNegativesRankingLoss)`);
    }
    check(typeof model.forwardAfterTransformer === 'function', op, 'model', () => 'must have forwardAfterTransformer(features) to re-run the modules after the transformer (a SentenceTransformer)');
    this.loss = this.child('loss', inner);
    const n = options.nLayersPerStep ?? 1;
    check(typeof n === 'number' && Number.isInteger(n), op, 'nLayersPerStep', () => `must be an integer (≤ 0: every layer), got ${String(n)}`);
    this.nLayersPerStep = n;
    this.lastLayerWeight = finite(op, 'lastLayerWeight', options.lastLayerWeight ?? 1);
    this.priorLayersWeight = finite(op, 'priorLayersWeight', options.priorLayersWeight ?? 1);
    this.klDivWeight = finite(op, 'klDivWeight', options.klDivWeight ?? 1);
    const t = finite(op, 'klTemperature', options.klTemperature ?? 0.3);
    check(t >= 0, op, 'klTemperature', () => `must be ≥ 0 (0 switches the KL terms off), got ${t}`);
    this.klTemperature = t;
    const w = options.layerWeighting ?? 'uniform';
    if (typeof w === 'function') this.weightOf = w;
    else {
      check(typeof w === 'string' && Object.hasOwn(LAYER_WEIGHTINGS, w), op, 'layerWeighting', () => `must be 'uniform', 'log', 'linear' or a function (layer) => weight, got ${typeof w === 'string' ? `'${w}'` : String(w)}`);
      this.weightOf = LAYER_WEIGHTINGS[w];
    }
    this.layerWeighting = w;
    const g = options.generator ?? defaultGenerator;
    check(g !== null && typeof g === 'object' && typeof (g as Generator).random === 'function', op, 'generator', () => 'must be a Generator');
    this.generator = g;
  }

  /** `w(ℓ)` for prior layer ℓ (checked finite). */
  layerWeight(layer: number): number {
    const w = this.weightOf(layer);
    check(typeof w === 'number' && Number.isFinite(w), this.constructor.name, 'layerWeighting', () => `returned ${String(w)} for layer ${layer}; expected a finite number`);
    return w;
  }

  /**
   * The KL term added per prior layer: `KLDivBatchmean(logSoftmax(layer/T), detach(softmax(final/T))) · T · klDivWeight`
   * for sentence embeddings `[N, D]` (all columns concatenated). Only `layer` receives gradient.
   */
  klDivergenceTerm(finalEmbeddings: Tensor, layerEmbeddings: Tensor): Tensor {
    return this.klTerm(finalEmbeddings.detach().div(this.klTemperature).softmax(-1), layerEmbeddings);
  }

  private klTerm(teacher: Tensor, layerEmbeddings: Tensor): Tensor {
    const t = this.klTemperature;
    return klDiv(layerEmbeddings.div(t).logSoftmax(-1), teacher, { reduction: 'batchmean' }).mul(t * this.klDivWeight);
  }

  override forward(features: Features[], labels?: Tensor): Tensor {
    const op = this.constructor.name;
    const after = this.model.forwardAfterTransformer;
    if (typeof after !== 'function') throw new TesseraError(op, 'model', 'must have forwardAfterTransformer(features)');
    // 1. The final layer, recording every hidden state per model call.
    const records: CallRecord[] = [];
    const record: ModelCall = (f, _call, index) => {
      const out = this.encode({ ...f, outputHiddenStates: true });
      const hidden = out.allLayerEmbeddings;
      if (!hidden || hidden.length === 0) throw new TesseraError(op, 'model', 'returned no allLayerEmbeddings for features with outputHiddenStates: true (it needs a transformer that returns every hidden state)');
      if (!out.sentenceEmbedding) throw new TesseraError(op, 'model', 'returned no sentenceEmbedding');
      records[index] = { hidden, final: out.sentenceEmbedding };
      return out;
    };
    let loss = this.loss.withModelCall(record, () => this.loss.forward(features, labels));
    if (this.lastLayerWeight !== 1) loss = loss.mul(this.lastLayerWeight);
    const first = records.find((r) => r !== undefined);
    if (!first) throw new TesseraError(op, 'loss', `${describe(this.loss)} never called the model`);
    const layers = first.hidden.length - 1;
    if (layers <= 0) return loss;
    const t = this.klTemperature;
    const teacher = t > 0 ? cat(records.map((r) => r.final), 0).detach().div(t).softmax(-1) : null;

    // 2. Prior layers ℓ ∈ {0, …, L−1} (H_ℓ), all or a sample in the order drawn.
    const chosen = this.nLayersPerStep > 0 && this.nLayersPerStep < layers ? sampleIndices(layers, this.nLayersPerStep, this.generator) : Array.from({ length: layers }, (_, i) => i);
    for (const layer of chosen) {
      const embeddings: Tensor[] = [];
      const replay: ModelCall = (f, _call, index) => {
        const rec = records[index];
        if (!rec) throw new TesseraError(op, 'loss', `${describe(this.loss)} made more model calls on the prior layers than on the final layer`);
        const out = after.call(this.model, { ...f, tokenEmbeddings: rec.hidden[layer]! });
        if (!out.sentenceEmbedding) throw new TesseraError(op, 'model', 'forwardAfterTransformer returned no sentenceEmbedding');
        embeddings.push(out.sentenceEmbedding);
        return out;
      };
      const layerLoss = this.loss.withModelCall(replay, () => this.loss.forward(features, labels));
      loss = loss.add(layerLoss.mul((this.layerWeight(layer) / chosen.length) * this.priorLayersWeight));
      if (teacher) loss = loss.add(this.klTerm(teacher, cat(embeddings, 0)));
    }
    return loss;
  }

  /** Name of the layer weighting for the config: the scheme, a function's name, or 'custom'. */
  get layerWeightingName(): string {
    const w = this.layerWeighting;
    return typeof w === 'string' ? w : w.name || 'custom';
  }

  override getConfigDict(): Record<string, unknown> {
    return {
      loss: this.loss.constructor.name,
      nLayersPerStep: this.nLayersPerStep,
      lastLayerWeight: this.lastLayerWeight,
      priorLayersWeight: this.priorLayersWeight,
      klDivWeight: this.klDivWeight,
      klTemperature: this.klTemperature,
      layerWeighting: this.layerWeightingName,
    };
  }
}

function finite(op: string, name: string, value: unknown): number {
  check(typeof value === 'number' && Number.isFinite(value), op, name, () => `must be a finite number, got ${String(value)}`);
  return value;
}

/** `CachedX` or `MatryoshkaLoss(CachedX)`. */
function describe(loss: Loss): string {
  const inner = (loss as { loss?: unknown }).loss;
  return inner instanceof Loss ? `${loss.constructor.name}(${describe(inner)})` : loss.constructor.name;
}
