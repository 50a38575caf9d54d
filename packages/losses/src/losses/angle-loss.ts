import type { Tensor } from '@tessera/tensor';
import { cat, ones } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { pairwiseAngleSim } from '../similarity.js';
import { CoSENTLoss } from './cosent-loss.js';
import { checkOptions, rowLabels } from './pair-utils.js';

export interface AnglELossOptions {
  /** [scale] Multiplies the angle similarities (inverse temperature). Default 20. */
  scale?: number;
}

/**
 * AnglELoss (angle-optimized embeddings): CoSENTLoss with the similarity fixed to
 * `pairwiseAngleSim`.
 *
 * Each row is read as a complex vector (first half real, second half imaginary; an odd width gets
 * one zero coordinate appended to both sides first, as sentence-transformers v6 does — Decision 4);
 * `angleSim(x, y) = |Σ_k (re_k + im_k)| / (‖x‖ ‖y‖)` with `re + i·im = (a + ib)·conj(c + id)`.
 * Then `s_i = scale · angleSim(u_i, v_i)` and `loss = log(1 + Σ_{y_i < y_j} exp(s_i − s_j))`
 * (the same function as CoSENTLoss). No epsilon: a zero embedding row gives NaN.
 *
 * Inputs:
 * - `(A, B)` pairs with a float score per pair (labels required);
 * - `(anchor, positive, neg_1 … neg_n)` with labels optional: CoSENT over the `(K−1)·B` pairs
 *   `(anchor_i, positive_i)` (label `y_i`, or 1) and `(anchor_i, neg_k,i)` (label `1 − y_i`, or 0),
 *   so without labels every positive pair must outrank every negative pair of the batch.
 *
 * Config: `{ scale, similarity_fct: 'pairwise_angle_sim' }`.
 */
export class AnglELoss extends CoSENTLoss {
  static override readonly info: LossInfo = {
    inputs: '(sentence_A, sentence_B) pairs | (anchor, positive, negative_1, ..., negative_n)',
    labels: 'float similarity score (pairs); none or float (n-tuples)',
    citation: '@inproceedings{li-li-2024-aoe, title = "{A}o{E}: Angle-optimized Embeddings for Semantic Textual Similarity", author = "Li, Xianming and Li, Jing", year = "2024", publisher = "Association for Computational Linguistics", url = "https://aclanthology.org/2024.acl-long.101/", doi = "10.18653/v1/2024.acl-long.101"}',
    relations: ['CoSENTLoss', 'CosineSimilarityLoss', 'MultipleNegativesRankingLoss'],
  };

  constructor(model: EmbeddingModel, options: AnglELossOptions = {}) {
    checkOptions('AnglELoss', options, ['scale']);
    super(model, { scale: options.scale, similarityFct: pairwiseAngleSim });
  }

  override forward(features: Features[], labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k >= 2, 'at least 2 ((A, B) pairs, or anchor, positive, negatives…)');
    if (features.length === 2) this.requireLabels(labels, 'one float score per pair when given (A, B) pairs');
    return this.computeLossFromEmbeddings(this.embed(features), labels);
  }

  override computeLossFromEmbeddings(embeddings: Tensor[], labels?: Tensor): Tensor {
    this.checkEmbeddings(embeddings, (k) => k >= 2, 'at least 2 ((A, B) pairs, or anchor, positive, negatives…)');
    if (embeddings.length === 2) {
      return this.pairLoss(embeddings[0]!, embeddings[1]!, this.requireLabels(labels, 'one float score per pair when given (A, B) pairs'));
    }
    const anchor = embeddings[0]!;
    const rows = anchor.shape[0]!;
    const negatives = embeddings.length - 2;
    const y = labels ? rowLabels('AnglELoss', labels, rows, anchor) : ones([rows], { dtype: anchor.dtype, device: anchor.device });
    const pairLabels = cat([y, y.neg().add(1).repeat(negatives)], 0);
    return this.pairLoss(anchor.repeat([embeddings.length - 1, 1]), cat(embeddings.slice(1), 0), pairLabels);
  }
}
