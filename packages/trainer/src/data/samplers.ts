import { Generator, TesseraError } from '@tessera/tensor';
import type { Cell } from './dataset.js';
import { Dataset, LABEL_COLUMNS, permutation } from './dataset.js';
import { describe } from './describe.js';

export { MultiDatasetBatchSampler, MULTI_DATASET_STRATEGIES } from './multi-dataset.js';
export type { MultiDatasetBatch, MultiDatasetBatchSamplerOptions, MultiDatasetStrategy } from './multi-dataset.js';

/**
 * Batch samplers (losses.md Appendix B.2–B.4, sentence-transformers v6). Every sampler is a pure
 * function of `(seed, epoch)`: each iteration draws from a fresh generator seeded `seed + epoch`,
 * so a resumed run that calls `setEpoch(epoch)` reproduces the order exactly.
 */

/** The names of `args.batchSampler` (sentence-transformers' BatchSamplers enum values). */
export const BATCH_SAMPLER_NAMES = ['batch_sampler', 'no_duplicates', 'group_by_label'] as const;
export type BatchSamplerName = (typeof BATCH_SAMPLER_NAMES)[number];

/** Column that routes rows to a dataset in multi-dataset training; never compared nor a label. */
export const DATASET_NAME_COLUMN = 'dataset_name';

export interface BatchSamplerOptions {
  /** Rows per batch (positive integer; GROUP_BY_LABEL: even and ≥ 4). */
  batchSize: number;
  /** Drop the last, incomplete batch (default false). */
  dropLast?: boolean;
  /** Non-negative integer (default 0); epoch `e` uses a generator seeded `seed + e`. */
  seed?: number;
  /** Columns that hold labels, in priority order (default LABEL_COLUMNS: label, labels, score, scores). */
  labelColumns?: readonly string[];
}

/** The sampler's reproducibility state: the order of epoch `epoch` is a function of it alone. */
export interface SamplerState {
  seed: number;
  epoch: number;
}

/** What the trainer and MultiDatasetBatchSampler need from a batch sampler. */
export interface IndexBatchSampler extends Iterable<number[]> {
  readonly batchSize: number;
  readonly dropLast: boolean;
  readonly seed: number;
  readonly epoch: number;
  /** Selects the epoch whose order the next iteration yields. */
  setEpoch(epoch: number): void;
  /** Number of batches per epoch (as sentence-transformers reports it; NO_DUPLICATES' is approximate). */
  readonly length: number;
}

function checkEpochSeed(op: string, arg: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new TesseraError(op, arg, `must be a non-negative safe integer, got ${String(value)}`);
}

/** Shared option checks and the (seed, epoch) bookkeeping. */
abstract class SeededBatchSampler implements IndexBatchSampler {
  readonly batchSize: number;
  readonly dropLast: boolean;
  readonly seed: number;
  readonly datasetLength: number;
  private epochValue = 0;

  protected constructor(
    protected readonly op: string,
    dataset: Dataset,
    opts: BatchSamplerOptions,
  ) {
    if (!(dataset instanceof Dataset)) throw new TesseraError(op, 'dataset', `must be a Dataset, got ${describe(dataset)}`);
    if (typeof opts !== 'object' || opts === null) throw new TesseraError(op, 'options', `must be an object, got ${describe(opts)}`);
    const { batchSize, dropLast = false, seed = 0 } = opts;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new TesseraError(op, 'batchSize', `must be a positive integer, got ${describe(batchSize)}`);
    if (typeof dropLast !== 'boolean') throw new TesseraError(op, 'dropLast', `must be a boolean, got ${describe(dropLast)}`);
    checkEpochSeed(op, 'seed', seed);
    this.batchSize = batchSize;
    this.dropLast = dropLast;
    this.seed = seed;
    this.datasetLength = dataset.length;
  }

  get epoch(): number {
    return this.epochValue;
  }

  setEpoch(epoch: number): void {
    checkEpochSeed(`${this.op}.setEpoch`, 'epoch', epoch);
    if (!Number.isSafeInteger(this.seed + epoch)) throw new TesseraError(`${this.op}.setEpoch`, 'epoch', `${epoch} + seed ${this.seed} exceeds 2^53`);
    this.epochValue = epoch;
  }

  get state(): SamplerState {
    return { seed: this.seed, epoch: this.epochValue };
  }

  /** A fresh generator for the current epoch (seeded `seed + epoch`). */
  protected epochGenerator(): Generator {
    return new Generator(this.seed + this.epochValue);
  }

  abstract get length(): number;
  abstract [Symbol.iterator](): Iterator<number[]>;
}

/**
 * `'batch_sampler'` (B.2): a random permutation of the rows (generator seeded `seed + epoch`) cut
 * into consecutive batches; the last one is shorter unless `dropLast` drops it.
 */
