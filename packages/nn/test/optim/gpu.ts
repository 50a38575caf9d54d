/**
 * WebGPU availability for the optimizer tests (same logic as packages/autograd/test/webgpu/gpu.ts).
 * With CI=true a missing adapter is a failure (CI installs lavapipe); elsewhere the GPU tests skip
 * after one loud line that says why and how to enable them.
 */
import { initWebGPU } from '@tessera/tensor';
import type { WebGPUInfo } from '@tessera/tensor';

let probe: Promise<WebGPUInfo | string> | null = null;

export function webgpuAvailable(): Promise<WebGPUInfo | string> {
  probe ??= initWebGPU().catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
  return probe;
}

/** Resolves to the adapter info, or null after printing the skip line (throws under CI). */
export async function requireWebGPU(): Promise<WebGPUInfo | null> {
  const r = await webgpuAvailable();
  if (typeof r !== 'string') return r;
  if (process.env.CI === 'true') throw new Error(`WebGPU is required in CI but unavailable: ${r}`);
  console.warn(`\n*** WebGPU optimizer tests SKIPPED: ${r}\n*** Enable them: sudo bash scripts/install-lavapipe.sh && export XDG_RUNTIME_DIR=/tmp\n`);
  return null;
}
