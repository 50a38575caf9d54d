import type { ArgReduceOpName, ReduceOpName } from '../../../backend.js';
import type { DType, TypedArray } from '../../../dtype.js';
import { allocArray } from '../../../dtype.js';
import { contiguousStrides } from '../../../shape.js';
import { coalesce } from '../strided.js';
import { stridedCopy } from './loops.js';

export interface StridedInput {
  data: TypedArray;
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

/** Row-major copy of `x` with its dims reordered by `order` (a permutation). */
export function permutedCopy(x: StridedInput, order: readonly number[], dtype: DType): TypedArray {
  const shape = order.map((d) => x.shape[d]!);
  const strides = order.map((d) => x.strides[d]!);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = allocArray(dtype, n);
  const { shape: s, strides: st } = coalesce(shape, [contiguousStrides(shape), strides]);
  stridedCopy(out, 0, st[0]!, x.data, x.offset, st[1]!, s);
  return out;
}

/** True when the reduced dims are exactly the trailing ones and x is row-major from its offset. */
function isRowMajor(x: StridedInput): boolean {
  const expected = contiguousStrides(x.shape);
  return x.shape.every((s, i) => s === 1 || x.strides[i] === expected[i]);
}

/**
 * Reduces `dims` of x. Fast paths: trailing dims of a row-major x (rows), leading dims (column
 * accumulation); otherwise a permuted copy puts reduced dims last.
 */
export function reduceKernel(op: ReduceOpName, x: StridedInput, dims: readonly number[], outDtype: DType): TypedArray {
  const kept = x.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const outer = kept.reduce((n, d) => n * x.shape[d]!, 1);
  const inner = dims.reduce((n, d) => n * x.shape[d]!, 1);
  const out = allocArray(outDtype, outer);
  const init = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
  const rowMajor = isRowMajor(x);
  const trailing = dims.every((d, i) => d === x.shape.length - dims.length + i);
  const leading = dims.every((d, i) => d === i);
  if (rowMajor && leading && !trailing && inner > 0) {
    const acc = new Float64Array(outer).fill(init);
    const data = x.data;
    for (let r = 0, base = x.offset; r < inner; r++, base += outer) {
      if (op === 'sum') for (let j = 0; j < outer; j++) acc[j] += data[base + j]!;
      else if (op === 'max') for (let j = 0; j < outer; j++) { const v = data[base + j]!; if (v > acc[j]! || v !== v) acc[j] = v; }
      else for (let j = 0; j < outer; j++) { const v = data[base + j]!; if (v < acc[j]! || v !== v) acc[j] = v; }
    }
    out.set(acc);
    return out;
  }
  let data: TypedArray;
  let offset: number;
  if (rowMajor && trailing) {
    data = x.data;
    offset = x.offset;
  } else {
    data = permutedCopy(x, [...kept, ...dims], outDtypeForCopy(x.data));
    offset = 0;
  }
  for (let r = 0; r < outer; r++) {
    const base = offset + r * inner;
    let acc = init;
    if (op === 'sum') for (let i = 0; i < inner; i++) acc += data[base + i]!;
    else if (op === 'max') for (let i = 0; i < inner; i++) { const v = data[base + i]!; if (v > acc || v !== v) acc = v; }
    else for (let i = 0; i < inner; i++) { const v = data[base + i]!; if (v < acc || v !== v) acc = v; }
    out[r] = acc;
  }
  return out;
}

function outDtypeForCopy(a: TypedArray): DType {
  return a instanceof Float64Array ? 'float64' : a instanceof Float32Array ? 'float32' : a instanceof Int32Array ? 'int32' : 'bool';
}

/** Rows of length `dim`'s size with that dim last, as a contiguous array. */
export function rowsAlong(x: StridedInput, dim: number): { data: TypedArray; offset: number; rows: number; len: number } {
  const len = x.shape.length === 0 ? 1 : x.shape[dim]!;
  const total = x.shape.reduce((a, b) => a * b, 1);
  const rows = len === 0 ? 0 : total / len;
  if (x.shape.length === 0 || (dim === x.shape.length - 1 && isRowMajor(x))) return { data: x.data, offset: x.offset, rows, len };
  const order = [...x.shape.map((_, i) => i).filter((i) => i !== dim), dim];
  return { data: permutedCopy(x, order, outDtypeForCopy(x.data)), offset: 0, rows, len };
}

/** Max/min along one dim with the first index of the extreme (NaN counts as the extreme, as torch). */
export function argReduceKernel(op: ArgReduceOpName, x: StridedInput, dim: number, dtype: DType): { values: TypedArray; indices: Int32Array } {
  const { data, offset, rows, len } = rowsAlong(x, dim);
  const values = allocArray(dtype, rows);
  const indices = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = offset + r * len;
    let best = data[base]!;
    let at = 0;
    if (best === best) {
      for (let i = 1; i < len; i++) {
        const v = data[base + i]!;
        if (v !== v) {
          best = v;
          at = i;
          break;
        }
        if (op === 'max' ? v > best : v < best) {
          best = v;
          at = i;
        }
      }
    }
    values[r] = best;
    indices[r] = at;
  }
  return { values, indices };
}

