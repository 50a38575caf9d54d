/**
 * CPU-vs-WebGPU agreement (float32, value and every parameter gradient) of the in-batch ranking losses
 * on a tiny BERT with tokenized texts. Kept tiny: lavapipe is slow.
 */
import { describe, it, vi } from 'vitest';
import { requireWebGPU } from '@tessera/tensor/testing';
import type { DeviceName } from '@tessera/tensor';
import type { SentenceTransformer } from '@tessera/nn';
import type { Loss } from '../src/loss.js';
import { MultipleNegativesRankingLoss } from '../src/losses/multiple-negatives-ranking-loss.js';
import { CachedMultipleNegativesRankingLoss } from '../src/losses/cached-multiple-negatives-ranking-loss.js';
import { MultipleNegativesSymmetricRankingLoss } from '../src/losses/multiple-negatives-symmetric-ranking-loss.js';
import { CachedMultipleNegativesSymmetricRankingLoss } from '../src/losses/cached-multiple-negatives-symmetric-ranking-loss.js';
import { MegaBatchMarginLoss } from '../src/losses/mega-batch-margin-loss.js';
import { expectLossAgreement, tinySentenceTransformer } from './support/models.js';

const gpu = await requireWebGPU();

const COLUMNS = [
  ['a cat sat', 'dogs bark loudly', 'the sun is hot'],
  ['a kitten rested', 'a dog barking', 'it is sunny today'],
  ['the stock market fell', 'rain in spain', 'cold winter night'],
];

function run(columns: number): (l: Loss, device: DeviceName) => ReturnType<Loss['forward']> {
  return (l, device) => l.forward(COLUMNS.slice(0, columns).map((c) => (l.model as SentenceTransformer).tokenize(c, device)));
}

describe.skipIf(!gpu)('in-batch ranking losses: CPU vs WebGPU (float32, tiny BERT)', () => {
  it('MultipleNegativesRankingLoss: all four directions with hard negatives and a hardness penalty', async () => {
    const model = tinySentenceTransformer({ seed: 3 });
    const loss = new MultipleNegativesRankingLoss(model, { directions: ['query_to_doc', 'query_to_query', 'doc_to_query', 'doc_to_doc'], hardnessMode: 'all_negatives', hardnessStrength: 5, scale: 10 });
    await expectLossAgreement(loss, run(3));
  });

  it('CachedMultipleNegativesRankingLoss (miniBatchSize 2 on 3 rows)', async () => {
    const model = tinySentenceTransformer({ seed: 4 });
    await expectLossAgreement(new CachedMultipleNegativesRankingLoss(model, { miniBatchSize: 2, directions: ['query_to_doc', 'doc_to_query'], partitionMode: 'per_direction' }), run(3));
  });

  it('MultipleNegativesSymmetricRankingLoss and its cached form', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = tinySentenceTransformer({ seed: 5 });
    await expectLossAgreement(new MultipleNegativesSymmetricRankingLoss(model), run(2));
    await expectLossAgreement(new CachedMultipleNegativesSymmetricRankingLoss(model, { miniBatchSize: 1 }), run(2));
    vi.restoreAllMocks();
  });

  it('MegaBatchMarginLoss, both paths', async () => {
    const model = tinySentenceTransformer({ seed: 6 });
    await expectLossAgreement(new MegaBatchMarginLoss(model, { useMiniBatchedVersion: false, positiveMargin: 0.99, negativeMargin: -0.5 }), run(2));
    await expectLossAgreement(new MegaBatchMarginLoss(model, { miniBatchSize: 2, positiveMargin: 0.99, negativeMargin: -0.5 }), run(2));
  });
});
