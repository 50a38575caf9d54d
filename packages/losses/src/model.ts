import type { Tensor } from '@tessera/tensor';
import type { Features, Module } from '@tessera/nn';

/**
 * What a loss needs from the model it trains: a Module whose forward maps a tokenized column's
 * features to features holding `sentenceEmbedding` `[B, D]` (a SentenceTransformer, or any
 * Module with that forward, e.g. a test's embedding table).
 */
export interface EmbeddingModel extends Module {
  forward(features: Features): Features;
  /** Width of sentenceEmbedding, when known (Matryoshka validates against it). */
  getEmbeddingDimension?(): number | null;
  /** Runs everything after the transformer on substituted token embeddings (AdaptiveLayerLoss). */
  forwardAfterTransformer?(features: Features): Features;
}

export type Labels = Tensor | undefined;
export type { Features };
