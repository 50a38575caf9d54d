/**
 * The one-hour STS-B recipe: a BERT-style encoder trained from scratch, first without labels on
 * WordNet (MultipleNegativesRankingLoss on lemma → gloss and gloss → example pairs), then on
 * STS-B train + SICK train relatedness scores with CoSENTLoss, selecting by STS-B dev Spearman,
 * and reporting STS-B test Spearman. Time budgets are split between the two phases.
 */
import { join, resolve } from 'node:path';
import type { DeviceName } from '@tessera/tensor';
import { manualSeed } from '@tessera/tensor';
import { CoSENTLoss, MultipleNegativesRankingLoss } from '@tessera/losses';
import { loadSick, loadStsb } from '../data/corpora.js';
import { Dataset } from '../data/dataset.js';
import { loadWordNet, wordnetPairs } from '../data/wordnet.js';
import { EmbeddingSimilarityEvaluator } from '../evaluation/embedding-similarity.js';
import type { TrainerCallback } from '../callbacks.js';
import { resolveDevice, Trainer } from '../trainer.js';
import { freshBertModel } from './models.js';

export interface StsbRecipeOptions {
  /** Folder holding stsb/ and sick/ (the project's ../shared/data). */
  data: string;
  outputDir?: string;
  minutes?: number;
  /** Fraction of the time for the WordNet phase. */
  pretrainShare?: number;
  device?: DeviceName | 'auto';
  hidden?: number;
  layers?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface StsbRecipeResult {
  modelPath: string;
  devSpearman: number;
  testSpearman: number;
  testBefore: number;
  pretrainSteps: number;
  finetuneSteps: number;
  minutes: number;
}

function stopAt(deadline: number): TrainerCallback {
  return {
    onStepEnd: (_s, control) => {
      if (Date.now() > deadline) control.shouldTrainingStop = true;
    },
  };
}

function stsEvaluator(ds: Dataset, name: string): EmbeddingSimilarityEvaluator {
  return new EmbeddingSimilarityEvaluator(ds.column('sentence1') as string[], ds.column('sentence2') as string[], ds.column('score') as number[], { name, batchSize: 128 });
}

export async function stsbRecipe(opts: StsbRecipeOptions): Promise<StsbRecipeResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const started = Date.now();
  const seed = opts.seed ?? 42;
  manualSeed(seed);
  const outputDir = resolve(opts.outputDir ?? 'output/stsb-recipe');
  const data = resolve(opts.data);
  const minutes = opts.minutes ?? 60;
  const device = await resolveDevice(opts.device ?? 'auto');

  const stsTrain = loadStsb(join(data, 'stsb', 'stsb-en-train.csv'));
  const stsDev = loadStsb(join(data, 'stsb', 'stsb-en-dev.csv'));
  const stsTest = loadStsb(join(data, 'stsb', 'stsb-en-test.csv'));
  const sick = loadSick(join(data, 'sick', 'sick-train.tsv'), { task: 'relatedness' });
  const pairs = new Dataset([...stsTrain, ...sick].map((r) => ({ sentence1: r.sentence1!, sentence2: r.sentence2!, score: r.score! })), ['sentence1', 'sentence2', 'score']);
  const synsets = loadWordNet({ seed });
  const lemmaGloss = wordnetPairs({ synsets, kind: 'lemma-gloss', lemmas: 'joined' });
  const glossExample = wordnetPairs({ synsets, kind: 'gloss-example' });
  log(`Data: WordNet ${lemmaGloss.length} lemma→gloss + ${glossExample.length} gloss→example pairs; STS-B ${stsTrain.length} + SICK ${sick.length} scored pairs; dev ${stsDev.length}, test ${stsTest.length}`);

  const hidden = opts.hidden ?? 256;
  const layers = opts.layers ?? 4;
  const model = freshBertModel({ maxSeqLength: 48, bert: { hidden_size: hidden, num_hidden_layers: layers, num_attention_heads: hidden / 64, intermediate_size: hidden * 4, max_position_embeddings: 128 } });
  if (device !== 'cpu') await model.to(device);
  const dev = stsEvaluator(stsDev, 'sts-dev');
  const test = stsEvaluator(stsTest, 'sts-test');
  const testBefore = (await test.evaluate(model))['sts-test_spearman_cosine']!;
  log(`Model: BERT hidden ${hidden}, ${layers} layers, on ${device}; STS-B test Spearman before training: ${testBefore.toFixed(4)}`);

  const pretrainMinutes = minutes * (opts.pretrainShare ?? 0.45);
  const pre = new Trainer({
    model,
    loss: { lemmaGloss: new MultipleNegativesRankingLoss(model), glossExample: new MultipleNegativesRankingLoss(model) },
    trainDataset: { lemmaGloss, glossExample },
    args: { outputDir: join(outputDir, 'pretrain'), numTrainEpochs: 1, maxSteps: 100_000, perDeviceTrainBatchSize: 64, learningRate: 5e-4, warmupSteps: 100, weightDecay: 0.01, batchSampler: 'no_duplicates', loggingSteps: 25, saveStrategy: 'no', seed, device },
    callbacks: [stopAt(started + pretrainMinutes * 60_000)],
  });
  log(`Phase 1: WordNet, MultipleNegativesRankingLoss, ${pretrainMinutes.toFixed(0)} min …`);
  const p1 = await pre.train();
  log(`  ${p1.globalStep} steps, STS-B dev Spearman now ${(await dev.evaluate(model))['sts-dev_spearman_cosine']!.toFixed(4)}`);

  const deadline = started + minutes * 60_000 - 90_000;
  const ft = new Trainer({
    model,
    loss: new CoSENTLoss(model),
    trainDataset: pairs,
    evaluator: dev,
    args: {
      outputDir: join(outputDir, 'finetune'),
      numTrainEpochs: 20,
      perDeviceTrainBatchSize: 32,
      learningRate: 1e-4,
      warmupRatio: 0.05,
      weightDecay: 0.01,
      evalStrategy: 'steps',
      evalSteps: 100,
      saveSteps: 100,
      saveTotalLimit: 2,
      loadBestModelAtEnd: true,
      loggingSteps: 25,
      seed,
      device,
    },
    callbacks: [stopAt(deadline)],
  });
  log('Phase 2: STS-B + SICK train, CoSENTLoss, selecting by STS-B dev Spearman …');
  const p2 = await ft.train();
  const devSpearman = (await dev.evaluate(model))['sts-dev_spearman_cosine']!;
  const testSpearman = (await test.evaluate(model))['sts-test_spearman_cosine']!;
  const modelPath = join(outputDir, 'final');
  await model.save(modelPath);
  const total = (Date.now() - started) / 60_000;
  log(`STS-B dev Spearman ${devSpearman.toFixed(4)}, test Spearman ${testSpearman.toFixed(4)} (before training ${testBefore.toFixed(4)}); ${p1.globalStep} + ${p2.globalStep} steps in ${total.toFixed(1)} min; model: ${modelPath}`);
  return { modelPath, devSpearman, testSpearman, testBefore, pretrainSteps: p1.globalStep, finetuneSteps: p2.globalStep, minutes: total };
}
