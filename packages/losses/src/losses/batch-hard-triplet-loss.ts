import type { Tensor } from '@tessera/tensor';
import { cast, where } from '@tessera/tensor';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { BatchTripletLoss, HERMANS_2017 } from './batch-triplet-shared.js';
import type { BatchTripletLossOptions } from './batch-triplet-shared.js';

/**
 * BatchHardTripletLoss (losses.md §15): for every anchor, its hardest positive against its hardest negative.
 *
 * One text column and one integer class label per row; `E = model(features[0]).sentenceEmbedding`,
 * `D = distanceMetric(E)` `[B, B]`, `pos[a, p] = (y_a = y_p) ∧ (a ≠ p)`, `neg[a, n] = (y_a ≠ y_n)`:
 *
 *   `hp_a = max_p pos[a, p] · D[a, p]` (0 for an anchor without positives),
 *   `hn_a = min_n (D[a, n] + max_j D[a, j] · (1 − neg[a, n]))`,
 *   `loss = mean_a max(hp_a − hn_a + margin, 0)` over all B anchors.
 *
 * The gradient goes to the arg-max positive and the arg-min negative (first index on ties). The
 * clamp is sentence-transformers' `tl[tl < 0] = 0` (gradient passes where `tl ≥ 0`).
 *
 * Options: `distanceMetric` (default `euclidean_distance`; also `cosine_distance` or any
 * `E ↦ [B, B]` function), `margin` (default 5). Use the `group_by_label` batch sampler.
 */
export class BatchHardTripletLoss extends BatchTripletLoss {
  static readonly info: LossInfo = {
    inputs: 'single sentences',
    labels: 'class',
    citation: HERMANS_2017,
    relations: ['BatchAllTripletLoss', 'BatchSemiHardTripletLoss', 'BatchHardSoftMarginTripletLoss'],
  };

  /** `allowed` (internal): the option names a subclass accepts (BatchHardSoftMarginTripletLoss has no margin). */
  constructor(model: EmbeddingModel, options: BatchTripletLossOptions = {}, allowed?: readonly string[]) {
    super(model, options, allowed);
  }

  /** `hp_a − hn_a` `[B, 1]`: hardest positive minus hardest negative distance per anchor. */
  protected hardestGap(labels: Tensor, embeddings: Tensor): Tensor {
    const d = this.distances(embeddings);
    const dtype = d.dtype;
    const hardestPositive = cast(BatchTripletLoss.anchorPositiveMask(labels), dtype).mul(d).max(1, true).values;
    const rowMax = d.max(1, true).values;
    const invalidNegative = cast(BatchTripletLoss.anchorNegativeMask(labels), dtype).neg().add(1);
    const hardestNegative = d.add(rowMax.mul(invalidNegative)).min(1, true).values;
    return hardestPositive.sub(hardestNegative);
  }

  protected tripletLoss(labels: Tensor, embeddings: Tensor): Tensor {
    const tl = this.hardestGap(labels, embeddings).add(this.margin);
    return where(tl.lt(0), 0, tl).mean();
  }
}
