/**
 * Helpers for tests that compare backends (like torch.testing): WebGPU availability with the
 * project's skip rule, and the float32 agreement tolerance used by every CPU-vs-WebGPU test.
 */
import { initWebGPU } from './backends/webgpu/init.js';
import type { WebGPUInfo } from './backends/webgpu/init.js';

let probe: Promise<WebGPUInfo | string> | null = null;

/**
 * Initialises WebGPU once per process. Resolves to the adapter info, or to null after printing one
 * loud line saying why and how to enable GPU tests; under CI=true a missing adapter throws instead,
 * because CI installs a software adapter and must run the GPU tests.
 */
export async function requireWebGPU(): Promise<WebGPUInfo | null> {
  probe ??= initWebGPU().catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
  const r = await probe;
  if (typeof r !== 'string') return r;
  if (typeof process !== 'undefined' && process.env?.CI === 'true') throw new Error(`WebGPU is required in CI but unavailable: ${r}`);
  console.warn(`\n*** WebGPU tests SKIPPED: ${r}\n*** Enable them: sudo bash scripts/install-lavapipe.sh && export XDG_RUNTIME_DIR=/tmp\n`);
  return null;
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** float32 agreement of one op between WebGPU and the CPU: |gpu − cpu| <= atol + rtol·|cpu|. */
export const F32_AGREEMENT: Tolerance = { atol: 1e-5, rtol: 1e-4 };
/** For long reductions, chained transcendental functions, and whole layers or losses. */
export const F32_AGREEMENT_LOOSE: Tolerance = { atol: 1e-5, rtol: 1e-3 };

/** Null when `actual` matches `expected` elementwise (NaN matches NaN), else the first mismatch. */
export function disagreement(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = F32_AGREEMENT_LOOSE): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    if (!(Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e))) return `element ${i}: got ${a}, expected ${e}`;
  }
  return null;
}
