import { Generator, TesseraError } from '@tessera/tensor';
import { permutation } from './dataset.js';
import { describe } from './describe.js';
import type { IndexBatchSampler, SamplerState } from './samplers.js';

/** How batches of several datasets interleave (sentence-transformers' MultiDatasetBatchSamplers). */
export const MULTI_DATASET_STRATEGIES = ['round_robin', 'proportional'] as const;
export type MultiDatasetStrategy = (typeof MULTI_DATASET_STRATEGIES)[number];

export interface MultiDatasetBatchSamplerOptions {
  /** Default 'proportional' (sentence-transformers' default). */
  strategy?: MultiDatasetStrategy;
  /** Non-negative integer (default 0); epoch `e` draws the dataset order from a generator seeded `seed + e`. */
  seed?: number;
}

/** One batch: the dataset it comes from and row indices into that dataset. */
export interface MultiDatasetBatch {
  dataset: string;
  indices: number[];
}

/**
 * Interleaves the batches of one sampler per dataset.
 * - `'round_robin'`: the datasets in turn (in the record's order), one batch each, stopping as soon as
 *   a dataset's sampler is exhausted (as sentence-transformers' RoundRobinBatchSampler: the datasets
 *   before the first exhausted one may have had one batch more; `length` reports
 *   `min(batches) × datasets`).
 * - `'proportional'`: a seeded shuffle of a list that names each dataset once per batch its sampler
 *   reports; each entry takes that dataset's next batch (an entry whose sampler is already exhausted
 *   is skipped), so datasets are drawn in proportion to their size (ProportionalBatchSampler).
 *   `length` is the sum of the samplers' lengths.
 * `setEpoch` reaches every sampler, so a resumed run reproduces the whole order from (seed, epoch).
 */
export class MultiDatasetBatchSampler implements Iterable<MultiDatasetBatch> {
  readonly samplers: Readonly<Record<string, IndexBatchSampler>>;
  readonly names: readonly string[];
  readonly strategy: MultiDatasetStrategy;
  readonly seed: number;
  private epochValue = 0;

  constructor(samplers: Record<string, IndexBatchSampler>, opts: MultiDatasetBatchSamplerOptions = {}) {
    const op = 'MultiDatasetBatchSampler';
    if (typeof samplers !== 'object' || samplers === null || Array.isArray(samplers)) throw new TesseraError(op, 'samplers', `must be a record of dataset name → batch sampler, got ${describe(samplers)}`);
    const names = Object.keys(samplers);
    if (names.length === 0) throw new TesseraError(op, 'samplers', 'is empty; give at least one dataset');
    for (const n of names) {
      const s = samplers[n] as unknown as Partial<IndexBatchSampler> | null;
      if (!s || typeof s.setEpoch !== 'function' || typeof s[Symbol.iterator] !== 'function' || typeof s.length !== 'number') {
        throw new TesseraError(op, 'samplers', `['${n}'] is not a batch sampler (needs setEpoch, length and an iterator), got ${describe(s)}`);
      }
    }
    const { strategy = 'proportional', seed = 0 } = opts;
    if (!MULTI_DATASET_STRATEGIES.includes(strategy)) throw new TesseraError(op, 'strategy', `must be 'round_robin' or 'proportional', got ${describe(strategy)}`);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new TesseraError(op, 'seed', `must be a non-negative safe integer, got ${describe(seed)}`);
    this.samplers = { ...samplers };
    this.names = names;
    this.strategy = strategy;
    this.seed = seed;
  }

  get epoch(): number {
    return this.epochValue;
  }

  /** Sets the epoch here and in every dataset's sampler. */
  setEpoch(epoch: number): void {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || !Number.isSafeInteger(this.seed + epoch)) {
      throw new TesseraError('MultiDatasetBatchSampler.setEpoch', 'epoch', `must be a non-negative safe integer (with the seed below 2^53), got ${describe(epoch)}`);
    }
    this.epochValue = epoch;
    for (const n of this.names) this.samplers[n]!.setEpoch(epoch);
  }

  get state(): SamplerState {
    return { seed: this.seed, epoch: this.epochValue };
  }

  get length(): number {
    const lengths = this.names.map((n) => this.samplers[n]!.length);
    return this.strategy === 'round_robin' ? Math.min(...lengths) * lengths.length : lengths.reduce((a, b) => a + b, 0);
  }

  *[Symbol.iterator](): Iterator<MultiDatasetBatch> {
    const iterators = this.names.map((n) => this.samplers[n]![Symbol.iterator]());
    if (this.strategy === 'round_robin') {
      for (;;) {
        for (let d = 0; d < iterators.length; d++) {
          const r = iterators[d]!.next();
          if (r.done) return;
          yield { dataset: this.names[d]!, indices: r.value };
        }
      }
    }
    const entries: number[] = [];
    this.names.forEach((n, d) => {
      for (let k = 0; k < this.samplers[n]!.length; k++) entries.push(d);
    });
    const order = permutation(entries.length, new Generator(this.seed + this.epochValue));
    for (const e of order) {
      const d = entries[e]!;
      const r = iterators[d]!.next();
      if (r.done) continue;
      yield { dataset: this.names[d]!, indices: r.value };
    }
  }
}
