/// <reference types="@webgpu/types" />
import type { Backend } from '../../backend.js';
import { registerBackend, unregisterBackend } from '../../device.js';
import { TesseraError } from '../../errors.js';
import { WebGpuBackend } from './backend.js';
import { MATMUL_VARIANTS } from './kernels/matmul.js';
import type { MatmulVariant } from './kernels/matmul.js';
import { GpuRuntime } from './runtime.js';
import { adapterKey, autotune, cachedTuning, defaultKernels, envKernels, envTune, ROW_VARIANTS, storeTuning } from './tuning.js';
import type { KernelChoice, KernelSourceName, RowVariant, TuneResult } from './tuning.js';

export interface WebGPUOptions {
  powerPreference?: 'high-performance' | 'low-power';
  /**
   * Matmul kernel: 'tiled' (workgroup memory, for GPUs), 'blocked' (register blocks and vec4 loads,
   * no workgroup memory, for CPU-backed adapters), 'direct' (plain), or 'auto' (the default: the
   * environment's TESSERA_WEBGPU_MATMUL, else the auto-tune's pick when tuning, else by adapter
   * class: 'blocked' on lavapipe/SwiftShader, 'tiled' otherwise).
   */
  matmul?: MatmulVariant | 'auto';
  /**
   * Row kernels (softmax, logSoftmax, logsumexp, layerNorm, reductions): 'thread' (an invocation
   * per row, no barriers, for CPU-backed adapters), 'group' (a workgroup per row, for GPUs), or
   * 'auto' (TESSERA_WEBGPU_ROWS, the auto-tune, else by adapter class).
   */
  rows?: RowVariant | 'auto';
  /**
   * Auto-tune the 'auto' choices: time each candidate kernel on small problems at init (a few
   * seconds on CPU-backed adapters, mostly pipeline compiles) and cache the winners per adapter, in
   * memory and in os.tmpdir()/tessera-webgpu-tuning.json (Node). true: use the cached result when
   * there is one; 'refresh': retune. Default: TESSERA_WEBGPU_TUNE ('1' or 'refresh'), else off.
   */
  tune?: boolean | 'refresh';
  /** Read and write the tuning cache file (Node). Default true. */
  tuneCacheFile?: boolean;
  /** Flags passed to Dawn's `create()` in Node (e.g. 'backend=vulkan'). */
  dawnFlags?: string[];
}

/** What `initWebGPU` found. */
export interface WebGPUInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for CPU-backed adapters (lavapipe/llvmpipe, SwiftShader): correct but slow. */
  isSoftware: boolean;
  /** The fixed subgroup size of the device when it has the 'subgroups' feature, else 0. */
  subgroupSize: number;
  /** The matmul kernel in use (also in `kernels`). */
  matmul: MatmulVariant;
  /** The kernel choices and where each came from. */
  kernels: {
    matmul: MatmulVariant;
    rows: RowVariant;
    source: { matmul: KernelSourceName; rows: KernelSourceName };
    /** The auto-tune's timings (ms per call of each candidate), when it ran or was cached. */
    tuning?: TuneResult;
  };
  limits: {
    maxStorageBuffersPerShaderStage: number;
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupsPerDimension: number;
  };
}

interface DawnModule {
  create(flags: string[]): GPU;
}

// Dawn-in-Node hazard: if the object `create()` returns is garbage-collected while its adapter or
// device lives, the process crashes on the next GC. It is kept here for the process lifetime.
let dawnGpu: GPU | null = null;
let current: { backend: WebGpuBackend; info: WebGPUInfo } | null = null;

const LIMIT_NAMES = [
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxUniformBufferBindingSize',
] as const;

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

async function findGpu(tried: string[], flags: string[]): Promise<GPU | null> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  tried.push('navigator.gpu (absent)');
  if (!isNode()) return null;
  if (dawnGpu) return dawnGpu;
  try {
    const specifier = 'webgpu';
    const mod = (await import(/* @vite-ignore */ specifier)) as DawnModule;
    dawnGpu = mod.create(flags);
    return dawnGpu;
  } catch (e) {
    tried.push(`the 'webgpu' package (Dawn for Node): ${(e as Error).message}`);
    return null;
  }
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render/i;

