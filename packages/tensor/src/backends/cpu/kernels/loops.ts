/**
 * Strided loops, written self-contained (no outer references) so that `cloneFunction` can give
 * each op its own copy. `shape`/strides come coalesced; the output is written in row-major order.
 */
import type { TypedArray } from '../../../dtype.js';

type Unary = (x: number) => number;
type Binary = (a: number, b: number) => number;

export function unaryLoop(fn: Unary, out: TypedArray, x: TypedArray, xo: number, shape: readonly number[], xs: readonly number[]): void {
  const r = shape.length;
  if (r === 0) {
    out[0] = fn(x[xo]!);
    return;
  }
  let total = 1;
  for (let d = 0; d < r; d++) total *= shape[d]!;
  if (total === 0) return;
  const inner = shape[r - 1]!;
  const is = xs[r - 1]!;
  const idx = new Int32Array(r);
  let xb = xo;
  let o = 0;
  const outer = total / inner;
  for (let q = 0; q < outer; q++) {
    if (is === 1) for (let i = 0; i < inner; i++) out[o++] = fn(x[xb + i]!);
    else for (let i = 0, p = xb; i < inner; i++, p += is) out[o++] = fn(x[p]!);
    for (let d = r - 2; d >= 0; d--) {
      xb += xs[d]!;
      if (++idx[d]! < shape[d]!) break;
      xb -= xs[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

export function binaryLoop(
  fn: Binary,
  out: TypedArray,
  a: TypedArray,
  ao: number,
  as: readonly number[],
  b: TypedArray,
  bo: number,
  bs: readonly number[],
  shape: readonly number[],
): void {
  const r = shape.length;
  if (r === 0) {
    out[0] = fn(a[ao]!, b[bo]!);
    return;
  }
  let total = 1;
  for (let d = 0; d < r; d++) total *= shape[d]!;
  if (total === 0) return;
  const inner = shape[r - 1]!;
  const ia = as[r - 1]!;
  const ib = bs[r - 1]!;
  const idx = new Int32Array(r);
  let pa = ao;
  let pb = bo;
  let o = 0;
  const outer = total / inner;
  for (let q = 0; q < outer; q++) {
    if (ia === 1 && ib === 1) for (let i = 0; i < inner; i++) out[o++] = fn(a[pa + i]!, b[pb + i]!);
    else if (ia === 1 && ib === 0) {
      const bv = b[pb]!;
      for (let i = 0; i < inner; i++) out[o++] = fn(a[pa + i]!, bv);
    } else if (ia === 0 && ib === 1) {
      const av = a[pa]!;
      for (let i = 0; i < inner; i++) out[o++] = fn(av, b[pb + i]!);
    } else for (let i = 0, p = pa, s = pb; i < inner; i++, p += ia, s += ib) out[o++] = fn(a[p]!, b[s]!);
    for (let d = r - 2; d >= 0; d--) {
      pa += as[d]!;
      pb += bs[d]!;
      if (++idx[d]! < shape[d]!) break;
      pa -= as[d]! * shape[d]!;
      pb -= bs[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** `out[i] = c[i] ? a[i] : b[i]` over three strided operands. */
export function whereLoop(
  out: TypedArray,
  c: TypedArray,
  co: number,
  cs: readonly number[],
  a: TypedArray,
  ao: number,
  as: readonly number[],
  b: TypedArray,
  bo: number,
  bs: readonly number[],
  shape: readonly number[],
): void {
  const r = shape.length;
  if (r === 0) {
    out[0] = c[co] ? a[ao]! : b[bo]!;
    return;
  }
  let total = 1;
  for (let d = 0; d < r; d++) total *= shape[d]!;
  if (total === 0) return;
  const inner = shape[r - 1]!;
  const ic = cs[r - 1]!;
  const ia = as[r - 1]!;
  const ib = bs[r - 1]!;
  const idx = new Int32Array(r);
  let pc = co;
  let pa = ao;
  let pb = bo;
  let o = 0;
  const outer = total / inner;
  for (let q = 0; q < outer; q++) {
    for (let i = 0, x = pc, y = pa, z = pb; i < inner; i++, x += ic, y += ia, z += ib) out[o++] = c[x] ? a[y]! : b[z]!;
    for (let d = r - 2; d >= 0; d--) {
      pc += cs[d]!;
      pa += as[d]!;
      pb += bs[d]!;
      if (++idx[d]! < shape[d]!) break;
      pc -= cs[d]! * shape[d]!;
      pa -= as[d]! * shape[d]!;
      pb -= bs[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** Copies a strided source into a strided destination of the same shape. */
export function stridedCopy(
  dst: TypedArray,
  dOff: number,
  ds: readonly number[],
  src: TypedArray,
  sOff: number,
  ss: readonly number[],
  shape: readonly number[],
): void {
  const r = shape.length;
  if (r === 0) {
    dst[dOff] = src[sOff]!;
    return;
  }
  let total = 1;
  for (let d = 0; d < r; d++) total *= shape[d]!;
  if (total === 0) return;
  const inner = shape[r - 1]!;
  const id = ds[r - 1]!;
  const is = ss[r - 1]!;
  const idx = new Int32Array(r);
  let pd = dOff;
  let ps = sOff;
  const outer = total / inner;
  for (let q = 0; q < outer; q++) {
    if (id === 1 && is === 1) {
      if (src === dst || src.buffer !== dst.buffer) dst.set(src.subarray(ps, ps + inner) as never, pd);
      else for (let i = 0; i < inner; i++) dst[pd + i] = src[ps + i]!;
    } else for (let i = 0, x = pd, y = ps; i < inner; i++, x += id, y += is) dst[x] = src[y]!;
    for (let d = r - 2; d >= 0; d--) {
      pd += ds[d]!;
      ps += ss[d]!;
      if (++idx[d]! < shape[d]!) break;
      pd -= ds[d]! * shape[d]!;
      ps -= ss[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}
