/// <reference types="@webgpu/types" />
/**
 * Kernel selection per adapter class, and the optional auto-tune.
 *
 * Two families of WebGPU adapters want different kernels:
 *  - CPU-backed adapters (Mesa's lavapipe/llvmpipe, SwiftShader: `isSoftware`) run a workgroup's
 *    invocations as SIMD lanes of one CPU thread, switch coroutines at every barrier and spend
 *    several instructions per lane on each load. They get the 'blocked' matmul (register blocks,
 *    vec4 loads, no workgroup memory) and 'thread' row kernels (an invocation per row, no barriers).
 *  - GPUs get the 'tiled' matmul (workgroup memory) and 'group' row kernels (a workgroup per row
 *    with a shared-memory tree; 64 threads for rows up to 1024, 256 beyond).
 *
 * Precedence, per choice: an `initWebGPU` option, then the environment (TESSERA_WEBGPU_MATMUL,
 * TESSERA_WEBGPU_ROWS), then the auto-tune when asked for (option `tune`, or TESSERA_WEBGPU_TUNE=1),
 * then the adapter class. The auto-tune times every candidate on small problems (a 256x384 @ 384x512
 * matmul, a [512, 384] softmax) once per adapter and caches the winners in memory and, in Node, in
 * `os.tmpdir()/tessera-webgpu-tuning.json`, keyed by the adapter's description and TUNE_VERSION. A
 * candidate replaces the adapter-class default only when at least 10% faster.
 */
import type { Storage, View } from '../../backend.js';
import { contiguousStrides } from '../../shape.js';
import type { GpuStorage, WebGpuBackend } from './backend.js';
import { MATMUL_VARIANTS } from './kernels/matmul.js';
import type { MatmulVariant } from './kernels/matmul.js';

/** How row kernels (softmax, logSoftmax, logsumexp, layerNorm, reductions) map rows to invocations. */
export type RowVariant = 'thread' | 'group';
export const ROW_VARIANTS: readonly RowVariant[] = ['thread', 'group'];

export interface KernelChoice {
  matmul: MatmulVariant;
  /** The row-kernel family; see WebGpuBackend.rowPlan for the shapes each family hands to the other. */
  rows: RowVariant;
  /** Use `rows` for every call, even where the family hands a shape to the other (tests). */
  strictRows?: boolean;
  /** Let 'blocked' share rows of A across a subgroup when the device has subgroups (default true). */
  subgroups?: boolean;
}

/** Where the kernel choices of an adapter came from. */
export type KernelSourceName = 'adapter' | 'option' | 'env' | 'tuned' | 'tune-cache';

export interface TuneResult {
  matmul: MatmulVariant;
  rows: RowVariant;
  /** Milliseconds per call of each candidate. */
  timings: Record<string, number>;
}

/** Bump when kernels change enough to invalidate cached tuning results. */
export const TUNE_VERSION = 1;
const CACHE_FILE = 'tessera-webgpu-tuning.json';
/** A candidate must beat the adapter-class default by this factor to replace it. */
const MARGIN = 0.9;

export function defaultKernels(isSoftware: boolean): KernelChoice {
  return isSoftware ? { matmul: 'blocked', rows: 'thread' } : { matmul: 'tiled', rows: 'group' };
}

function env(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const v = p?.env?.[name];
  return v === undefined || v === '' ? undefined : v;
}

/** TESSERA_WEBGPU_MATMUL / TESSERA_WEBGPU_ROWS, validated (an unknown value throws, naming the valid ones). */
export function envKernels(): Partial<KernelChoice> {
  const out: Partial<KernelChoice> = {};
  const m = env('TESSERA_WEBGPU_MATMUL');
  if (m !== undefined) {
    if (!(MATMUL_VARIANTS as readonly string[]).includes(m)) throw new Error(`TESSERA_WEBGPU_MATMUL=${m}: expected one of ${MATMUL_VARIANTS.join(', ')}`);
    out.matmul = m as MatmulVariant;
  }
  const r = env('TESSERA_WEBGPU_ROWS');
  if (r !== undefined) {
    if (!(ROW_VARIANTS as readonly string[]).includes(r)) throw new Error(`TESSERA_WEBGPU_ROWS=${r}: expected one of ${ROW_VARIANTS.join(', ')}`);
    out.rows = r as RowVariant;
  }
  return out;
}

/** TESSERA_WEBGPU_TUNE: '1'/'true' tune (cached), 'refresh' retune, anything else off. */
export function envTune(): boolean | 'refresh' {
  const t = env('TESSERA_WEBGPU_TUNE');
  if (t === 'refresh') return 'refresh';
  return t === '1' || t === 'true';
}

export function adapterKey(info: { vendor: string; architecture: string; device: string; description: string }): string {
  return `v${TUNE_VERSION}|${info.vendor}|${info.architecture}|${info.device}|${info.description}`;
}

const memoryCache = new Map<string, TuneResult>();

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

interface NodeFs {
  readFileSync(path: string, enc: 'utf8'): string;
  writeFileSync(path: string, data: string): void;
  renameSync(from: string, to: string): void;
}

