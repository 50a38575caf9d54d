import type { AdamHyper } from '../../../backend.js';
import type { FloatArray } from '../../../dtype.js';

/**
 * One Adam/AdamW step in a single pass, in place, with torch's order of operations:
 * (AdamW) p *= decay; (Adam) g += l2·p; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g·g;
 * p += −stepSize·m / (sqrt(max(v)) / sqrt(1−β2^t) + eps). Values are rounded to the arrays'
 * type where torch stores them (m, v, max v, p).
 */
export function adamStepKernel(p: FloatArray, g: FloatArray, gOff: number, m: FloatArray, v: FloatArray, maxV: FloatArray | null, h: AdamHyper): void {
  const { beta1, beta2, eps, stepSize, biasCorrection2Sqrt, decay, l2, maximize } = h;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    let grad = g[gOff + i]!;
    if (maximize) grad = -grad;
    let param = p[i]!;
    if (decay !== 1) {
      p[i] = param * decay;
      param = p[i]!;
    }
    if (l2 !== 0) grad += l2 * param;
    m[i] = m[i]! * beta1 + grad * c1;
    v[i] = v[i]! * beta2 + grad * c2 * grad;
    let second = v[i]!;
    if (maxV) {
      if (second > maxV[i]! || second !== second) maxV[i] = second;
      second = maxV[i]!;
    }
    const denom = Math.sqrt(second) / biasCorrection2Sqrt + eps;
    p[i] = param + (m[i]! * -stepSize) / denom;
  }
}
