/**
 * WebGPU for nn tests: with CI=true a missing adapter fails; elsewhere one loud line and a skip.
 */
import { initWebGPU } from '@tessera/tensor';
import type { WebGPUInfo } from '@tessera/tensor';

let probe: Promise<WebGPUInfo | string> | null = null;

export async function requireWebGPU(): Promise<WebGPUInfo | null> {
  probe ??= initWebGPU().catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
  const r = await probe;
  if (typeof r !== 'string') return r;
  if (process.env.CI === 'true') throw new Error(`WebGPU is required in CI but unavailable: ${r}`);
  console.warn(`\n*** WebGPU tests SKIPPED: ${r}\n*** Enable them: sudo bash scripts/install-lavapipe.sh && export XDG_RUNTIME_DIR=/tmp\n`);
  return null;
}

/**
 * Float32 agreement between WebGPU and CPU for whole layers: |gpu - cpu| <= atol + rtol·|cpu|
 * elementwise (see packages/autograd/test/webgpu/tolerance.ts for single ops).
 */
export const F32 = { atol: 1e-5, rtol: 1e-3 } as const;

/** Null when every element agrees, else the first disagreement. */
export function disagreement(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: { atol: number; rtol: number } = F32): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (!(Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e))) return `element ${i}: webgpu ${a}, cpu ${e}`;
  }
  return null;
}
