export { SentenceEvaluator, SIMILARITY_NAMES, pyFloatRepr } from './evaluator.js';
export type { CommonEvaluatorOptions, EncodingModel, EvaluateOptions, EvaluatorEncodeOptions, Metrics, SimilarityName } from './evaluator.js';
export { EmbeddingSimilarityEvaluator } from './embedding-similarity.js';
export type { EmbeddingSimilarityEvaluatorOptions } from './embedding-similarity.js';
export { TripletEvaluator } from './triplet.js';
export type { TripletEvaluatorOptions } from './triplet.js';
export { BinaryClassificationEvaluator } from './binary-classification.js';
export type { BinaryClassificationEvaluatorOptions, BinaryClassificationScores } from './binary-classification.js';
export { InformationRetrievalEvaluator } from './information-retrieval.js';
export type { Hit, InformationRetrievalEvaluatorOptions, ScoreFunction } from './information-retrieval.js';
export { MSEEvaluator } from './mse.js';
export type { MSEEvaluatorOptions } from './mse.js';
export { SequentialEvaluator } from './sequential.js';
export {
  averagePrecision,
  dcgAtK,
  findBestAccAndThreshold,
  findBestF1AndThreshold,
  matthewsCorrcoef,
  pearson,
  rankAverage,
  retrievalMetrics,
  spearman,
} from './metrics.js';
export type { RetrievalKs, RetrievalMetrics, SweepOptions } from './metrics.js';
