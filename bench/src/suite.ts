import { Bench } from 'tinybench';
import { memory, resetPeakMemory, tidy } from '@tessera/tensor';
import type { DeviceName } from '@tessera/tensor';

/** What one iteration of a case does, per call: the numerator of its throughput. */
export type ThroughputUnit = 'GFLOP/s' | 'GB/s' | 'Melem/s' | 'sentences/s';

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

/**
 * A harness whose timed call awaits `op()` itself (for ops that are async end to end, such as
 * `SentenceTransformer.encode`, which manage their own tensors and read their result back).
 */
export function awaitingHarness(base: Harness): Harness {
  return {
    ...base,
    async: true,
    async call(op) {
      await op();
    },
  };
}

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
  /** Also run the opt-in cases (the long model-level ones; all but `pnpm bench -- --quick`). Filters still apply. */
  all?: boolean;
}

/** Tessera memory of a case's device over its calls (warmup included). */
export interface CaseMemory {
  device: DeviceName;
  /** Highest `memory(device).peakBytes` of one call (`resetPeakMemory(device)` before each). */
  peakBytes: number;
  /** `memory(device).liveBytes` after the first call (e.g. the optimizer state made) and after the last one: equal when nothing grows. */
  liveBytesAfterFirst: number;
  liveBytesAfterLast: number;
  /** Calls sampled. */
  calls: number;
}

/** Samples a device's peak and live bytes around each call: `before()` resets the peak, `after()` records. */
export class MemoryProbe {
  readonly stats: CaseMemory;
  constructor(readonly device: DeviceName) {
    this.stats = { device, peakBytes: 0, liveBytesAfterFirst: NaN, liveBytesAfterLast: NaN, calls: 0 };
  }
  before(): void {
    resetPeakMemory(this.device);
  }
  after(): void {
    const m = memory(this.device);
    const s = this.stats;
    s.calls += 1;
    s.peakBytes = Math.max(s.peakBytes, m.peakBytes);
    if (s.calls === 1) s.liveBytesAfterFirst = m.liveBytes;
    s.liveBytesAfterLast = m.liveBytes;
  }
}

/** What a case may add besides its timing. */
export interface CaseExtras {
  /** Sample Tessera's memory on this device around each call (peak, and live bytes after the first and last call). */
  memory?: DeviceName;
  /** Runs only with `all` (left out by `pnpm bench -- --quick`), for cases that take minutes; filters still apply. */
  optIn?: boolean;
  /** A line printed under the table (e.g. how few iterations a slow case ran). */
  note?: string;
  /** FLOPs of one call, for cases whose unit is not GFLOP/s (the chart's GFLOP/s panel). */
  flops?: number;
  /** The row's library when it is not the harness's (e.g. a Tessera baseline run another way). */
  library?: string;
  /** Extra numbers of the case, read after it ran (e.g. the two sides of a concurrent run). */
  details?: () => Record<string, number>;
  /**
   * The first call makes lasting state (an optimizer's moments): the leak check then counts tensors from
   * after the first call (the warmup) instead of from before it.
   */
  stateful?: boolean;
}

interface CaseInfo {
  suite: string;
  name: string;
  peerOf?: PeerOf;
  unit: ThroughputUnit;
  /** FLOPs, bytes, elements or sentences (per `unit`) of one call. */
  work: number;
  /** Tensor handles alive after the case's last phase minus before its first one (0 = flat). */
  leakedTensors: number;
  extras: CaseExtras;
  probe: MemoryProbe | null;
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
  /** Tessera's memory on the case's device (cases that asked for it). */
  memory?: CaseMemory;
  /** FLOPs of one call, when the unit is not GFLOP/s. */
  flops?: number;
  note?: string;
  details?: Record<string, number>;
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
  readonly #all: boolean;

