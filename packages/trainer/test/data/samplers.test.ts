/**
 * Batch samplers (losses.md B.2–B.4) and multi-dataset interleaving: fast-check properties (each
 * index at most once per epoch, batch sizes, (seed, epoch) determinism, NO_DUPLICATES' clash-free
 * batches, GROUP_BY_LABEL's pairs and reported length), literal reference implementations of B.3 and
 * B.4 run against the samplers, and the documented errors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Generator, TesseraError } from '@tessera/tensor';
import { Dataset, permutation } from '../../src/data/dataset.js';
import type { Row } from '../../src/data/dataset.js';
import {
  BatchSampler,
  getBatchSampler,
  GroupByLabelBatchSampler,
  NoDuplicatesBatchSampler,
} from '../../src/data/samplers.js';
import type { BatchSamplerOptions, IndexBatchSampler } from '../../src/data/samplers.js';
import { MultiDatasetBatchSampler } from '../../src/data/multi-dataset.js';

const RUNS = { numRuns: 150 };

function drain(s: IndexBatchSampler, epoch?: number): number[][] {
  if (epoch !== undefined) s.setEpoch(epoch);
  return [...s];
}

function expectError(fn: () => unknown, op: string, arg: string, text?: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${op} to throw`).toBeInstanceOf(TesseraError);
  const err = caught as TesseraError;
  expect(err.op).toBe(op);
  expect(err.arg).toBe(arg);
  if (text) expect(err.message).toContain(text);
}

function expectEachIndexAtMostOnce(batches: number[][], n: number): void {
  const all = batches.flat();
  expect(new Set(all).size).toBe(all.length);
  for (const i of all) {
    expect(Number.isInteger(i) && i >= 0 && i < n).toBe(true);
  }
}

/** A dataset of `n` rows with distinct texts. */
function distinctDataset(n: number): Dataset {
  return Dataset.fromDict({
    anchor: Array.from({ length: n }, (_, i) => `a${i}`),
    positive: Array.from({ length: n }, (_, i) => `p${i}`),
  });
}

const samplerOpts = fc.record({
  batchSize: fc.integer({ min: 1, max: 9 }),
  dropLast: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  epoch: fc.integer({ min: 0, max: 1000 }),
});

/** Texts from a small vocabulary, so rows clash often; the label column reuses the same strings. */
const clashyRows = fc.array(
  fc.record({
    anchor: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
    positive: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'),
    negative: fc.constantFrom('k', 'l', 'm', 'a', 'b'),
    label: fc.constantFrom('a', 'b', 'k'),
  }),
  { minLength: 0, maxLength: 40 },
);

