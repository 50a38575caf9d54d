/**
 * Worker threads for the WebAssembly GEMM (Node: `node:worker_threads`). Each worker instantiates
 * the same generated module on the same shared `WebAssembly.Memory` and runs work items of the job
 * the calling thread publishes in the control block at the start of that memory:
 *
 *   GEN    job generation; workers sleep in `Atomics.wait` on it between jobs
 *   CLAIM  (generation tag << 16) | next item; items are claimed by compare-exchange, so a worker
 *          that wakes late can never take an item of a newer job with an older job's parameters
 *   DONE   items finished in this job; the finisher of the last one notifies the calling thread
 *   TOTAL  items in this job
 *   ERR    set when an item threw (the matmul then throws)
 *   WORKER_ITEMS  items run by workers so far (statistics, for tests)
 *   ACTIVE workers 0..ACTIVE-1 take part in this job (the others sleep through it)
 *
 * The calling thread runs items too and then blocks in `Atomics.wait` until DONE reaches TOTAL:
 * matmul stays synchronous, nobody busy-spins, and workers that are still starting up simply join
 * later jobs. Workers are `unref`ed (they never keep a process alive) and terminated when the
 * thread count goes down. In browsers (where the main thread may not block in `Atomics.wait`, and
 * SharedArrayBuffer needs cross-origin isolation) and where `node:worker_threads` is missing, the
 * GEMM runs single-threaded.
 */
import type { WasmEngine } from '../wasm/engine.js';

export const CTRL = { GEN: 0, CLAIM: 1, DONE: 2, TOTAL: 3, ERR: 4, WORKER_ITEMS: 5, ACTIVE: 6 } as const;
/** Byte offset of the job parameters (after the control words). */
export const PARAMS_BYTE = 64;
/** At most this many items per job (16-bit item counter; 0xffff marks a closed job). */
export const MAX_ITEMS = 0xfffe;
const CLOSED = 0xffff;

interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error' | 'exit', listener: (arg: unknown) => void): unknown;
}
interface WorkerThreadsModule {
  Worker: new (source: string, options: { eval: true; workerData: unknown; name?: string }) => WorkerLike;
  isMainThread: boolean;
}

type BuiltinLoader = (id: string) => unknown;

function builtin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: BuiltinLoader; versions?: { node?: string } } }).process;
  try {
    return proc?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}

// `process.getBuiltinModule` (Node >= 20.16) loads builtins synchronously without a static import,
// which keeps this module bundlable for browsers. Older Node gets them through a dynamic import
// that settles shortly after startup (until then, matmul runs single-threaded).
let workerThreads: WorkerThreadsModule | undefined = builtin<WorkerThreadsModule>('node:worker_threads');
const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
if (!workerThreads && isNode) {
  const id = 'node:worker_threads';
  import(/* @vite-ignore */ id).then(
    (m: WorkerThreadsModule) => {
      workerThreads = m;
    },
    () => undefined,
  );
}

/** Logical cores: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` elsewhere. */
export function defaultThreadCount(): number {
  const os = builtin<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
  let n = 0;
  try {
    n = os ? (os.availableParallelism?.() ?? os.cpus().length) : 0;
  } catch {
    n = 0;
  }
  if (!(n >= 1)) n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.floor(n));
}

let numThreads = defaultThreadCount();

/**
 * Sets how many threads CPU matmul may use (the calling thread included): 1 runs everything on
 * the calling thread and shuts the workers down. Defaults to the number of logical cores.
 */
export function setNumThreads(n: number): void {
  checkThreads('setNumThreads', n);
  numThreads = n;
  pool?.resize(n - 1);
}

/** The thread count CPU matmul uses for large products (see `setNumThreads`). */
export function getNumThreads(): number {
  return numThreads;
}

/**
 * Runs `fn` with CPU matmul limited to (or allowed) `n` threads, then restores the previous
 * count. Workers above `n` are not shut down, only left out, so switching is cheap (benchmarks
 * compare thread counts this way).
 */
export function withNumThreads<T>(n: number, fn: () => T): T {
  checkThreads('withNumThreads', n);
  const prev = numThreads;
  numThreads = n;
  try {
    return fn();
  } finally {
    numThreads = prev;
  }
}

