/**
 * The training loop, as sentence-transformers' SentenceTransformerTrainer: datasets → batch sampler
 * → collator → loss → AdamW (no decay on biases and LayerNorm weights) with a warmup schedule,
 * gradient accumulation and clipping; periodic logging (progress bar, JSONL), evaluation, atomic
 * checkpoints that resume to identical weights, best-model reload, and a loss-curve plot.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeviceName, Tensor } from '@tessera/tensor';
import { defaultGenerator, initWebGPU, manualSeed, TesseraError, tidy, zeros } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';
import type { LRScheduler, SentenceTransformer } from '@tessera/nn';
import { AdamW, clipGradNorm, getScheduler, Module, ProgressBar } from '@tessera/nn';
import type { Loss } from '@tessera/losses';
import type { TrainingArguments } from './args.js';
import { trainingArguments } from './args.js';
import type { LogEntry, TrainerCallback, TrainerControl, TrainerState } from './callbacks.js';
import type { TrainerCheckpointState } from './checkpoint.js';
import { listCheckpoints, loadCheckpoint, rotateCheckpoints, saveCheckpoint } from './checkpoint.js';
import { collate } from './data/collator.js';
import type { Dataset } from './data/dataset.js';
import { getBatchSampler, MultiDatasetBatchSampler } from './data/samplers.js';
import type { IndexBatchSampler } from './data/samplers.js';
import type { SentenceEvaluator } from './evaluation/evaluator.js';
import { lineChartPng, lineChartSvg } from './plot.js';

export interface TrainerOptions {
  model: SentenceTransformer;
  args: Partial<TrainingArguments> & { outputDir: string };
  /** One dataset, or several by name (each with its own loss when `loss` is a record). */
  trainDataset: Dataset | Record<string, Dataset>;
  evalDataset?: Dataset | Record<string, Dataset>;
  loss: Loss | Record<string, Loss>;
  evaluator?: SentenceEvaluator | null;
  callbacks?: TrainerCallback[];
}

export interface TrainOutput {
  globalStep: number;
  /** Mean training loss over the run. */
  trainingLoss: number;
  runtimeSeconds: number;
  stepsPerSecond: number;
  device: DeviceName;
  metrics: Record<string, number>;
}

/** Groups every loss so that parameters, state dicts and device moves cover all of them once. */
class Trainable extends Module {
  constructor(losses: Record<string, Loss>) {
    super();
    for (const [name, loss] of Object.entries(losses)) this.child(name, loss);
  }
}

function asRecord<T>(value: T | Record<string, T>, isOne: (v: unknown) => v is T): Record<string, T> {
  return isOne(value) ? { default: value } : (value as Record<string, T>);
}

/** Picks the device for 'auto': WebGPU on a hardware adapter, the CPU on a software one or none. */
export async function resolveDevice(device: DeviceName | 'auto'): Promise<DeviceName> {
  if (device === 'cpu') return 'cpu';
  if (device === 'webgpu') {
    await initWebGPU();
    return 'webgpu';
  }
  try {
    const info = await initWebGPU();
    return info.isSoftware ? 'cpu' : 'webgpu';
  } catch {
    return 'cpu';
  }
}

export class Trainer {
  readonly model: SentenceTransformer;
  readonly args: TrainingArguments;
  readonly trainDatasets: Record<string, Dataset>;
  readonly evalDatasets: Record<string, Dataset> | null;
  readonly losses: Record<string, Loss>;
  readonly evaluator: SentenceEvaluator | null;
  readonly callbacks: TrainerCallback[];
  readonly state: TrainerState = { globalStep: 0, maxSteps: 0, epoch: 0, logHistory: [], bestMetric: null, bestModelCheckpoint: null };
  private readonly trainable: Trainable;

