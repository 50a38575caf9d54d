import type { DType } from '../../../dtype.js';
import type { KernelSource } from '../runtime.js';
import { wgslType } from '../wgsl.js';
import { UniformWriter } from './common.js';

/** Row reductions over a [rows, len] view addressed as offset + r*rowStride + k*colStride. */
export type RowOp = 'sum' | 'max' | 'min' | 'argmax' | 'argmin' | 'logsumexp';

/** Uniforms: rows, len, offset, rowStride, colStride, rowsPerX (grid folding). */
export function rowUniforms(rows: number, len: number, offset: number, rowStride: number, colStride: number, foldX: number): ArrayBuffer {
  return new UniformWriter(8).u32(0, rows).u32(1, len).u32(2, offset).u32(3, rowStride).u32(4, colStride).u32(5, foldX).buffer;
}

const PARAMS = 'struct Params { rows: u32, len: u32, offset: u32, rs: u32, cs: u32, fold: u32, pad0: u32, pad1: u32 };';

function identity(op: RowOp, t: string): string {
  if (op === 'sum') return `${t}(0)`;
  if (t === 'f32') return op === 'max' || op === 'argmax' || op === 'logsumexp' ? '-inf_()' : 'inf_()';
  if (t === 'i32') return op === 'max' || op === 'argmax' ? 'i32(-2147483647 - 1)' : 'i32(2147483647)';
  return op === 'max' || op === 'argmax' ? '0u' : '0xffffffffu';
}

const F32_HELPERS = `var<private> INF_BITS: u32 = 0x7f800000u;
fn inf_() -> f32 { return bitcast<f32>(INF_BITS); }
fn is_nan_f(x: f32) -> bool { return !(x == x); }`;

/**
 * Combines (value, index) pairs: NaN wins (first NaN), then the extreme value, ties to the lower
 * index, matching torch and the CPU backend.
 */
function better(op: 'max' | 'min', t: string): string {
  const cmp = op === 'max' ? '>' : '<';
  const nan = t === 'f32' ? `let an = is_nan_f(a); let bn = is_nan_f(b);
  if (an || bn) { if (an && bn) { return ai <= bi; } return an; }` : '';
  return `fn better(a: ${t}, ai: u32, b: ${t}, bi: u32) -> bool {
  ${nan}
  if (a ${cmp} b) { return true; }
  if (b ${cmp} a) { return false; }
  return ai <= bi;
}`;
}

/** Bindings (x, out, [indices], params) and the helpers both reduction kernels use. */
function header(op: RowOp, dtype: DType): string {
  const t = wgslType(dtype);
  const arg = op === 'argmax' || op === 'argmin';
  const ext = op === 'argmin' || op === 'min' ? 'min' : 'max';
  return `${PARAMS}
@group(0) @binding(0) var<storage, read> x: array<${t}>;
@group(0) @binding(1) var<storage, read_write> out: array<${t}>;
${arg ? `@group(0) @binding(2) var<storage, read_write> idx: array<i32>;
@group(0) @binding(3) var<uniform> p: Params;` : '@group(0) @binding(2) var<uniform> p: Params;'}
${t === 'f32' ? F32_HELPERS : ''}
${op === 'sum' || op === 'logsumexp' ? '' : better(ext, t)}`;
}

/**
 * One workgroup of `wg` threads (a power of 2) per row: threads stride over the row, then a
 * shared-memory tree combines them. Outputs: values (and int32 indices for arg ops). logsumexp
 * runs max, then sum of exp(x - max).
 */
