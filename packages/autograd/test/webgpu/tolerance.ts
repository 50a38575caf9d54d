/**
 * The float32 tolerances of every WebGPU-vs-CPU agreement test, in one place.
 * |gpu - cpu| <= atol + rtol * |cpu|, elementwise; NaN must match NaN.
 */
export const F32_AGREEMENT = { atol: 1e-5, rtol: 1e-4 } as const;
/** For results of long reductions or chained transcendental functions. */
export const F32_AGREEMENT_LOOSE = { atol: 1e-4, rtol: 1e-3 } as const;

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** Null when `actual` matches `expected`, else a description of the first mismatch. */
export function mismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e))) return `element ${i}: webgpu ${a}, cpu ${e}`;
  }
  return null;
}