function checkThreads(fn: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${fn}: expected an integer >= 1, got ${String(n)}`);
}

// The worker: plain JavaScript (CommonJS, run with `eval: true`), self-contained, so the same code
// works from TypeScript sources, from dist/ and from bundles. It mirrors `claimItems` below.
const WORKER_SOURCE = `'use strict';
const { workerData } = require('node:worker_threads');
const { bytes, memory, params, id } = workerData;
const c = new Int32Array(memory.buffer, 0, 16);
const GEN = ${CTRL.GEN}, CLAIM = ${CTRL.CLAIM}, DONE = ${CTRL.DONE}, TOTAL = ${CTRL.TOTAL}, ERR = ${CTRL.ERR}, WORKER_ITEMS = ${CTRL.WORKER_ITEMS}, ACTIVE = ${CTRL.ACTIVE};
const item = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.item;
for (;;) {
  const gen = Atomics.load(c, GEN);
  const tag = (gen & 0x7fff) << 16;
  const total = Atomics.load(c, TOTAL);
  for (; id < Atomics.load(c, ACTIVE); ) {
    const v = Atomics.load(c, CLAIM);
    if ((v & 0x7fff0000) !== tag || (v & 0xffff) >= total) break;
    if (Atomics.compareExchange(c, CLAIM, v, v + 1) !== v) continue;
    try { item(params, v & 0xffff); } catch (e) { Atomics.store(c, ERR, 1); }
    Atomics.add(c, WORKER_ITEMS, 1);
    if (Atomics.add(c, DONE, 1) + 1 === total) Atomics.notify(c, DONE);
  }
  Atomics.wait(c, GEN, gen);
}
`;

/** The calling thread's share of a job (same protocol as the workers). */
function claimItems(c: Int32Array, gen: number, total: number, run: (i: number) => void): void {
  const tag = (gen & 0x7fff) << 16;
  for (;;) {
    const v = Atomics.load(c, CTRL.CLAIM);
    if ((v & 0x7fff0000) !== tag || (v & 0xffff) >= total) return;
    if (Atomics.compareExchange(c, CTRL.CLAIM, v, v + 1) !== v) continue;
    try {
      run(v & 0xffff);
    } catch {
      Atomics.store(c, CTRL.ERR, 1);
    }
    if (Atomics.add(c, CTRL.DONE, 1) + 1 === total) Atomics.notify(c, CTRL.DONE);
  }
}

class WorkerPool {
  readonly #workers: WorkerLike[] = [];
  #gen = 0;
  #broken = false;

  constructor(readonly engine: WasmEngine) {}

  get size(): number {
    return this.#workers.length;
  }

  /** Starts or stops workers so that `count` exist (0 = calling thread only). */
  resize(count: number): void {
    while (this.#workers.length > count) void this.#workers.pop()!.terminate();
    const wt = workerThreads;
    if (!wt || this.#broken) return;
    while (this.#workers.length < count) {
      let w: WorkerLike;
      try {
        w = new wt.Worker(WORKER_SOURCE, {
          eval: true,
          name: `tessera-gemm-${this.#workers.length + 1}`,
          workerData: { bytes: this.engine.bytes, memory: this.engine.memory, params: PARAMS_BYTE, id: this.#workers.length },
        });
      } catch {
        this.#broken = true;
        return;
      }
      w.unref();
      // A worker that failed (e.g. could not instantiate the module) or exited: no new workers;
      // later jobs run on the remaining threads (a job only waits for items that were claimed).
      const drop = (): void => {
        const i = this.#workers.indexOf(w);
        if (i < 0) return; // terminated by resize
        this.#broken = true;
        this.#workers.splice(i, 1);
      };
      w.on('error', drop);
      w.on('exit', drop);
      this.#workers.push(w);
    }
  }

  /**
   * Runs items 0..total-1 (job parameters already written at PARAMS_BYTE): `workers` workers and
   * the calling thread claim them; returns when all are done. Throws if an item threw anywhere.
   */
  run(total: number, workers: number, local: (i: number) => void): void {
    const c = this.engine.i32;
    const gen = (this.#gen = (this.#gen + 1) | 0);
    const tag = (gen & 0x7fff) << 16;
    Atomics.store(c, CTRL.ACTIVE, workers);
    Atomics.store(c, CTRL.TOTAL, total);
    Atomics.store(c, CTRL.DONE, 0);
    Atomics.store(c, CTRL.ERR, 0);
    Atomics.store(c, CTRL.CLAIM, tag);
    Atomics.store(c, CTRL.GEN, gen);
    Atomics.notify(c, CTRL.GEN);
    claimItems(c, gen, total, local);
    for (let d = Atomics.load(c, CTRL.DONE); d < total; d = Atomics.load(c, CTRL.DONE)) Atomics.wait(c, CTRL.DONE, d, 100);
    // Close the job before its parameters are overwritten: no late claims.
    Atomics.store(c, CTRL.CLAIM, tag | CLOSED);
    if (Atomics.load(c, CTRL.ERR) !== 0) throw new Error('tessera: a matmul work item failed');
  }
}

let pool: WorkerPool | undefined;

/** Whether worker threads can run here (Node with shared WebAssembly memory). */
export function threadsAvailable(engine: WasmEngine): boolean {
  return engine.shared && workerThreads !== undefined && isNode;
}

/**
 * The pool for `engine` with at least `threads - 1` workers started (lazily, on the first big
 * matmul), or undefined when only the calling thread can run (browsers, no shared memory,
 * threads = 1). Jobs use `threads - 1` of them.
 */
export function threadPool(engine: WasmEngine, threads: number): WorkerPool | undefined {
  if (threads <= 1 || !threadsAvailable(engine)) return undefined;
  if (!pool || pool.engine !== engine) pool = new WorkerPool(engine);
  if (pool.size < threads - 1) pool.resize(threads - 1);
  return pool.size > 0 ? pool : undefined;
}

/** Worker threads running now, and work items they have run in this thread's engine so far. */
export function threadStats(): { workers: number; workerItems: number } {
  if (!pool) return { workers: 0, workerItems: 0 };
  return { workers: pool.size, workerItems: Atomics.load(pool.engine.i32, CTRL.WORKER_ITEMS) };
}

export type { WorkerPool };
