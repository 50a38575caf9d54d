import type { DType, TypedArray } from '../../../dtype.js';
import { allocArray } from '../../../dtype.js';
import type { StridedInput } from './reduce.js';
import { contiguousCopy } from './indexing.js';

/** Layer norm over the last `normSize` elements of each row; returns out, mean and 1/sqrt(var + eps). */
export function layerNormKernel(
  x: StridedInput,
  weight: TypedArray | null,
  wOff: number,
  bias: TypedArray | null,
  bOff: number,
  normSize: number,
  eps: number,
  dtype: DType,
): { out: TypedArray; mean: TypedArray; rstd: TypedArray } {
  const data = contiguousCopyIfNeeded(x, dtype);
  const total = data.length;
  const rows = total / normSize;
  const out = allocArray(dtype, total);
  const mean = allocArray(dtype, rows);
  const rstd = allocArray(dtype, rows);
  for (let r = 0; r < rows; r++) {
    const base = r * normSize;
    let s = 0;
    for (let i = 0; i < normSize; i++) s += data[base + i]!;
    const mu = s / normSize;
    let v = 0;
    for (let i = 0; i < normSize; i++) {
      const d = data[base + i]! - mu;
      v += d * d;
    }
    const inv = 1 / Math.sqrt(v / normSize + eps);
    mean[r] = mu;
    rstd[r] = inv;
    if (weight && bias) for (let i = 0; i < normSize; i++) out[base + i] = (data[base + i]! - mu) * inv * weight[wOff + i]! + bias[bOff + i]!;
    else if (weight) for (let i = 0; i < normSize; i++) out[base + i] = (data[base + i]! - mu) * inv * weight[wOff + i]!;
    else if (bias) for (let i = 0; i < normSize; i++) out[base + i] = (data[base + i]! - mu) * inv + bias[bOff + i]!;
    else for (let i = 0; i < normSize; i++) out[base + i] = (data[base + i]! - mu) * inv;
  }
  return { out, mean, rstd };
}

function contiguousCopyIfNeeded(x: StridedInput, dtype: DType): TypedArray {
  const n = x.shape.reduce((a, b) => a * b, 1);
  let expected = 1;
  let contiguous = true;
  for (let i = x.shape.length - 1; i >= 0; i--) {
    if (x.shape[i] !== 1 && x.strides[i] !== expected) contiguous = false;
    expected *= x.shape[i]!;
  }
  return contiguous ? x.data.subarray(x.offset, x.offset + n) : contiguousCopy(x, dtype);
}
