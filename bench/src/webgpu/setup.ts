/**
 * WebGPU for the bench: `navigator.gpu` from Dawn (the `webgpu` package) in Node, shared by Tessera and
 * the tfjs-webgpu peer, then Tessera's `initWebGPU()`, once per process.
 */
import { initWebGPU, memory, syncWebGPU, tidy } from '@tessera/tensor';
import type { WebGPUInfo } from '@tessera/tensor';
import type { Harness } from '../suite.js';

type Nav = { gpu?: unknown };

// Dawn-in-Node hazard: if the GPU object that `create()` returns is garbage-collected while an adapter or
// device made from it lives, the process crashes on a later GC. Held here for the process lifetime.
let dawnGpu: unknown = null;

/**
 * Makes `navigator.gpu` exist: kept when already there (a browser, or a caller that set it), else Dawn's
 * `create([])` with its `globals` (GPUBufferUsage, GPUMapMode, ...) on globalThis, as tfjs-webgpu expects.
 * Returns why it could not, or null. Must run before `@tensorflow/tfjs-backend-webgpu` is imported: that
 * module registers its backend only when `navigator.gpu` exists at import time.
 */
export async function installNavigatorGpu(): Promise<string | null> {
  const g = globalThis as { navigator?: Nav };
  if (g.navigator?.gpu) return null;
  try {
    const specifier = 'webgpu';
    const dawn = (await import(specifier)) as { create(flags: string[]): unknown; globals: object };
    dawnGpu = dawn.create([]);
    Object.assign(globalThis, dawn.globals);
    if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: dawnGpu, configurable: true, enumerable: true });
    else Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawnGpu }, configurable: true, writable: true, enumerable: true });
    return null;
  } catch (e) {
    return `the 'webgpu' package (Dawn) did not load: ${(e as Error).message}`;
  }
}

export type WebGPUStatus = { ok: true; info: WebGPUInfo } | { ok: false; reason: string };

let status: Promise<WebGPUStatus> | null = null;

/** `navigator.gpu` (shared), then Tessera's `initWebGPU()`; memoized, never throws. */
export function ensureWebGPU(): Promise<WebGPUStatus> {
  status ??= (async (): Promise<WebGPUStatus> => {
    const navError = await installNavigatorGpu();
    try {
      return { ok: true, info: await initWebGPU() };
    } catch (e) {
      const msg = (e as Error).message.replace(/\s+/g, ' ').trim();
      return { ok: false, reason: navError ? `${msg} [${navError}]` : msg };
    }
  })();
  return status;
}

let skipReported = false;

/** For the runner: true when WebGPU is up; otherwise prints ONE line (per process) saying why and returns false. */
export async function webgpuReady(): Promise<boolean> {
  const s = await ensureWebGPU();
  if (s.ok) return true;
  if (!skipReported) {
    skipReported = true;
    console.error(`webgpu: skipping the WebGPU rows and their tfjs-webgpu peers: initWebGPU() failed: ${s.reason}`);
  }
  return false;
}

/** Tessera on WebGPU: the op inside `tidy` (queued, returns at once), then `syncWebGPU()` waits for the GPU. */
export const TESSERA_WEBGPU: Harness = {
  library: 'tessera',
  device: 'webgpu',
  async: true,
  async call(op) {
    tidy(() => {
      op();
    });
    await syncWebGPU();
  },
  liveTensors: () => memory().liveTensors,
};
