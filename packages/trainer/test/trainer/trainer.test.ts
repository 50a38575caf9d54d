/** The Trainer loop: learning, logs and plots, accumulation, evaluation and best-model reload, several datasets. */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraError } from '@tessera/tensor';
import { CoSENTLoss, CosineSimilarityLoss, MultipleNegativesRankingLoss } from '@tessera/losses';
import { EmbeddingSimilarityEvaluator, Trainer, trainingArguments } from '@tessera/trainer';
import type { TrainerCallback } from '@tessera/trainer';
import { pairDataset, scoredDataset, tinyModel } from '../support/tiny.js';

const tmp = (): Promise<string> => mkdtemp(join(tmpdir(), 'tessera-trainer-'));
const weights = (m: ReturnType<typeof tinyModel>): number[][] => m.parameters().map((p) => Array.from(p.dataSync()));

describe('Trainer', () => {
  it('lowers the loss, writes the JSONL log and the loss curve (SVG and PNG)', async () => {
    const outputDir = await tmp();
    const model = tinyModel();
    const trainer = new Trainer({
      model,
      loss: new MultipleNegativesRankingLoss(model),
      trainDataset: pairDataset(),
      args: { outputDir, numTrainEpochs: 12, perDeviceTrainBatchSize: 8, learningRate: 2e-2, loggingSteps: 2, saveStrategy: 'no', showProgressBar: false, seed: 5 },
    });
    const out = await trainer.train();
    expect(out.globalStep).toBe(24);
    const log = (await readFile(join(outputDir, 'trainer_log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number; learning_rate: number });
    expect(log.map((e) => e.step)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24]);
    expect(log.at(-1)!.loss).toBeLessThan(log[0]!.loss * 0.5);
    expect(log.at(-1)!.learning_rate).toBeCloseTo(0, 10);
    const png = await readFile(join(outputDir, 'loss_curve.png'));
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect((await readFile(join(outputDir, 'loss_curve.svg'), 'utf8')).startsWith('<svg')).toBe(true);
  });

  it('gradient accumulation over 2 x 4 rows equals one step over 8 rows (a per-row mean loss)', async () => {
    const run = async (batch: number, accumulation: number): Promise<number[][]> => {
      const model = tinyModel({ seed: 9 });
      const trainer = new Trainer({
        model,
        loss: new CosineSimilarityLoss(model),
        trainDataset: scoredDataset(),
        args: { outputDir: await tmp(), maxSteps: 1, perDeviceTrainBatchSize: batch, gradientAccumulationSteps: accumulation, learningRate: 1e-2, saveStrategy: 'no', showProgressBar: false, maxGradNorm: 0 },
      });
      await trainer.train();
      return weights(model);
    };
    const one = await run(8, 1);
    const two = await run(4, 2);
    one.forEach((p, i) => p.forEach((v, j) => expect(two[i]![j]!).toBeCloseTo(v, 6)));
  });

  it('evaluates during training, logs eval_ metrics and reloads the best checkpoint at the end', async () => {
    const outputDir = await tmp();
    const model = tinyModel();
    const sts = scoredDataset();
    const evaluator = new EmbeddingSimilarityEvaluator(sts.column('sentence1') as string[], sts.column('sentence2') as string[], sts.column('score') as number[], { name: 'toy' });
    const seen: string[] = [];
    const spy: TrainerCallback = { onEvaluate: (_s, _c, metrics) => void seen.push(...Object.keys(metrics)) };
    const trainer = new Trainer({
      model,
      loss: new CoSENTLoss(model),
      trainDataset: sts,
      evalDataset: sts,
      evaluator,
      callbacks: [spy],
      args: { outputDir, maxSteps: 6, perDeviceTrainBatchSize: 8, evalStrategy: 'steps', evalSteps: 2, saveSteps: 2, loadBestModelAtEnd: true, learningRate: 1e-2, showProgressBar: false },
    });
    await trainer.train();
    expect(seen).toContain('eval_loss');
    expect(seen).toContain('eval_toy_spearman_cosine');
    expect(trainer.state.bestModelCheckpoint).toMatch(/checkpoint-(2|4|6)$/);
    const best = trainer.state.logHistory.filter((e) => 'eval_toy_spearman_cosine' in e).reduce((a, b) => (b.eval_toy_spearman_cosine! > a.eval_toy_spearman_cosine! ? b : a));
    expect(trainer.state.bestModelCheckpoint!.endsWith(`checkpoint-${best.step}`)).toBe(true);
    const after = await evaluator.evaluate(model);
    expect(after.toy_spearman_cosine).toBeCloseTo(best.eval_toy_spearman_cosine!, 6);
  });

  it('trains several datasets with their own losses (round robin)', async () => {
    const model = tinyModel();
    const steps: string[] = [];
    const trainer = new Trainer({
      model,
      loss: { pairs: new MultipleNegativesRankingLoss(model), scored: new CoSENTLoss(model) },
      trainDataset: { pairs: pairDataset(), scored: scoredDataset() },
      args: { outputDir: await tmp(), maxSteps: 4, perDeviceTrainBatchSize: 8, multiDatasetBatchSampler: 'round_robin', saveStrategy: 'no', showProgressBar: false, loggingSteps: 1 },
      callbacks: [{ onStepEnd: (s) => void steps.push(String(s.globalStep)) }],
    });
    const out = await trainer.train();
    expect(out.globalStep).toBe(4);
    expect(steps).toEqual(['1', '2', '3', '4']);
  });

  it('checkpoints are complete folders, rotated to saveTotalLimit', async () => {
    const outputDir = await tmp();
    const model = tinyModel();
    const trainer = new Trainer({
      model,
      loss: new MultipleNegativesRankingLoss(model),
      trainDataset: pairDataset(),
      args: { outputDir, maxSteps: 6, perDeviceTrainBatchSize: 8, saveSteps: 2, saveTotalLimit: 2, showProgressBar: false },
    });
    await trainer.train();
    expect(existsSync(join(outputDir, 'checkpoint-2'))).toBe(false);
    for (const step of [4, 6]) {
      for (const f of ['modules.json', 'model.safetensors', 'trainable.safetensors', 'optimizer.safetensors', 'optimizer.json', 'scheduler.json', 'trainer_state.json']) {
        expect(existsSync(join(outputDir, `checkpoint-${step}`, f)), `checkpoint-${step}/${f}`).toBe(true);
      }
    }
  });

  it('rejects bad arguments and mismatched losses, naming them', () => {
    expect(() => trainingArguments({ outputDir: 'x', perDeviceTrainBatchSize: 0 })).toThrow(/TrainingArguments: argument 'perDeviceTrainBatchSize' must be a positive integer/);
    expect(() => trainingArguments({ outputDir: 'x', batchSampler: 'random' as 'batch_sampler' })).toThrow(/argument 'batchSampler'/);
    expect(() => trainingArguments({ outputDir: 'x', learning_rate: 1 } as never)).toThrow(/argument 'learning_rate' is not a training argument/);
    const model = tinyModel();
    const other = tinyModel({ seed: 2 });
    expect(() => new Trainer({ model, loss: new MultipleNegativesRankingLoss(other), trainDataset: pairDataset(), args: { outputDir: 'x' } })).toThrow(TesseraError);
  });
});
