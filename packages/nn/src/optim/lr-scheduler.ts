import { TesseraError } from '@tessera/tensor';
import type { Optimizer, OptimizerOptions } from './optimizer.js';

/** A scheduler's state (torch's `scheduler.state_dict()`, without the lambdas): JSON values only. */
export interface LRSchedulerStateDict {
  lastEpoch: number;
  baseLrs: number[];
  lastLr: number[];
  stepCount: number;
}

/**
 * Base class of learning-rate schedulers, as torch.optim.lr_scheduler.LRScheduler: construction
 * records each group's `initialLr` (its lr at that time) and performs step 0, so the optimizer's
 * lrs are already those of step 0; each `step()` (call it after `optimizer.step()`) advances one
 * step and writes the new lrs into the optimizer's groups.
 */
export abstract class LRScheduler {
  /** The scheduler's name in error messages. */
  readonly name: string;
  readonly optimizer: Optimizer<OptimizerOptions>;
  /** The group lrs the schedule scales (their `initialLr`). */
  baseLrs: number[];
  /** Index of the current step (-1 before the first). */
  lastEpoch: number;
  protected stepCount = 0;
  private lastLrs: number[] = [];

  protected constructor(name: string, optimizer: Optimizer<OptimizerOptions>, lastEpoch = -1) {
    this.name = name;
    this.optimizer = optimizer;
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) {
      throw new TesseraError(this.name, 'lastEpoch', `must be an integer >= -1, got ${String(lastEpoch)}`);
    }
    optimizer.paramGroups.forEach((g, i) => {
      if (lastEpoch === -1) g.initialLr ??= g.lr;
      else if (g.initialLr === undefined) {
        throw new TesseraError(this.name, 'lastEpoch', `is ${lastEpoch} (resuming) but paramGroups[${i}] has no initialLr`);
      }
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** The lrs of step `lastEpoch`, one per parameter group. */
  abstract getLr(): number[];

  /** Performs the initial step; subclasses call it at the end of their constructor (torch's `_initial_step`). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** Advances one step and sets every group's lr. */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i]!;
    });
    this.lastLrs = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lrs the last `step()` set, one per parameter group (torch's `get_last_lr()`). */
  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  stateDict(): LRSchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLrs], stepCount: this.stepCount };
  }

  /**
   * Restores what `stateDict()` saved. As in torch, the optimizer's lrs are not touched: they come
   * back with `optimizer.loadStateDict()`.
   */
  loadStateDict(dict: LRSchedulerStateDict): void {
    const name = this.name;
    if (!dict || typeof dict !== 'object' || !Number.isInteger(dict.lastEpoch) || !Array.isArray(dict.baseLrs) || !Array.isArray(dict.lastLr)) {
      throw new TesseraError(`${name}.loadStateDict`, 'dict', 'must be { lastEpoch, baseLrs, lastLr, stepCount } as stateDict() returns');
    }
    if (dict.baseLrs.length !== this.optimizer.paramGroups.length) {
      throw new TesseraError(`${name}.loadStateDict`, 'dict', `has ${dict.baseLrs.length} base lrs; the optimizer has ${this.optimizer.paramGroups.length} parameter groups`);
    }
    this.lastEpoch = dict.lastEpoch;
    this.baseLrs = [...dict.baseLrs];
    this.lastLrs = [...dict.lastLr];
    this.stepCount = typeof dict.stepCount === 'number' ? dict.stepCount : this.stepCount;
  }
}

/** A multiplier of the base lr as a function of the step index. */
export type LrLambda = (step: number) => number;

/**
 * lr at step k = base lr × lrLambda(k), as torch.optim.lr_scheduler.LambdaLR (one lambda for all
 * groups, or one per group). The transformers schedules below are LambdaLRs.
 */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer<OptimizerOptions>, lrLambda: LrLambda | readonly LrLambda[], lastEpoch = -1) {
    super('LambdaLR', optimizer, lastEpoch);
    const n = optimizer.paramGroups.length;
    if (typeof lrLambda === 'function') this.lrLambdas = Array.from({ length: n }, () => lrLambda);
    else if (Array.isArray(lrLambda) && lrLambda.length === n && lrLambda.every((f) => typeof f === 'function')) this.lrLambdas = [...lrLambda];
    else throw new TesseraError('LambdaLR', 'lrLambda', `must be a function or an array of ${n} functions (one per parameter group)`);
    this.initialStep();
  }

  getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i]!(this.lastEpoch));
  }
}

// ---- transformers' schedules (transformers/optimization.py), same formulas ----

function checkSteps(op: string, arg: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TesseraError(op, arg, `must be an integer >= 0, got ${String(value)}`);
  }
}

/** Constant lr (transformers' get_constant_schedule). */
export function getConstantSchedule(optimizer: Optimizer<OptimizerOptions>, lastEpoch = -1): LambdaLR {
  return new LambdaLR(optimizer, () => 1, lastEpoch);
}

