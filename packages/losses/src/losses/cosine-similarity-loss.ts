import type { Tensor } from '@tessera/tensor';
import { mseLoss } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { torchCosine } from '../similarity.js';
import { checkOptions, requireFn, rowLabels, stNameOf } from './pair-utils.js';

/** A regression loss `(prediction [B], target [B]) -> scalar`, as a function or a module with that forward. */
export type RegressionLossFn = ((input: Tensor, target: Tensor) => Tensor) | { forward(input: Tensor, target: Tensor): Tensor };
/** An elementwise transform of the cosine scores, as a function or a module with that forward. */
export type ScoreTransformation = ((scores: Tensor) => Tensor) | { forward(scores: Tensor): Tensor };

export interface CosineSimilarityLossOptions {
  /** [loss_fct] Compares the (transformed) cosine scores with the labels. Default: mean squared error. */
  lossFct?: RegressionLossFn;
  /** [cos_score_transformation] Applied to the cosine scores first. Default: identity. */
  cosScoreTransformation?: ScoreTransformation;
}

const MSE = Object.assign((input: Tensor, target: Tensor): Tensor => mseLoss(input, target), { stName: 'torch.nn.modules.loss.MSELoss' });
const IDENTITY = Object.assign((scores: Tensor): Tensor => scores, { stName: 'torch.nn.modules.linear.Identity' });

/**
 * CosineSimilarityLoss: regresses the cosine similarity of each pair onto its float label.
 *
 * `s_i = cos(u_i, v_i)` (torch's cosine_similarity, each side over `max(‖x‖, 1e-8)`);
 * `loss = lossFct(cosScoreTransformation(s), y)`, by default `mean_i (s_i − y_i)²`.
 *
 * Inputs: exactly two columns `(sentence_A, sentence_B)` and one float label per pair (the target
 * score, usually in [0, 1]). The config records the full names of the loss function and the
 * transformation (`torch.nn.modules.loss.MSELoss`, `torch.nn.modules.linear.Identity` by default;
 * otherwise a function's `stName`, else its name).
 */
export class CosineSimilarityLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: '(sentence_A, sentence_B) pairs',
    labels: 'float similarity score',
    relations: ['CoSENTLoss', 'AnglELoss'],
  };

  readonly lossFct: RegressionLossFn;
  readonly cosScoreTransformation: ScoreTransformation;

  constructor(model: EmbeddingModel, options: CosineSimilarityLossOptions = {}) {
    super(model);
    checkOptions('CosineSimilarityLoss', options, ['lossFct', 'cosScoreTransformation']);
    this.lossFct = requireFn('CosineSimilarityLoss', 'lossFct', options.lossFct ?? MSE);
    this.cosScoreTransformation = requireFn('CosineSimilarityLoss', 'cosScoreTransformation', options.cosScoreTransformation ?? IDENTITY);
  }

  override forward(features: Features[], labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k === 2, '2 (sentence_A, sentence_B)');
    const y = this.requireLabels(labels, 'one float score per pair');
    return this.computeLossFromEmbeddings(this.embed(features), y);
  }

  computeLossFromEmbeddings(embeddings: Tensor[], labels?: Tensor): Tensor {
    this.checkEmbeddings(embeddings, (k) => k === 2, '2 (sentence_A, sentence_B)');
    const [u, v] = embeddings as [Tensor, Tensor];
    const y = rowLabels('CosineSimilarityLoss', this.requireLabels(labels, 'one float score per pair'), u.shape[0]!, u);
    const t = this.cosScoreTransformation;
    const scores = typeof t === 'function' ? t(torchCosine(u, v)) : t.forward(torchCosine(u, v));
    const f = this.lossFct;
    return typeof f === 'function' ? f(scores, y) : f.forward(scores, y);
  }

  override getConfigDict(): Record<string, unknown> {
    return { loss_fct: stNameOf(this.lossFct), cos_score_transformation: stNameOf(this.cosScoreTransformation) };
  }
}
