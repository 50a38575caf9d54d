import { Bench } from 'tinybench';
import { memory, tidy } from '@tessera/tensor';

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

/**
 * How one library runs a timed call and counts its tensors. Tessera CPU is the default; WebGPU and the
 * peer libraries (tfjs) bring their own.
 */
export interface Harness {
  /** Who runs the ops: 'tessera', or a peer's name such as 'tfjs-webgpu'. */
  readonly library: string;
  /** Where they run: 'cpu' or 'webgpu'. */
  readonly device: string;
  /** Whether `call` returns a promise (told to tinybench, so it makes no detection call). */
  readonly async: boolean;
  /** One timed call: `op` inside the library's `tidy`, then (queued devices) wait until the device finished it. */
  call(op: () => unknown): void | Promise<void>;
  /** Live tensor handles of the library, for the leak check. */
  liveTensors(): number;
  /** Runs before each phase (warmup, run) of every case, e.g. to make the library's backend current. */
  beforePhase?(): void | Promise<void>;
}

/** Tessera on the CPU: `tidy(op)`, synchronous. */
export const TESSERA_CPU: Harness = {
  library: 'tessera',
  device: 'cpu',
  async: false,
  call(op) {
    tidy(() => {
      op();
    });
  },
  liveTensors: () => memory().liveTensors,
};

/** What a case's setup returns as inputs: Tessera tensors (`disposed`) or a peer's (`isDisposed`). */
export interface Input {
  dispose(): void;
  readonly disposed?: boolean;
  readonly isDisposed?: boolean;
}

/** The Tessera case a peer's case is compared with (same op and shape). */
export interface PeerOf {
  suite: string;
  case: string;
}

/** A peer's timing attached to the Tessera row it is compared with. */
export interface PeerTiming {
  library: string;
  suite: string;
  case: string;
  meanMs: number;
  rmePct: number;
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
  peerOf?: PeerOf;
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
  /** 'tessera' or the peer library ('tfjs-cpu', 'tfjs-webgpu'). */
  library: string;
  /** 'cpu' or 'webgpu'. */
  device: string;
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
  /** Peer rows: the Tessera case this one is the peer of. */
  peerOf?: PeerOf;
  /** Tessera rows with a peer: the peer's timing. */
  peer?: PeerTiming;
  /** Tessera rows with a peer: peer mean time / Tessera mean time (speed ratio; > 1 means Tessera is faster). */
  vsPeer?: number;
}

/** A tinybench `Bench` for one concept, plus what the runner needs to report it. */
export class Suite {
  readonly bench: Bench;
  readonly #cases = new Map<string, CaseInfo>();
  readonly #inputs: Input[] = [];
  readonly #filter: string[];

  constructor(readonly name: string, defaults: Budget, opts: SuiteOptions = {}, readonly harness: Harness = TESSERA_CPU) {
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
  wants(caseName: string, peerOf?: PeerOf): boolean {
    if (this.#filter.length === 0) return true;
    const names = [`${this.name} ${caseName}`];
    // A peer's case also runs when the Tessera case it is compared with passes the filter.
    if (peerOf) names.push(`${peerOf.suite} ${peerOf.case}`);
    return names.some((n) => this.#filter.some((f) => n.toLowerCase().includes(f)));
  }

  /** Whether any of `caseNames` passes the filter (suites that need an expensive init check this first). */
  wantsAny(caseNames: readonly string[], peerSuite?: string): boolean {
    return caseNames.some((c) => this.wants(c, peerSuite === undefined ? undefined : { suite: peerSuite, case: c }));
  }

  /**
   * Adds a case when it passes the filter. `setup` runs once, now, outside the timed function: it makes
   * the inputs (seed them inside) and returns them with the op to time. Each timed call runs the op
   * through the suite's harness: inside the library's `tidy`, so every tensor it creates (outputs and
   * saved statistics alike) is disposed, then, on queued devices, waiting for the device.
   * `peerOf` marks a peer library's case: the Tessera case it is compared with.
   */
  add(caseName: string, unit: ThroughputUnit, work: number, setup: () => { inputs: Input[]; run: () => unknown }, peerOf?: PeerOf): void {
    if (!this.wants(caseName, peerOf)) return;
    const { inputs, run } = setup();
    this.#inputs.push(...inputs);
    const info: CaseInfo = { suite: this.name, name: caseName, unit, work, leakedTensors: 0, ...(peerOf ? { peerOf } : {}) };
    this.#cases.set(caseName, info);
    const harness = this.harness;
    let before: number | undefined;
    this.bench.add(caseName, () => harness.call(run), {
      async: harness.async,
      // Live tensor handles before the first phase (warmup or run) vs after each phase: 0 = flat memory.
      async beforeAll() {
        await harness.beforePhase?.();
        before ??= harness.liveTensors();
      },
      afterAll() {
        info.leakedTensors = harness.liveTensors() - (before ?? 0);
      },
    });
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
      const base = {
        suite: info.suite,
        case: info.name,
        library: this.harness.library,
        device: this.harness.device,
        unit: info.unit,
        work: info.work,
        leakedTensors: info.leakedTensors,
        ...(info.peerOf ? { peerOf: info.peerOf } : {}),
      };
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
    for (const t of this.#inputs) if (!t.disposed && !t.isDisposed) t.dispose();
    this.#inputs.length = 0;
  }
}

function throughputOf(info: CaseInfo, meanMs: number): number {
  const perSecond = info.work / (meanMs / 1000);
  return info.unit === 'Melem/s' ? perSecond / 1e6 : perSecond / 1e9;
}

/** Bytes per element of a float32 tensor. */
export const F32 = 4;

/**
 * Pairs each peer row with the Tessera row it names in `peerOf`: sets `peer` and `vsPeer` (peer time /
 * Tessera time) on the Tessera row. Returns the rows in display order: each Tessera row followed by its
 * peers; peers whose Tessera row did not run come last.
 */
export function attachPeers(results: readonly CaseResult[]): CaseResult[] {
  const key = (suite: string, c: string) => `${suite}\u0000${c}`;
  const own = results.filter((r) => r.peerOf === undefined);
  const byKey = new Map(own.map((r) => [key(r.suite, r.case), r]));
  const peersOf = new Map<CaseResult, CaseResult[]>();
  const orphans: CaseResult[] = [];
  for (const p of results) {
    if (p.peerOf === undefined) continue;
    const t = byKey.get(key(p.peerOf.suite, p.peerOf.case));
    if (!t) {
      orphans.push(p);
      continue;
    }
    peersOf.set(t, [...(peersOf.get(t) ?? []), p]);
    if (t.error === undefined && p.error === undefined && t.peer === undefined) {
      t.peer = { library: p.library, suite: p.suite, case: p.case, meanMs: p.meanMs, rmePct: p.rmePct };
      t.vsPeer = p.meanMs / t.meanMs;
    }
  }
  return [...own.flatMap((t) => [t, ...(peersOf.get(t) ?? [])]), ...orphans];
}