  constructor(opts: TrainerOptions) {
    this.model = opts.model;
    this.args = trainingArguments(opts.args);
    const isDataset = (v: unknown): v is Dataset => typeof v === 'object' && v !== null && 'columnNames' in v;
    const isLoss = (v: unknown): v is Loss => typeof v === 'object' && v !== null && typeof (v as Loss).forward === 'function' && 'model' in v;
    this.trainDatasets = asRecord(opts.trainDataset, isDataset);
    this.evalDatasets = opts.evalDataset ? asRecord(opts.evalDataset, isDataset) : null;
    const losses = asRecord(opts.loss, isLoss);
    const names = Object.keys(this.trainDatasets);
    if (Object.keys(losses).length === 1 && !names.every((n) => n in losses)) {
      const only = Object.values(losses)[0]!;
      this.losses = Object.fromEntries(names.map((n) => [n, only]));
    } else {
      for (const n of names) if (!(n in losses)) throw new TesseraError('Trainer', 'loss', `has no loss for dataset '${n}' (losses: ${Object.keys(losses).join(', ')})`);
      this.losses = losses;
    }
    for (const [n, l] of Object.entries(this.losses)) {
      if (l.model !== this.model) throw new TesseraError('Trainer', 'loss', `'${n}' trains a different model than the Trainer's`);
    }
    this.trainable = new Trainable(Object.fromEntries([...new Set(Object.values(this.losses))].map((l, i) => [`loss${i}`, l])));
    this.evaluator = opts.evaluator ?? null;
    this.callbacks = opts.callbacks ?? [];
  }

  private samplerFor(dataset: Dataset, batchSize: number, seed: number): IndexBatchSampler {
    return getBatchSampler(this.args.batchSampler, dataset, { batchSize, dropLast: this.args.dataloaderDropLast, seed });
  }

  private makeSampler(): MultiDatasetBatchSampler {
    const samplers = Object.fromEntries(Object.entries(this.trainDatasets).map(([n, d]) => [n, this.samplerFor(d, this.args.perDeviceTrainBatchSize, this.args.seed)]));
    return new MultiDatasetBatchSampler(samplers, { strategy: this.args.multiDatasetBatchSampler, seed: this.args.seed });
  }

  private batch(datasetName: string, indices: readonly number[], device: DeviceName): { features: import('@tessera/nn').Features[]; labels?: Tensor } {
    const dataset = this.trainDatasets[datasetName] ?? this.evalDatasets?.[datasetName];
    if (!dataset) throw new TesseraError('Trainer', 'dataset', `'${datasetName}' is unknown`);
    return collate(
      indices.map((i) => dataset.row(i)),
      { model: this.model, textColumns: dataset.textColumns, labelColumn: dataset.labelColumn, prompts: this.args.prompts, device },
    );
  }

  private optimizerGroups(): { decay: Tensor[]; noDecay: Tensor[] } {
    const decay: Tensor[] = [];
    const noDecay: Tensor[] = [];
    for (const [name, p] of this.trainable.namedParameters()) {
      // Hugging Face: no weight decay for biases and LayerNorm weights.
      if (/(^|\.)bias$/.test(name) || /LayerNorm|layer_norm|\.ln/.test(name)) noDecay.push(p);
      else decay.push(p);
    }
    return { decay, noDecay };
  }

  private async emit<K extends keyof TrainerCallback>(hook: K, control: TrainerControl, ...rest: unknown[]): Promise<void> {
    for (const cb of this.callbacks) {
      const fn = cb[hook] as ((s: TrainerState, c: TrainerControl, ...r: unknown[]) => unknown) | undefined;
      if (fn) await fn.call(cb, this.state, control, ...rest);
    }
  }

  private async log(entry: LogEntry): Promise<void> {
    this.state.logHistory.push(entry);
    await appendFile(join(this.args.outputDir, 'trainer_log.jsonl'), `${JSON.stringify(entry)}\n`);
  }