describe('BatchSampler (batch_sampler)', () => {
  it('yields a permutation in consecutive batches of batchSize, the last shorter unless dropLast; length matches', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70 }), samplerOpts, (n, { batchSize, dropLast, seed, epoch }) => {
        const s = new BatchSampler(distinctDataset(n), { batchSize, dropLast, seed });
        const batches = drain(s, epoch);
        expectEachIndexAtMostOnce(batches, n);
        batches.slice(0, -1).forEach((b) => expect(b.length).toBe(batchSize));
        if (batches.length) {
          const last = batches[batches.length - 1]!.length;
          if (dropLast) expect(last).toBe(batchSize);
          else expect(last === batchSize || last === n % batchSize).toBe(true);
        }
        expect(batches.length).toBe(s.length);
        expect(batches.flat().length).toBe(dropLast ? n - (n % batchSize) : n);
        // Exactly the permutation of a generator seeded seed + epoch, cut in order.
        expect(batches.flat()).toEqual(permutation(n, new Generator(seed + epoch)).slice(0, batches.flat().length));
      }),
      RUNS,
    );
  });

  it('same (seed, epoch) gives the same order, a fresh sampler reproduces it (resume), another epoch or seed differs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 12, max: 60 }), samplerOpts, (n, { batchSize, dropLast, seed, epoch }) => {
        const ds = distinctDataset(n);
        const s = new BatchSampler(ds, { batchSize, dropLast, seed });
        const first = drain(s, epoch);
        expect(drain(s, epoch)).toEqual(first);
        expect([...s]).toEqual(first); // iterating again without setEpoch repeats the epoch
        const resumed = new BatchSampler(ds, { batchSize, dropLast, seed });
        expect(drain(resumed, epoch)).toEqual(first);
        expect(drain(s, epoch + 1)).not.toEqual(first);
        expect(drain(new BatchSampler(ds, { batchSize, dropLast, seed: seed + 7 }), epoch)).not.toEqual(first);
      }),
      RUNS,
    );
  });

  it('starts at epoch 0 and exposes (seed, epoch) as its state', () => {
    const s = new BatchSampler(distinctDataset(10), { batchSize: 3, seed: 5 });
    expect(s.epoch).toBe(0);
    expect(s.state).toEqual({ seed: 5, epoch: 0 });
    s.setEpoch(4);
    expect(s.state).toEqual({ seed: 5, epoch: 4 });
    expect(s.dropLast).toBe(false);
    expect(s.length).toBe(4);
  });

  it('rejects bad options', () => {
    const ds = distinctDataset(5);
    expectError(() => new BatchSampler(ds, { batchSize: 0 }), 'BatchSampler', 'batchSize');
    expectError(() => new BatchSampler(ds, { batchSize: 2.5 }), 'BatchSampler', 'batchSize');
    expectError(() => new BatchSampler(ds, { batchSize: 2, seed: -1 }), 'BatchSampler', 'seed');
    expectError(() => new BatchSampler(ds, { batchSize: 2, dropLast: 'yes' as unknown as boolean }), 'BatchSampler', 'dropLast');
    expectError(() => new BatchSampler([] as unknown as Dataset, { batchSize: 2 }), 'BatchSampler', 'dataset');
    expectError(() => new BatchSampler(ds, { batchSize: 2 }).setEpoch(-1), 'BatchSampler.setEpoch', 'epoch');
    expectError(() => new BatchSampler(ds, { batchSize: 2 }).setEpoch(1.5), 'BatchSampler.setEpoch', 'epoch');
  });
});

/** B.3 as written: `remaining` as a plain array, scanned from its start again and again. */
function referenceNoDuplicates(rows: readonly Row[], compared: readonly string[], opts: Required<Omit<BatchSamplerOptions, 'labelColumns'>>, epoch: number): number[][] {
  let remaining = permutation(rows.length, new Generator(opts.seed + epoch));
  const out: number[][] = [];
  while (remaining.length) {
    const batch: number[] = [];
    const seen = new Set<string>();
    let full = false;
    for (const i of remaining) {
      const strings = compared.map((c) => String(rows[i]![c]));
      if (strings.some((s) => seen.has(s))) continue;
      batch.push(i);
      if (batch.length === opts.batchSize) {
        out.push(batch);
        full = true;
        break;
      }
      for (const s of strings) seen.add(s);
    }
    if (!full && !opts.dropLast) out.push(batch);
    remaining = remaining.filter((i) => !batch.includes(i));
  }
  return out;
}

