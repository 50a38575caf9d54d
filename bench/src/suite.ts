import { Bench } from 'tinybench';
import { memory, tidy } from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';

/** What one iteration of a case does, per call: the numerator of its throughput. */
export type ThroughputUnit = 'GFLOP/s' | 'GB/s' | 'Melem/s';

/** tinybench budgets of one suite (all in tinybench's sense: sequential mode, both minimums must be met). */
export interface Budget {
  /** Time budget per case, ms. */
  time: number;
  /** Minimum timed iterations per case. */
  iterations: number;
  /** Warmup time budget per case, ms (0 with warmupIterations 0 disables warmup). */
  warmupTime: number;
  /** Minimum warmup iterations per case. */
  warmupIterations: number;
}

export interface SuiteOptions {
  /** Only cases whose full name (`suite case`) contains one of these (case-insensitive); empty or absent: all. */
  filter?: readonly string[];
  /** Overrides of the suite's default budget (the smoke test uses tiny ones). */
  budget?: Partial<Budget>;
}

interface CaseInfo {
  suite: string;
  name: string;
  unit: ThroughputUnit;
  /** FLOPs, bytes or elements (per `unit`) of one call. */
  work: number;
  /** Tensor handles alive after the case's last phase minus before its first one (0 = flat). */
  leakedTensors: number;
}

/** One row of the results table / JSON report. */
export interface CaseResult {
  suite: string;
  case: string;
  meanMs: number;
  rmePct: number;
  minMs: number;
  p50Ms: number;
  maxMs: number;
  samples: number;
  throughput: number;
  unit: ThroughputUnit;
  work: number;
  leakedTensors: number;
  error?: string;
}

/** A tinybench `Bench` for one concept, plus what the runner needs to report it. */
export class Suite {
  readonly bench: Bench;
  readonly #cases = new Map<string, CaseInfo>();
  readonly #inputs: Tensor[] = [];
  readonly #filter: string[];

  constructor(readonly name: string, defaults: Budget, opts: SuiteOptions = {}) {
    const b = { ...defaults, ...opts.budget };
    this.#filter = (opts.filter ?? []).map((f) => f.toLowerCase()).filter((f) => f.length > 0);
    this.bench = new Bench({
      name,
      time: b.time,
      iterations: b.iterations,
      warmup: b.warmupTime > 0 || b.warmupIterations > 0,
      warmupTime: b.warmupTime,
      warmupIterations: b.warmupIterations,
      throws: false,
    });
  }

  /** Whether a case named `caseName` passes the filter. Suites check this before making inputs. */
  wants(caseName: string): boolean {
    if (this.#filter.length === 0) return true;
    const full = `${this.name} ${caseName}`.toLowerCase();
    return this.#filter.some((f) => full.includes(f));
  }

  /**
   * Adds a case when it passes the filter. `setup` runs once, now, outside the timed function: it makes
   * the inputs (seed them inside) and returns them with the op to time. Each timed call runs the op
   * inside `tidy`, so every tensor it creates (outputs and saved statistics alike) is disposed.
   */
  add(caseName: string, unit: ThroughputUnit, work: number, setup: () => { inputs: Tensor[]; run: () => unknown }): void {
    if (!this.wants(caseName)) return;
    const { inputs, run } = setup();
    this.#inputs.push(...inputs);
    const info: CaseInfo = { suite: this.name, name: caseName, unit, work, leakedTensors: 0 };
    this.#cases.set(caseName, info);
    let before: number | undefined;
    this.bench.add(
      caseName,
      () => {
        tidy(() => {
          run();
        });
      },
      {
        // Live tensor handles before the first phase (warmup or run) vs after each phase: 0 = flat memory.
        beforeAll() {
          before ??= memory().liveTensors;
        },
        afterAll() {
          info.leakedTensors = memory().liveTensors - (before ?? 0);
        },
      },
    );
  }

  get size(): number {
    return this.#cases.size;
  }

  /** Runs every case (sequentially) and returns one result per case. */
  async run(): Promise<CaseResult[]> {
    if (this.size === 0) return [];
    await this.bench.run();
    return this.results();
  }

  results(): CaseResult[] {
    return this.bench.tasks.map((task) => {
      const info = this.#cases.get(task.name)!;
      const r = task.result;
      const base = { suite: info.suite, case: info.name, unit: info.unit, work: info.work, leakedTensors: info.leakedTensors };
      if (r.state === 'completed' || r.state === 'aborted-with-statistics') {
        const l = r.latency;
        return { ...base, meanMs: l.mean, rmePct: l.rme, minMs: l.min, p50Ms: l.p50, maxMs: l.max, samples: l.samplesCount, throughput: throughputOf(info, l.mean) };
      }
      const error = r.state === 'errored' ? String(r.error?.stack ?? r.error) : `task ${r.state}`;
      return { ...base, meanMs: NaN, rmePct: NaN, minMs: NaN, p50Ms: NaN, maxMs: NaN, samples: 0, throughput: NaN, error };
    });
  }

  /** Disposes the inputs the cases were given. */
  dispose(): void {
    for (const t of this.#inputs) if (!t.disposed) t.dispose();
    this.#inputs.length = 0;
  }
}

function throughputOf(info: CaseInfo, meanMs: number): number {
  const perSecond = info.work / (meanMs / 1000);
  return info.unit === 'Melem/s' ? perSecond / 1e6 : perSecond / 1e9;
}

/** Bytes per element of a float32 tensor. */
export const F32 = 4;
