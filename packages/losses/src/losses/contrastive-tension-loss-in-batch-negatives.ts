import type { DType, Tensor } from '@tessera/tensor';
import { arange, check, crossEntropy, full, isFloat, TesseraError } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { cosSim, SIMILARITY_FUNCTIONS } from '../similarity.js';
import type { SimilarityFn } from '../similarity.js';
import { CT_CITATION } from './contrastive-tension-loss.js';

export interface ContrastiveTensionLossInBatchNegativesOptions {
  /** Initial scale; the learnable `logitScale` starts at ln(scale). Default 20. */
  scale?: number;
  /** A matrix similarity function or its sentence-transformers name (default cosSim). */
  similarityFct?: SimilarityFn | string;
}

const NAME = 'ContrastiveTensionLossInBatchNegatives';

/** The float dtype of a module's first float parameter (float32 when there is none). */
function floatDtype(model: EmbeddingModel): DType {
  return model.parameters().find((p) => isFloat(p.dtype))?.dtype ?? 'float32';
}

/**
 * ContrastiveTensionLossInBatchNegatives (Carlsson et al. 2021; sentence-transformers v6,
 * losses.md §21): Contrastive Tension with in-batch negatives.
 *
 * `model1` is a deep copy of the model taken at construction (a registered child, trained with the
 * loss), `model2` the model itself. Both encode column 0 (further columns are ignored, as in
 * sentence-transformers v6). With `X = model1(s)`, `Y = model2(s)` and the learnable scalar
 * parameter `logitScale` (initialised to ln(scale), unclamped):
 *
 *   S = similarityFct(X, Y) · exp(logitScale),   loss = ( CE(S, t) + CE(Sᵀ, t) ) / 2,   t_i = i
 *
 * Decision 5: the copy follows the loss's train()/eval() mode (it is a child module).
 */
export class ContrastiveTensionLossInBatchNegatives extends Loss {
  static readonly info: LossInfo = {
    inputs: '(sentence) — one column of sentences',
    labels: 'none',
    citation: CT_CITATION,
    relations: ['ContrastiveTensionLoss', 'MultipleNegativesRankingLoss'],
  };

  /** The trained deep copy of the model. */
  model1: EmbeddingModel;
  /** ln of the effective scale, a trained 0-d parameter of the loss. */
  logitScale: Tensor;
  similarityFct: SimilarityFn;
  private readonly initialScale: number;

  constructor(model: EmbeddingModel, options: ContrastiveTensionLossInBatchNegativesOptions = {}) {
    super(model);
    const scale = options.scale ?? 20.0;
    check(typeof scale === 'number' && Number.isFinite(scale) && scale > 0, NAME, 'scale', () => `must be a positive finite number (logitScale = ln(scale)), got ${String(scale)}`);
    const fct = options.similarityFct ?? cosSim;
    const resolved = typeof fct === 'string' ? SIMILARITY_FUNCTIONS[fct] : fct;
    if (typeof resolved !== 'function') {
      throw new TesseraError(NAME, 'similarityFct', `must be a matrix similarity function or one of ${Object.keys(SIMILARITY_FUNCTIONS).join(', ')}, got ${String(fct)}`);
    }
    this.similarityFct = resolved;
    this.initialScale = scale;
    this.model1 = this.child('model1', model.clone());
    this.logitScale = this.param('logitScale', full([], Math.log(scale), { dtype: floatDtype(model), device: model.device }));
  }

  /** The model itself; the one kept after training. */
  get model2(): EmbeddingModel {
    return this.model;
  }

  forward(features: Features[], _labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k >= 1, 'at least 1 column of sentences (only column 0 is used)');
    const x = this.model1.forward(features[0]!).sentenceEmbedding;
    if (!x) throw new TesseraError(NAME, 'model', 'returned no sentenceEmbedding');
    const [y] = this.embed([features[0]!]);
    return this.computeLossFromEmbeddings([x, y!]);
  }

  /** The loss from both encoders' outputs `[model1(s), model2(s)]` and the current `logitScale`. */
  computeLossFromEmbeddings(embeddings: Tensor[], _labels?: Tensor): Tensor {
    this.checkEmbeddings(embeddings, (k) => k === 2, "2 embeddings: [model1's, model2's] of the same column");
    const [x, y] = embeddings as [Tensor, Tensor];
    const s = this.similarityFct(x, y).mul(this.logitScale.exp());
    const t = arange(0, x.shape[0]!, 1, { device: s.device });
    return crossEntropy(s, t).add(crossEntropy(s.T, t)).div(2);
  }

  /**
   * `scale` = the current exp(logitScale) (read synchronously on the CPU; on another device the value
   * given at construction is reported) and the similarity function's sentence-transformers name.
   */
  override getConfigDict(): Record<string, unknown> {
    const scale = this.logitScale.device === 'cpu' ? Math.exp(this.logitScale.itemSync()) : this.initialScale;
    return { scale, similarityFct: this.similarityFct.stName ?? this.similarityFct.name };
  }
}