  constructor(readonly name: string, defaults: Budget, opts: SuiteOptions = {}, readonly harness: Harness = TESSERA_CPU) {
    const b = { ...defaults, ...opts.budget };
    this.#all = opts.all ?? false;
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

  /**
   * Whether a case named `caseName` passes the filter. Suites check this before making inputs. An
   * opt-in case also needs `all`: a broad filter such as `webgpu` never starts a case that takes minutes.
   */
  wants(caseName: string, peerOf?: PeerOf, optIn = false): boolean {
    if (optIn && !this.#all) {
      if (this.#matches(caseName, peerOf)) Suite.skippedOptIn.add(this.name);
      return false;
    }
    return this.#matches(caseName, peerOf);
  }

  /** Suites with opt-in cases that passed the filter but did not run (no `all`), for the runner's hint. */
  static readonly skippedOptIn = new Set<string>();

  #matches(caseName: string, peerOf?: PeerOf): boolean {
    if (this.#filter.length === 0) return true;
    const names = [`${this.name} ${caseName}`];
    // A peer's case also runs when the Tessera case it is compared with passes the filter.
    if (peerOf) names.push(`${peerOf.suite} ${peerOf.case}`);
    return names.some((n) => this.#filter.some((f) => n.toLowerCase().includes(f)));
  }

  /** Whether any of `caseNames` passes the filter (suites that need an expensive init check this first). */
  wantsAny(caseNames: readonly string[], peerSuite?: string, optIn = false): boolean {
    return caseNames.some((c) => this.wants(c, peerSuite === undefined ? undefined : { suite: peerSuite, case: c }, optIn));
  }

  /**
   * Adds a case when it passes the filter. `setup` runs once, now, outside the timed function: it makes
   * the inputs (seed them inside) and returns them with the op to time. Each timed call runs the op
   * through the suite's harness: inside the library's `tidy`, so every tensor it creates (outputs and
   * saved statistics alike) is disposed, then, on queued devices, waiting for the device.
   * `peerOf` marks a peer library's case: the Tessera case it is compared with. `extras`: memory
   * sampling, opt-in, notes (see CaseExtras).
   */
  add(caseName: string, unit: ThroughputUnit, work: number, setup: () => { inputs: Input[]; run: () => unknown }, peerOf?: PeerOf, extras: CaseExtras = {}): void {
    if (!this.wants(caseName, peerOf, extras.optIn)) return;
    const { inputs, run } = setup();
    this.#inputs.push(...inputs);
    const probe = extras.memory ? new MemoryProbe(extras.memory) : null;
    const info: CaseInfo = { suite: this.name, name: caseName, unit, work, leakedTensors: 0, extras, probe, ...(peerOf ? { peerOf } : {}) };
    this.#cases.set(caseName, info);
    const harness = this.harness;
    let before: number | undefined;
    let calls = 0;
    const afterCall = () => {
      probe?.after();
      if (++calls === 1 && extras.stateful) before = harness.liveTensors();
    };
    const timed = harness.async
      ? async () => {
          probe?.before();
          await harness.call(run);
          afterCall();
        }
      : () => {
          probe?.before();
          harness.call(run);
          afterCall();
        };
    this.bench.add(caseName, timed, {
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
      const x = info.extras;
      const base = {
        suite: info.suite,
        case: info.name,
        library: x.library ?? this.harness.library,
        device: this.harness.device,
        unit: info.unit,
        work: info.work,
        leakedTensors: info.leakedTensors,
        ...(info.probe && info.probe.stats.calls > 0 ? { memory: { ...info.probe.stats } } : {}),
        ...(x.flops !== undefined ? { flops: x.flops } : {}),
        ...(x.note !== undefined ? { note: x.note } : {}),
        ...(x.details ? { details: x.details() } : {}),
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
  return info.unit === 'sentences/s' ? perSecond : info.unit === 'Melem/s' ? perSecond / 1e6 : perSecond / 1e9;
}

/** GFLOP/s of a row: its throughput when the unit is GFLOP/s, else from `flops` (NaN without). */
export function gflopsOf(r: CaseResult): number {
  if (r.unit === 'GFLOP/s') return r.throughput;
  return r.flops !== undefined ? r.flops / (r.meanMs / 1000) / 1e9 : NaN;
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