async function cacheFile(): Promise<{ fs: NodeFs; path: string } | null> {
  if (!isNode()) return null;
  try {
    // Variables keep bundlers (Vite in the browser check) from resolving Node built-ins.
    const fsName = 'node:fs';
    const osName = 'node:os';
    const pathName = 'node:path';
    const fs = (await import(/* @vite-ignore */ fsName)) as NodeFs;
    const os = (await import(/* @vite-ignore */ osName)) as { tmpdir(): string };
    const path = (await import(/* @vite-ignore */ pathName)) as { join(...p: string[]): string };
    return { fs, path: path.join(os.tmpdir(), CACHE_FILE) };
  } catch {
    return null;
  }
}

function validResult(r: unknown): r is TuneResult {
  const t = r as TuneResult | null;
  return !!t && (MATMUL_VARIANTS as readonly string[]).includes(t.matmul) && (ROW_VARIANTS as readonly string[]).includes(t.rows);
}

/** A cached tuning result for the adapter: memory first, then the JSON file (Node). */
export async function cachedTuning(key: string, file: boolean): Promise<TuneResult | null> {
  const hit = memoryCache.get(key);
  if (hit) return hit;
  if (!file) return null;
  const f = await cacheFile();
  if (!f) return null;
  try {
    const all = JSON.parse(f.fs.readFileSync(f.path, 'utf8')) as Record<string, unknown>;
    const r = all[key];
    if (!validResult(r)) return null;
    memoryCache.set(key, r);
    return r;
  } catch {
    return null;
  }
}

/** Remembers a tuning result in memory and (best effort) in the JSON file. */
export async function storeTuning(key: string, result: TuneResult, file: boolean): Promise<void> {
  memoryCache.set(key, result);
  if (!file) return;
  const f = await cacheFile();
  if (!f) return;
  try {
    let all: Record<string, unknown> = {};
    try {
      all = JSON.parse(f.fs.readFileSync(f.path, 'utf8')) as Record<string, unknown>;
    } catch {
      all = {};
    }
    all[key] = { ...result, date: new Date().toISOString() };
    const tmp = `${f.path}.${Math.random().toString(36).slice(2)}.tmp`;
    f.fs.writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`);
    f.fs.renameSync(tmp, f.path);
  } catch {
    // A read-only or full tmpdir only costs the next process a retune.
  }
}

/** Forgets in-memory tuning results (tests). */
export function clearTuningMemory(): void {
  memoryCache.clear();
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}

/** Milliseconds per call of `run` (which queues work and releases what it made): min over 3 trials after a warm-up. */
async function timeOp(backend: WebGpuBackend, run: () => void): Promise<number> {
  run();
  await backend.runtime.sync();
  let t0 = now();
  run();
  await backend.runtime.sync();
  const one = Math.max(now() - t0, 0.01);
  const reps = Math.min(50, Math.max(1, Math.ceil(10 / one)));
  let best = Infinity;
  for (let trial = 0; trial < 3; trial++) {
    t0 = now();
    for (let i = 0; i < reps; i++) run();
    await backend.runtime.sync();
    best = Math.min(best, (now() - t0) / reps);
  }
  return best;
}

function randomStorage(backend: WebGpuBackend, shape: number[], seed: number): View<GpuStorage> {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 32 - 0.5;
  }
  const storage = backend.fromArray(data, 'float32');
  return { storage, shape, strides: contiguousStrides(shape), offset: 0, dtype: 'float32' };
}

/** The fastest of `candidates` (ms per call each), keeping `preferred` unless another beats it by MARGIN. */
function pick<T extends string>(times: Record<T, number>, preferred: T): T {
  let best = preferred;
  for (const c of Object.keys(times) as T[]) if (times[c] < times[best] * (best === preferred ? MARGIN : 1)) best = c;
  return best;
}

/**
 * Times every matmul variant and both row-kernel families on small problems with `backend` (whose
 * kernel choice it restores) and returns the winners; `preferred` are the adapter-class defaults.
 */
export async function autotune(backend: WebGpuBackend, preferred: KernelChoice): Promise<TuneResult> {
  const saved = backend.kernels;
  const made: Storage[] = [];
  const timings: Record<string, number> = {};
  try {
    const [m, k, n] = [256, 384, 512];
    const a = randomStorage(backend, [m, k], 1);
    const b = randomStorage(backend, [k, n], 2);
    const x = randomStorage(backend, [512, 384], 3);
    made.push(a.storage, b.storage, x.storage);
    const mm = {} as Record<MatmulVariant, number>;
    for (const variant of MATMUL_VARIANTS) {
      backend.setKernels({ matmul: variant });
      mm[variant] = await timeOp(backend, () => backend.release(backend.matmul(a, b, [], m, k, n)));
      timings[`matmul:${variant}`] = mm[variant];
    }
    const rows = {} as Record<RowVariant, number>;
    for (const variant of ROW_VARIANTS) {
      backend.setKernels({ rows: variant, strictRows: true });
      rows[variant] = await timeOp(backend, () => backend.release(backend.softmax(x, 1, false)));
      timings[`softmax:${variant}`] = rows[variant];
    }
    return { matmul: pick(mm, preferred.matmul), rows: pick(rows, preferred.rows), timings };
  } finally {
    backend.kernels = saved;
    for (const s of made) backend.release(s as GpuStorage);
  }
}
