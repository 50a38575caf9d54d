/**
 * Packs strided operands into the layout the generated kernels read (see gemm-module.ts): A as
 * MR-row strips and B as NR-column strips, per K block of depth `kcMax`, zero-padded to Mp x Kp
 * and Kp x Np. Any strides work (transposed and sliced views need no copy first); the loop order
 * follows the smaller source stride so reads stay sequential.
 */
import type { FloatArray } from '../../../dtype.js';

/** A matrix view into a typed array: element (i, j) is `data[offset + i*rowStride + j*colStride]`. */
export interface StridedMatrix {
  data: FloatArray;
  offset: number;
  rowStride: number;
  colStride: number;
}

/**
 * A[m, k] -> dst[d0 ..]: block pc (element d0 + pc*mp) holds strips of `mr` rows, each `kc*mr`
 * long, row r of the strip at `p*mr + r`.
 */
export function packA(dst: FloatArray, d0: number, a: StridedMatrix, m: number, k: number, mp: number, kp: number, mr: number, kcMax: number): void {
  const { data, offset, rowStride: rs, colStride: cs } = a;
  const kFirst = Math.abs(cs) <= Math.abs(rs);
  for (let pc = 0; pc < kp; pc += kcMax) {
    const kc = Math.min(kcMax, kp - pc);
    const kr = Math.max(0, Math.min(kc, k - pc));
    let w = d0 + pc * mp;
    for (let i0 = 0; i0 < mp; i0 += mr) {
      const rows = Math.min(mr, m - i0);
      const src0 = offset + i0 * rs + pc * cs;
      if (kFirst) {
        for (let r = 0; r < rows; r++) {
          let s = src0 + r * rs;
          let q = w + r;
          for (let p = 0; p < kr; p++, q += mr, s += cs) dst[q] = data[s]!;
        }
      } else {
        for (let p = 0; p < kr; p++) {
          let s = src0 + p * cs;
          let q = w + p * mr;
          for (let r = 0; r < rows; r++, s += rs) dst[q++] = data[s]!;
        }
      }
      // Zero padding: rows beyond m, depth beyond k.
      if (rows < mr) for (let p = 0; p < kr; p++) dst.fill(0, w + p * mr + rows, w + p * mr + mr);
      if (kr < kc) dst.fill(0, w + kr * mr, w + kc * mr);
      w += mr * kc;
    }
  }
}

/**
 * B[k, n] -> dst[d0 ..]: block pc (element d0 + pc*np) holds strips of `nr` columns, each
 * `kc*nr` long, column c of the strip at `p*nr + c`.
 */
export function packB(dst: FloatArray, d0: number, b: StridedMatrix, k: number, n: number, np: number, kp: number, nr: number, kcMax: number): void {
  // Column strips of B are row strips of Bᵀ: the same packing on the transposed view.
  packA(dst, d0, { data: b.data, offset: b.offset, rowStride: b.colStride, colStride: b.rowStride }, n, k, np, kp, nr, kcMax);
}
