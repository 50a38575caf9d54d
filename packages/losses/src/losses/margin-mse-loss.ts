import type { Tensor } from '@tessera/tensor';
import { cast, check, fmtShape, mseLoss, stack } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { pairwiseDotScore } from '../similarity.js';
import type { SimilarityFn } from '../similarity.js';
import { resolvePairwise } from './cosent-loss.js';
import type { PairwiseSimilarity } from './cosent-loss.js';
import { checkOptions, labelsOn } from './pair-utils.js';

export interface MarginMSELossOptions {
  /** [similarity_fct] Pairwise similarity. Default `pairwiseDotScore`. */
  similarityFct?: PairwiseSimilarity;
}

/**
 * MarginMSELoss (Hofstätter et al. 2021): distils a teacher's score margins.
 *
 * `m[i,k] = sim(q_i, p_i) − sim(q_i, neg_k,i)` for k = 1…n; `loss = MSE(m [B, n], labels [B, n])`
 * (mean over all elements). The passages need not be positive/negative.
 *
 * Inputs: `(query, passage_1, passage_2 [, … passage_{n+1}])`, n ≥ 1, with gold labels in one of
 * the layouts (checked in this order): `[B, n+1]` raw teacher scores `[g(q,p), g(q,neg_1), …]`
 * (converted to `label[:, 0:1] − label[:, 1:]`); `[B]` (one margin, n = 1); `[B, n]` margins
 * `g(q,p) − g(q,neg_k)`. Labels are detached. Config: `{ similarity_fct: 'pairwise_dot_score' }`.
 */
export class MarginMSELoss extends Loss {
  static readonly info: LossInfo = {
    inputs: '(query, passage_one, passage_two) triplets | (query, positive, negative_1, ..., negative_n)',
    labels: 'teacher margins [B] / [B, n], or teacher scores [B, n+1]',
    citation: '@misc{hofstätter2021improving, title={Improving Efficient Neural Ranking Models with Cross-Architecture Knowledge Distillation}, author={Sebastian Hofstätter and Sophia Althammer and Michael Schröder and Mete Sertkan and Allan Hanbury}, year={2021}, eprint={2010.02666}, archivePrefix={arXiv}, primaryClass={cs.IR}}',
    relations: ['MSELoss', 'MultipleNegativesRankingLoss'],
  };

  readonly similarityFct: SimilarityFn;

  constructor(model: EmbeddingModel, options: MarginMSELossOptions = {}) {
    super(model);
    checkOptions('MarginMSELoss', options, ['similarityFct']);
    this.similarityFct = resolvePairwise('MarginMSELoss', options.similarityFct ?? pairwiseDotScore);
  }

  override forward(features: Features[], labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k >= 3, 'at least 3 (query, passage_1, passage_2, …)');
    const y = this.requireLabels(labels, 'teacher margins [batch] / [batch, n] or teacher scores [batch, n + 1]');
    return this.computeLossFromEmbeddings(this.embed(features), y);
  }

  computeLossFromEmbeddings(embeddings: Tensor[], labels?: Tensor): Tensor {
    this.checkEmbeddings(embeddings, (k) => k >= 3, 'at least 3 (query, passage_1, passage_2, …)');
    const raw = this.requireLabels(labels, 'teacher margins [batch] / [batch, n] or teacher scores [batch, n + 1]');
    const [q, pos, ...negs] = embeddings as [Tensor, Tensor, ...Tensor[]];
    const rows = q.shape[0]!;
    const n = negs.length;
    const score = (p: Tensor): Tensor => {
      const s = this.similarityFct(q, p);
      check(s.ndim === 1 && s.shape[0] === rows, 'MarginMSELoss', 'similarityFct', () => `must return one score per row ([${rows}]), got ${fmtShape(s.shape)}`);
      return s;
    };
    let y = raw.detach();
    if (y.ndim === 2 && y.shape[0] === rows && y.shape[1] === n + 1) y = y.narrow(1, 0, 1).sub(y.narrow(1, 1, n));
    if (y.ndim === 1 && y.shape[0] === rows) y = y.unsqueeze(1);
    check(y.ndim === 2 && y.shape[0] === rows && y.shape[1] === n, 'MarginMSELoss', 'labels', () =>
      `have shape ${fmtShape(raw.shape)}; expected teacher margins [${rows}, ${n}]${n === 1 ? ` (or [${rows}])` : ''} = g(q, p) − g(q, neg_k), or teacher scores [${rows}, ${n + 1}] = [g(q, p), g(q, neg_1), …]`,
    );
    const sPos = score(pos);
    const margins = stack(negs.map((neg) => sPos.sub(score(neg))), 1);
    return mseLoss(margins, cast(labelsOn('MarginMSELoss', y, margins), margins.dtype));
  }

  override getConfigDict(): Record<string, unknown> {
    return { similarity_fct: this.similarityFct.stName };
  }
}
