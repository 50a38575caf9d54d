import type { Tensor } from '@tessera/tensor';
import { cast, where } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { SiameseDistanceMetric } from '../distances.js';
import type { DistanceFn } from '../distances.js';
import { resolveSiameseMetric, siameseDistances } from './contrastive-loss.js';
import type { SiameseMetric } from './contrastive-loss.js';
import { checkFinite, checkOptions, rowLabels, warnIfNonBinary } from './pair-utils.js';

export interface OnlineContrastiveLossOptions {
  /** [distance_metric] Default `SiameseDistanceMetric.COSINE_DISTANCE` (`1 − cos`). */
  distanceMetric?: SiameseMetric;
  /** [margin] Hard negatives are pushed to at least this distance. Default 0.5. */
  margin?: number;
}

/**
 * OnlineContrastiveLoss: ContrastiveLoss on the hard pairs of the batch only.
 *
 * `d_i = distanceMetric(u_i, v_i)`, `P = {d_i : y_i = 1}`, `N = {d_i : y_i = 0}`;
 * thresholds (not differentiated) `negThr = max(P)` if `|P| > 1` else `mean(N)`, and
 * `posThr = min(N)` if `|N| > 1` else `mean(P)` (with a single positive the negatives' mean is used,
 * as in sentence-transformers' reference code);
 * `loss = Σ_{d ∈ P, d > posThr} d² + Σ_{d ∈ N, d < negThr} relu(margin − d)²` — a sum, no ½, no mean.
 * Empty selections contribute 0.
 *
 * Inputs: exactly two columns and a label per pair, exactly 0 or 1: other values fall in neither
 * set (the first batch with such a label logs a one-time warning).
 * Config: `{ distance_metric, margin }`.
 */
export class OnlineContrastiveLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: '(anchor, positive/negative) pairs',
    labels: '1 if positive, 0 if negative',
    relations: ['ContrastiveLoss'],
  };

  readonly distanceMetric: DistanceFn;
  readonly margin: number;
  private labelsChecked = false;

  constructor(model: EmbeddingModel, options: OnlineContrastiveLossOptions = {}) {
    super(model);
    checkOptions('OnlineContrastiveLoss', options, ['distanceMetric', 'margin']);
    this.distanceMetric = resolveSiameseMetric('OnlineContrastiveLoss', options.distanceMetric ?? SiameseDistanceMetric.COSINE_DISTANCE);
    this.margin = checkFinite('OnlineContrastiveLoss', 'margin', options.margin ?? 0.5);
  }

  override forward(features: Features[], labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k === 2, '2 (anchor, other)');
    const y = this.requireLabels(labels, 'a 0/1 label per pair');
    return this.computeLossFromEmbeddings(this.embed(features), y);
  }

  computeLossFromEmbeddings(embeddings: Tensor[], labels?: Tensor): Tensor {
    this.checkEmbeddings(embeddings, (k) => k === 2, '2 (anchor, other)');
    const [u, v] = embeddings as [Tensor, Tensor];
    const y = rowLabels('OnlineContrastiveLoss', this.requireLabels(labels, 'a 0/1 label per pair'), u.shape[0]!, u);
    if (!this.labelsChecked) {
      this.labelsChecked = true;
      warnIfNonBinary('OnlineContrastiveLoss', y, 'expects binary labels (0 or 1). Pairs with any other label are ignored, since they match neither the positive nor the negative set.');
    }
    const d = siameseDistances('OnlineContrastiveLoss', this.distanceMetric, u, v);
    const pos = y.eq(1);
    const neg = y.eq(0);
    // Thresholds on the detached distances, without reading counts back (works on every device).
    const dd = d.detach();
    const nPos = cast(pos, dd.dtype).sum();
    const nNeg = cast(neg, dd.dtype).sum();
    const maxPos = where(pos, dd, dd.amin()).amax();
    const minNeg = where(neg, dd, dd.amax()).amin();
    // Means over an empty set are NaN in PyTorch; the set is then empty too, so nothing is selected either way.
    const meanPos = where(pos, dd, 0).sum().div(nPos.clampMin(1));
    const meanNeg = where(neg, dd, 0).sum().div(nNeg.clampMin(1));
    const negThr = where(nPos.gt(1), maxPos, meanNeg);
    const posThr = where(nNeg.gt(1), minNeg, meanPos);
    const hardPos = pos.logicalAnd(dd.gt(posThr));
    const hardNeg = neg.logicalAnd(dd.lt(negThr));
    const positiveLoss = where(hardPos, d.square(), 0).sum();
    const negativeLoss = where(hardNeg, d.neg().add(this.margin).relu().square(), 0).sum();
    return positiveLoss.add(negativeLoss);
  }

  override getConfigDict(): Record<string, unknown> {
    return { distance_metric: this.distanceMetric.stName, margin: this.margin };
  }
}
