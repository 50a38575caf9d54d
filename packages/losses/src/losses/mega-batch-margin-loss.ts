import type { Tensor } from '@tessera/tensor';
import { diag, maskedFill, tensor, TesseraError, tidy } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import { gradCache } from '../gradcache.js';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { cosSim } from '../similarity.js';
import { checkBoolean, checkFinite, checkMiniBatchNumTokens, checkMiniBatchSize, checkOptionKeys } from './ranking-shared.js';

export interface MegaBatchMarginLossOptions {
  /** cos(anchor, positive) should exceed it. Default 0.8. */
  positiveMargin?: number;
  /** cos(anchor, hardest negative) should stay below it. Default 0.3. */
  negativeMargin?: number;
  /** GradCache (activations for one chunk at a time; same value and gradient). Default true. */
  useMiniBatchedVersion?: boolean;
  /** Rows per chunk on the mini-batched path. Default 50. */
  miniBatchSize?: number;
  /** Token budget per embedding chunk on the mini-batched path (null: use miniBatchSize). Default null. */
  miniBatchNumTokens?: number | null;
  /** Accepted for compatibility; ignored. Default false. */
  showProgressBar?: boolean;
}

const OPTION_KEYS = ['positiveMargin', 'negativeMargin', 'useMiniBatchedVersion', 'miniBatchSize', 'miniBatchNumTokens', 'showProgressBar'];

const WIETING = `@inproceedings{wieting-gimpel-2018-paranmt,
    title = "{P}ara{NMT}-50{M}: Pushing the Limits of Paraphrastic Sentence Embeddings with Millions of Machine Translations",
    author = "Wieting, John and Gimpel, Kevin",
    editor = "Gurevych, Iryna and Miyao, Yusuke",
    booktitle = "Proceedings of the 56th Annual Meeting of the Association for Computational Linguistics (Volume 1: Long Papers)",
    month = jul,
    year = "2018",
    address = "Melbourne, Australia",
    publisher = "Association for Computational Linguistics",
    url = "https://aclanthology.org/P18-1042",
    doi = "10.18653/v1/P18-1042",
    pages = "451--462",
}`;

/**
 * Σ over anchor rows [b, e) of `relu(pm − S_ii) + relu(max_{j≠i} S_ij − nm)` with `S = cosSim(a, p)`
 * (the chunk's anchors against all B positives). The max is differentiated (gradient to the first
 * arg-max); B = 1 has no negative (−∞), so its second term is 0.
 */
export function megaBatchMarginRowSum(anchors: Tensor, positives: Tensor, b: number, e: number, positiveMargin: number, negativeMargin: number): Tensor {
  return tidy(() => {
    const rows = positives.shape[0]!;
    const m = e - b;
    const s = cosSim(m === rows ? anchors : anchors.narrow(0, b, m), positives);
    const own = new Uint8Array(m * rows);
    for (let r = 0; r < m; r++) own[r * rows + b + r] = 1;
    const negatives = maskedFill(s, tensor(own, { dtype: 'bool', device: s.device, shape: [m, rows] }), -Infinity).max(1).values;
    const positiveTerm = diag(s, b).neg().add(positiveMargin).relu();
    const negativeTerm = negatives.sub(negativeMargin).relu();
    return positiveTerm.add(negativeTerm).sum();
  });
}

/**
 * MegaBatchMarginLoss (ParaNMT; sentence-transformers v6, losses.md §6), for exactly two columns
 * (anchor, positive). With `S = cosSim(a, p)` `[B, B]`, each anchor's hardest negative is the most
 * similar *other* positive, and
 * `loss = (1/B) Σ_i [ relu(positiveMargin − S_ii) + relu(max_{j≠i} S_ij − negativeMargin) ]`
 * (the max is differentiated). The mini-batched path (default) computes the same value and gradient
 * with GradCache (`cachesGradients`): chunks of `miniBatchSize` anchors against all positives, each
 * chunk's part back-propagated at once, the model replayed chunk by chunk on backward. Labels are ignored.
 */