describe('NoDuplicatesBatchSampler (no_duplicates)', () => {
  it('no text appears twice in a batch across its text columns; label columns are ignored; every row used unless dropLast', () => {
    fc.assert(
      fc.property(clashyRows, samplerOpts, (rows, { batchSize, dropLast, seed, epoch }) => {
        const ds = new Dataset(rows, ['anchor', 'positive', 'negative', 'label']);
        const s = new NoDuplicatesBatchSampler(ds, { batchSize, dropLast, seed });
        expect(s.comparedColumns).toEqual(['anchor', 'positive', 'negative']);
        const batches = drain(s, epoch);
        expectEachIndexAtMostOnce(batches, rows.length);
        for (const b of batches) {
          expect(b.length).toBeGreaterThan(0);
          expect(b.length).toBeLessThanOrEqual(batchSize);
          if (dropLast) expect(b.length).toBe(batchSize);
          const texts = b.flatMap((i) => [...new Set([rows[i]!.anchor, rows[i]!.positive, rows[i]!.negative])]);
          expect(new Set(texts).size).toBe(texts.length);
        }
        if (!dropLast) expect(batches.flat().sort((x, y) => x - y)).toEqual(rows.map((_, i) => i));
        expect(s.length).toBe(dropLast ? Math.floor(rows.length / batchSize) : Math.ceil(rows.length / batchSize));
      }),
      RUNS,
    );
  });

  it('follows B.3 exactly (a literal reference implementation gives the same batches)', () => {
    fc.assert(
      fc.property(clashyRows, samplerOpts, (rows, { batchSize, dropLast, seed, epoch }) => {
        const ds = new Dataset(rows, ['anchor', 'positive', 'negative', 'label']);
        const got = drain(new NoDuplicatesBatchSampler(ds, { batchSize, dropLast, seed }), epoch);
        expect(got).toEqual(referenceNoDuplicates(rows, ['anchor', 'positive', 'negative'], { batchSize, dropLast, seed }, epoch));
      }),
      RUNS,
    );
  });

  it('with all texts distinct, it cuts the same permutation as batch_sampler', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), samplerOpts, (n, { batchSize, dropLast, seed, epoch }) => {
        const ds = distinctDataset(n);
        const a = drain(new NoDuplicatesBatchSampler(ds, { batchSize, dropLast, seed }), epoch);
        const b = drain(new BatchSampler(ds, { batchSize, dropLast, seed }), epoch);
        expect(a).toEqual(b);
      }),
      RUNS,
    );
  });

  it('same (seed, epoch) gives the same order; another epoch differs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 12, max: 50 }), samplerOpts, (n, { batchSize, dropLast, seed, epoch }) => {
        const ds = Dataset.fromDict({
          anchor: Array.from({ length: n }, (_, i) => `q${i % 5}`),
          positive: Array.from({ length: n }, (_, i) => `d${i}`),
        });
        const s = new NoDuplicatesBatchSampler(ds, { batchSize, dropLast, seed });
        const first = drain(s, epoch);
        expect(drain(new NoDuplicatesBatchSampler(ds, { batchSize, dropLast, seed }), epoch)).toEqual(first);
        // Without dropLast every row is yielded, so the epochs' orders are comparable.
        const all = new NoDuplicatesBatchSampler(ds, { batchSize, seed });
        expect(drain(all, epoch + 1)).not.toEqual(drain(all, epoch));
      }),
      RUNS,
    );
  });

  it("clashes across columns: one row's positive equal to another's anchor", () => {
    const ds = Dataset.fromDict({ anchor: ['x', 'y'], positive: ['y', 'z'] });
    const batches = drain(new NoDuplicatesBatchSampler(ds, { batchSize: 2 }));
    expect(batches.map((b) => b.length)).toEqual([1, 1]);
    expect(drain(new NoDuplicatesBatchSampler(ds, { batchSize: 2, dropLast: true }))).toEqual([]);
  });

  it('a partial batch can be followed by a full one (clash-skipped rows make their own batches)', () => {
    // r0 = (a,b) and r1 = (z,w) fill a partial batch; r2..r4 each clash with it but not with each other.
    const ds = Dataset.fromDict({ anchor: ['a', 'z', 'a', 'b', 'z'], positive: ['b', 'w', 'c', 'd', 'e'] });
    const rows = [...ds];
    for (let seed = 0; seed < 200; seed++) {
      const got = drain(new NoDuplicatesBatchSampler(ds, { batchSize: 3, seed }));
      expect(got).toEqual(referenceNoDuplicates(rows, ['anchor', 'positive'], { batchSize: 3, dropLast: false, seed }, 0));
    }
    // The order r0, r2, r3, r1, r4 (some seed gives it) yields [r0, r1] then [r2, r3, r4].
    const found = Array.from({ length: 2000 }, (_, seed) => drain(new NoDuplicatesBatchSampler(ds, { batchSize: 3, seed }))).some(
      (b) => b.length === 2 && b[0]!.length === 2 && b[1]!.length === 3,
    );
    expect(found).toBe(true);
  });

  it('ignores every label column and dataset_name; honours custom labelColumns', () => {
    const ds = Dataset.fromDict({ anchor: ['a', 'b', 'c', 'd'], score: ['s', 's', 's', 's'], dataset_name: ['n', 'n', 'n', 'n'], label: [1, 1, 1, 1] });
    const s = new NoDuplicatesBatchSampler(ds, { batchSize: 4 });
    expect(s.comparedColumns).toEqual(['anchor']);
    expect(drain(s).map((b) => b.length)).toEqual([4]);
    const strict = new NoDuplicatesBatchSampler(ds, { batchSize: 4, labelColumns: ['label'] });
    expect(strict.comparedColumns).toEqual(['anchor', 'score']);
    expect(drain(strict).map((b) => b.length)).toEqual([1, 1, 1, 1]);
  });

  it('rejects bad options', () => {
    expectError(() => new NoDuplicatesBatchSampler(distinctDataset(3), { batchSize: -2 }), 'NoDuplicatesBatchSampler', 'batchSize');
  });
});