  /** Evaluation: the evaluator's metrics and the loss on the eval dataset(s), prefixed `eval_`. */
  async evaluate(device?: DeviceName): Promise<Record<string, number>> {
    const dev = device ?? this.model.device;
    const metrics: Record<string, number> = {};
    const wasTraining = this.model.training;
    this.model.eval();
    try {
      if (this.evalDatasets) {
        for (const [name, dataset] of Object.entries(this.evalDatasets)) {
          const loss = this.losses[name] ?? Object.values(this.losses)[0]!;
          const sampler = this.samplerFor(dataset, this.args.perDeviceEvalBatchSize, this.args.seed);
          let total = 0;
          let batches = 0;
          for (const indices of sampler) {
            const { features, labels } = collate(indices.map((i) => dataset.row(i)), {
              model: this.model,
              textColumns: dataset.textColumns,
              labelColumn: dataset.labelColumn,
              prompts: this.args.prompts,
              device: dev,
            });
            const value = noGrad(() => tidy(() => loss.forward(features, labels)));
            total += await value.item();
            value.dispose();
            batches += 1;
          }
          metrics[Object.keys(this.evalDatasets).length > 1 ? `eval_${name}_loss` : 'eval_loss'] = batches ? total / batches : NaN;
        }
      }
      if (this.evaluator) {
        const results = await this.evaluator.evaluate(this.model, { outputDir: join(this.args.outputDir, 'eval'), epoch: this.state.epoch, steps: this.state.globalStep });
        for (const [k, v] of Object.entries(results)) metrics[`eval_${k}`] = v;
      }
    } finally {
      this.model.train(wasTraining);
    }
    return metrics;
  }

  private metricName(): string {
    if (this.args.metricForBestModel) return this.args.metricForBestModel.startsWith('eval_') ? this.args.metricForBestModel : `eval_${this.args.metricForBestModel}`;
    if (this.evaluator?.primaryMetric) return `eval_${this.evaluator.primaryMetric}`;
    return 'eval_loss';
  }

  private isBetter(value: number): boolean {
    if (this.state.bestMetric === null) return true;
    const greater = this.args.greaterIsBetter ?? (this.metricName() !== 'eval_loss' && !this.metricName().endsWith('_loss'));
    return greater ? value > this.state.bestMetric : value < this.state.bestMetric;
  }

