/**
 * The point of CachedMultipleNegativesRankingLoss: peak memory follows `miniBatchSize`, not the batch
 * size. A tiny BERT (hidden 32, 2 layers, ~24 tokens a row) whose activations dominate (its 30522-row
 * word-embedding table is frozen, so no vocabulary-sized gradient is involved) runs forward + backward
 * on batches of 32 and 256 rows; the cached loss's peak CPU memory barely moves, while the plain MNRL's
 * grows with every row.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import type { Features, SentenceTransformer } from '@tessera/nn';
import type { Loss } from '../src/loss.js';
import { MultipleNegativesRankingLoss } from '../src/losses/multiple-negatives-ranking-loss.js';
import { CachedMultipleNegativesRankingLoss } from '../src/losses/cached-multiple-negatives-ranking-loss.js';
import { tinySentenceTransformer } from './support/models.js';
import { lcg } from './support/ranking-fixtures.js';

const WORDS = 'the cat dog sat on a mat while red blue green birds sang over quiet river banks near old stone bridges at dawn and dusk'.split(' ');

function texts(n: number, seed: number): string[] {
  const r = lcg(seed);
  return Array.from({ length: n }, () => Array.from({ length: 18 + Math.floor(r() * 8) }, () => WORDS[Math.floor(r() * WORDS.length)]!).join(' '));
}

/** Peak CPU bytes above the starting live bytes during forward + backward. */
function peakOf(loss: Loss, features: Features[]): number {
  loss.zeroGrad();
  const base = T.memory('cpu').liveBytes;
  T.resetPeakMemory('cpu');
  T.tidy(() => {
    loss.forward(features).backward();
  });
  const peak = T.memory('cpu').peakBytes - base;
  loss.zeroGrad();
  return peak;
}

describe('CachedMultipleNegativesRankingLoss: memory', () => {
  it('peak CPU memory grows with miniBatchSize, not with the batch size (256 vs 32 rows at miniBatchSize 8)', () => {
    const model: SentenceTransformer = tinySentenceTransformer({ hidden: 32, seed: 1 });
    const words = model.namedParameters().find(([n]) => n.endsWith('word_embeddings.weight'))![1];
    words.requiresGrad_(false);
    const batch = (rows: number): Features[] => [texts(rows, 1), texts(rows, 2)].map((c) => model.tokenize(c));
    const small = batch(32);
    const large = batch(256);
    expect(large[0]!.inputIds.shape[1]).toBe(24);

    const cached = new CachedMultipleNegativesRankingLoss(model, { miniBatchSize: 8 });
    const cached32 = peakOf(cached, small);
    const cached256 = peakOf(cached, large);
    const plain = new MultipleNegativesRankingLoss(model);
    const plain32 = peakOf(plain, small);
    const plain64 = peakOf(plain, batch(64));

    // What the plain loss's activations cost per row (it holds every row's graph at once).
    const activationBytesPerRow = (plain64 - plain32) / 32;
    const cachedGrowth = cached256 - cached32;
    // 224 more rows would cost ~224 rows of activations; the cached loss adds only its per-row caches
    // (embeddings and their gradients, score rows): less than one chunk of 8 rows' activations, and
    // under 5% of what the extra rows' activations would cost.
    expect(activationBytesPerRow).toBeGreaterThan(100_000);
    expect(cachedGrowth).toBeLessThan(8 * activationBytesPerRow);
    expect(cachedGrowth).toBeLessThan(0.05 * 224 * activationBytesPerRow);
    // Ratios: 8× the rows leaves the cached peak almost unchanged, while 2× the rows nearly doubles the plain one.
    expect(cached256 / cached32).toBeLessThan(1.25);
    expect(plain64 / plain32).toBeGreaterThan(1.5);
    // And at 256 rows the cached peak is a small fraction of what the plain loss needs at 64.
    expect(cached256).toBeLessThan(plain64 / 2);
    words.requiresGrad_(true);
  });
});
