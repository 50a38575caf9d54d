import type { EmbeddingModel } from '../model.js';
import type { LossInfo } from '../loss.js';
import { CachedMultipleNegativesRankingLoss } from './cached-multiple-negatives-ranking-loss.js';
import { checkOptionKeys, warnOnce } from './ranking-shared.js';
import type { SimilarityOption } from './ranking-shared.js';

export interface CachedMultipleNegativesSymmetricRankingLossOptions {
  /** Multiplies every similarity (1 / temperature). Default 20. */
  scale?: number;
  /** Matrix similarity. Default cosSim. */
  similarityFct?: SimilarityOption;
  /** Rows per chunk. Default 32. */
  miniBatchSize?: number;
  /** Token budget per embedding chunk (null: use miniBatchSize). Default null. */
  miniBatchNumTokens?: number | null;
  /** Not supported on a single device (true throws). Default false. */
  gatherAcrossDevices?: boolean;
  /** Accepted; ignored. Default false. */
  showProgressBar?: boolean;
}

/**
 * CachedMultipleNegativesSymmetricRankingLoss (losses.md App. A.1) — deprecated in sentence-transformers
 * v6, kept as the CachedMultipleNegativesRankingLoss preset `directions: ['query_to_doc',
 * 'doc_to_query']`, `partitionMode: 'per_direction'`: the value of MultipleNegativesSymmetricRankingLoss,
 * `( CE(scale·sim(q, C), t) + CE(scale·sim(q, p)ᵀ, t) ) / 2`, computed with GradCache. Per anchor chunk
 * `[b, e)`: `ℓ_chunk = (fwd + bwd)/2 · (e − b)/B` with the chunk's anchors against all docs and the
 * chunk's positives against all anchors. Labels are ignored.
 */
export class CachedMultipleNegativesSymmetricRankingLoss extends CachedMultipleNegativesRankingLoss {
  static override readonly info: LossInfo = {
    inputs: '(anchor, positive) pairs, (anchor, positive, negative_1, …, negative_n)',
    labels: 'none',
    citation: CachedMultipleNegativesRankingLoss.info.citation!,
    relations: ['CachedMultipleNegativesRankingLoss', 'MultipleNegativesSymmetricRankingLoss'],
  };

  constructor(model: EmbeddingModel, options: CachedMultipleNegativesSymmetricRankingLossOptions = {}) {
    checkOptionKeys(new.target.name, options, ['scale', 'similarityFct', 'miniBatchSize', 'miniBatchNumTokens', 'gatherAcrossDevices', 'showProgressBar']);
    super(model, { ...options, directions: ['query_to_doc', 'doc_to_query'], partitionMode: 'per_direction' });
    warnOnce(
      'CachedMultipleNegativesSymmetricRankingLoss',
      'CachedMultipleNegativesSymmetricRankingLoss is deprecated (as in sentence-transformers v6): use CachedMultipleNegativesRankingLoss with ' +
        "directions: ['query_to_doc', 'doc_to_query'] and partitionMode: 'per_direction' instead (identical values).",
    );
  }
}
