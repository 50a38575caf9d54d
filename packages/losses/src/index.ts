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
