import type { DType, TypedArray } from '../../../dtype.js';
import { allocArray } from '../../../dtype.js';
import { contiguousStrides } from '../../../shape.js';
import { coalesce } from '../strided.js';
import { stridedCopy } from './loops.js';
import type { StridedInput } from './reduce.js';

/**
 * Walks every position of `shape` with two strided operands and calls `visit(p, q)` per element.
 * Used by gather/scatter, whose per-element work reads an index, so it cannot be a plain map.
 */
function forEachPair(shape: readonly number[], s1: readonly number[], o1: number, s2: readonly number[], o2: number, visit: (p: number, q: number) => void): void {
  const { shape: sh, strides } = coalesce(shape, [s1, s2]);
  const a = strides[0]!;
  const b = strides[1]!;
  const r = sh.length;
  const total = sh.reduce((x, y) => x * y, 1);
  if (total === 0) return;
  if (r === 0) {
    visit(o1, o2);
    return;
  }
  const idx = new Int32Array(r);
  let p = o1;
  let q = o2;
  for (let n = 0; n < total; n++) {
    visit(p, q);
    for (let d = r - 1; d >= 0; d--) {
      p += a[d]!;
      q += b[d]!;
      if (++idx[d]! < sh[d]!) break;
      p -= a[d]! * sh[d]!;
      q -= b[d]! * sh[d]!;
      idx[d] = 0;
    }
  }
}

/** out (index's shape) = x at index along dim, same position elsewhere. */
export function gatherKernel(x: StridedInput, dim: number, index: StridedInput, dtype: DType): TypedArray {
  const n = index.shape.reduce((a, b) => a * b, 1);
  const out = allocArray(dtype, n);
  if (x.shape.length === 0) {
    out.fill(x.data[x.offset]!);
    return out;
  }
  const xs = [...x.strides];
  const dimStride = xs[dim]!;
  xs[dim] = 0;
  const idx = index.data;
  const src = x.data;
  let o = 0;
  forEachPair(index.shape, index.strides, index.offset, xs, x.offset, (p, q) => {
    out[o++] = src[q + idx[p]! * dimStride]!;
  });
  return out;
}

/** A row-major copy of x with src added at index along dim. */
export function scatterAddKernel(x: StridedInput, dim: number, index: StridedInput, src: StridedInput, dtype: DType): TypedArray {
  const out = contiguousCopy(x, dtype);
  if (x.shape.length === 0) {
    const n = index.shape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) out[0] += src.data[src.offset]!;
    return out;
  }
  const os = contiguousStrides(x.shape);
  const dimStride = os[dim]!;
  os[dim] = 0;
  // Walk index and src together; compute out's base from the same multi-index.
  const { shape: sh, strides } = coalesce(index.shape, [index.strides, src.strides, os]);
  const [is, ss, osc] = strides as [number[], number[], number[]];
  const r = sh.length;
  const total = sh.reduce((a, b) => a * b, 1);
  if (total === 0) return out;
  const ctr = new Int32Array(r);
  let pi = index.offset;
  let ps = src.offset;
  let po = 0;
  for (let n = 0; n < total; n++) {
    out[po + index.data[pi]! * dimStride] += src.data[ps]!;
    for (let d = r - 1; d >= 0; d--) {
      pi += is[d]!;
      ps += ss[d]!;
      po += osc[d]!;
      if (++ctr[d]! < sh[d]!) break;
      pi -= is[d]! * sh[d]!;
      ps -= ss[d]! * sh[d]!;
      po -= osc[d]! * sh[d]!;
      ctr[d] = 0;
    }
  }
  return out;
}

export function contiguousCopy(x: StridedInput, dtype: DType): TypedArray {
  const n = x.shape.reduce((a, b) => a * b, 1);
  const out = allocArray(dtype, n);
  const { shape, strides } = coalesce(x.shape, [contiguousStrides(x.shape), x.strides]);
  stridedCopy(out, 0, strides[0]!, x.data, x.offset, strides[1]!, shape);
  return out;
}

/** Copies `src` into the region of the row-major `out` (of `outShape`) starting at `start` along `dim`, stepping `step`. */
export function copyIntoRegion(out: TypedArray, outShape: readonly number[], dim: number, start: number, step: number, src: StridedInput): void {
  const os = contiguousStrides(outShape);
  const offset = start * os[dim]!;
  const ds = [...os];
  ds[dim] = os[dim]! * step;
  const { shape, strides } = coalesce(src.shape, [ds, src.strides]);
  stridedCopy(out, offset, strides[0]!, src.data, src.offset, strides[1]!, shape);
}
