import type { Tensor } from '@tessera/tensor';
import { cat, diag, logsumexp, maskedFill, tensor, TesseraError, tidy, where } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { cosSim } from '../similarity.js';
import type { SimilarityFn } from '../similarity.js';
import { checkGatherAcrossDevices, checkOptionKeys, resolveSimilarityFct } from './ranking-shared.js';
import type { SimilarityOption } from './ranking-shared.js';

export type MnrlDirection = 'query_to_doc' | 'query_to_query' | 'doc_to_query' | 'doc_to_doc';
export type MnrlPartitionMode = 'joint' | 'per_direction';
export type MnrlHardnessMode = 'in_batch_negatives' | 'hard_negatives' | 'all_negatives';

export const MNRL_DIRECTIONS: readonly MnrlDirection[] = ['query_to_doc', 'query_to_query', 'doc_to_query', 'doc_to_doc'];
export const MNRL_PARTITION_MODES: readonly MnrlPartitionMode[] = ['joint', 'per_direction'];
export const MNRL_HARDNESS_MODES: readonly MnrlHardnessMode[] = ['in_batch_negatives', 'hard_negatives', 'all_negatives'];

export interface MultipleNegativesRankingLossOptions {
  /** Multiplies every similarity (1 / temperature). Default 20. */
  scale?: number;
  /** Matrix similarity `[N, D] x [M, D] -> [N, M]`. Default cosSim. */
  similarityFct?: SimilarityOption;
  /** Multi-device all-gather: not supported on a single device (true throws). Default false. */
  gatherAcrossDevices?: boolean;
  /** Similarity blocks in the softmax; must contain 'query_to_doc'. Default ['query_to_doc']. */
  directions?: readonly MnrlDirection[];
  /** One softmax over all blocks ('joint') or one per block, averaged ('per_direction'). Default 'joint'. */
  partitionMode?: MnrlPartitionMode;
  /** Which query-to-doc negatives get the hardness penalty. Default null (none). */
  hardnessMode?: MnrlHardnessMode | null;
  /** α of the penalty `α · detach(sim)` added to those logits (not scaled). Default 0. */
  hardnessStrength?: number;
}

/** What the block construction reads from a loss (an MNRL, or the inner MNRL of a cached loss). */
export interface MnrlSettings {
  readonly scale: number;
  readonly similarityFct: SimilarityFn;
  readonly directions: readonly MnrlDirection[];
  readonly partitionMode: MnrlPartitionMode;
  readonly hardnessMode: MnrlHardnessMode | null;
  readonly hardnessStrength: number;
}

/** `[rows, cols]` bool mask with `pred(i, c)` for anchor row `i = b + r` and candidate column `c`. */
function rowMask(b: number, rows: number, cols: number, device: Tensor['device'], pred: (i: number, c: number) => boolean): Tensor {
  const data = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (pred(b + r, c)) data[r * cols + c] = 1;
  return tensor(data, { dtype: 'bool', device, shape: [rows, cols] });
}

/**
 * The per-anchor losses `ℓ_i` of MultipleNegativesRankingLoss (losses.md §1) for anchor rows `[b, e)`
 * against **all** candidates: `reps[0]` the anchors `q`, `reps[1]` the positives `p`, `reps[2…]`
 * hard-negative columns (`C = cat(reps[1…])`, column `c` belongs to row `c mod B`). Builds, in this
 * order, the selected blocks QD (anchors × docs, plus the detached hardness penalty), QQ (anchors ×
 * anchors, own entry −∞), DQ (positives × anchors) and DD (positives × docs, own docs −∞), and returns
 * `logZ_i − scale·QD[i, i]` `[e − b]`, `logZ` being the joint or the per-direction-averaged logsumexp.
 * The whole-batch loss (MNRL) is the mean over `[0, B)`; the cached loss sums chunks ÷ B.
 */
