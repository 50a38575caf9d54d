import type { Tensor } from '@tessera/tensor';
import { check, fmtShape } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { resolveDistance, SiameseDistanceMetric } from '../distances.js';
import type { DistanceFn } from '../distances.js';
import { checkBool, checkFinite, checkOptions, rowLabels, warnIfNonBinary } from './pair-utils.js';

/** A Siamese distance: a `SiameseDistanceMetric` member, its name, or any `(x, y) -> [B]` function. */
export type SiameseMetric = DistanceFn | ((x: Tensor, y: Tensor) => Tensor) | 'cosine_distance' | 'euclidean' | 'manhattan' | 'COSINE_DISTANCE' | 'EUCLIDEAN' | 'MANHATTAN';

/** The one place ContrastiveLoss and OnlineContrastiveLoss turn a `distanceMetric` option into a named function. */
export function resolveSiameseMetric(op: string, value: SiameseMetric): DistanceFn {
  return resolveDistance<DistanceFn>(op, SiameseDistanceMetric, value);
}

/** `metric(a_i, b_i)` for every pair, checked to be `[B]`. */
export function siameseDistances(op: string, metric: DistanceFn, a: Tensor, b: Tensor): Tensor {
  const d = metric(a, b);
  check(d.ndim === 1 && d.shape[0] === a.shape[0], op, 'distanceMetric', () => `must return one distance per pair ([${a.shape[0]}]), got ${fmtShape(d.shape)}`);
  return d;
}

export interface ContrastiveLossOptions {
  /** [distance_metric] Default `SiameseDistanceMetric.COSINE_DISTANCE` (`1 − cos`). */
  distanceMetric?: SiameseMetric;
  /** [margin] Dissimilar pairs are pushed to at least this distance. Default 0.5. */
  margin?: number;
  /** [size_average] Mean over the batch (true) or sum. Default true. */
  sizeAverage?: boolean;
}

/**
 * ContrastiveLoss (Hadsell, Chopra & LeCun 2006): pulls similar pairs together and pushes dissimilar
 * pairs beyond `margin`.
 *
 * `d_i = distanceMetric(u_i, v_i)`; `ℓ_i = ½ (y_i d_i² + (1 − y_i) relu(margin − d_i)²)`;
 * `loss = mean_i ℓ_i` (`sizeAverage`, default) or `Σ_i ℓ_i`.
 *
 * Inputs: exactly two columns and a label per pair, 1 (similar) or 0 (dissimilar). Other values are
 * used as given (the loss is linear in `y`); the first batch with such a label logs a one-time
 * warning. Metrics (`SiameseDistanceMetric`): `EUCLIDEAN` / `MANHATTAN` are torch's pairwise_distance
 * (1e-6 added to each difference), `COSINE_DISTANCE` is `1 − cos` (eps 1e-8).
 * Config: `{ distance_metric: 'SiameseDistanceMetric.COSINE_DISTANCE', margin, size_average }`.
 */
export class ContrastiveLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: '(anchor, positive/negative) pairs',
    labels: '1 if positive, 0 if negative',
    citation: '@inproceedings{hadsell2006dimensionality, author={Hadsell, R. and Chopra, S. and LeCun, Y.}, booktitle={2006 IEEE Computer Society Conference on Computer Vision and Pattern Recognition (CVPR\'06)}, title={Dimensionality Reduction by Learning an Invariant Mapping}, year={2006}, volume={2}, pages={1735-1742}, doi={10.1109/CVPR.2006.100}}',
    relations: ['OnlineContrastiveLoss'],
  };

  readonly distanceMetric: DistanceFn;
  readonly margin: number;
  readonly sizeAverage: boolean;
  private labelsChecked = false;

  constructor(model: EmbeddingModel, options: ContrastiveLossOptions = {}) {
    super(model);
    checkOptions('ContrastiveLoss', options, ['distanceMetric', 'margin', 'sizeAverage']);
    this.distanceMetric = resolveSiameseMetric('ContrastiveLoss', options.distanceMetric ?? SiameseDistanceMetric.COSINE_DISTANCE);
    this.margin = checkFinite('ContrastiveLoss', 'margin', options.margin ?? 0.5);
    this.sizeAverage = checkBool('ContrastiveLoss', 'sizeAverage', options.sizeAverage ?? true);
  }

  override forward(features: Features[], labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k === 2, '2 (anchor, other)');
    const y = this.requireLabels(labels, 'a 0/1 label per pair');
    return this.computeLossFromEmbeddings(this.embed(features), y);
  }

  computeLossFromEmbeddings(embeddings: Tensor[], labels?: Tensor): Tensor {
    this.checkEmbeddings(embeddings, (k) => k === 2, '2 (anchor, other)');
    const [u, v] = embeddings as [Tensor, Tensor];
    const y = rowLabels('ContrastiveLoss', this.requireLabels(labels, 'a 0/1 label per pair'), u.shape[0]!, u);
    if (!this.labelsChecked) {
      this.labelsChecked = true;
      warnIfNonBinary('ContrastiveLoss', y, 'expects binary labels (0 or 1). Non-binary labels are accepted but are used directly to weight the positive term, with 1 - label weighting the negative term.');
    }
    const d = siameseDistances('ContrastiveLoss', this.distanceMetric, u, v);
    const similar = y.mul(d.square());
    const dissimilar = y.neg().add(1).mul(d.neg().add(this.margin).relu().square());
    const losses = similar.add(dissimilar).mul(0.5);
    return this.sizeAverage ? losses.mean() : losses.sum();
  }

  override getConfigDict(): Record<string, unknown> {
    return { distance_metric: this.distanceMetric.stName, margin: this.margin, size_average: this.sizeAverage };
  }
}