export class BatchSampler extends SeededBatchSampler {
  constructor(dataset: Dataset, opts: BatchSamplerOptions) {
    super('BatchSampler', dataset, opts);
  }

  get length(): number {
    return this.dropLast ? Math.floor(this.datasetLength / this.batchSize) : Math.ceil(this.datasetLength / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    const order = permutation(this.datasetLength, this.epochGenerator());
    const bs = this.batchSize;
    for (let start = 0; start < order.length; start += bs) {
      const batch = order.slice(start, start + bs);
      if (batch.length < bs && this.dropLast) return;
      yield batch;
    }
  }
}

/** The string a cell compares as (Python's `str(value)` for strings and numbers; vectors as JSON). */
function cellKey(cell: Cell): string {
  return typeof cell === 'string' ? cell : typeof cell === 'number' ? String(cell) : JSON.stringify(Array.from(cell));
}

/**
 * `'no_duplicates'` (B.3): batches in which no cell string occurs twice, across all non-label
 * columns (one row's positive equal to another row's anchor is a clash). Each epoch scans a random
 * permutation (seeded `seed + epoch`) again and again from its start: a clashing row is skipped
 * (kept for a later batch), a full batch is yielded at once; a scan that ends with a partial batch
 * yields it unless `dropLast` (which discards it). The batch's rows leave the permutation either way.
 * Label columns and `dataset_name` are never compared. `length` is ⌊N/bs⌋ with dropLast, else
 * ⌈N/bs⌉ — approximate, as in sentence-transformers (clashes can make more, shorter batches).
 */
export class NoDuplicatesBatchSampler extends SeededBatchSampler {
  /** Per row, the distinct strings of its compared cells (computed once; the comparison is exact). */
  private readonly rowKeys: readonly (readonly string[])[];
  /** The columns whose cells are compared. */
  readonly comparedColumns: readonly string[];

  constructor(dataset: Dataset, opts: BatchSamplerOptions & { precomputeHashes?: boolean }) {
    super('NoDuplicatesBatchSampler', dataset, opts);
    const excluded = new Set<string>([...(opts.labelColumns ?? LABEL_COLUMNS), DATASET_NAME_COLUMN]);
    this.comparedColumns = dataset.columnNames.filter((c) => !excluded.has(c));
    const keys: string[][] = [];
    for (let i = 0; i < dataset.length; i++) {
      const row = dataset.row(i);
      keys.push([...new Set(this.comparedColumns.map((c) => cellKey(row[c]!)))]);
    }
    this.rowKeys = keys;
  }

  get length(): number {
    return this.dropLast ? Math.floor(this.datasetLength / this.batchSize) : Math.ceil(this.datasetLength / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    const n = this.datasetLength;
    const order = permutation(n, this.epochGenerator());
    // `remaining` as a doubly linked list over the permutation (O(1) removal, order kept);
    // node n is the sentinel, node k is order[k].
    const next = new Int32Array(n + 1);
    const prev = new Int32Array(n + 1);
    for (let k = 0; k < n; k++) {
      next[k] = k + 1;
      prev[k] = k === 0 ? n : k - 1;
    }
    next[n] = n === 0 ? n : 0;
    prev[n] = n === 0 ? n : n - 1;
    const remove = (k: number): void => {
      next[prev[k]!] = next[k]!;
      prev[next[k]!] = prev[k]!;
    };
    const bs = this.batchSize;
    while (next[n] !== n) {
      const batch: number[] = [];
      const nodes: number[] = [];
      const seen = new Set<string>();
      let full = false;
      for (let k = next[n]!; k !== n; k = next[k]!) {
        const keys = this.rowKeys[order[k]!]!;
        if (keys.some((s) => seen.has(s))) continue;
        batch.push(order[k]!);
        nodes.push(k);
        if (batch.length === bs) {
          full = true;
          break;
        }
        for (const s of keys) seen.add(s);
      }
      for (const k of nodes) remove(k);
      if (full || !this.dropLast) yield batch;
    }
  }
}

/** A label cell as a grouping key (numbers and strings; 1 and '1' are different labels, as in Python). */
function labelKey(op: string, column: string, cell: Cell, row: number): string | number {
  if (typeof cell === 'number' || typeof cell === 'string') return cell;
  throw new TesseraError(op, 'dataset', `row ${row}, label column '${column}' holds a vector; group_by_label needs one number or string label per row`);
}

/**
 * `'group_by_label'` (B.4, the sentence-transformers v6 rewrite): batches that mix many labels,
 * every label present with ≥ 2 rows. Rows are grouped by the first label column found; each group is
 * cut to an even count (its last row dropped if odd), groups under 2 rows vanish, and fewer than 2
 * remaining labels is an error; `batchSize` must be even and ≥ 4. Each epoch (seeded `seed + epoch`):
 * every group's rows are shuffled (one permutation per group, in group order), then, while ≥ 2 labels
 * have rows left, the labels are shuffled and each in turn appends its next two rows to a running
 * list whose full `batchSize` prefixes are yielded as soon as complete; labels with no rows left drop
 * out after each pass. A remainder of ≥ 4 rows is yielded unless `dropLast`.
 */
export class GroupByLabelBatchSampler extends SeededBatchSampler {
  /** The column the labels come from. */
  readonly labelColumn: string;
  /** Row indices per label (even counts, ≥ 2), in order of first appearance. */
  readonly groups: ReadonlyMap<string | number, readonly number[]>;

