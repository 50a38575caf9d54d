/**
 * CPU work beside the GPU: a Tessera CPU training step in a worker_threads Worker (so it never blocks
 * the main thread's event loop) and a Tessera WebGPU training step on the main thread, both MiniLM-L6,
 * run concurrently in one process, against the same two steps one after the other.
 *
 *   concurrent  webgpu step ‖ cpu step (worker)      wall time until both finished
 *   concurrent  webgpu step, then cpu step (worker)  the baseline (library 'sequential', its peer row)
 *
 * `vs peer` is then sequential time / concurrent time (> 1x: running them together pays off). Each row's
 * details give both steps' own times and the main thread's event-loop delay (monitorEventLoopDelay):
 * its maximum stays near the time to encode the WebGPU step (a synchronous call), far below the CPU
 * step's, because the CPU step runs in the worker. Opt-in (minutes; `--quick` leaves it out): `pnpm bench -- concurrent`.
 * Works whether or not Tessera's CPU backend runs its own worker threads (the step worker just calls it).
 */
import { existsSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { memory, syncWebGPU } from '@tessera/tensor';
import { MINILM_L6, TRAIN_STEP_SHAPE, TesseraTrainStep, bertForwardFlops } from '../model/minilm.js';
import type { BertSuiteOptions } from '../model/bert.bench.js';
import { Suite } from '../suite.js';
import type { Budget, Harness } from '../suite.js';
import { webgpuReady } from '../webgpu/setup.js';
import type { StepWorkerData, StepWorkerReply, StepWorkerRequest } from './worker.js';

export const CONCURRENT_SUITE = 'concurrent';
export const CONCURRENT_CASE = 'webgpu step ‖ cpu step (worker)';
export const SEQUENTIAL_CASE = 'webgpu step, then cpu step (worker)';

/** Both sides are warmed up before the suite runs; each case is one call (a call takes minutes). */
const BUDGET: Budget = { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 0 };

/** The compiled worker: next to this module in bench/dist, or (running from the sources) under bench/dist. */
export function stepWorkerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../dist/concurrent/worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(`the step worker is not built (${fileURLToPath(built)}): run \`pnpm --filter @tessera/bench run build\``);
}

type Stepped = Extract<StepWorkerReply, { type: 'stepped' }>;

/** The main thread's handle on the step worker. */
export class CpuStepWorker {
  #pending: { resolve: (r: Stepped) => void; reject: (e: Error) => void } | null = null;
  #closed = false;

  private constructor(readonly worker: Worker, readonly buildMs: number) {
    worker.on('message', (m: StepWorkerReply) => {
      const p = this.#pending;
      this.#pending = null;
      if (m.type === 'stepped') p?.resolve(m);
      else if (m.type === 'error') p?.reject(new Error(`step worker: ${m.message}`));
    });
    worker.on('error', (e) => {
      this.#pending?.reject(e);
      this.#pending = null;
    });
  }

  /** Starts the worker and waits until its model is built. */
  static start(data: StepWorkerData = {}): Promise<CpuStepWorker> {
    // No inherited --conditions: a test runner's 'source' condition would point the worker at .ts files.
    const execArgv = process.execArgv.filter((a, i, all) => !a.startsWith('--conditions') && !a.startsWith('-C') && !/^(--conditions|-C)$/.test(all[i - 1] ?? ''));
    const worker = new Worker(stepWorkerUrl(), { workerData: data, execArgv });
    return new Promise((resolve, reject) => {
      const fail = (e: Error) => {
        void worker.terminate();
        reject(e);
      };
      worker.once('error', fail);
      worker.once('message', (m: StepWorkerReply) => {
        worker.off('error', fail);
        if (m.type === 'ready') resolve(new CpuStepWorker(worker, m.ms));
        else fail(new Error(`step worker: ${m.type === 'error' ? m.message : `unexpected ${m.type}`}`));
      });
    });
  }

