import type { DType, TypedArray } from '../../../dtype.js';
import { allocArray } from '../../../dtype.js';
import { rowsAlong } from './reduce.js';
import type { StridedInput } from './reduce.js';

/**
 * `softmax(x * scale + mask)` over the last dim (attention scores), without materializing the
 * scaled or masked scores. `mask`: null, or a strided view of x's shape (broadcast dims have
 * stride 0). Max-shifted like softmaxKernel: a row whose max is -inf is shifted by 0.
 */
export function scaledMaskedSoftmaxKernel(x: StridedInput, scale: number, mask: StridedInput | null, dtype: DType): TypedArray {
  const last = x.shape.length - 1;
  const { data, offset, rows, len } = rowsAlong(x, last);
  const out = allocArray(dtype, rows * len);
  const z = new Float64Array(len);
  // Odometer over the leading dims for the mask's row offsets.
  const lead = x.shape.slice(0, last);
  const idx = new Array<number>(lead.length).fill(0);
  const ms = mask?.strides ?? [];
  const mInner = mask ? ms[last]! : 0;
  let mBase = mask?.offset ?? 0;
  for (let r = 0; r < rows; r++) {
    const base = offset + r * len;
    let m = -Infinity;
    for (let i = 0; i < len; i++) {
      let v = data[base + i]! * scale;
      if (mask) v += mask.data[mBase + i * mInner]!;
      z[i] = v;
      if (v > m || v !== v) m = v;
    }
    if (m === -Infinity) m = 0;
    let s = 0;
    const ob = r * len;
    for (let i = 0; i < len; i++) {
      const e = Math.exp(z[i]! - m);
      z[i] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let i = 0; i < len; i++) out[ob + i] = z[i]! * inv;
    if (mask) {
      for (let d = lead.length - 1; d >= 0; d--) {
        idx[d]! += 1;
        mBase += ms[d]!;
        if (idx[d]! < lead[d]!) break;
        mBase -= ms[d]! * lead[d]!;
        idx[d] = 0;
      }
    }
  }
  return out;
}