  constructor(dataset: Dataset, opts: BatchSamplerOptions) {
    super('GroupByLabelBatchSampler', dataset, opts);
    const op = this.op;
    if (this.batchSize % 2 !== 0 || this.batchSize < 4) {
      throw new TesseraError(op, 'batchSize', `must be even and at least 4 (every label in a batch needs 2 rows), got ${this.batchSize}`);
    }
    const candidates = opts.labelColumns ?? LABEL_COLUMNS;
    const column = candidates.find((c) => dataset.columnNames.includes(c));
    if (column === undefined) {
      throw new TesseraError(op, 'dataset', `has no label column (looked for ${candidates.join(', ')}; columns: ${dataset.columnNames.join(', ')})`);
    }
    this.labelColumn = column;
    const raw = new Map<string | number, number[]>();
    for (let i = 0; i < dataset.length; i++) {
      const key = labelKey(op, column, dataset.row(i)[column]!, i);
      let g = raw.get(key);
      if (!g) raw.set(key, (g = []));
      g.push(i);
    }
    const groups = new Map<string | number, number[]>();
    for (const [label, rows] of raw) {
      const even = rows.length - (rows.length % 2);
      if (even >= 2) groups.set(label, rows.slice(0, even));
    }
    if (groups.size < 2) {
      throw new TesseraError(op, 'dataset', `has ${groups.size} label(s) with at least 2 rows in column '${column}'; group_by_label needs at least 2`);
    }
    this.groups = groups;
  }

  /** Rows the epoch's stream holds: 2·Σ_l min(p_l, c), `p_l` = pairs of label l, `c` = the second-largest p_l. */
  get streamLength(): number {
    const pairs = [...this.groups.values()].map((g) => g.length / 2).sort((a, b) => b - a);
    const c = pairs[1]!;
    return 2 * pairs.reduce((s, p) => s + Math.min(p, c), 0);
  }

  get length(): number {
    const stream = this.streamLength;
    const full = Math.floor(stream / this.batchSize);
    return full + (!this.dropLast && stream % this.batchSize >= 4 ? 1 : 0);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    const gen = this.epochGenerator();
    const queues: number[][] = [];
    for (const rows of this.groups.values()) queues.push(permutation(rows.length, gen).map((i) => rows[i]!));
    const heads = new Array<number>(queues.length).fill(0);
    let active = queues.map((_, i) => i);
    let running: number[] = [];
    const bs = this.batchSize;
    while (active.length >= 2) {
      for (const j of permutation(active.length, gen)) {
        const g = active[j]!;
        const q = queues[g]!;
        running.push(q[heads[g]!]!, q[heads[g]! + 1]!);
        heads[g]! += 2;
        if (running.length === bs) {
          yield running;
          running = [];
        }
      }
      active = active.filter((g) => heads[g]! < queues[g]!.length);
    }
    if (!this.dropLast && running.length >= 4) yield running;
  }
}

/** Builds a sampler from a dataset and options (for a custom `args.batchSampler`). */
export type BatchSamplerFactory = (dataset: Dataset, opts: BatchSamplerOptions) => IndexBatchSampler;

/** The sampler `args.batchSampler` names (or a factory's), for `dataset`. */
export function getBatchSampler(name: BatchSamplerName | BatchSamplerFactory, dataset: Dataset, opts: BatchSamplerOptions): IndexBatchSampler {
  if (typeof name === 'function') return name(dataset, opts);
  switch (name) {
    case 'batch_sampler':
      return new BatchSampler(dataset, opts);
    case 'no_duplicates':
      return new NoDuplicatesBatchSampler(dataset, opts);
    case 'group_by_label':
      return new GroupByLabelBatchSampler(dataset, opts);
    default:
      throw new TesseraError('getBatchSampler', 'name', `must be one of ${BATCH_SAMPLER_NAMES.map((n) => `'${n}'`).join(', ')} or a factory function, got ${describe(name)}`);
  }
}
