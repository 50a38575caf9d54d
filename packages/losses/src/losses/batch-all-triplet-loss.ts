import type { Tensor } from '@tessera/tensor';
import { cast, where } from '@tessera/tensor';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { BatchTripletLoss, HERMANS_2017 } from './batch-triplet-shared.js';
import type { BatchTripletLossOptions } from './batch-triplet-shared.js';

/**
 * BatchAllTripletLoss (losses.md §14): every valid triplet of the batch, averaged over the active ones.
 *
 * One text column and one integer class label per row; `E = model(features[0]).sentenceEmbedding`,
 * `D = distanceMetric(E)` `[B, B]`. With `trip[a, p, n] = (y_a = y_p) ∧ (a ≠ p) ∧ (y_a ≠ y_n)`:
 *
 *   `T[a, p, n] = max(trip[a, p, n] · (D[a, p] − D[a, n] + margin), 0)`,
 *   `loss = Σ T / (#{T > 1e-16} + 1e-16)`
 *
 * i.e. the mean over the triplets that still violate the margin; no such triplet ⇒ 0 (attached to
 * the graph). The clamp is sentence-transformers' `T[T < 0] = 0` (gradient passes where `T ≥ 0`).
 * Memory is O(B³).
 *
 * Options: `distanceMetric` (default `euclidean_distance`; also `cosine_distance` or any
 * `E ↦ [B, B]` function), `margin` (default 5). Use the `group_by_label` batch sampler so that
 * every batch holds at least two rows per label.
 */
export class BatchAllTripletLoss extends BatchTripletLoss {
  static readonly info: LossInfo = {
    inputs: 'single sentences',
    labels: 'class',
    citation: HERMANS_2017,
    relations: ['BatchHardTripletLoss', 'BatchHardSoftMarginTripletLoss', 'BatchSemiHardTripletLoss'],
  };

  constructor(model: EmbeddingModel, options: BatchTripletLossOptions = {}) {
    super(model, options);
  }

  protected tripletLoss(labels: Tensor, embeddings: Tensor): Tensor {
    const d = this.distances(embeddings);
    const dtype = d.dtype;
    // [a, p, n] = D[a, p] − D[a, n] + margin
    const raw = d.unsqueeze(2).sub(d.unsqueeze(1)).add(this.margin);
    const masked = cast(BatchTripletLoss.tripletMask(labels), dtype).mul(raw);
    const t = where(masked.lt(0), 0, masked);
    const active = cast(t.gt(1e-16), dtype).sum();
    return t.sum().div(active.add(1e-16));
  }
}