/** B.4 as written, with plain arrays. */
function referenceGroupByLabel(labels: readonly (string | number)[], opts: { batchSize: number; dropLast: boolean; seed: number }, epoch: number): number[][] {
  const raw = new Map<string | number, number[]>();
  labels.forEach((l, i) => (raw.get(l) ?? raw.set(l, []).get(l)!).push(i));
  const groups = [...raw.values()].map((g) => g.slice(0, g.length - (g.length % 2))).filter((g) => g.length >= 2);
  const gen = new Generator(opts.seed + epoch);
  const queues = groups.map((g) => permutation(g.length, gen).map((i) => g[i]!));
  let active = queues.map((_, i) => i);
  let running: number[] = [];
  const out: number[][] = [];
  while (active.length >= 2) {
    const shuffled = permutation(active.length, gen).map((j) => active[j]!);
    for (const g of shuffled) {
      running.push(...queues[g]!.splice(0, 2));
      while (running.length >= opts.batchSize) {
        out.push(running.slice(0, opts.batchSize));
        running = running.slice(opts.batchSize);
      }
    }
    active = active.filter((g) => queues[g]!.length > 0);
  }
  if (!opts.dropLast && running.length >= 4) out.push(running);
  return out;
}

/** Labels with at least two labels holding ≥ 2 rows. */
const validLabels = fc
  .array(fc.integer({ min: 0, max: 6 }), { minLength: 4, maxLength: 80 })
  .filter((ls) => [...new Set(ls)].filter((l) => ls.filter((x) => x === l).length >= 2).length >= 2);
const groupOpts = fc.record({
  batchSize: fc.integer({ min: 2, max: 8 }).map((h) => 2 * h),
  dropLast: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  epoch: fc.integer({ min: 0, max: 1000 }),
});

function labelDataset(labels: readonly (string | number)[]): Dataset {
  return Dataset.fromDict({ text: labels.map((_, i) => `t${i}`), label: labels });
}

