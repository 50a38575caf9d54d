import type { Tensor } from '@tessera/tensor';
import { cast, maximum, where } from '@tessera/tensor';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { BatchTripletLoss } from './batch-triplet-shared.js';
import type { BatchTripletLossOptions } from './batch-triplet-shared.js';

function hasRepeatedLabel(values: ArrayLike<number>): boolean {
  const seen = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    if (seen.has(values[i]!)) return true;
    seen.add(values[i]!);
  }
  return false;
}

/**
 * BatchSemiHardTripletLoss (losses.md §17; FaceNet's semi-hard mining, ported from TF-Addons): for every
 * positive pair, the closest negative that is still farther away than the positive.
 *
 * One text column and one integer class label per row; `E = model(features[0]).sentenceEmbedding`,
 * `D = distanceMetric(E)` `[B, B]`. For every ordered positive pair `(a, p)` (`y_a = y_p`, `a ≠ p`):
 *
 *   `S(a, p) = { n : y_n ≠ y_a, D[a, n] > D[a, p] }` (strict),
 *   `neg(a, p) = min_{n ∈ S} D[a, n]` if `S ≠ ∅`, else `max_{n : y_n ≠ y_a} D[a, n]`
 *   (else, when `a` has no negative at all, `min_j D[a, j]`),
 *   `loss = Σ_{(a, p)} max(D[a, p] − neg(a, p) + margin, 0) / max(#pairs, 1e-16)`.
 *
 * The minimum over `S` is a masked minimum with `+∞` fill; the fallback is sentence-transformers'
 * shifted masked maximum `max_j((D[a, j] − min D[a]) · neg[a, j]) + min D[a]`. The gradient reaches
 * `D[a, p]` and the chosen `D[a, n]` only. Memory is O(B³) (sentence-transformers sorts instead).
 *
 * A batch without any positive pair (every label distinct) gives exactly 0, attached to the graph
 * with a zero gradient (sentence-transformers v6; v5 returned NaN), and warns once per loss,
 * naming the `group_by_label` batch sampler as the fix.
 *
 * Options: `distanceMetric` (default `euclidean_distance`; also `cosine_distance` or any
 * `E ↦ [B, B]` function), `margin` (default 5).
 */
export class BatchSemiHardTripletLoss extends BatchTripletLoss {
  static readonly info: LossInfo = {
    inputs: 'single sentences',
    labels: 'class',
    citation: `@misc{schroff2015facenet,
    title={FaceNet: A Unified Embedding for Face Recognition and Clustering},
    author={Florian Schroff and Dmitry Kalenichenko and James Philbin},
    year={2015},
    eprint={1503.03832},
    archivePrefix={arXiv},
    primaryClass={cs.CV}
}`,
    relations: ['BatchHardTripletLoss', 'BatchAllTripletLoss', 'BatchHardSoftMarginTripletLoss'],
  };

  private warnedNoPositive = false;

  constructor(model: EmbeddingModel, options: BatchTripletLossOptions = {}) {
    super(model, options);
  }

  protected tripletLoss(labels: Tensor, embeddings: Tensor): Tensor {
    this.warnWithoutPositivePair(labels);
    const d = this.distances(embeddings);
    const dtype = d.dtype;
    const sameLabel = BatchTripletLoss.labelsEqual(labels);
    const negative = sameLabel.logicalNot();
    // Candidates [a, p, n]: n is a negative of a and D[a, n] > D[a, p].
    const dAn = d.unsqueeze(1); // [a, 1, n]
    const candidates = negative.unsqueeze(1).logicalAnd(dAn.gt(d.unsqueeze(2)));
    const outside = where(candidates, dAn, Infinity).min(2).values; // [a, p]; +∞ where S(a, p) is empty
    // Farthest negative per anchor (row minimum when the anchor has none), as sentence-transformers' _masked_maximum.
    const rowMin = d.min(1, true).values;
    const inside = d.sub(rowMin).mul(cast(negative, dtype)).max(1, true).values.add(rowMin); // [a, 1]
    const semiHard = where(outside.isinf(), inside, outside);
    const lossMat = d.sub(semiHard).add(this.margin);
    const positives = cast(BatchTripletLoss.anchorPositiveMask(labels), dtype);
    const pairs = positives.sum();
    return maximum(lossMat.mul(positives), 0).sum().div(pairs.clampMin(1e-16));
  }

  private warnWithoutPositivePair(labels: Tensor): void {
    if (this.warnedNoPositive) return;
    const report = (values: ArrayLike<number>): void => {
      if (this.warnedNoPositive || hasRepeatedLabel(values)) return;
      this.warnedNoPositive = true;
      console.warn(
        'BatchSemiHardTripletLoss: the batch has no positive pair (no two rows share a label), so the loss is 0 and nothing is learned from it. ' +
          "Use the group_by_label batch sampler (batchSampler: 'group_by_label') so that every batch holds at least two rows of each label it contains.",
      );
    };
    if (labels.device === 'cpu') report(labels.dataSync());
    else labels.data().then(report, () => undefined);
  }
}
