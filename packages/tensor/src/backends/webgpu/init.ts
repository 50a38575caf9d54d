/// <reference types="@webgpu/types" />
import type { Backend } from '../../backend.js';
import { registerBackend, unregisterBackend } from '../../device.js';
import { TesseraError } from '../../errors.js';
import { WebGpuBackend } from './backend.js';
import type { MatmulVariant } from './kernels/matmul.js';
import { GpuRuntime } from './runtime.js';

export interface WebGPUOptions {
  powerPreference?: 'high-performance' | 'low-power';
  /** Matmul kernel: 'auto' picks 'direct' on CPU-backed adapters (lavapipe, SwiftShader), else 'tiled'. */
  matmul?: MatmulVariant | 'auto';
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
  matmul: MatmulVariant;
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
  const device = await adapter.requestDevice({ requiredLimits, label: 'tessera' });
  const ai = adapter.info;
  const text = `${ai.vendor} ${ai.architecture} ${ai.device} ${ai.description}`;
  const isSoftware = SOFTWARE.test(text) || (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const matmul: MatmulVariant = opts.matmul && opts.matmul !== 'auto' ? opts.matmul : isSoftware ? 'direct' : 'tiled';
  const runtime = new GpuRuntime(device);
  const backend = new WebGpuBackend(runtime, matmul);
  const l = device.limits;
  const info: WebGPUInfo = {
    vendor: ai.vendor,
    architecture: ai.architecture,
    device: ai.device,
    description: ai.description,
    isSoftware,
    matmul,
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
