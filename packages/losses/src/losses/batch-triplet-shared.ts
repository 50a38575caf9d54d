/**
 * What the four batch triplet losses share (losses.md §14–17): options (`distanceMetric`, `margin`),
 * the one-column forward, label checks, the `[B, B]` label masks and the config. Each loss only
 * supplies `tripletLoss(labels, embeddings)`.
 */
import type { Tensor } from '@tessera/tensor';
import { arange, check, fmtShape, isFloat, TesseraError } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import { BatchHardTripletLossDistanceFunction, resolveDistance } from '../distances.js';
import type { MatrixDistanceFn } from '../distances.js';
import { Loss } from '../loss.js';
import type { EmbeddingModel } from '../model.js';

/** A distance `E [B, D] -> [B, B]`: a member of BatchHardTripletLossDistanceFunction, its name, or any function. */
export type BatchDistanceOption = MatrixDistanceFn | keyof typeof BatchHardTripletLossDistanceFunction | ((embeddings: Tensor) => Tensor);

export interface BatchTripletLossOptions {
  /** [distance_metric] `E [B, D] -> D [B, B]`. Default `BatchHardTripletLossDistanceFunction.euclidean_distance`. */
  distanceMetric?: BatchDistanceOption;
  /** [margin] How much farther than the positive a negative must be. Default 5. */
  margin?: number;
}

/** Throws for an options value that is not a plain object or holds a key outside `allowed`. */
export function checkOptionNames(op: string, options: unknown, allowed: readonly string[]): void {
  check(options !== null && typeof options === 'object' && !Array.isArray(options), op, 'options', () => `must be an object of options (${allowed.join(', ')}), got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  for (const key of Object.keys(options as object)) {
    if (!allowed.includes(key)) throw new TesseraError(op, key, `is not an option of ${op} (options: ${allowed.join(', ')})`);
  }
}

/** The function's sentence-transformers `__name__`: `euclidean_distance`, `cosine_distance`, or a custom function's name. */
function metricName(fn: MatrixDistanceFn): string {
  const dot = fn.stName.lastIndexOf('.');
  return dot >= 0 ? fn.stName.slice(dot + 1) : fn.stName;
}

/**
 * Base of BatchAll / BatchHard / BatchHardSoftMargin / BatchSemiHard: one text column plus one
 * class label per row; the model is called once, `E = model(features[0]).sentenceEmbedding`.
 */
export abstract class BatchTripletLoss extends Loss {
  readonly distanceMetric: MatrixDistanceFn;
  readonly margin: number;

  constructor(model: EmbeddingModel, options: BatchTripletLossOptions, allowed: readonly string[] = ['distanceMetric', 'margin']) {
    super(model);
    const op = new.target.name;
    checkOptionNames(op, options, allowed);
    this.distanceMetric = resolveDistance<MatrixDistanceFn>(op, BatchHardTripletLossDistanceFunction as unknown as Record<string, MatrixDistanceFn>, options.distanceMetric ?? BatchHardTripletLossDistanceFunction.euclidean_distance);
    const margin = options.margin ?? 5;
    check(typeof margin === 'number' && Number.isFinite(margin), op, 'margin', () => `must be a finite number, got ${String(margin)}`);
    this.margin = margin;
  }

  /** [triplet_margin] sentence-transformers' attribute name for the margin. */
  get tripletMargin(): number {
    return this.margin;
  }

  override forward(features: Features[], labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k === 1, '1 (one text column; the class goes in the label column)');
    const y = this.requireLabels(labels, 'one integer class label per row');
    return this.computeLossFromEmbeddings(this.embed(features), y);
  }

  /** The loss on given embeddings: `embeddings = [E]` with `E [B, D]`, `labels` one class per row (`[B]` or `[B, 1]`). */
  computeLossFromEmbeddings(embeddings: Tensor[], labels?: Tensor): Tensor {
    const op = this.constructor.name;
    this.checkEmbeddings(embeddings, (k) => k === 1, '1 ([E], E of shape [batch, dim])');
    const e = embeddings[0]!;
    check(isFloat(e.dtype), op, 'embeddings[0]', () => `must be float, got ${e.dtype}`);
    const rows = e.shape[0]!;
    const y = this.requireLabels(labels, 'one integer class label per row');
    check(y.ndim >= 1 && y.shape[0] === rows && y.numel === rows, op, 'labels', () => `have shape ${fmtShape(y.shape)}; expected one class label per row: [${rows}] (or [${rows}, 1])`);
    check(y.dtype !== 'bool', op, 'labels', () => 'must be class ids (int32 or float), got bool');
    let flat = y.ndim === 1 ? y : y.reshape([rows]);
    if (flat.device !== e.device) {
      if (flat.device !== 'cpu') throw new TesseraError(op, 'labels', `are on ${flat.device} but the embeddings are on ${e.device}`);
      flat = flat.to(e.device);
    }
    return this.tripletLoss(flat, e);
  }

  /** Distances `[B, B]` from the configured metric, checked for shape. */
  protected distances(embeddings: Tensor): Tensor {
    const d = this.distanceMetric(embeddings);
    const b = embeddings.shape[0]!;
    check(d.ndim === 2 && d.shape[0] === b && d.shape[1] === b, this.constructor.name, 'distanceMetric', () => `must return a [${b}, ${b}] distance matrix, got ${fmtShape(d.shape)}`);
    return d;
  }

  /** The loss for labels `[B]` (on the embeddings' device) and embeddings `[B, D]`. */
  protected abstract tripletLoss(labels: Tensor, embeddings: Tensor): Tensor;

  override getConfigDict(): Record<string, unknown> {
    return { distanceMetric: metricName(this.distanceMetric), margin: this.margin };
  }

  /** `[B, B]` bool: `labels[i] == labels[j]` (diagonal included). */
  static labelsEqual(labels: Tensor): Tensor {
    return labels.unsqueeze(0).eq(labels.unsqueeze(1));
  }

  /** `[B, B]` bool: `i != j`. */
  static indicesNotEqual(rows: number, device: Tensor['device']): Tensor {
    const i = arange(0, rows, 1, { device });
    return i.unsqueeze(0).ne(i.unsqueeze(1));
  }

  /** `pos[a, p]`: same label and `a != p` (sentence-transformers' get_anchor_positive_triplet_mask). */
  static anchorPositiveMask(labels: Tensor): Tensor {
    return BatchTripletLoss.labelsEqual(labels).logicalAnd(BatchTripletLoss.indicesNotEqual(labels.shape[0]!, labels.device));
  }

  /** `neg[a, n]`: different labels (get_anchor_negative_triplet_mask). */
  static anchorNegativeMask(labels: Tensor): Tensor {
    return BatchTripletLoss.labelsEqual(labels).logicalNot();
  }

  /** `trip[a, p, n] = pos[a, p] ∧ neg[a, n]` `[B, B, B]` (a, p, n are then distinct; get_triplet_mask). */
  static tripletMask(labels: Tensor): Tensor {
    return BatchTripletLoss.anchorPositiveMask(labels).unsqueeze(2).logicalAnd(BatchTripletLoss.anchorNegativeMask(labels).unsqueeze(1));
  }
}

/** Citation shared by BatchHard / BatchAll / BatchHardSoftMargin / BatchSemiHard (as in sentence-transformers). */
export const HERMANS_2017 = `@misc{hermans2017defense,
    title={In Defense of the Triplet Loss for Person Re-Identification},
    author={Alexander Hermans and Lucas Beyer and Bastian Leibe},
    year={2017},
    eprint={1703.07737},
    archivePrefix={arXiv},
    primaryClass={cs.CV}
}`;