describe('GroupByLabelBatchSampler (group_by_label)', () => {
  it('every label in a batch has ≥ 2 rows, batches are even and full except a last one of ≥ 4, length is exact', () => {
    fc.assert(
      fc.property(validLabels, groupOpts, (labels, { batchSize, dropLast, seed, epoch }) => {
        const s = new GroupByLabelBatchSampler(labelDataset(labels), { batchSize, dropLast, seed });
        const batches = drain(s, epoch);
        expectEachIndexAtMostOnce(batches, labels.length);
        batches.forEach((b, k) => {
          expect(b.length % 2).toBe(0);
          if (k < batches.length - 1 || dropLast) expect(b.length).toBe(batchSize);
          else expect(b.length).toBeGreaterThanOrEqual(4);
          const counts = new Map<number, number>();
          for (const i of b) counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1);
          for (const c of counts.values()) expect(c).toBeGreaterThanOrEqual(2);
        });
        expect(s.length).toBe(batches.length);
        // The stream is 2·Σ min(p_l, c) rows; only its last partial batch (if < 4 rows, or dropLast) is left out.
        const used = batches.flat().length;
        const stream = s.streamLength;
        expect(stream - used).toBeLessThan(batchSize);
        if (!dropLast && stream % batchSize >= 4) expect(used).toBe(stream);
      }),
      RUNS,
    );
  });

  it('follows B.4 exactly (a literal reference implementation gives the same batches)', () => {
    fc.assert(
      fc.property(validLabels, groupOpts, (labels, opts) => {
        const s = new GroupByLabelBatchSampler(labelDataset(labels), opts);
        expect(drain(s, opts.epoch)).toEqual(referenceGroupByLabel(labels, opts, opts.epoch));
      }),
      RUNS,
    );
  });

  it("never uses an odd group's dropped row (each group is cut to an even count in dataset order)", () => {
    fc.assert(
      fc.property(validLabels, groupOpts, (labels, opts) => {
        const used = new Set(drain(new GroupByLabelBatchSampler(labelDataset(labels), opts), opts.epoch).flat());
        for (const l of new Set(labels)) {
          const rows = labels.flatMap((x, i) => (x === l ? [i] : []));
          if (rows.length % 2 === 1) expect(used.has(rows[rows.length - 1]!)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('same (seed, epoch) gives the same order; another epoch differs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 6 }), fc.integer({ min: 6, max: 12 }), groupOpts, (nLabels, perLabel, opts) => {
        const labels = Array.from({ length: nLabels * perLabel }, (_, i) => i % nLabels);
        const ds = labelDataset(labels);
        const s = new GroupByLabelBatchSampler(ds, opts);
        const first = drain(s, opts.epoch);
        expect(drain(new GroupByLabelBatchSampler(ds, opts), opts.epoch)).toEqual(first);
        expect(drain(s, opts.epoch + 1)).not.toEqual(first);
      }),
      RUNS,
    );
  });

  it('reported length: 2·Σ min(p_l, c) rows, ⌊stream / bs⌋ plus one for a remainder ≥ 4 without dropLast', () => {
    // Labels a: 7 rows (3 pairs), b: 4 rows (2 pairs), c: 2 rows (1 pair), d: 1 row (vanishes).
    const labels = [...'aaaaaaa', ...'bbbb', ...'cc', 'd'];
    const ds = labelDataset(labels);
    const s = new GroupByLabelBatchSampler(ds, { batchSize: 4 });
    expect([...s.groups.keys()]).toEqual(['a', 'b', 'c']);
    expect(s.groups.get('a')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.labelColumn).toBe('label');
    expect(s.streamLength).toBe(2 * (2 + 2 + 1)); // c = 2
    expect(s.length).toBe(2); // 10 rows: 2 batches of 4, remainder 2 < 4
    const s6 = new GroupByLabelBatchSampler(ds, { batchSize: 6 });
    expect(s6.length).toBe(2); // 1 batch + remainder 4
    expect(new GroupByLabelBatchSampler(ds, { batchSize: 6, dropLast: true }).length).toBe(1);
    for (let e = 0; e < 20; e++) {
      expect(drain(s6, e).map((b) => b.length)).toEqual([6, 4]);
      expect(drain(s, e).map((b) => b.length)).toEqual([4, 4]);
    }
  });

  it('uses the first label column in priority order, string labels too', () => {
    const ds = Dataset.fromDict({ text: ['a', 'b', 'c', 'd', 'e', 'f'], score: [1, 1, 2, 2, 3, 3], labels: ['x', 'x', 'x', 'x', 'y', 'y'] });
    const s = new GroupByLabelBatchSampler(ds, { batchSize: 4 });
    expect(s.labelColumn).toBe('labels');
    expect([...s.groups.keys()]).toEqual(['x', 'y']);
    expect(new GroupByLabelBatchSampler(ds, { batchSize: 4, labelColumns: ['score'] }).labelColumn).toBe('score');
  });

  it('errors: batch size odd or < 4, no label column, fewer than 2 labels with ≥ 2 rows, vector labels', () => {
    const op = 'GroupByLabelBatchSampler';
    const ds = labelDataset([0, 0, 1, 1]);
    expectError(() => new GroupByLabelBatchSampler(ds, { batchSize: 2 }), op, 'batchSize', 'even and at least 4');
    expectError(() => new GroupByLabelBatchSampler(ds, { batchSize: 5 }), op, 'batchSize', 'even and at least 4');
    expectError(() => new GroupByLabelBatchSampler(distinctDataset(6), { batchSize: 4 }), op, 'dataset', 'no label column');
    expectError(() => new GroupByLabelBatchSampler(labelDataset([0, 0, 0, 0, 1]), { batchSize: 4 }), op, 'dataset', '1 label(s)');
    expectError(() => new GroupByLabelBatchSampler(labelDataset([0, 1, 2, 3]), { batchSize: 4 }), op, 'dataset', '0 label(s)');
    const vec = Dataset.fromDict({ text: ['a', 'b'], label: [[1], [2]] });
    expectError(() => new GroupByLabelBatchSampler(vec, { batchSize: 4 }), op, 'dataset', 'row 0');
    expect(() => new GroupByLabelBatchSampler(labelDataset([0, 0, 1, 1]), { batchSize: 4 })).not.toThrow();
  });
});

describe('getBatchSampler', () => {
  it('builds the sampler each name stands for, or calls a factory', () => {
    const ds = labelDataset([0, 0, 1, 1, 2, 2]);
    const o = { batchSize: 4, dropLast: true, seed: 3 };
    expect(getBatchSampler('batch_sampler', ds, o)).toBeInstanceOf(BatchSampler);
    expect(getBatchSampler('no_duplicates', ds, o)).toBeInstanceOf(NoDuplicatesBatchSampler);
    const g = getBatchSampler('group_by_label', ds, o);
    expect(g).toBeInstanceOf(GroupByLabelBatchSampler);
    expect([g.batchSize, g.dropLast, g.seed]).toEqual([4, true, 3]);
    const custom = getBatchSampler((d, opts) => new BatchSampler(d, { ...opts, batchSize: 1 }), ds, o);
    expect(custom.length).toBe(6);
    expectError(() => getBatchSampler('round_robin' as 'batch_sampler', ds, o), 'getBatchSampler', 'name', "'no_duplicates'");
  });
});

describe('MultiDatasetBatchSampler', () => {
  const sizes = fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 4 });
  const multiOpts = fc.record({ batchSize: fc.integer({ min: 1, max: 7 }), dropLast: fc.boolean(), seed: fc.integer({ min: 0, max: 100_000 }), epoch: fc.integer({ min: 0, max: 100 }) });

  function build(ns: number[], o: { batchSize: number; dropLast: boolean; seed: number }, strategy: 'round_robin' | 'proportional'): MultiDatasetBatchSampler {
    const samplers = Object.fromEntries(ns.map((n, d) => [`ds${d}`, new BatchSampler(distinctDataset(n), o)]));
    return new MultiDatasetBatchSampler(samplers, { strategy, seed: o.seed });
  }

  it("round robin: datasets in turn, stopping at the first exhausted one (ST's count), each dataset in its own order", () => {
    fc.assert(
      fc.property(sizes, multiOpts, (ns, o) => {
        const m = build(ns, o, 'round_robin');
        m.setEpoch(o.epoch);
        const out = [...m];
        const lengths = ns.map((n) => new BatchSampler(distinctDataset(n), o).length);
        const min = Math.min(...lengths);
        const firstMin = lengths.indexOf(min);
        expect(m.length).toBe(min * ns.length);
        expect(out.length).toBe(min * ns.length + firstMin);
        out.forEach((b, k) => expect(b.dataset).toBe(`ds${k % ns.length}`));
        ns.forEach((n, d) => {
          const own = out.filter((b) => b.dataset === `ds${d}`).map((b) => b.indices);
          expect(own).toEqual(drain(new BatchSampler(distinctDataset(n), o), o.epoch).slice(0, own.length));
        });
      }),
      RUNS,
    );
  });

  it('proportional: every batch of every dataset exactly once, in a seeded order; length is the sum', () => {
    fc.assert(
      fc.property(sizes, multiOpts, (ns, o) => {
        const m = build(ns, o, 'proportional');
        m.setEpoch(o.epoch);
        const out = [...m];
        const lengths = ns.map((n) => new BatchSampler(distinctDataset(n), o).length);
        expect(m.length).toBe(lengths.reduce((a, b) => a + b, 0));
        expect(out.length).toBe(m.length);
        ns.forEach((n, d) => {
          const own = out.filter((b) => b.dataset === `ds${d}`).map((b) => b.indices);
          expect(own).toEqual(drain(new BatchSampler(distinctDataset(n), o), o.epoch));
        });
        const again = build(ns, o, 'proportional');
        again.setEpoch(o.epoch);
        expect([...again]).toEqual(out);
      }),
      RUNS,
    );
  });

  it('proportional: another epoch changes the interleaving; setEpoch reaches every sampler', () => {
    const m = build([40, 40, 40], { batchSize: 2, dropLast: false, seed: 1 }, 'proportional');
    const e0 = [...m].map((b) => b.dataset);
    m.setEpoch(1);
    const e1 = [...m].map((b) => b.dataset);
    expect(e1).not.toEqual(e0);
    for (const s of Object.values(m.samplers)) expect(s.epoch).toBe(1);
    expect(m.state).toEqual({ seed: 1, epoch: 1 });
  });

  it('proportional: a sampler that yields fewer batches than its length has its extra entries skipped', () => {
    const a = new BatchSampler(distinctDataset(4), { batchSize: 2 });
    const short = { batchSize: 2, dropLast: false, seed: 0, epoch: 0, length: 5, setEpoch() {}, *[Symbol.iterator]() { yield [0, 1]; } };
    const m = new MultiDatasetBatchSampler({ a, short }, { strategy: 'proportional' });
    const out = [...m];
    expect(out.filter((b) => b.dataset === 'short')).toEqual([{ dataset: 'short', indices: [0, 1] }]);
    expect(out.filter((b) => b.dataset === 'a').length).toBe(2);
    expect(m.length).toBe(7);
  });

  it('defaults to proportional and rejects bad input', () => {
    const a = new BatchSampler(distinctDataset(4), { batchSize: 2 });
    expect(new MultiDatasetBatchSampler({ a }).strategy).toBe('proportional');
    expectError(() => new MultiDatasetBatchSampler({}), 'MultiDatasetBatchSampler', 'samplers');
    expectError(() => new MultiDatasetBatchSampler({ a: 3 as unknown as BatchSampler }), 'MultiDatasetBatchSampler', 'samplers', "['a']");
    expectError(() => new MultiDatasetBatchSampler({ a }, { strategy: 'random' as 'proportional' }), 'MultiDatasetBatchSampler', 'strategy');
    expectError(() => new MultiDatasetBatchSampler({ a }, { seed: -3 }), 'MultiDatasetBatchSampler', 'seed');
    expectError(() => new MultiDatasetBatchSampler({ a }).setEpoch(-1), 'MultiDatasetBatchSampler.setEpoch', 'epoch');
  });
});
