import type { Generator, Tensor } from '@tessera/tensor';
import { cast, check, fmtShape, mseLoss, stack, TesseraError } from '@tessera/tensor';
import type { Features, Linear } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { checkOptions, checkPositiveInt, labelsOn, ownedLinear } from './pair-utils.js';

export interface MSELossOptions {
  /**
   * [projection_dim] When set, a trainable `Linear(D → projectionDim)` (owned by the loss, named
   * `projection`) maps every student embedding into the teacher's width first. Default null.
   */
  projectionDim?: number | null;
  /** Tessera: source of the projection's initial values (default: the global generator, seeded by manualSeed). */
  generator?: Generator;
}

/**
 * MSELoss (embedding distillation, Reimers & Gurevych 2020): regresses each column's student
 * embedding onto precomputed teacher embeddings.
 *
 * `Ŝ_k = projection(E_k)` (or `E_k`); `loss = mean_k MSE(Ŝ_k, Y_k)`, where MSE averages over all
 * `B·D_t` elements and `Y_k` is the shared teacher matrix `labels [B, D_t]` or the per-column slice
 * `labels[:, k]` of `labels [B, K, D_t]` (K = number of text columns). With shared labels this
 * equals one MSE over the row-concatenation of the columns against the labels repeated K times.
 * Labels are detached and cast to the student's dtype.
 *
 * The projection (only with `projectionDim`) is created with PyTorch's default init from
 * `generator`, on the model's device, with the model's float dtype; it trains with the model but is
 * not part of it. Inputs: 1…K text columns; labels required.
 * `computeLossFromEmbeddings(embeddings, labels)` takes the raw labels or, as sentence-transformers
 * does, the list of per-column teacher embeddings. Config: `{ projection_dim }`.
 */
export class MSELoss extends Loss {
  static readonly info: LossInfo = {
    inputs: 'sentence | sentence_1, sentence_2, ..., sentence_N',
    labels: 'teacher sentence embeddings [B, D] (shared) or [B, N, D] (per column)',
    citation: '@inproceedings{reimers-2020-multilingual-sentence-bert, title = "Making Monolingual Sentence Embeddings Multilingual using Knowledge Distillation", author = "Reimers, Nils and Gurevych, Iryna", booktitle = "Proceedings of the 2020 Conference on Empirical Methods in Natural Language Processing", month = "11", year = "2020", publisher = "Association for Computational Linguistics", url = "https://arxiv.org/abs/2004.09813"}',
    relations: ['MarginMSELoss'],
  };

  readonly projectionDim: number | null;
  readonly projection: Linear | null = null;

  constructor(model: EmbeddingModel, options: MSELossOptions = {}) {
    super(model);
    checkOptions('MSELoss', options, ['projectionDim', 'generator']);
    this.projectionDim = options.projectionDim === undefined || options.projectionDim === null ? null : checkPositiveInt('MSELoss', 'projectionDim', options.projectionDim);
    if (this.projectionDim !== null) {
      const width = typeof model.getEmbeddingDimension === 'function' ? model.getEmbeddingDimension() : null;
      if (typeof width !== 'number') throw new TesseraError('MSELoss', 'projectionDim', "needs the student's embedding width, but the model has no getEmbeddingDimension()");
      this.projection = this.child('projection', ownedLinear(model, width, this.projectionDim, options.generator));
    }
  }

  override forward(features: Features[], labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k >= 1, 'at least 1');
    const y = this.requireLabels(labels, 'teacher embeddings [batch, teacherDim] or [batch, columns, teacherDim]');
    return this.computeLossFromEmbeddings(this.embed(features), y);
  }

  computeLossFromEmbeddings(embeddings: Tensor[], labels?: Tensor | Tensor[]): Tensor {
    this.checkEmbeddings(embeddings, (k) => k >= 1, 'at least 1');
    if (labels === undefined) this.requireLabels(labels, 'teacher embeddings [batch, teacherDim] or [batch, columns, teacherDim]');
    const teachers = this.teacherColumns(embeddings, labels!);
    const losses = embeddings.map((e, k) => {
      let student = e;
      if (this.projection) {
        check(e.shape[1] === this.projection.inFeatures, 'MSELoss', 'embeddings', () => `have width ${e.shape[1]} but the projection expects ${this.projection!.inFeatures}`);
        student = this.projection.forward(e);
      }
      const target = cast(labelsOn('MSELoss', teachers[k]!, student), student.dtype);
      check(target.shape[1] === student.shape[1], 'MSELoss', 'labels', () =>
        `have teacher width ${target.shape[1]} but the student embeddings${this.projection ? ' (after projection)' : ''} have width ${student.shape[1]}${this.projection ? '' : '; set projectionDim to map them'}`,
      );
      return mseLoss(student, target);
    });
    return losses.length === 1 ? losses[0]! : stack(losses).mean();
  }

  /** One detached `[B, D_t]` teacher matrix per column. */
  private teacherColumns(embeddings: Tensor[], labels: Tensor | Tensor[]): Tensor[] {
    const k = embeddings.length;
    const rows = embeddings[0]!.shape[0]!;
    const rowsOk = (t: Tensor, arg: string): void => check(t.shape[0] === rows, 'MSELoss', arg, () => `have ${t.shape[0]} rows but the batch has ${rows} (shape ${fmtShape(t.shape)})`);
    if (Array.isArray(labels)) {
      check(labels.length === k, 'MSELoss', 'labels', () => `hold ${labels.length} teacher matrices for ${k} column(s)`);
      return labels.map((t, i) => {
        check(t.ndim === 2, 'MSELoss', `labels[${i}]`, () => `must be [batch, teacherDim], got ${fmtShape(t.shape)}`);
        rowsOk(t, `labels[${i}]`);
        return t.detach();
      });
    }
    rowsOk(labels, 'labels');
    if (labels.ndim === 2) return new Array<Tensor>(k).fill(labels.detach());
    if (labels.ndim === 3) {
      check(labels.shape[1] === k, 'MSELoss', 'labels', () => `have ${labels.shape[1]} teacher columns (shape ${fmtShape(labels.shape)}) but there are ${k} text column(s); pass [batch, ${k}, teacherDim], or [batch, teacherDim] to share one teacher embedding across columns`);
      const y = labels.detach();
      return Array.from({ length: k }, (_, i) => y.narrow(1, i, 1).reshape([rows, labels.shape[2]!]));
    }
    throw new TesseraError('MSELoss', 'labels', `have shape ${fmtShape(labels.shape)}; expected [batch, teacherDim] (shared by every column) or [batch, ${k}, teacherDim] (one per column)`);
  }

  override getConfigDict(): Record<string, unknown> {
    return { projection_dim: this.projectionDim };
  }
}
