import type { EmbeddingModel } from '../model.js';
import type { LossInfo } from '../loss.js';
import { MultipleNegativesRankingLoss } from './multiple-negatives-ranking-loss.js';
import { checkOptionKeys, warnOnce } from './ranking-shared.js';
import type { SimilarityOption } from './ranking-shared.js';

export interface MultipleNegativesSymmetricRankingLossOptions {
  /** Multiplies every similarity (1 / temperature). Default 20. */
  scale?: number;
  /** Matrix similarity. Default cosSim. */
  similarityFct?: SimilarityOption;
  /** Not supported on a single device (true throws). Default false. */
  gatherAcrossDevices?: boolean;
}

/**
 * MultipleNegativesSymmetricRankingLoss (losses.md §3) — deprecated in sentence-transformers v6, kept as
 * the MultipleNegativesRankingLoss preset `directions: ['query_to_doc', 'doc_to_query']`,
 * `partitionMode: 'per_direction'`. With `S = scale · sim(q, C)` (negatives included) and
 * `DQ = scale · sim(q, p)ᵀ` (each positive against the B anchors only):
 * `loss = ( CE(S, t) + CE(DQ, t) ) / 2`, `t = arange(B)` — the forward and backward terms are
 * averaged (ST's docstring says summed; the code, followed here, averages). Labels are ignored.
 */
export class MultipleNegativesSymmetricRankingLoss extends MultipleNegativesRankingLoss {
  static override readonly info: LossInfo = {
    inputs: '(anchor, positive) pairs, (anchor, positive, negative_1, …, negative_n)',
    labels: 'none',
    citation: MultipleNegativesRankingLoss.info.citation!,
    relations: ['MultipleNegativesRankingLoss', 'CachedMultipleNegativesSymmetricRankingLoss'],
  };

  constructor(model: EmbeddingModel, options: MultipleNegativesSymmetricRankingLossOptions = {}) {
    checkOptionKeys(new.target.name, options, ['scale', 'similarityFct', 'gatherAcrossDevices']);
    super(model, { ...options, directions: ['query_to_doc', 'doc_to_query'], partitionMode: 'per_direction' });
    warnOnce(
      'MultipleNegativesSymmetricRankingLoss',
      'MultipleNegativesSymmetricRankingLoss is deprecated (as in sentence-transformers v6): use MultipleNegativesRankingLoss with ' +
        "directions: ['query_to_doc', 'doc_to_query'] and partitionMode: 'per_direction' instead (identical values).",
    );
  }
}
