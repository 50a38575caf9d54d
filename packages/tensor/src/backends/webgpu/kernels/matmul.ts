import type { KernelSource } from '../runtime.js';
import { UniformWriter } from './common.js';

/**
 * Batched matmul over strided operands: A[b, i, k] = a[aoff(b) + i*ars + k*acs], likewise B, so
 * transposed operands need no copy. Batch offsets come from up to 4 broadcast batch dims (stride 0
 * where broadcast). Each thread computes a 4x4 block of C.
 *  - 'tiled': 64x64 tiles staged through workgroup memory (16x16 threads, BK = 16): for real GPUs.
 *  - 'direct': no workgroup memory; each thread reads its rows and columns from global memory.
 *    CPU-backed adapters (lavapipe, SwiftShader) run barriers slowly, so this wins there.
 */
export type MatmulVariant = 'tiled' | 'direct';

export const MATMUL_TILE = 64;
export const MAX_BATCH_RANK = 4;

export function matmulUniforms(
  m: number,
  n: number,
  k: number,
  a: { offset: number; rs: number; cs: number; batch: readonly number[] },
  b: { offset: number; rs: number; cs: number; batch: readonly number[] },
  batchShape: readonly number[],
): ArrayBuffer {
  const u = new UniformWriter(28);
  u.u32(0, m).u32(1, n).u32(2, k).u32(3, batchShape.length);
  u.u32(4, a.offset).u32(5, a.rs).u32(6, a.cs).u32(7, 0);
  u.u32(8, b.offset).u32(9, b.rs).u32(10, b.cs).u32(11, 0);
  batchShape.forEach((s, d) => u.u32(12 + d, s));
  a.batch.forEach((s, d) => u.u32(16 + d, s));
  b.batch.forEach((s, d) => u.u32(20 + d, s));
  return u.buffer;
}

const PARAMS = `struct Params {
  m: u32, n: u32, k: u32, brank: u32,
  aoff: u32, ars: u32, acs: u32, pad0: u32,
  boff: u32, brs: u32, bcs: u32, pad1: u32,
  bshape: vec4<u32>, astr: vec4<u32>, bstr: vec4<u32>,
};
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
fn batchOffsets(z: u32) -> vec2u {
  var rem = z;
  var ao = p.aoff;
  var bo = p.boff;
  for (var d = i32(p.brank) - 1; d >= 0; d--) {
    let s = p.bshape[d];
    let c = rem % s;
    rem = rem / s;
    ao += c * p.astr[d];
    bo += c * p.bstr[d];
  }
  return vec2u(ao, bo);
}`;

export function matmulKernel(variant: MatmulVariant): KernelSource {
  if (variant === 'direct') {
    return {
      key: 'matmul:direct',
      wgsl: () => `${PARAMS}
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let row0 = gid.y * 4u;
  let col0 = gid.x * 4u;
  if (row0 >= p.m || col0 >= p.n) { return; }
  let offs = batchOffsets(gid.z);
  var acc: array<vec4<f32>, 4>;
  for (var kk = 0u; kk < p.k; kk++) {
    var bv = vec4<f32>(0.0);
    for (var c = 0u; c < 4u; c++) {
      if (col0 + c < p.n) { bv[c] = B[offs.y + kk * p.brs + (col0 + c) * p.bcs]; }
    }
    for (var r = 0u; r < 4u; r++) {
      if (row0 + r < p.m) { acc[r] += A[offs.x + (row0 + r) * p.ars + kk * p.acs] * bv; }
    }
  }
  let cbase = gid.z * p.m * p.n;
  for (var r = 0u; r < 4u; r++) {
    for (var c = 0u; c < 4u; c++) {
      if (row0 + r < p.m && col0 + c < p.n) { C[cbase + (row0 + r) * p.n + col0 + c] = acc[r][c]; }
    }
  }
}
`,
    };
  }
  return {
    key: 'matmul:tiled',
    wgsl: () => `${PARAMS}
const TS = 64u;
const BK = 16u;
var<workgroup> As: array<array<f32, 64>, 16>;
var<workgroup> Bs: array<array<f32, 64>, 16>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let offs = batchOffsets(wid.z);
  let tileRow = wid.y * TS;
  let tileCol = wid.x * TS;
  let tid = lid.y * 16u + lid.x;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < p.k; k0 += BK) {
    // 256 threads load 64x16 of A and 16x64 of B: 4 elements each.
    for (var e = 0u; e < 4u; e++) {
      let flat = tid + e * 256u;
      let ar = flat / BK;
      let ak = flat % BK;
      let gr = tileRow + ar;
      let gk = k0 + ak;
      As[ak][ar] = select(0.0, A[offs.x + gr * p.ars + gk * p.acs], gr < p.m && gk < p.k);
      let bk = flat / TS;
      let bc = flat % TS;
      let gk2 = k0 + bk;
      let gc = tileCol + bc;
      Bs[bk][bc] = select(0.0, B[offs.y + gk2 * p.brs + gc * p.bcs], gk2 < p.k && gc < p.n);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      let bv = vec4<f32>(Bs[kk][lid.x * 4u], Bs[kk][lid.x * 4u + 1u], Bs[kk][lid.x * 4u + 2u], Bs[kk][lid.x * 4u + 3u]);
      for (var r = 0u; r < 4u; r++) { acc[r] += As[kk][lid.y * 4u + r] * bv; }
    }
    workgroupBarrier();
  }
  let cbase = wid.z * p.m * p.n;
  for (var r = 0u; r < 4u; r++) {
    let row = tileRow + lid.y * 4u + r;
    for (var c = 0u; c < 4u; c++) {
      let col = tileCol + lid.x * 4u + c;
      if (row < p.m && col < p.n) { C[cbase + row * p.n + col] = acc[r][c]; }
    }
  }
}
`,
  };
}
