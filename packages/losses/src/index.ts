export { Loss } from './loss.js';
export type { LossInfo, ModelCall } from './loss.js';
export type { EmbeddingModel, Labels } from './model.js';
export {
  cosSim,
  dotScore,
  euclideanSim,
  manhattanSim,
  pairwiseAngleSim,
  pairwiseCosSim,
  pairwiseDotScore,
  pairwiseEuclideanSim,
  pairwiseManhattanSim,
  PAIRWISE_FUNCTIONS,
  SIMILARITY_FUNCTIONS,
  torchCosine,
} from './similarity.js';
export type { SimilarityFn } from './similarity.js';
export { BatchHardTripletLossDistanceFunction, euclideanDistanceMatrix, resolveDistance, SiameseDistanceMetric, TripletDistanceMetric } from './distances.js';
export type { DistanceFn, MatrixDistanceFn } from './distances.js';
export { batchSize, chunkBoundaries, sliceFeatures } from './features.js';
export { gradCache } from './gradcache.js';
export type { ChunkedLossStep, GradCacheOptions, GradCacheStage2 } from './gradcache.js';
export { CosineSimilarityLoss } from './losses/cosine-similarity-loss.js';
export type { CosineSimilarityLossOptions, RegressionLossFn, ScoreTransformation } from './losses/cosine-similarity-loss.js';
export { CoSENTLoss, cosentObjective } from './losses/cosent-loss.js';
export type { CoSENTLossOptions, PairwiseSimilarity } from './losses/cosent-loss.js';
export { AnglELoss } from './losses/angle-loss.js';
export type { AnglELossOptions } from './losses/angle-loss.js';
export { ContrastiveLoss } from './losses/contrastive-loss.js';
export type { ContrastiveLossOptions, SiameseMetric } from './losses/contrastive-loss.js';
export { OnlineContrastiveLoss } from './losses/online-contrastive-loss.js';
export type { OnlineContrastiveLossOptions } from './losses/online-contrastive-loss.js';
export { SoftmaxLoss } from './losses/softmax-loss.js';
export type { ClassificationLossFn, SoftmaxLossOptions } from './losses/softmax-loss.js';
export { TripletLoss } from './losses/triplet-loss.js';
export type { TripletLossOptions, TripletMetric } from './losses/triplet-loss.js';
export { MSELoss } from './losses/mse-loss.js';
export type { MSELossOptions } from './losses/mse-loss.js';
export { MarginMSELoss } from './losses/margin-mse-loss.js';
export type { MarginMSELossOptions } from './losses/margin-mse-loss.js';
export { BatchAllTripletLoss } from './losses/batch-all-triplet-loss.js';
export { BatchHardTripletLoss } from './losses/batch-hard-triplet-loss.js';
export { BatchHardSoftMarginTripletLoss } from './losses/batch-hard-soft-margin-triplet-loss.js';
export type { BatchHardSoftMarginTripletLossOptions } from './losses/batch-hard-soft-margin-triplet-loss.js';
export { BatchSemiHardTripletLoss } from './losses/batch-semi-hard-triplet-loss.js';
export { BatchTripletLoss } from './losses/batch-triplet-shared.js';
export type { BatchDistanceOption, BatchTripletLossOptions } from './losses/batch-triplet-shared.js';
export { MatryoshkaLoss } from './losses/matryoshka-loss.js';
export type { MatryoshkaLossOptions } from './losses/matryoshka-loss.js';
export { AdaptiveLayerLoss, LAYER_WEIGHTINGS } from './losses/adaptive-layer-loss.js';
export type { AdaptiveLayerLossOptions, LayerWeighting, LayerWeightingFn } from './losses/adaptive-layer-loss.js';
export { Matryoshka2dLoss } from './losses/matryoshka2d-loss.js';
export type { Matryoshka2dLossOptions } from './losses/matryoshka2d-loss.js';
export { GISTEmbedLoss, gistLogitRows } from './losses/gist-embed-loss.js';
export type { GISTEmbedLossOptions, MarginStrategy } from './losses/gist-embed-loss.js';
export { CachedGISTEmbedLoss } from './losses/cached-gist-embed-loss.js';
export type { CachedGISTEmbedLossOptions } from './losses/cached-gist-embed-loss.js';
export { ContrastiveTensionLoss, sameTokenRows } from './losses/contrastive-tension-loss.js';
export { ContrastiveTensionLossInBatchNegatives } from './losses/contrastive-tension-loss-in-batch-negatives.js';
export type { ContrastiveTensionLossInBatchNegativesOptions } from './losses/contrastive-tension-loss-in-batch-negatives.js';
export { DenoisingAutoEncoderLoss } from './losses/denoising-auto-encoder-loss.js';
export type { DenoisingAutoEncoderLossOptions } from './losses/denoising-auto-encoder-loss.js';
export { ContrastiveTensionDataLoader, contrastiveTensionBatches } from './data/contrastive-tension.js';
export type { ContrastiveTensionBatch } from './data/contrastive-tension.js';
export { denoise, DenoisingAutoEncoderDataset, wordDetokenize, wordTokenize } from './data/denoising.js';
export type { DenoiseOptions } from './data/denoising.js';
export { MultipleNegativesRankingLoss } from './losses/multiple-negatives-ranking-loss.js';
export type { MnrlDirection, MnrlHardnessMode, MnrlPartitionMode, MultipleNegativesRankingLossOptions } from './losses/multiple-negatives-ranking-loss.js';
export { CachedMultipleNegativesRankingLoss } from './losses/cached-multiple-negatives-ranking-loss.js';
export type { CachedMultipleNegativesRankingLossOptions } from './losses/cached-multiple-negatives-ranking-loss.js';
export { MultipleNegativesSymmetricRankingLoss } from './losses/multiple-negatives-symmetric-ranking-loss.js';
export type { MultipleNegativesSymmetricRankingLossOptions } from './losses/multiple-negatives-symmetric-ranking-loss.js';
export { CachedMultipleNegativesSymmetricRankingLoss } from './losses/cached-multiple-negatives-symmetric-ranking-loss.js';
export type { CachedMultipleNegativesSymmetricRankingLossOptions } from './losses/cached-multiple-negatives-symmetric-ranking-loss.js';
export { MegaBatchMarginLoss } from './losses/mega-batch-margin-loss.js';
export type { MegaBatchMarginLossOptions } from './losses/mega-batch-margin-loss.js';
export type { SimilarityOption } from './losses/ranking-shared.js';