export function mnrlRowLosses(s: MnrlSettings, reps: readonly Tensor[], b: number, e: number): Tensor {
  return tidy(() => {
    const q = reps[0]!;
    const p = reps[1]!;
    const B = q.shape[0]!;
    const m = e - b;
    const device = q.device;
    const docs = reps.length === 2 ? p : cat(reps.slice(1), 0);
    const nDocs = docs.shape[0]!;
    const qc = m === B ? q : q.narrow(0, b, m);
    const pc = m === B ? p : p.narrow(0, b, m);
    const sim = s.similarityFct;
    const want = new Set(s.directions);

    const qd = sim(qc, docs);
    let qdLogits = qd.mul(s.scale);
    if (s.hardnessMode !== null && s.hardnessStrength > 0) {
      const mode = s.hardnessMode;
      const keep = rowMask(b, m, nDocs, device, (i, c) =>
        mode === 'in_batch_negatives' ? c % B !== i : mode === 'hard_negatives' ? c >= B && c % B === i : c !== i,
      );
      qdLogits = qdLogits.add(where(keep, qd.detach().mul(s.hardnessStrength), 0));
    }
    const blocks: Tensor[] = [qdLogits];
    if (want.has('query_to_query')) {
      blocks.push(maskedFill(sim(qc, q).mul(s.scale), rowMask(b, m, B, device, (i, c) => c === i), -Infinity));
    }
    if (want.has('doc_to_query')) blocks.push(sim(q, pc).T.mul(s.scale));
    if (want.has('doc_to_doc')) {
      blocks.push(maskedFill(sim(docs, pc).T.mul(s.scale), rowMask(b, m, nDocs, device, (i, c) => c % B === i), -Infinity));
    }
    const positive = diag(qdLogits, b);
    const logZ =
      s.partitionMode === 'joint' || blocks.length === 1
        ? logsumexp(blocks.length === 1 ? qdLogits : cat(blocks, 1), 1)
        : blocks.map((x) => logsumexp(x, 1)).reduce((acc, x) => acc.add(x)).div(blocks.length);
    return logZ.sub(positive);
  });
}

const OORD = `@misc{oord2019representationlearningcontrastivepredictive,
      title={Representation Learning with Contrastive Predictive Coding},
      author={Aaron van den Oord and Yazhe Li and Oriol Vinyals},
      year={2019},
      eprint={1807.03748},
      archivePrefix={arXiv},
      primaryClass={cs.LG},
      url={https://arxiv.org/abs/1807.03748},
}`;
const GTE = `@misc{li2023generaltextembeddingsmultistage,
      title={Towards General Text Embeddings with Multi-stage Contrastive Learning},
      author={Zehan Li and Xin Zhang and Yanzhao Zhang and Dingkun Long and Pengjun Xie and Meishan Zhang},
      year={2023},
      eprint={2308.03281},
      archivePrefix={arXiv},
      primaryClass={cs.CL},
      url={https://arxiv.org/abs/2308.03281},
}`;
const JINA = `@misc{günther2024jinaembeddings28192token,
      title={Jina Embeddings 2: 8192-Token General-Purpose Text Embeddings for Long Documents},
      author={Michael Günther and Jackmin Ong and Isabelle Mohr and Alaeddine Abdessalem and Tanguy Abel and Mohammad Kalim Akram and Susana Guzman and Georgios Mastrapas and Saba Sturua and Bo Wang and Maximilian Werk and Nan Wang and Han Xiao},
      year={2024},
      eprint={2310.19923},
      archivePrefix={arXiv},
      primaryClass={cs.CL},
      url={https://arxiv.org/abs/2310.19923},
}`;

/** The citation sentence-transformers gives for a direction/partition preset. */
export function mnrlCitation(directions: readonly MnrlDirection[], partitionMode: MnrlPartitionMode): string {
  const set = new Set(directions);
  if (set.size === 4 && partitionMode === 'joint') return GTE;
  if (set.size === 2 && set.has('query_to_doc') && set.has('doc_to_query') && partitionMode === 'per_direction') return JINA;
  return OORD;
}

export const MNRL_OPTION_KEYS = ['scale', 'similarityFct', 'gatherAcrossDevices', 'directions', 'partitionMode', 'hardnessMode', 'hardnessStrength'] as const;

function checkScale(loss: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new TesseraError(loss, 'scale', `must be a positive finite number, got ${String(v)}`);
  return v;
}

