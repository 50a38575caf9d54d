import type { Tensor } from '@tessera/tensor';

/**
 * The record a SentenceTransformer's modules pass along (batch on dim 0): tokenizer outputs in,
 * `tokenEmbeddings` after the transformer, `sentenceEmbedding` after pooling.
 */
export interface Features {
  /** `[B, T]` int32 */
  inputIds: Tensor;
  /** `[B, T]` int32, 1 for tokens, 0 for padding */
  attentionMask?: Tensor;
  /** `[B, T]` int32 */
  tokenTypeIds?: Tensor;
  /** Number of prompt tokens at the start of every row (Pooling may exclude them). */
  promptLength?: number;
  /** `[B, T, H]` */
  tokenEmbeddings?: Tensor;
  /** Embedding output and each layer's output, `L + 1` tensors `[B, T, H]`, when requested. */
  allLayerEmbeddings?: Tensor[];
  /** `[B, D]` */
  sentenceEmbedding?: Tensor;
  /** Set to true to make the transformer return `allLayerEmbeddings`. */
  outputHiddenStates?: boolean;
}

/** A module of a SentenceTransformer pipeline: features in, features out (never mutating its input). */
export interface FeatureModule {
  forward(features: Features): Features;
}