  /** One training step in the worker; resolves with its time measured there. */
  step(): Promise<Stepped> {
    if (this.#pending) return Promise.reject(new Error('step worker: a step is already running'));
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.worker.postMessage({ type: 'step' } satisfies StepWorkerRequest);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.worker.postMessage({ type: 'close' } satisfies StepWorkerRequest);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void this.worker.terminate().then(() => resolve()), 5000);
      this.worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Running means of named numbers. */
class Means {
  readonly #sum = new Map<string, number>();
  readonly #n = new Map<string, number>();
  add(k: string, v: number): void {
    this.#sum.set(k, (this.#sum.get(k) ?? 0) + v);
    this.#n.set(k, (this.#n.get(k) ?? 0) + 1);
  }
  get(): Record<string, number> {
    return Object.fromEntries([...this.#sum].map(([k, v]) => [k, v / this.#n.get(k)!]));
  }
}

const HARNESS: Harness = {
  library: 'tessera',
  device: 'webgpu+cpu',
  async: true,
  async call(op) {
    await op();
  },
  liveTensors: () => memory('cpu').liveTensors + memory('webgpu').liveTensors,
};

/** The concurrent and the sequential case (the latter as the former's peer). Opt-in. */
export async function concurrentSuite(opts: BertSuiteOptions = {}): Promise<Suite> {
  const suite = new Suite(CONCURRENT_SUITE, BUDGET, opts, HARNESS);
  if (!suite.wantsAny([CONCURRENT_CASE], undefined, true) || !(await webgpuReady())) return suite;
  const shape = { spec: opts.spec ?? MINILM_L6, pairs: opts.pairs ?? TRAIN_STEP_SHAPE.pairs, seq: opts.seq ?? TRAIN_STEP_SHAPE.seq, seed: opts.seed ?? 0 };
  const flops = 3 * bertForwardFlops(2 * shape.pairs, shape.seq, shape.spec);
  const worker = await CpuStepWorker.start(shape);
  let gpu: TesseraTrainStep;
  try {
    gpu = new TesseraTrainStep('webgpu', shape);
    // Warm both sides (optimizer state, WebGPU pipelines) once, one after the other.
    gpu.step();
    await syncWebGPU();
    await worker.step();
  } catch (e) {
    await worker.close();
    throw e;
  }
  const closing = { dispose: () => void worker.close(), disposed: false };
  const inputs = [{ dispose: () => gpu.dispose() }, closing];

  /** The WebGPU step: encode (synchronous, main thread), then wait for the device. */
  const gpuStep = async (m: Means, t0: number): Promise<void> => {
    gpu.step();
    m.add('webgpu encode ms (main thread)', performance.now() - t0);
    await syncWebGPU();
    m.add('webgpu step ms', performance.now() - t0);
  };

  const sequential = new Means();
  suite.add(
    SEQUENTIAL_CASE,
    'GFLOP/s',
    2 * flops,
    () => ({
      inputs,
      run: async () => {
        await gpuStep(sequential, performance.now());
        const r = await worker.step();
        sequential.add('cpu step ms (worker)', r.ms);
      },
    }),
    { suite: CONCURRENT_SUITE, case: CONCURRENT_CASE },
    { library: 'sequential', optIn: true, details: () => sequential.get() },
  );

  const concurrent = new Means();
  suite.add(
    CONCURRENT_CASE,
    'GFLOP/s',
    2 * flops,
    () => ({
      inputs: [],
      run: async () => {
        const loop = monitorEventLoopDelay({ resolution: 10 });
        loop.enable();
        // Let the monitor's timer start first, so the synchronous encode of the WebGPU step is counted.
        await new Promise((resolve) => setTimeout(resolve, 30));
        const t0 = performance.now();
        const cpu = worker.step().then((r) => {
          concurrent.add('cpu step ms (worker)', r.ms);
          concurrent.add('cpu step wall ms', performance.now() - t0);
          concurrent.add('worker peak MiB', r.peakBytes / 2 ** 20);
        });
        await gpuStep(concurrent, t0);
        await cpu;
        loop.disable();
        concurrent.add('main event-loop max delay ms', loop.max / 1e6);
      },
    }),
    undefined,
    { optIn: true, memory: 'webgpu', stateful: true, details: () => concurrent.get(), note: `worker built its CPU model in ${(worker.buildMs / 1000).toFixed(1)} s` },
  );
  return suite;
}
