import type { Tensor } from '@tessera/tensor';
import { cast, cat, check, fmtShape, TesseraError, zeros } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { PAIRWISE_FUNCTIONS, pairwiseCosSim } from '../similarity.js';
import type { SimilarityFn } from '../similarity.js';
import { checkOptions, checkPositive, rowLabels } from './pair-utils.js';

/** A pairwise similarity `[N, D] x [N, D] -> [N]`, by function or by name (`'pairwise_cos_sim'`, …). */
export type PairwiseSimilarity = SimilarityFn | ((a: Tensor, b: Tensor) => Tensor) | string;

export interface CoSENTLossOptions {
  /** [scale] Multiplies the similarities (inverse temperature). Default 20. */
  scale?: number;
  /** [similarity_fct] Pairwise similarity. Default `pairwiseCosSim`. */
  similarityFct?: PairwiseSimilarity;
}

/**
 * The CoSENT ranking objective shared by CoSENTLoss and AnglELoss, on already scaled scores
 * `s [N]` and labels `y [N]`: `logsumexp([0, Δ′₀₀, Δ′₀₁, …])` with `Δ′ᵢⱼ = sᵢ − sⱼ` where `yᵢ < yⱼ`
 * and `sᵢ − sⱼ − 1e12` elsewhere, i.e. `log(1 + Σ_{yᵢ < yⱼ} exp(sᵢ − sⱼ))`. Not averaged; exactly 0
 * when no pair of labels is strictly ordered.
 */
export function cosentObjective(scores: Tensor, labels: Tensor): Tensor {
  const delta = scores.unsqueeze(1).sub(scores.unsqueeze(0));
  const ordered = cast(labels.unsqueeze(1).lt(labels.unsqueeze(0)), delta.dtype);
  const masked = delta.sub(ordered.neg().add(1).mul(1e12));
  return cat([zeros([1], { dtype: delta.dtype, device: delta.device }), masked.reshape([-1])], 0).logsumexp(0);
}

/** A pairwise similarity option as a named function. */
export function resolvePairwise(op: string, value: PairwiseSimilarity): SimilarityFn {
  if (typeof value === 'string') {
    const fn = PAIRWISE_FUNCTIONS[value];
    if (!fn) throw new TesseraError(op, 'similarityFct', `'${value}' is not one of ${Object.keys(PAIRWISE_FUNCTIONS).join(', ')} (or a function)`);
    return fn;
  }
  check(typeof value === 'function', op, 'similarityFct', () => `must be a pairwise similarity function or its name, got ${value === null ? 'null' : typeof value}`);
  return ('stName' in value ? value : Object.assign((a: Tensor, b: Tensor) => value(a, b), { stName: value.name || 'custom' })) as SimilarityFn;
}

/** `scale · sim(a_i, b_i)`, checked to be one score per row. */
export function scaledPairScores(op: string, sim: SimilarityFn, scale: number, a: Tensor, b: Tensor): Tensor {
  const s = sim(a, b);
  check(s.ndim === 1 && s.shape[0] === a.shape[0], op, 'similarityFct', () => `must return one score per pair ([${a.shape[0]}]), got ${fmtShape(s.shape)}`);
  return s.mul(scale);
}

/**
 * CoSENTLoss (Consistent SENTence embedding): only the order of the labels matters.
 *
 * `s_i = scale · similarityFct(u_i, v_i)`; `loss = log(1 + Σ_{(i,j): y_i < y_j} exp(s_i − s_j))`
 * (a single 0 joins the logsumexp; no averaging). All labels equal, or one pair → exactly 0.
 *
 * Inputs: `(sentence_A, sentence_B)` pairs with a float score per pair; further columns are
 * ignored (not embedded), as in sentence-transformers. Config: `{ scale, similarity_fct }`.
 */
export class CoSENTLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: '(sentence_A, sentence_B) pairs',
    labels: 'float similarity score',
    citation: '@article{10531646, author={Huang, Xiang and Peng, Hao and Zou, Dongcheng and Liu, Zhiwei and Li, Jianxin and Liu, Kay and Wu, Jia and Su, Jianlin and Yu, Philip S.}, journal={IEEE/ACM Transactions on Audio, Speech, and Language Processing}, title={CoSENT: Consistent Sentence Embedding via Similarity Ranking}, year={2024}, doi={10.1109/TASLP.2024.3402087}}',
    relations: ['AnglELoss', 'CosineSimilarityLoss'],
  };

  readonly scale: number;
  readonly similarityFct: SimilarityFn;

  constructor(model: EmbeddingModel, options: CoSENTLossOptions = {}) {
    super(model);
    const op = new.target.name;
    checkOptions(op, options, ['scale', 'similarityFct']);
    this.scale = checkPositive(op, 'scale', options.scale ?? 20);
    this.similarityFct = resolvePairwise(op, options.similarityFct ?? pairwiseCosSim);
  }

  override forward(features: Features[], labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k >= 2, 'at least 2 (sentence_A, sentence_B; further columns are ignored)');
    const y = this.requireLabels(labels, 'one float score per pair');
    return this.computeLossFromEmbeddings(this.embed(features.slice(0, 2)), y);
  }

  computeLossFromEmbeddings(embeddings: Tensor[], labels?: Tensor): Tensor {
    this.checkEmbeddings(embeddings, (k) => k >= 2, 'at least 2 (sentence_A, sentence_B)');
    return this.pairLoss(embeddings[0]!, embeddings[1]!, this.requireLabels(labels, 'one float score per pair'));
  }

  /** The CoSENT objective on the pairs `(a_i, b_i)` with one label each. */
  protected pairLoss(a: Tensor, b: Tensor, labels: Tensor): Tensor {
    const op = this.constructor.name;
    const y = rowLabels(op, labels, a.shape[0]!, a);
    return cosentObjective(scaledPairScores(op, this.similarityFct, this.scale, a, b), y);
  }

  override getConfigDict(): Record<string, unknown> {
    return { scale: this.scale, similarity_fct: this.similarityFct.stName };
  }
}