/**
 * Initialises the WebGPU backend (Dawn through the `webgpu` package in Node, `navigator.gpu` in
 * browsers), requesting the adapter's own limits, and registers the 'webgpu' device.
 * Throws a TesseraError saying what was tried and how to fix it when no adapter exists.
 */
export async function initWebGPU(opts: WebGPUOptions = {}): Promise<WebGPUInfo> {
  if (current && !current.backend.runtime.lost) return current.info;
  const tried: string[] = [];
  const gpu = await findGpu(tried, opts.dawnFlags ?? []);
  const fix = isNode()
    ? "In Node, install the 'webgpu' package and a Vulkan driver; without a GPU, run `bash scripts/install-lavapipe.sh` (Mesa's lavapipe >= 23 from Debian bookworm-backports) and set XDG_RUNTIME_DIR."
    : 'Use a browser with WebGPU (Chrome/Edge 113+, or Chromium with --enable-unsafe-webgpu).';
  if (!gpu) throw new TesseraError('initWebGPU', undefined, `no WebGPU implementation found (tried: ${tried.join('; ')}). ${fix}`);
  const adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined);
  if (!adapter) {
    throw new TesseraError('initWebGPU', undefined, `no WebGPU adapter found (tried: ${[...tried, 'requestAdapter() returned null'].join('; ')}). ${fix}`);
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) {
    const v = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  // Subgroups (when the adapter has them) let the 'blocked' matmul share loads across SIMD lanes.
  const ai = adapter.info;
  const hasSubgroups = adapter.features.has('subgroups');
  const device = await adapter.requestDevice({ requiredLimits, label: 'tessera', ...(hasSubgroups ? { requiredFeatures: ['subgroups' as GPUFeatureName] } : {}) });
  const sgInfo = ai as unknown as { subgroupMinSize?: number; subgroupMaxSize?: number };
  const subgroupSize = hasSubgroups && sgInfo.subgroupMinSize !== undefined && sgInfo.subgroupMinSize === sgInfo.subgroupMaxSize ? sgInfo.subgroupMinSize : 0;
  const text = `${ai.vendor} ${ai.architecture} ${ai.device} ${ai.description}`;
  const isSoftware = SOFTWARE.test(text) || (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  if (opts.matmul !== undefined && opts.matmul !== 'auto' && !MATMUL_VARIANTS.includes(opts.matmul)) {
    throw new TesseraError('initWebGPU', 'matmul', `must be one of ${MATMUL_VARIANTS.join(', ')} or 'auto', got ${String(opts.matmul)}`);
  }
  if (opts.rows !== undefined && opts.rows !== 'auto' && !ROW_VARIANTS.includes(opts.rows)) {
    throw new TesseraError('initWebGPU', 'rows', `must be one of ${ROW_VARIANTS.join(', ')} or 'auto', got ${String(opts.rows)}`);
  }
  const runtime = new GpuRuntime(device);
  const preferred = defaultKernels(isSoftware);
  const backend = new WebGpuBackend(runtime, preferred, subgroupSize);
  const kernels = await chooseKernels(backend, opts, preferred, { vendor: ai.vendor, architecture: ai.architecture, device: ai.device, description: ai.description });
  backend.setKernels({ matmul: kernels.matmul, rows: kernels.rows });
  const l = device.limits;
  const info: WebGPUInfo = {
    vendor: ai.vendor,
    architecture: ai.architecture,
    device: ai.device,
    description: ai.description,
    isSoftware,
    subgroupSize,
    matmul: kernels.matmul,
    kernels,
    limits: {
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    },
  };
  // A lost device stays registered so that ops on its tensors report the loss; initWebGPU() replaces it.
  current = { backend, info };
  registerBackend(backend as unknown as Backend);
  return info;
}

/** Each kernel choice from the options, the environment, the auto-tune (when asked for) or the adapter class, in that order. */
export async function chooseKernels(
  backend: WebGpuBackend,
  opts: WebGPUOptions,
  preferred: KernelChoice,
  adapter: { vendor: string; architecture: string; device: string; description: string },
): Promise<WebGPUInfo['kernels']> {
  let fromEnv: Partial<KernelChoice>;
  try {
    fromEnv = envKernels();
  } catch (e) {
    throw new TesseraError('initWebGPU', undefined, (e as Error).message);
  }
  const fixed: Partial<KernelChoice> = {};
  const source: { matmul: KernelSourceName; rows: KernelSourceName } = { matmul: 'adapter', rows: 'adapter' };
  for (const name of ['matmul', 'rows'] as const) {
    const opt = opts[name];
    if (opt !== undefined && opt !== 'auto') {
      (fixed as Record<string, string>)[name] = opt;
      source[name] = 'option';
    } else if (fromEnv[name] !== undefined) {
      (fixed as Record<string, string>)[name] = fromEnv[name];
      source[name] = 'env';
    }
  }
  const tune = opts.tune ?? envTune();
  let tuning: TuneResult | undefined;
  if (tune && (fixed.matmul === undefined || fixed.rows === undefined)) {
    const key = adapterKey(adapter);
    const file = opts.tuneCacheFile ?? true;
    const cached = tune === 'refresh' ? null : await cachedTuning(key, file);
    tuning = cached ?? (await autotune(backend, preferred));
    if (!cached) await storeTuning(key, tuning, file);
    for (const name of ['matmul', 'rows'] as const) {
      if (fixed[name] !== undefined) continue;
      (fixed as Record<string, string>)[name] = tuning[name];
      source[name] = cached ? 'tune-cache' : 'tuned';
    }
  }
  return { matmul: fixed.matmul ?? preferred.matmul, rows: fixed.rows ?? preferred.rows, source, ...(tuning ? { tuning } : {}) };
}

/**
 * Changes the kernels of the live WebGPU backend (e.g. to compare variants in a benchmark, or to
 * force each one in tests); returns the previous choice. `strictRows` applies the row family to
 * every shape. Throws when WebGPU is not initialised.
 */
export function setWebGPUKernels(choice: Partial<KernelChoice>): KernelChoice {
  if (!current) throw new TesseraError('setWebGPUKernels', undefined, 'WebGPU is not initialised: call initWebGPU() first');
  if (choice.matmul !== undefined && !MATMUL_VARIANTS.includes(choice.matmul)) {
    throw new TesseraError('setWebGPUKernels', 'matmul', `must be one of ${MATMUL_VARIANTS.join(', ')}, got ${String(choice.matmul)}`);
  }
  if (choice.rows !== undefined && !ROW_VARIANTS.includes(choice.rows)) {
    throw new TesseraError('setWebGPUKernels', 'rows', `must be one of ${ROW_VARIANTS.join(', ')}, got ${String(choice.rows)}`);
  }
  const before = current.backend.setKernels(choice);
  const k = current.backend.kernels;
  current.info.matmul = k.matmul;
  const source = { ...current.info.kernels.source };
  if (choice.matmul !== undefined) source.matmul = 'option';
  if (choice.rows !== undefined) source.rows = 'option';
  current.info.kernels = { ...current.info.kernels, matmul: k.matmul, rows: k.rows, source };
  return before;
}

/** The initialised WebGPU adapter's description, or null. */
export function webgpuInfo(): WebGPUInfo | null {
  return current?.info ?? null;
}

/** Submits queued WebGPU work and waits until the GPU finished it (for timing). */
export async function syncWebGPU(): Promise<void> {
  if (current) await current.backend.runtime.sync();
}

/** Destroys the WebGPU device; webgpu tensors become invalid. */
export function destroyWebGPU(): void {
  if (!current) return;
  const { backend } = current;
  current = null;
  unregisterBackend('webgpu');
  backend.destroyed = true;
  backend.runtime.destroy();
}

/** The live backend (for tests and benchmarks). */
export function webgpuBackend(): WebGpuBackend | null {
  return current?.backend ?? null;
}