export class MegaBatchMarginLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: '(anchor, positive) pairs; large batches (500 or more)',
    labels: 'none',
    citation: WIETING,
    relations: ['MultipleNegativesRankingLoss', 'CachedMultipleNegativesRankingLoss', 'TripletLoss'],
  };

  override readonly cachesGradients: boolean;
  readonly useMiniBatchedVersion: boolean;
  positiveMargin: number;
  negativeMargin: number;
  private _miniBatchSize: number;
  private _miniBatchNumTokens: number | null;
  /** Accepted for compatibility; Tessera shows no progress bar. */
  showProgressBar: boolean;

  constructor(model: EmbeddingModel, options: MegaBatchMarginLossOptions = {}) {
    super(model);
    const name = new.target.name;
    checkOptionKeys(name, options, OPTION_KEYS);
    this.positiveMargin = checkFinite(name, 'positiveMargin', options.positiveMargin ?? 0.8);
    this.negativeMargin = checkFinite(name, 'negativeMargin', options.negativeMargin ?? 0.3);
    this.useMiniBatchedVersion = checkBoolean(name, 'useMiniBatchedVersion', options.useMiniBatchedVersion ?? true);
    this._miniBatchSize = checkMiniBatchSize(name, options.miniBatchSize ?? 50);
    this._miniBatchNumTokens = checkMiniBatchNumTokens(name, options.miniBatchNumTokens ?? null);
    this.showProgressBar = checkBoolean(name, 'showProgressBar', options.showProgressBar ?? false);
    this.cachesGradients = this.useMiniBatchedVersion;
  }

  get miniBatchSize(): number {
    return this._miniBatchSize;
  }
  set miniBatchSize(v: number) {
    this._miniBatchSize = checkMiniBatchSize(this.constructor.name, v);
  }
  get miniBatchNumTokens(): number | null {
    return this._miniBatchNumTokens;
  }
  set miniBatchNumTokens(v: number | null) {
    this._miniBatchNumTokens = checkMiniBatchNumTokens(this.constructor.name, v);
  }
  get citation(): string {
    return WIETING;
  }

  forward(features: Features[], _labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k === 2, 'exactly 2: (anchor, positive); the hardest negatives are mined from the other rows\' positives (use CachedMultipleNegativesRankingLoss for explicit negatives)');
    if (!this.useMiniBatchedVersion) return this.computeLossFromEmbeddings(this.embed(features));
    return gradCache(this, features, (reps, b, e) => this.chunkLoss(reps, b, e), {
      miniBatchSize: this._miniBatchSize,
      miniBatchNumTokens: this._miniBatchNumTokens,
    });
  }

  /** The loss on given embeddings `[anchors, positives]` (the same function on both paths); labels are ignored. */
  computeLossFromEmbeddings(embeddings: Tensor[], _labels?: Tensor): Tensor {
    this.checkEmbeddings(embeddings, (k) => k === 2, 'exactly 2: (anchor, positive)');
    const rows = embeddings[0]!.shape[0]!;
    if (rows === 0) throw new TesseraError(this.constructor.name, 'embeddings', 'hold an empty batch (0 rows)');
    return tidy(() => megaBatchMarginRowSum(embeddings[0]!, embeddings[1]!, 0, rows, this.positiveMargin, this.negativeMargin).div(rows));
  }

  private chunkLoss(reps: Tensor[], b: number, e: number): Tensor {
    if (b === 0) this.checkEmbeddings(reps, (k) => k === 2, 'exactly 2: (anchor, positive)');
    const rows = reps[0]!.shape[0]!;
    return tidy(() => megaBatchMarginRowSum(reps[0]!, reps[1]!, b, e, this.positiveMargin, this.negativeMargin).div(rows));
  }

  /** sentence-transformers' keys (it records neither useMiniBatchedVersion nor showProgressBar). */
  override getConfigDict(): Record<string, unknown> {
    return {
      positiveMargin: this.positiveMargin,
      negativeMargin: this.negativeMargin,
      miniBatchSize: this._miniBatchSize,
      miniBatchNumTokens: this._miniBatchNumTokens,
    };
  }
}