/** Scatters per-row results (rows laid out with `dim` last) back to the row-major order of x's shape. */
export function unpermuteRows(rowsData: TypedArray, shape: readonly number[], dim: number, dtype: DType): TypedArray {
  if (shape.length === 0 || dim === shape.length - 1) return rowsData;
  const order = [...shape.map((_, i) => i).filter((i) => i !== dim), dim];
  const permShape = order.map((d) => shape[d]!);
  const out = allocArray(dtype, rowsData.length);
  // rowsData is row-major in permShape; write into out at the original positions.
  const outStrides = contiguousStrides(shape);
  const dstStrides = order.map((d) => outStrides[d]!);
  const { shape: s, strides: st } = coalesce(permShape, [dstStrides, contiguousStrides(permShape)]);
  stridedCopy(out, 0, st[0]!, rowsData, 0, st[1]!, s);
  return out;
}

/** Stable softmax (or log-softmax) along `dim`. */
export function softmaxKernel(x: StridedInput, dim: number, log: boolean, dtype: DType): TypedArray {
  const { data, offset, rows, len } = rowsAlong(x, dim);
  const out = allocArray(dtype, rows * len);
  for (let r = 0; r < rows; r++) {
    const base = offset + r * len;
    const ob = r * len;
    let m = -Infinity;
    for (let i = 0; i < len; i++) { const v = data[base + i]!; if (v > m || v !== v) m = v; }
    if (m === -Infinity || m === Infinity) m = m === Infinity ? m : 0;
    let s = 0;
    if (log) {
      for (let i = 0; i < len; i++) s += Math.exp(data[base + i]! - m);
      const lse = Math.log(s) + m;
      for (let i = 0; i < len; i++) out[ob + i] = data[base + i]! - lse;
    } else {
      for (let i = 0; i < len; i++) { const e = Math.exp(data[base + i]! - m); out[ob + i] = e; s += e; }
      const inv = 1 / s;
      for (let i = 0; i < len; i++) out[ob + i] = out[ob + i]! * inv;
    }
  }
  return unpermuteRows(out, x.shape, dim, dtype);
}

/** logsumexp along `dim` (output without that dim), max-shifted and tolerant of -inf. */
export function logsumexpKernel(x: StridedInput, dim: number, dtype: DType): TypedArray {
  const { data, offset, rows, len } = rowsAlong(x, dim);
  const out = allocArray(dtype, rows);
  for (let r = 0; r < rows; r++) {
    const base = offset + r * len;
    let m = -Infinity;
    for (let i = 0; i < len; i++) { const v = data[base + i]!; if (v > m || v !== v) m = v; }
    if (m === -Infinity || m === Infinity) {
      out[r] = m;
      continue;
    }
    let s = 0;
    for (let i = 0; i < len; i++) s += Math.exp(data[base + i]! - m);
    out[r] = Math.log(s) + m;
  }
  return out;
}
