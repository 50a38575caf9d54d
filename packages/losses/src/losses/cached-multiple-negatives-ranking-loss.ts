import type { Tensor } from '@tessera/tensor';
import { tidy } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import { gradCache } from '../gradcache.js';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import type { SimilarityFn } from '../similarity.js';
import { MNRL_OPTION_KEYS, mnrlRowLosses, MultipleNegativesRankingLoss } from './multiple-negatives-ranking-loss.js';
import type { MnrlDirection, MnrlHardnessMode, MnrlPartitionMode, MultipleNegativesRankingLossOptions } from './multiple-negatives-ranking-loss.js';
import { checkBoolean, checkMiniBatchNumTokens, checkMiniBatchSize, checkOptionKeys } from './ranking-shared.js';
import type { SimilarityOption } from './ranking-shared.js';

export interface CachedMultipleNegativesRankingLossOptions extends MultipleNegativesRankingLossOptions {
  /** Rows per chunk, for embedding and for the loss step. Default 32. */
  miniBatchSize?: number;
  /** Token budget per embedding chunk instead of a row count (null: use miniBatchSize). Default null. */
  miniBatchNumTokens?: number | null;
  /** Accepted for compatibility; ignored. Default false. */
  showProgressBar?: boolean;
}

const COLUMNS = 'at least 2: (anchor, positive, [negative_1 … negative_n])';

const GAO = `@misc{gao2021scaling,
    title={Scaling Deep Contrastive Learning Batch Size under Memory Limited Setup},
    author={Luyu Gao and Yunyi Zhang and Jiawei Han and Jamie Callan},
    year={2021},
    eprint={2101.06983},
    archivePrefix={arXiv},
    primaryClass={cs.LG}
}`;

/**
 * CachedMultipleNegativesRankingLoss (losses.md §2): MultipleNegativesRankingLoss — every option —
 * computed with GradCache (§G) so that model activations are held for one chunk of `miniBatchSize`
 * rows (or `miniBatchNumTokens` tokens) at a time, whatever the batch size. For anchor chunk `[b, e)`
 * the chunk's rows of every selected block are built against all candidates and
 * `ℓ_chunk = (1/B) Σ_{i∈[b,e)} (logZ_i − scale·sim(q_i, p_i))` is back-propagated at once into the
 * cached embeddings; `Σ ℓ_chunk` is the MNRL mean, and the backward of the returned value replays each
 * chunk through the model (same dropout masks) to reach the parameters. Value and gradients equal
 * MNRL's on the same embeddings. The hyper-parameters live on an inner MNRL (`this.mnrl`); reading or
 * assigning `scale`, `directions`, … here reaches it. Labels are ignored.
 */
export class CachedMultipleNegativesRankingLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: '(anchor, positive) pairs, (anchor, positive, negative) triplets or (anchor, positive, negative_1, …, negative_n)',
    labels: 'none',
    citation: GAO,
    relations: ['MultipleNegativesRankingLoss', 'CachedGISTEmbedLoss', 'CachedMultipleNegativesSymmetricRankingLoss'],
  };

  override readonly cachesGradients = true;
  /** The loss whose hyper-parameters and block construction this cached loss uses (not a child module: it shares `model`). */
  readonly mnrl: MultipleNegativesRankingLoss;
  private _miniBatchSize: number;
  private _miniBatchNumTokens: number | null;
  /** Accepted for compatibility; Tessera shows no progress bar. */
  showProgressBar: boolean;

  constructor(model: EmbeddingModel, options: CachedMultipleNegativesRankingLossOptions = {}) {
    super(model);
    const name = new.target.name;
    checkOptionKeys(name, options, [...MNRL_OPTION_KEYS, 'miniBatchSize', 'miniBatchNumTokens', 'showProgressBar']);
    const { miniBatchSize, miniBatchNumTokens, showProgressBar, ...mnrlOptions } = options;
    this._miniBatchSize = checkMiniBatchSize(name, miniBatchSize ?? 32);
    this._miniBatchNumTokens = checkMiniBatchNumTokens(name, miniBatchNumTokens ?? null);
    this.showProgressBar = checkBoolean(name, 'showProgressBar', showProgressBar ?? false);
    this.mnrl = new MultipleNegativesRankingLoss(model, mnrlOptions, name);
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

  get scale(): number {
    return this.mnrl.scale;
  }
  set scale(v: number) {
    this.mnrl.scale = v;
  }
  get temperature(): number {
    return this.mnrl.temperature;
  }
  get similarityFct(): SimilarityFn {
    return this.mnrl.similarityFct;
  }
  set similarityFct(v: SimilarityOption) {
    this.mnrl.similarityFct = v;
  }
  get gatherAcrossDevices(): boolean {
    return this.mnrl.gatherAcrossDevices;
  }
  set gatherAcrossDevices(v: boolean) {
    this.mnrl.gatherAcrossDevices = v;
  }
  get directions(): readonly MnrlDirection[] {
    return this.mnrl.directions;
  }
  set directions(v: readonly MnrlDirection[]) {
    this.mnrl.directions = v;
  }
  get partitionMode(): MnrlPartitionMode {
    return this.mnrl.partitionMode;
  }
  set partitionMode(v: MnrlPartitionMode) {
    this.mnrl.partitionMode = v;
  }
  get hardnessMode(): MnrlHardnessMode | null {
    return this.mnrl.hardnessMode;
  }
  set hardnessMode(v: MnrlHardnessMode | null) {
    this.mnrl.hardnessMode = v;
  }
  get hardnessStrength(): number {
    return this.mnrl.hardnessStrength;
  }
  set hardnessStrength(v: number) {
    this.mnrl.hardnessStrength = v;
  }
  get citation(): string {
    return GAO;
  }

  forward(features: Features[], _labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k >= 2, COLUMNS);
    return gradCache(this, features, (reps, b, e) => this.chunkLoss(reps, b, e), {
      miniBatchSize: this._miniBatchSize,
      miniBatchNumTokens: this._miniBatchNumTokens,
    });
  }

  /** The value on given column embeddings (= MultipleNegativesRankingLoss's); labels are ignored. */
  computeLossFromEmbeddings(embeddings: Tensor[], labels?: Tensor): Tensor {
    this.checkEmbeddings(embeddings, (k) => k >= 2, COLUMNS);
    return this.mnrl.computeLossFromEmbeddings(embeddings, labels);
  }

  /** GradCache step 2: anchor rows [b, e) against all candidates, weighted so that the chunks sum to the mean. */
  private chunkLoss(reps: Tensor[], b: number, e: number): Tensor {
    if (b === 0) this.checkEmbeddings(reps, (k) => k >= 2, COLUMNS);
    const rows = reps[0]!.shape[0]!;
    return tidy(() => mnrlRowLosses(this.mnrl, reps, b, e).sum().div(rows));
  }

  override getConfigDict(): Record<string, unknown> {
    const inner = this.mnrl.getConfigDict();
    return {
      scale: inner.scale,
      similarityFct: inner.similarityFct,
      miniBatchSize: this._miniBatchSize,
      miniBatchNumTokens: this._miniBatchNumTokens,
      gatherAcrossDevices: inner.gatherAcrossDevices,
      directions: inner.directions,
      partitionMode: inner.partitionMode,
      hardnessMode: inner.hardnessMode,
      hardnessStrength: inner.hardnessStrength,
    };
  }
}
