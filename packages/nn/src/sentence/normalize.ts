import { normalize, TesseraError } from '@tessera/tensor';
import { Module } from '../module.js';
import type { FeatureModule, Features } from './features.js';

/** L2-normalises `sentenceEmbedding` (sentence-transformers' Normalize). */
export class Normalize extends Module implements FeatureModule {
  forward(features: Features): Features {
    if (!features.sentenceEmbedding) throw new TesseraError('Normalize', 'features', 'has no sentenceEmbedding; put Pooling before Normalize');
    return { ...features, sentenceEmbedding: normalize(features.sentenceEmbedding, { dim: 1 }) };
  }
}