/** Linear warmup from 0 over `numWarmupSteps`, then constant (transformers' get_constant_schedule_with_warmup). */
export function getConstantScheduleWithWarmup(optimizer: Optimizer<OptimizerOptions>, numWarmupSteps: number, lastEpoch = -1): LambdaLR {
  checkSteps('getConstantScheduleWithWarmup', 'numWarmupSteps', numWarmupSteps);
  return new LambdaLR(optimizer, (step) => (step < numWarmupSteps ? step / Math.max(1.0, numWarmupSteps) : 1.0), lastEpoch);
}

/**
 * Linear warmup from 0 over `numWarmupSteps`, then linear decay to 0 at `numTrainingSteps` (and 0
 * after), as transformers' get_linear_schedule_with_warmup.
 */
export function getLinearScheduleWithWarmup(optimizer: Optimizer<OptimizerOptions>, numWarmupSteps: number, numTrainingSteps: number, lastEpoch = -1): LambdaLR {
  checkSteps('getLinearScheduleWithWarmup', 'numWarmupSteps', numWarmupSteps);
  checkSteps('getLinearScheduleWithWarmup', 'numTrainingSteps', numTrainingSteps);
  return new LambdaLR(
    optimizer,
    (step) => {
      if (step < numWarmupSteps) return step / Math.max(1, numWarmupSteps);
      return Math.max(0.0, (numTrainingSteps - step) / Math.max(1, numTrainingSteps - numWarmupSteps));
    },
    lastEpoch,
  );
}

/**
 * Linear warmup from 0 over `numWarmupSteps`, then cosine decay: `numCycles` 0.5 (default) goes
 * from the base lr to 0 at `numTrainingSteps` (transformers' get_cosine_schedule_with_warmup; as
 * there, the multiplier is max(0, 0.5 (1 + cos(2π numCycles progress))), so it rises again past
 * the end).
 */
export function getCosineScheduleWithWarmup(
  optimizer: Optimizer<OptimizerOptions>,
  numWarmupSteps: number,
  numTrainingSteps: number,
  numCycles = 0.5,
  lastEpoch = -1,
): LambdaLR {
  checkSteps('getCosineScheduleWithWarmup', 'numWarmupSteps', numWarmupSteps);
  checkSteps('getCosineScheduleWithWarmup', 'numTrainingSteps', numTrainingSteps);
  if (typeof numCycles !== 'number' || !Number.isFinite(numCycles)) {
    throw new TesseraError('getCosineScheduleWithWarmup', 'numCycles', `must be a finite number, got ${String(numCycles)}`);
  }
  return new LambdaLR(
    optimizer,
    (step) => {
      if (step < numWarmupSteps) return step / Math.max(1, numWarmupSteps);
      const progress = (step - numWarmupSteps) / Math.max(1, numTrainingSteps - numWarmupSteps);
      return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * numCycles * 2.0 * progress)));
    },
    lastEpoch,
  );
}

/** Scheduler names of transformers' `get_scheduler` that Tessera implements. */
export const SCHEDULER_NAMES = ['constant', 'constant_with_warmup', 'linear', 'cosine'] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

export interface SchedulerOptions {
  numWarmupSteps?: number;
  numTrainingSteps?: number;
}

/**
 * A schedule by transformers' name (transformers' get_scheduler): 'constant' ignores the step
 * counts; 'constant_with_warmup' needs `numWarmupSteps`; 'linear' and 'cosine' need both.
 */
export function getScheduler(name: SchedulerName, optimizer: Optimizer<OptimizerOptions>, opts: SchedulerOptions = {}): LambdaLR {
  const { numWarmupSteps, numTrainingSteps } = opts;
  const need = (arg: 'numWarmupSteps' | 'numTrainingSteps', value: number | undefined): number => {
    if (value === undefined) throw new TesseraError('getScheduler', arg, `is required by the '${name}' schedule, please provide it`);
    return value;
  };
  switch (name) {
    case 'constant':
      return getConstantSchedule(optimizer);
    case 'constant_with_warmup':
      return getConstantScheduleWithWarmup(optimizer, need('numWarmupSteps', numWarmupSteps));
    case 'linear':
      return getLinearScheduleWithWarmup(optimizer, need('numWarmupSteps', numWarmupSteps), need('numTrainingSteps', numTrainingSteps));
    case 'cosine':
      return getCosineScheduleWithWarmup(optimizer, need('numWarmupSteps', numWarmupSteps), need('numTrainingSteps', numTrainingSteps));
    default:
      throw new TesseraError('getScheduler', 'name', `must be one of ${SCHEDULER_NAMES.map((n) => `'${n}'`).join(', ')}, got ${JSON.stringify(name)}`);
  }
}