  /** Trains; `resumeFromCheckpoint` is a checkpoint folder, or true for the latest in outputDir. */
  async train(opts: { resumeFromCheckpoint?: string | boolean } = {}): Promise<TrainOutput> {
    const args = this.args;
    await mkdir(args.outputDir, { recursive: true });
    const device = await resolveDevice(args.device);
    manualSeed(args.seed);
    if (device !== 'cpu') await this.trainable.to(device);
    this.model.train();
    const sampler = this.makeSampler();
    const updatesPerEpoch = Math.max(1, Math.ceil(sampler.length / args.gradientAccumulationSteps));
    const maxSteps = args.maxSteps > 0 ? args.maxSteps : Math.ceil(args.numTrainEpochs * updatesPerEpoch);
    const numEpochs = args.maxSteps > 0 ? Math.ceil(maxSteps / updatesPerEpoch) : Math.ceil(args.numTrainEpochs);
    const warmup = args.warmupSteps > 0 ? args.warmupSteps : Math.ceil(maxSteps * args.warmupRatio);
    const { decay, noDecay } = this.optimizerGroups();
    const optimizer = new AdamW(
      [
        { params: decay, weightDecay: args.weightDecay },
        { params: noDecay, weightDecay: 0 },
      ].filter((g) => g.params.length > 0),
      { lr: args.learningRate, betas: [args.adamBeta1, args.adamBeta2], eps: args.adamEpsilon },
    );
    const scheduler: LRScheduler = getScheduler(args.lrSchedulerType, optimizer, { numWarmupSteps: warmup, numTrainingSteps: maxSteps });
    const parts = { trainable: this.trainable, model: this.model, optimizer, scheduler };
    this.state.maxSteps = maxSteps;

    let startEpoch = 0;
    let skipSteps = 0;
    if (opts.resumeFromCheckpoint) {
      const dir = opts.resumeFromCheckpoint === true ? (await listCheckpoints(args.outputDir)).at(-1) : opts.resumeFromCheckpoint;
      if (!dir) throw new TesseraError('Trainer.train', 'resumeFromCheckpoint', `found no checkpoint in ${args.outputDir}`);
      const saved = await loadCheckpoint(dir, parts);
      defaultGenerator.setState(saved.rng);
      Object.assign(this.state, { globalStep: saved.globalStep, epoch: saved.epoch, logHistory: saved.logHistory, bestMetric: saved.bestMetric, bestModelCheckpoint: saved.bestModelCheckpoint });
      startEpoch = saved.epoch;
      skipSteps = saved.stepsInEpoch;
    } else {
      await writeFile(join(args.outputDir, 'trainer_log.jsonl'), '');
    }

    const control: TrainerControl = { shouldTrainingStop: false, shouldEvaluate: false, shouldSave: false };
    const bar = args.showProgressBar ? new ProgressBar(maxSteps, 'Training') : null;
    bar?.tick(this.state.globalStep);
    await this.emit('onTrainBegin', control);
    const started = Date.now();
    const startStep = this.state.globalStep;
    let runningLoss: Tensor = zeros([], { device });
    let runningCount = 0;
    let lossTotal = 0;
    let lossBatches = 0;
    let lastLogged: number | null = null;

    const save = async (): Promise<void> => {
      const dir = join(args.outputDir, `checkpoint-${this.state.globalStep}`);
      const stepsInEpoch = this.state.globalStep - startOfEpochStep;
      const checkpoint: TrainerCheckpointState = {
        globalStep: this.state.globalStep,
        epoch: this.state.epoch,
        stepsInEpoch,
        rng: defaultGenerator.getState(),
        logHistory: this.state.logHistory,
        bestMetric: this.state.bestMetric,
        bestModelCheckpoint: this.state.bestModelCheckpoint,
      };
      await saveCheckpoint(dir, parts, checkpoint);
      await rotateCheckpoints(args.outputDir, args.saveTotalLimit, this.state.bestModelCheckpoint);
      await this.emit('onSave', control, dir);
    };

    const evaluateNow = async (): Promise<void> => {
      const metrics = await this.evaluate(device);
      const name = this.metricName();
      if (name in metrics && this.isBetter(metrics[name]!)) {
        this.state.bestMetric = metrics[name]!;
        this.state.bestModelCheckpoint = join(args.outputDir, `checkpoint-${this.state.globalStep}`);
      }
      await this.log({ step: this.state.globalStep, epoch: this.state.epoch, ...metrics });
      await this.emit('onEvaluate', control, metrics);
    };

    let startOfEpochStep = this.state.globalStep - skipSteps;
    outer: for (let epoch = startEpoch; epoch < numEpochs; epoch++) {
      this.state.epoch = epoch;
      sampler.setEpoch(epoch);
      startOfEpochStep = epoch === startEpoch ? this.state.globalStep - skipSteps : this.state.globalStep;
      let micro = 0;
      let skip = epoch === startEpoch ? skipSteps * args.gradientAccumulationSteps : 0;
      for (const { dataset, indices } of sampler) {
        if (skip > 0) {
          skip -= 1;
          continue;
        }
        const loss = this.losses[dataset]!;
        const value = tidy(() => {
          const { features, labels } = this.batch(dataset, indices, device);
          const l = loss.forward(features, labels);
          const scaled = args.gradientAccumulationSteps > 1 ? l.div(args.gradientAccumulationSteps) : l;
          scaled.backward();
          return l.detach();
        });
        const nextRunning = noGrad(() => runningLoss.add(value));
        runningLoss.dispose();
        value.dispose();
        runningLoss = nextRunning;
        runningCount += 1;
        micro += 1;
        if (micro % args.gradientAccumulationSteps !== 0) continue;

        if (args.maxGradNorm > 0) clipGradNorm(this.trainable.parameters(), args.maxGradNorm).dispose();
        optimizer.step();
        scheduler.step();
        optimizer.zeroGrad();
        this.state.globalStep += 1;
        await this.emit('onStepEnd', control);

        const step = this.state.globalStep;
        const shouldLog = step % args.loggingSteps === 0 || (args.loggingFirstStep && step === 1) || step === maxSteps;
        if (shouldLog) {
          const mean = (await runningLoss.item()) / runningCount;
          lossTotal += mean * runningCount;
          lossBatches += runningCount;
          runningLoss.dispose();
          runningLoss = zeros([], { device });
          runningCount = 0;
          const entry: LogEntry = { step, epoch: epoch + micro / Math.max(1, sampler.length), loss: mean, learning_rate: scheduler.getLastLr()[0]! };
          await this.log(entry);
          await this.emit('onLog', control, entry);
          lastLogged = mean;
        }
        if (bar) {
          // On the CPU the running mean is free to read every step; on a GPU a read would stall the
          // queue, so the bar shows the last logged value.
          const shown = device === 'cpu' && runningCount > 0 ? (await runningLoss.item()) / runningCount : lastLogged;
          bar.tick(1, shown === null ? '' : `loss ${shown.toFixed(4)}`);
        }
        const evalNow = args.evalStrategy === 'steps' && args.evalSteps !== null && step % args.evalSteps === 0;
        if (evalNow || control.shouldEvaluate) {
          control.shouldEvaluate = false;
          await evaluateNow();
        }
        if ((args.saveStrategy === 'steps' && step % args.saveSteps === 0) || control.shouldSave) {
          control.shouldSave = false;
          await save();
        }
        if (step >= maxSteps || control.shouldTrainingStop) break outer;
      }
      if (args.evalStrategy === 'epoch') await evaluateNow();
      if (args.saveStrategy === 'epoch') await save();
      await this.emit('onEpochEnd', control);
    }
    if (runningCount > 0) {
      lossTotal += await runningLoss.item();
      lossBatches += runningCount;
    }
    runningLoss.dispose();

    const metrics: Record<string, number> = {};
    if (args.loadBestModelAtEnd && this.state.bestModelCheckpoint) {
      const best = this.state.bestModelCheckpoint;
      const exists = (await listCheckpoints(args.outputDir)).includes(best);
      if (!exists) await save();
      await loadCheckpoint(best, parts);
    }
    await this.writeLossCurve();
    await this.emit('onTrainEnd', control);
    optimizer.dispose();
    const runtime = (Date.now() - started) / 1000;
    Object.assign(metrics, { train_runtime: runtime });
    return {
      globalStep: this.state.globalStep,
      trainingLoss: lossBatches ? lossTotal / lossBatches : NaN,
      runtimeSeconds: runtime,
      stepsPerSecond: (this.state.globalStep - startStep) / Math.max(runtime, 1e-9),
      device,
      metrics,
    };
  }

  /** loss_curve.svg / .png in outputDir: training loss (and eval loss when logged) per step. */
  async writeLossCurve(): Promise<void> {
    const train = this.state.logHistory.filter((e) => 'loss' in e).map((e) => [e.step, e.loss!] as const);
    const evalLoss = this.state.logHistory.filter((e) => 'eval_loss' in e).map((e) => [e.step, e.eval_loss!] as const);
    const series = [{ name: 'training loss', points: train }, ...(evalLoss.length ? [{ name: 'eval loss', points: evalLoss }] : [])];
    const opts = { title: 'Loss', xLabel: 'step', yLabel: 'loss' };
    await writeFile(join(this.args.outputDir, 'loss_curve.svg'), lineChartSvg(series, opts));
    await writeFile(join(this.args.outputDir, 'loss_curve.png'), lineChartPng(series, opts));
  }
}
