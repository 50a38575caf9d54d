/**
 * `tessera train <config.json>`: the model (a folder or a fresh BERT), datasets, the loss by name
 * with its options, an optional evaluator and the training arguments, all in one JSON file.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { DeviceName } from '@tessera/tensor';
import { TesseraError } from '@tessera/tensor';
import type { SentenceTransformer } from '@tessera/nn';
import type { Loss } from '@tessera/losses';
import type { TrainingArguments } from '../args.js';
import { loadMrpc, loadSick, loadStsb } from '../data/corpora.js';
import { Dataset } from '../data/dataset.js';
import type { Cell, Row } from '../data/dataset.js';
import { readCsv, readJsonl } from '../data/readers.js';
import type { CsvOptions } from '../data/readers.js';
import { loadWordNet, wordnetLabeled, wordnetPairs } from '../data/wordnet.js';
import { EmbeddingSimilarityEvaluator } from '../evaluation/embedding-similarity.js';
import type { SentenceEvaluator } from '../evaluation/evaluator.js';
import { freshBertModel, loadModel } from './models.js';
import type { FreshModelOptions } from './models.js';
import { lossByName } from './losses.js';

export type DatasetSpec =
  | { type: 'csv' | 'tsv'; path: string; options?: CsvOptions; columns?: string[]; rename?: Record<string, string>; limit?: number }
  | { type: 'jsonl'; path: string; columns?: string[]; rename?: Record<string, string>; limit?: number }
  | { type: 'stsb' | 'mrpc'; path: string; limit?: number }
  | { type: 'sick'; path: string; task?: 'relatedness' | 'entailment'; limit?: number }
  | { type: 'wordnet'; kind: 'lemma-gloss' | 'gloss-example' | 'labeled'; limit?: number; seed?: number }
  | { type: 'rows'; rows: Row[] };

export interface TrainConfig {
  model: { path: string } | ({ fresh: true } & FreshModelOptions);
  train: DatasetSpec | Record<string, DatasetSpec>;
  eval?: DatasetSpec | Record<string, DatasetSpec>;
  loss: { name: string; options?: Record<string, unknown> } | Record<string, { name: string; options?: Record<string, unknown> }>;
  /** An STS-style evaluator: a dataset with sentence1, sentence2, score columns. */
  evaluator?: { type: 'EmbeddingSimilarityEvaluator'; data: DatasetSpec; name?: string };
  args: Partial<TrainingArguments> & { outputDir: string };
  /** Where to save the final model (default: <outputDir>/final). */
  save?: string;
}

function isSpec(v: unknown): v is DatasetSpec {
  return typeof v === 'object' && v !== null && 'type' in v;
}

/** Loads one dataset spec (paths relative to `base`). */
export function loadDatasetSpec(spec: DatasetSpec, base: string): Dataset {
  const path = 'path' in spec ? resolve(base, spec.path) : '';
  let ds: Dataset;
  switch (spec.type) {
    case 'csv':
    case 'tsv':
      ds = readCsv(path, { delimiter: spec.type === 'tsv' ? '\t' : ',', header: true, ...spec.options });
      break;
    case 'jsonl':
      ds = readJsonl(path);
      break;
    case 'stsb':
      ds = loadStsb(path);
      break;
    case 'sick':
      ds = loadSick(path, { task: spec.task ?? 'relatedness' });
      break;
    case 'mrpc':
      ds = loadMrpc(path);
      break;
    case 'wordnet':
      ds = spec.kind === 'labeled' ? wordnetLabeled({ seed: spec.seed ?? 42 }) : wordnetPairs({ synsets: loadWordNet({ seed: spec.seed ?? 42 }), kind: spec.kind });
      break;
    case 'rows':
      ds = new Dataset(spec.rows);
      break;
    default:
      throw new TesseraError('tessera train', 'dataset', `has unknown type '${(spec as { type: string }).type}'`);
  }
  if ('rename' in spec && spec.rename) ds = ds.renameColumns(spec.rename);
  if ('columns' in spec && spec.columns) ds = ds.selectColumns(spec.columns);
  if ('limit' in spec && spec.limit) ds = ds.select(Array.from({ length: Math.min(spec.limit, ds.length) }, (_, i) => i));
  return ds;
}

function loadDatasets(spec: DatasetSpec | Record<string, DatasetSpec>, base: string): Dataset | Record<string, Dataset> {
  if (isSpec(spec)) return loadDatasetSpec(spec, base);
  return Object.fromEntries(Object.entries(spec).map(([k, s]) => [k, loadDatasetSpec(s, base)]));
}

export interface PreparedRun {
  model: SentenceTransformer;
  trainDataset: Dataset | Record<string, Dataset>;
  evalDataset?: Dataset | Record<string, Dataset>;
  loss: Loss | Record<string, Loss>;
  evaluator: SentenceEvaluator | null;
  args: TrainConfig['args'];
  save: string;
}

/** Reads a config file and builds everything the Trainer needs. */
export async function prepareRun(configPath: string, overrides: { device?: DeviceName | 'auto' } = {}): Promise<PreparedRun> {
  const file = resolve(configPath);
  const base = dirname(file);
  let config: TrainConfig;
  try {
    config = JSON.parse(await readFile(file, 'utf8')) as TrainConfig;
  } catch (e) {
    throw new TesseraError('tessera train', 'config', `${file} is not readable JSON (${(e as Error).message})`);
  }
  for (const k of ['model', 'train', 'loss', 'args'] as const) if (!(k in config)) throw new TesseraError('tessera train', 'config', `${file} has no "${k}"`);
  const model = 'path' in config.model ? await loadModel(resolve(base, config.model.path), 'cpu') : freshBertModel(config.model);
  const trainDataset = loadDatasets(config.train, base);
  const evalDataset = config.eval ? loadDatasets(config.eval, base) : undefined;
  const specs = config.loss as Record<string, unknown>;
  const loss = 'name' in specs
    ? lossByName((config.loss as { name: string }).name, model, (config.loss as { options?: Record<string, unknown> }).options)
    : Object.fromEntries(Object.entries(config.loss as Record<string, { name: string; options?: Record<string, unknown> }>).map(([k, l]) => [k, lossByName(l.name, model, l.options)]));
  let evaluator: SentenceEvaluator | null = null;
  if (config.evaluator) {
    const d = loadDatasetSpec(config.evaluator.data, base);
    evaluator = new EmbeddingSimilarityEvaluator(d.column('sentence1') as string[], d.column('sentence2') as string[], d.column('score') as number[], { name: config.evaluator.name ?? 'eval' });
  }
  const args = { ...config.args, outputDir: resolve(base, config.args.outputDir), ...(overrides.device ? { device: overrides.device } : {}) };
  return { model, trainDataset, evalDataset, loss, evaluator, args, save: resolve(base, config.save ?? `${config.args.outputDir}/final`) };
}

export type { Cell };
