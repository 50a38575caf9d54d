import type { KernelSource } from '../runtime.js';
import { UniformWriter } from './common.js';

const WG = 256;

/** Shared-memory tree over `sv` (sum or max); leaves the result in sv[0]. */
function tree(combine: 'sum' | 'max'): string {
  const step = combine === 'sum' ? '{ sv[tid] += sv[tid + s]; }' : '{ let o = sv[tid + s]; if (o > sv[tid] || !(o == o)) { sv[tid] = o; } }';
  return `workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s >>= 1u) {
    if (tid < s) ${step}
    workgroupBarrier();
  }`;
}

export function rowsUniforms(rows: number, len: number, inOffset: number, foldX: number, eps = 0, flags = 0): ArrayBuffer {
  return new UniformWriter(8).u32(0, rows).u32(1, len).u32(2, inOffset).u32(3, foldX).f32(4, eps).u32(5, flags).buffer;
}

const PARAMS = 'struct Params { rows: u32, len: u32, offset: u32, fold: u32, eps: f32, flags: u32, pad0: u32, pad1: u32 };';

/**
 * Stable softmax / log-softmax of contiguous rows, one workgroup per row: max, sum of exp(x - max),
 * then the outputs. A row whose max is ±inf is shifted by 0 (all -inf rows give NaN, as torch).
 */
export function softmaxKernel(log: boolean): KernelSource {
  return {
    key: `softmax:${log}`,
    wgsl: () => `${PARAMS}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
var<workgroup> sv: array<f32, ${WG}>;
var<private> NEG_INF_BITS: u32 = 0xff800000u;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wid.x + wid.y * p.fold;
  if (r >= p.rows) { return; }
  let tid = lid.x;
  let base = p.offset + r * p.len;
  var m = bitcast<f32>(NEG_INF_BITS);
  for (var k = tid; k < p.len; k += ${WG}u) { let v = x[base + k]; if (v > m || !(v == v)) { m = v; } }
  sv[tid] = m;
  ${tree('max')}
  let mx = sv[0];
  workgroupBarrier();
  let shift = select(mx, 0.0, abs(mx) > 3.4028234663852886e38 && mx < 0.0);
  var acc = 0.0;
  for (var k = tid; k < p.len; k += ${WG}u) { acc += exp(x[base + k] - shift); }
  sv[tid] = acc;
  ${tree('sum')}
  let total = sv[0];
  ${log ? 'let lse = log(total) + shift;' : 'let inv = 1.0 / total;'}
  for (var k = tid; k < p.len; k += ${WG}u) {
    let o = r * p.len + k;
    ${log ? 'out[o] = x[base + k] - lse;' : 'out[o] = exp(x[base + k] - shift) * inv;'}
  }
}
`,
  };
}

/**
 * Layer norm of contiguous rows (biased variance, two passes), one workgroup per row; writes
 * out, the means and 1/sqrt(var + eps). Without weight or bias, any buffer is bound in their place. flags bit 0: weight bound, bit 1: bias bound.
 */
export function layerNormKernel(): KernelSource {
  return {
    key: 'layernorm',
    wgsl: () => `${PARAMS}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> means: array<f32>;
@group(0) @binding(5) var<storage, read_write> rstds: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;
var<workgroup> sv: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wid.x + wid.y * p.fold;
  if (r >= p.rows) { return; }
  let tid = lid.x;
  let base = p.offset + r * p.len;
  var acc = 0.0;
  for (var k = tid; k < p.len; k += ${WG}u) { acc += x[base + k]; }
  sv[tid] = acc;
  ${tree('sum')}
  let mean = sv[0] / f32(p.len);
  workgroupBarrier();
  var sq = 0.0;
  for (var k = tid; k < p.len; k += ${WG}u) { let d = x[base + k] - mean; sq += d * d; }
  sv[tid] = sq;
  ${tree('sum')}
  let rstd = 1.0 / sqrt(sv[0] / f32(p.len) + p.eps);
  for (var k = tid; k < p.len; k += ${WG}u) {
    var y = (x[base + k] - mean) * rstd;
    if ((p.flags & 1u) != 0u) { y = y * w[k]; }
    if ((p.flags & 2u) != 0u) { y = y + b[k]; }
    out[r * p.len + k] = y;
  }
  if (tid == 0u) { means[r] = mean; rstds[r] = rstd; }
}
`,
  };
}
