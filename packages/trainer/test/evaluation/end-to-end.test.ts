/**
 * Every evaluator on a real (tiny, float32) SentenceTransformer: the results are well-formed and
 * equal what the same evaluators give on a fake model holding that model's own embeddings.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BinaryClassificationEvaluator,
  EmbeddingSimilarityEvaluator,
  InformationRetrievalEvaluator,
  MSEEvaluator,
  SequentialEvaluator,
  TripletEvaluator,
} from '../../src/evaluation/index.js';
import type { EncodingModel, SentenceEvaluator } from '../../src/evaluation/index.js';
import { FakeModel } from './support/fake-model.js';
import { tinySentenceTransformer } from './support/tiny-model.js';

const texts = [
  'a man is playing a guitar',
  'someone plays an instrument',
  'the cat sleeps on the sofa',
  'a kitten is napping on a couch',
  'stock markets fell sharply today',
  'shares dropped at the close',
  'the weather is sunny and warm',
  'it is raining in the city',
];

function evaluators(teacher: EncodingModel): SentenceEvaluator[] {
  const all = ['cosine', 'dot', 'euclidean', 'manhattan'] as const;
  return [
    new EmbeddingSimilarityEvaluator(texts.slice(0, 6), texts.slice(2, 8), [4.5, 1, 0.5, 3, 0, 2], { name: 'sts', similarityFnNames: [...all], batchSize: 3 }),
    new TripletEvaluator([texts[0]!, texts[2]!, texts[4]!, texts[6]!], [texts[1]!, texts[3]!, texts[5]!, texts[7]!], [texts[2]!, texts[4]!, texts[6]!, texts[0]!], { name: 'tri', similarityFnNames: [...all] }),
    new BinaryClassificationEvaluator([texts[0]!, texts[2]!, texts[4]!, texts[0]!, texts[2]!, texts[6]!], [texts[1]!, texts[3]!, texts[5]!, texts[4]!, texts[7]!, texts[1]!], [1, 1, 1, 0, 0, 0], { name: 'bin', similarityFnNames: [...all] }),
    new InformationRetrievalEvaluator(
      { q0: texts[0]!, q2: texts[2]!, q4: texts[4]! },
      Object.fromEntries(texts.map((t, i) => [`doc${i}`, t])),
      { q0: ['doc0', 'doc1'], q2: ['doc2', 'doc3'], q4: ['doc4', 'doc5'] },
      { name: 'ir', corpusChunkSize: 3, accuracyAtK: [1, 3], precisionRecallAtK: [1, 3], mrrAtK: [3], ndcgAtK: [3], mapAtK: [3] },
    ),
    new MSEEvaluator(texts, texts, teacher, { name: 'mse' }),
  ];
}

describe('evaluators on a tiny SentenceTransformer', () => {
  it('give finite, in-range metrics, equal to a fake model with the same embeddings', async () => {
    const model = tinySentenceTransformer({ seed: 1 });
    const teacher = tinySentenceTransformer({ seed: 2 });
    const dir = await mkdtemp(join(tmpdir(), 'tessera-eval-e2e-'));
    try {
      const seq = new SequentialEvaluator(evaluators(teacher));
      const results = await seq.evaluate(model, { outputDir: dir, epoch: 0, steps: 1 });
      for (const [k, v] of Object.entries(results)) expect(Number.isFinite(v), k).toBe(true);
      for (const k of Object.keys(results).filter((k) => /_(pearson|spearman)_/.test(k))) expect(Math.abs(results[k]!)).toBeLessThanOrEqual(1);
      for (const k of Object.keys(results).filter((k) => /(accuracy|_ap|_f1|precision|recall|ndcg|mrr|map)(@\d+)?$/.test(k))) {
        expect(results[k]!, k).toBeGreaterThanOrEqual(0);
        expect(results[k]!, k).toBeLessThanOrEqual(1);
      }
      expect(results.mse_negative_mse!).toBeLessThan(0);
      // Each text retrieves itself first (its own embedding): accuracy@1 = 1.
      expect(results['ir_cosine_accuracy@1']).toBe(1);
      expect(results.sequential_score).toBe(results.mse_negative_mse);
      expect((await readdir(dir)).sort()).toEqual([
        'Information-Retrieval_evaluation_ir_results.csv',
        'binary_classification_evaluation_bin_results.csv',
        'mse_evaluation_mse_results.csv',
        'similarity_evaluation_sts_results.csv',
        'triplet_evaluation_tri_results.csv',
      ]);

      // The same numbers from a fake model that returns the real model's (float32) embeddings.
      const emb = await model.encode(texts);
      const rows = (await emb.array()) as number[][];
      emb.dispose();
      const fake = new FakeModel(Object.fromEntries(texts.map((t, i) => [t, rows[i]!])), 'cosine', 'float32');
      const again = await new SequentialEvaluator(evaluators(teacher)).evaluate(fake);
      expect(again).toEqual(results);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a student identical to its teacher has MSE 0', async () => {
    const model = tinySentenceTransformer({ seed: 3 });
    const m = await new MSEEvaluator(texts, texts, model).evaluate(model);
    expect(m.negative_mse).toBe(-0);
  });
});