export function rowReduceKernel(op: RowOp, dtype: DType, wg = 256): KernelSource {
  const t = wgslType(dtype);
  const arg = op === 'argmax' || op === 'argmin';
  const ROW_WG = wg;
  return {
    key: `rowreduce:${op}:${dtype}:${wg}`,
    wgsl: () => `${header(op, dtype)}
var<workgroup> sv: array<${t}, ${ROW_WG}>;
var<workgroup> si: array<u32, ${ROW_WG}>;
@compute @workgroup_size(${ROW_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wid.x + wid.y * p.fold;
  if (r >= p.rows) { return; }
  let tid = lid.x;
  let base = p.offset + r * p.rs;
  ${op === 'sum' ? `var acc = ${t}(0);
  for (var k = tid; k < p.len; k += ${ROW_WG}u) { acc += x[base + k * p.cs]; }
  sv[tid] = acc;
  workgroupBarrier();
  for (var s = ${ROW_WG / 2}u; s > 0u; s >>= 1u) {
    if (tid < s) { sv[tid] += sv[tid + s]; }
    workgroupBarrier();
  }
  if (tid == 0u) { out[r] = sv[0]; }` : op === 'logsumexp' ? `var m = -inf_();
  for (var k = tid; k < p.len; k += ${ROW_WG}u) { let v = x[base + k * p.cs]; if (v > m || is_nan_f(v)) { m = v; } }
  sv[tid] = m;
  workgroupBarrier();
  for (var s = ${ROW_WG / 2}u; s > 0u; s >>= 1u) {
    if (tid < s) { let o = sv[tid + s]; if (o > sv[tid] || is_nan_f(o)) { sv[tid] = o; } }
    workgroupBarrier();
  }
  let mx = sv[0];
  workgroupBarrier();
  let shift = select(mx, 0.0, abs(mx) > 3.4028234663852886e38);
  var acc = 0.0;
  for (var k = tid; k < p.len; k += ${ROW_WG}u) { acc += exp(x[base + k * p.cs] - shift); }
  sv[tid] = acc;
  workgroupBarrier();
  for (var s = ${ROW_WG / 2}u; s > 0u; s >>= 1u) {
    if (tid < s) { sv[tid] += sv[tid + s]; }
    workgroupBarrier();
  }
  if (tid == 0u) { out[r] = select(log(sv[0]) + shift, mx, abs(mx) > 3.4028234663852886e38 || is_nan_f(mx)); }` : `var bv = ${identity(op, t)};
  var bi = 0xffffffffu;
  for (var k = tid; k < p.len; k += ${ROW_WG}u) {
    let v = x[base + k * p.cs];
    if (bi == 0xffffffffu || better(v, k, bv, bi)) { bv = v; bi = k; }
  }
  sv[tid] = bv;
  si[tid] = bi;
  workgroupBarrier();
  for (var s = ${ROW_WG / 2}u; s > 0u; s >>= 1u) {
    if (tid < s && si[tid + s] != 0xffffffffu && (si[tid] == 0xffffffffu || better(sv[tid + s], si[tid + s], sv[tid], si[tid]))) {
      sv[tid] = sv[tid + s];
      si[tid] = si[tid + s];
    }
    workgroupBarrier();
  }
  if (tid == 0u) { out[r] = sv[0];${arg ? ' idx[r] = i32(si[0]);' : ''} }`}
}
`,
  };
}

/**
 * One thread per output row, looping over the row: for short rows and for column reductions
 * (rowStride 1), where neighbouring threads then read neighbouring addresses.
 */
export function threadReduceKernel(op: RowOp, dtype: DType): KernelSource {
  const t = wgslType(dtype);
  const arg = op === 'argmax' || op === 'argmin';
  return {
    key: `threadreduce:${op}:${dtype}`,
    wgsl: () => `${header(op, dtype)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * 64u;
  if (r >= p.rows) { return; }
  let base = p.offset + r * p.rs;
  ${op === 'sum' ? `var acc = ${t}(0);
  for (var k = 0u; k < p.len; k++) { acc += x[base + k * p.cs]; }
  out[r] = acc;` : op === 'logsumexp' ? `var m = -inf_();
  for (var k = 0u; k < p.len; k++) { let v = x[base + k * p.cs]; if (v > m || is_nan_f(v)) { m = v; } }
  if (abs(m) > 3.4028234663852886e38 || is_nan_f(m)) { out[r] = m; return; }
  var acc = 0.0;
  for (var k = 0u; k < p.len; k++) { acc += exp(x[base + k * p.cs] - m); }
  out[r] = log(acc) + m;` : `var bv = x[base];
  var bi = 0u;
  for (var k = 1u; k < p.len; k++) {
    let v = x[base + k * p.cs];
    if (better(v, k, bv, bi)) { bv = v; bi = k; }
  }
  out[r] = bv;${arg ? '\n  idx[r] = i32(bi);' : ''}`}
}
`,
  };
}
