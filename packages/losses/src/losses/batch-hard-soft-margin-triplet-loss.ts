import type { Tensor } from '@tessera/tensor';
import { softplus } from '@tessera/tensor';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { BatchHardTripletLoss } from './batch-hard-triplet-loss.js';
import { HERMANS_2017 } from './batch-triplet-shared.js';
import type { BatchTripletLossOptions } from './batch-triplet-shared.js';

export type BatchHardSoftMarginTripletLossOptions = Omit<BatchTripletLossOptions, 'margin'>;

/**
 * BatchHardSoftMarginTripletLoss (losses.md §16): BatchHardTripletLoss with a soft margin instead of a margin.
 *
 * Same hardest positive `hp_a` and hardest negative `hn_a` as BatchHardTripletLoss;
 *
 *   `loss = mean_a softplus(hp_a − hn_a)`,  `softplus(x) = log(1 + exp(x))`.
 *
 * sentence-transformers evaluates `log1p(exp(x))` literally, which overflows to ∞ for large `x`
 * (above ≈ 88 in float32); Tessera uses the numerically stable softplus (linear above 20, as
 * torch's softplus), which gives the same values wherever the literal form is finite.
 *
 * Options: `distanceMetric` only (default `euclidean_distance`); there is no margin. (ST's parent
 * constructor stores a margin of 5 that is never used; `margin` here is that unused 5.)
 */
export class BatchHardSoftMarginTripletLoss extends BatchHardTripletLoss {
  static override readonly info: LossInfo = {
    inputs: 'single sentences',
    labels: 'class',
    citation: HERMANS_2017,
    relations: ['BatchHardTripletLoss', 'BatchAllTripletLoss', 'BatchSemiHardTripletLoss'],
  };

  constructor(model: EmbeddingModel, options: BatchHardSoftMarginTripletLossOptions = {}) {
    super(model, options, ['distanceMetric']);
  }

  protected override tripletLoss(labels: Tensor, embeddings: Tensor): Tensor {
    return softplus(this.hardestGap(labels, embeddings)).mean();
  }

  override getConfigDict(): Record<string, unknown> {
    const { distanceMetric } = super.getConfigDict();
    return { distanceMetric };
  }
}
