import type { DeviceName } from '@tessera/tensor';
import { TesseraError } from '@tessera/tensor';

export type BatchSamplerName = 'batch_sampler' | 'no_duplicates' | 'group_by_label';
export type MultiDatasetSamplerName = 'round_robin' | 'proportional';
export type Strategy = 'no' | 'steps' | 'epoch';

/**
 * sentence-transformers' SentenceTransformerTrainingArguments (Hugging Face TrainingArguments),
 * names in camelCase, same defaults. `device` is Tessera's: 'auto' picks WebGPU on a hardware
 * adapter and the CPU otherwise.
 */
export interface TrainingArguments {
  outputDir: string;
  numTrainEpochs: number;
  /** Overrides numTrainEpochs when > 0. */
  maxSteps: number;
  perDeviceTrainBatchSize: number;
  perDeviceEvalBatchSize: number;
  learningRate: number;
  weightDecay: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  maxGradNorm: number;
  lrSchedulerType: 'linear' | 'cosine' | 'constant' | 'constant_with_warmup';
  warmupRatio: number;
  /** Overrides warmupRatio when > 0. */
  warmupSteps: number;
  gradientAccumulationSteps: number;
  seed: number;
  evalStrategy: Strategy;
  evalSteps: number | null;
  saveStrategy: Strategy;
  saveSteps: number;
  saveTotalLimit: number | null;
  loggingSteps: number;
  loggingFirstStep: boolean;
  loadBestModelAtEnd: boolean;
  metricForBestModel: string | null;
  greaterIsBetter: boolean | null;
  batchSampler: BatchSamplerName;
  multiDatasetBatchSampler: MultiDatasetSamplerName;
  dataloaderDropLast: boolean;
  /** Prompt per text column (or one for all), prepended before tokenization. */
  prompts: string | Record<string, string> | null;
  device: DeviceName | 'auto';
  /** Progress bar on stderr (Hugging Face's disable_tqdm, inverted). */
  showProgressBar: boolean;
}

export const TRAINING_DEFAULTS: Omit<TrainingArguments, 'outputDir'> = {
  numTrainEpochs: 3,
  maxSteps: -1,
  perDeviceTrainBatchSize: 8,
  perDeviceEvalBatchSize: 8,
  learningRate: 5e-5,
  weightDecay: 0,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  maxGradNorm: 1,
  lrSchedulerType: 'linear',
  warmupRatio: 0,
  warmupSteps: 0,
  gradientAccumulationSteps: 1,
  seed: 42,
  evalStrategy: 'no',
  evalSteps: null,
  saveStrategy: 'steps',
  saveSteps: 500,
  saveTotalLimit: null,
  loggingSteps: 500,
  loggingFirstStep: false,
  loadBestModelAtEnd: false,
  metricForBestModel: null,
  greaterIsBetter: null,
  batchSampler: 'batch_sampler',
  multiDatasetBatchSampler: 'proportional',
  dataloaderDropLast: false,
  prompts: null,
  device: 'cpu',
  showProgressBar: true,
};

/** Fills defaults and validates, naming the argument that is wrong. */
export function trainingArguments(partial: Partial<TrainingArguments> & { outputDir: string }): TrainingArguments {
  const a: TrainingArguments = { ...TRAINING_DEFAULTS, ...partial };
  const known = new Set([...Object.keys(TRAINING_DEFAULTS), 'outputDir']);
  for (const k of Object.keys(partial)) if (!known.has(k)) throw new TesseraError('TrainingArguments', k, `is not a training argument (known: ${[...known].sort().join(', ')})`);
  const positive = (k: keyof TrainingArguments, integer = true): void => {
    const v = a[k] as number;
    if (typeof v !== 'number' || !(v > 0) || (integer && !Number.isInteger(v))) throw new TesseraError('TrainingArguments', k, `must be a positive ${integer ? 'integer' : 'number'}, got ${String(v)}`);
  };
  if (typeof a.outputDir !== 'string' || !a.outputDir) throw new TesseraError('TrainingArguments', 'outputDir', 'is required');
  positive('perDeviceTrainBatchSize');
  positive('perDeviceEvalBatchSize');
  positive('gradientAccumulationSteps');
  positive('learningRate', false);
  positive('loggingSteps');
  positive('saveSteps');
  if (!(a.numTrainEpochs > 0) && !(a.maxSteps > 0)) throw new TesseraError('TrainingArguments', 'numTrainEpochs', 'must be > 0 unless maxSteps is set');
  if (a.warmupRatio < 0 || a.warmupRatio >= 1) throw new TesseraError('TrainingArguments', 'warmupRatio', `must be in [0, 1), got ${a.warmupRatio}`);
  if (a.weightDecay < 0) throw new TesseraError('TrainingArguments', 'weightDecay', `must be >= 0, got ${a.weightDecay}`);
  if (!['batch_sampler', 'no_duplicates', 'group_by_label'].includes(a.batchSampler)) {
    throw new TesseraError('TrainingArguments', 'batchSampler', `must be 'batch_sampler', 'no_duplicates' or 'group_by_label', got '${a.batchSampler}'`);
  }
  if (!['round_robin', 'proportional'].includes(a.multiDatasetBatchSampler)) {
    throw new TesseraError('TrainingArguments', 'multiDatasetBatchSampler', `must be 'round_robin' or 'proportional', got '${a.multiDatasetBatchSampler}'`);
  }
  for (const k of ['evalStrategy', 'saveStrategy'] as const) {
    if (!['no', 'steps', 'epoch'].includes(a[k])) throw new TesseraError('TrainingArguments', k, `must be 'no', 'steps' or 'epoch', got '${a[k]}'`);
  }
  if (a.evalStrategy === 'steps' && a.evalSteps === null) a.evalSteps = a.loggingSteps;
  if (a.loadBestModelAtEnd && a.evalStrategy === 'no') throw new TesseraError('TrainingArguments', 'loadBestModelAtEnd', 'needs an evalStrategy other than no');
  return a;
}
