import type { Tensor } from '@tessera/tensor';
import { check, fmtShape } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { resolveDistance, TripletDistanceMetric } from '../distances.js';
import type { DistanceFn } from '../distances.js';
import { checkFinite, checkOptions } from './pair-utils.js';

/** A triplet distance: a `TripletDistanceMetric` member, its name, or any `(x, y) -> [B]` function. */
export type TripletMetric = DistanceFn | ((x: Tensor, y: Tensor) => Tensor) | 'euclidean' | 'cosine' | 'manhattan' | 'EUCLIDEAN' | 'COSINE' | 'MANHATTAN';

export interface TripletLossOptions {
  /** [distance_metric] Default `TripletDistanceMetric.EUCLIDEAN`. */
  distanceMetric?: TripletMetric;
  /** [triplet_margin] The negative must be this much farther from the anchor than the positive. Default 5. */
  tripletMargin?: number;
}

/**
 * TripletLoss: `loss = mean_i relu(dist(a_i, p_i) − dist(a_i, n_i) + tripletMargin)`.
 *
 * Metrics (`TripletDistanceMetric`): `EUCLIDEAN` = `‖x − y‖₂`, `MANHATTAN` = `‖x − y‖₁`,
 * `COSINE` = `1 − cos(x, y)`. Decision 1: EUCLIDEAN and MANHATTAN are true, non-negative distances
 * with no epsilon inside the norm, as in sentence-transformers v6 (v5 used negated distances, which
 * pulled negatives closer; v4 used torch's pairwise_distance with +1e-6). At an anchor identical to
 * its positive or negative, Tessera's EUCLIDEAN gradient is 0 (PyTorch's is NaN).
 *
 * Inputs: exactly `(anchor, positive, negative)`; labels are ignored.
 * Config: `{ distance_metric: 'TripletDistanceMetric.EUCLIDEAN', triplet_margin }`.
 */
export class TripletLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: '(anchor, positive, negative) triplets',
    labels: 'none',
    citation: '@misc{hermans2017defense, title={In Defense of the Triplet Loss for Person Re-Identification}, author={Alexander Hermans and Lucas Beyer and Bastian Leibe}, year={2017}, eprint={1703.07737}, archivePrefix={arXiv}, primaryClass={cs.CV}}',
    relations: ['BatchAllTripletLoss', 'BatchHardTripletLoss', 'MultipleNegativesRankingLoss'],
  };

  readonly distanceMetric: DistanceFn;
  readonly tripletMargin: number;

  constructor(model: EmbeddingModel, options: TripletLossOptions = {}) {
    super(model);
    checkOptions('TripletLoss', options, ['distanceMetric', 'tripletMargin']);
    this.distanceMetric = resolveDistance<DistanceFn>('TripletLoss', TripletDistanceMetric, options.distanceMetric ?? TripletDistanceMetric.EUCLIDEAN);
    this.tripletMargin = checkFinite('TripletLoss', 'tripletMargin', options.tripletMargin ?? 5);
  }

  override forward(features: Features[], labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k === 3, '3 (anchor, positive, negative)');
    return this.computeLossFromEmbeddings(this.embed(features), labels);
  }

  /** `labels` are accepted and ignored (the triplet structure defines the targets). */
  computeLossFromEmbeddings(embeddings: Tensor[], labels?: Tensor): Tensor {
    void labels;
    this.checkEmbeddings(embeddings, (k) => k === 3, '3 (anchor, positive, negative)');
    const [a, p, n] = embeddings as [Tensor, Tensor, Tensor];
    const dPos = this.distances(a, p);
    const dNeg = this.distances(a, n);
    return dPos.sub(dNeg).add(this.tripletMargin).relu().mean();
  }

  private distances(a: Tensor, b: Tensor): Tensor {
    const d = this.distanceMetric(a, b);
    check(d.ndim === 1 && d.shape[0] === a.shape[0], 'TripletLoss', 'distanceMetric', () => `must return one distance per row ([${a.shape[0]}]), got ${fmtShape(d.shape)}`);
    return d;
  }

  override getConfigDict(): Record<string, unknown> {
    return { distance_metric: this.distanceMetric.stName, triplet_margin: this.tripletMargin };
  }
}