function checkDirections(loss: string, v: unknown): readonly MnrlDirection[] {
  if (!Array.isArray(v) || v.length === 0) throw new TesseraError(loss, 'directions', `must be a non-empty list of ${MNRL_DIRECTIONS.join(', ')}`);
  const bad = v.filter((d) => !MNRL_DIRECTIONS.includes(d as MnrlDirection));
  if (bad.length > 0) throw new TesseraError(loss, 'directions', `holds invalid direction(s) ${bad.map(String).join(', ')}; valid: ${MNRL_DIRECTIONS.join(', ')}`);
  if (!v.includes('query_to_doc')) throw new TesseraError(loss, 'directions', `must include 'query_to_doc' (it holds the positive pair), got ${v.join(', ')}`);
  return Object.freeze([...(v as MnrlDirection[])]);
}

function checkPartitionMode(loss: string, v: unknown, directions: readonly MnrlDirection[]): MnrlPartitionMode {
  if (!MNRL_PARTITION_MODES.includes(v as MnrlPartitionMode)) throw new TesseraError(loss, 'partitionMode', `must be 'joint' or 'per_direction', got ${String(v)}`);
  if (v === 'per_direction' && (directions.includes('query_to_query') || directions.includes('doc_to_doc'))) {
    throw new TesseraError(
      loss,
      'partitionMode',
      "'per_direction' needs every direction's candidates to include the positive; 'query_to_query' and 'doc_to_doc' never do. Use 'joint' with those directions",
    );
  }
  return v as MnrlPartitionMode;
}

function checkHardnessMode(loss: string, v: unknown): MnrlHardnessMode | null {
  if (v === null || v === undefined) return null;
  if (!MNRL_HARDNESS_MODES.includes(v as MnrlHardnessMode)) throw new TesseraError(loss, 'hardnessMode', `must be null or one of ${MNRL_HARDNESS_MODES.join(', ')}, got ${String(v)}`);
  return v as MnrlHardnessMode;
}

function checkHardnessStrength(loss: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new TesseraError(loss, 'hardnessStrength', `must be a non-negative finite number, got ${String(v)}`);
  return v;
}

/**
 * MultipleNegativesRankingLoss (InfoNCE with in-batch negatives; sentence-transformers v6, losses.md §1).
 * For (anchor, positive, [negative_1 … negative_n]) columns with embeddings `q = E_0`, `p = E_1` and
 * candidate docs `C = cat(E_1, …, E_{K−1})`, each anchor *i* scores its positive against every doc:
 * `ℓ_i = logsumexp_c(s·sim(q_i, C_c) + H_ic) − s·sim(q_i, p_i)`, `loss = mean_i ℓ_i` — with the
 * defaults exactly `CE(scale · sim(q, C), arange(B))`. Optional `directions` add query–query,
 * doc–query and doc–doc blocks (own entries −∞), joined in one softmax (`'joint'`) or averaged over
 * per-block softmaxes (`'per_direction'`); `hardnessMode` adds `H = α · detach(sim(q_i, C_c))` to the
 * selected negatives' logits (Lan et al. 2025; EmbeddingGemma). Labels are ignored.
 */
export class MultipleNegativesRankingLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: '(anchor, positive) pairs, (anchor, positive, negative) triplets or (anchor, positive, negative_1, …, negative_n)',
    labels: 'none',
    citation: OORD,
    relations: ['CachedMultipleNegativesRankingLoss', 'MultipleNegativesSymmetricRankingLoss', 'GISTEmbedLoss', 'MegaBatchMarginLoss'],
  };

  /** Name used in errors and warnings (the wrapping cached loss's, for an inner MNRL). */
  private readonly lossName: string;
  private _scale: number;
  private _similarityFct: SimilarityFn;
  private _gatherAcrossDevices: boolean;
  private _directions: readonly MnrlDirection[];
  private _partitionMode: MnrlPartitionMode;
  private _hardnessMode: MnrlHardnessMode | null;
  private _hardnessStrength: number;

  /** `owner` (internal): the class name of a cached loss that holds this MNRL for its hyper-parameters. */
  constructor(model: EmbeddingModel, options: MultipleNegativesRankingLossOptions = {}, owner?: string) {
    super(model);
    const name = owner ?? new.target.name;
    this.lossName = name;
    checkOptionKeys(name, options, MNRL_OPTION_KEYS);
    this._scale = checkScale(name, options.scale ?? 20.0);
    this._similarityFct = resolveSimilarityFct(name, options.similarityFct ?? cosSim);
    this._gatherAcrossDevices = checkGatherAcrossDevices(name, options.gatherAcrossDevices ?? false);
    this._directions = checkDirections(name, options.directions ?? ['query_to_doc']);
    this._partitionMode = checkPartitionMode(name, options.partitionMode ?? 'joint', this._directions);
    this._hardnessMode = checkHardnessMode(name, options.hardnessMode);
    this._hardnessStrength = checkHardnessStrength(name, options.hardnessStrength ?? 0.0);
    if (this._hardnessMode !== null && this._hardnessStrength === 0) {
      console.warn(
        `${name}: hardnessMode='${this._hardnessMode}' is set but hardnessStrength is 0, so hardness weighting has no effect. ` +
          'Set hardnessStrength to a positive value to enable it.',
      );
    }
  }

  get scale(): number {
    return this._scale;
  }
  set scale(v: number) {
    this._scale = checkScale(this.lossName, v);
  }
  /** 1 / scale. */
  get temperature(): number {
    return 1 / this._scale;
  }
  get similarityFct(): SimilarityFn {
    return this._similarityFct;
  }
  set similarityFct(v: SimilarityOption) {
    this._similarityFct = resolveSimilarityFct(this.lossName, v);
  }
  get gatherAcrossDevices(): boolean {
    return this._gatherAcrossDevices;
  }
  set gatherAcrossDevices(v: boolean) {
    this._gatherAcrossDevices = checkGatherAcrossDevices(this.lossName, v);
  }
  get directions(): readonly MnrlDirection[] {
    return this._directions;
  }
  set directions(v: readonly MnrlDirection[]) {
    const d = checkDirections(this.lossName, v);
    checkPartitionMode(this.lossName, this._partitionMode, d);
    this._directions = d;
  }
  get partitionMode(): MnrlPartitionMode {
    return this._partitionMode;
  }
  set partitionMode(v: MnrlPartitionMode) {
    this._partitionMode = checkPartitionMode(this.lossName, v, this._directions);
  }
  get hardnessMode(): MnrlHardnessMode | null {
    return this._hardnessMode;
  }
  set hardnessMode(v: MnrlHardnessMode | null) {
    this._hardnessMode = checkHardnessMode(this.lossName, v);
  }
  get hardnessStrength(): number {
    return this._hardnessStrength;
  }
  set hardnessStrength(v: number) {
    this._hardnessStrength = checkHardnessStrength(this.lossName, v);
  }
  /** The reference for the configured preset (van den Oord et al.; Günther et al. for the symmetric one; Li et al. for GTE). */
  get citation(): string {
    return mnrlCitation(this._directions, this._partitionMode);
  }

  forward(features: Features[], labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k >= 2, 'at least 2: (anchor, positive, [negative_1 … negative_n])');
    return this.computeLossFromEmbeddings(this.embed(features), labels);
  }

  /** The loss on given column embeddings `[E_0, E_1, …]` (each `[B, D]`); labels are ignored. */
  computeLossFromEmbeddings(embeddings: Tensor[], _labels?: Tensor): Tensor {
    this.checkEmbeddings(embeddings, (k) => k >= 2, 'at least 2: (anchor, positive, [negative_1 … negative_n])');
    const rows = embeddings[0]!.shape[0]!;
    if (rows === 0) throw new TesseraError(this.lossName, 'embeddings', 'hold an empty batch (0 rows)');
    return tidy(() => mnrlRowLosses(this, embeddings, 0, rows).mean());
  }

  override getConfigDict(): Record<string, unknown> {
    return {
      scale: this._scale,
      similarityFct: this._similarityFct.stName,
      gatherAcrossDevices: this._gatherAcrossDevices,
      directions: [...this._directions],
      partitionMode: this._partitionMode,
      hardnessMode: this._hardnessMode,
      hardnessStrength: this._hardnessStrength,
    };
  }
}
