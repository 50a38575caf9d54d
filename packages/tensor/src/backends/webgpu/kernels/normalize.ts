import type { KernelSource } from '../runtime.js';
import { UniformWriter } from './common.js';

/**
 * How a row kernel (softmax, layerNorm, row reductions) maps rows to invocations:
 *  - 'group': one workgroup of `wg` threads per row, combined by a shared-memory tree (log2(wg)
 *    barriers): for real GPUs and long rows.
 *  - 'thread': one invocation per row looping over it, no barriers; `v4` reads and writes vec4s
 *    (contiguous rows of a multiple of 4 at an offset multiple of 4). For CPU-backed adapters,
 *    where invocations are SIMD lanes and barriers switch coroutines, and for short rows.
 */
export type RowPlan = { kind: 'group'; wg: number } | { kind: 'thread'; v4: boolean };

/** Invocations per workgroup of the 'thread' row kernels. */
export const ROW_THREADS = 64;

/** Shared-memory tree over `sv` (sum or max) of a `wg`-thread workgroup; leaves the result in sv[0]. */
function tree(combine: 'sum' | 'max', wg: number): string {
  const step = combine === 'sum' ? '{ sv[tid] += sv[tid + s]; }' : '{ let o = sv[tid + s]; if (o > sv[tid] || !(o == o)) { sv[tid] = o; } }';
  return `workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s >>= 1u) {
    if (tid < s) ${step}
    workgroupBarrier();
  }`;
}

export function rowsUniforms(rows: number, len: number, inOffset: number, foldX: number, eps = 0, flags = 0): ArrayBuffer {
  return new UniformWriter(8).u32(0, rows).u32(1, len).u32(2, inOffset).u32(3, foldX).f32(4, eps).u32(5, flags).buffer;
}

const PARAMS = 'struct Params { rows: u32, len: u32, offset: u32, fold: u32, eps: f32, flags: u32, pad0: u32, pad1: u32 };';

const planKey = (plan: RowPlan): string => (plan.kind === 'group' ? `g${plan.wg}` : plan.v4 ? 't4' : 't1');

/** Entry point and row index of a plan; returns early past the last row. */
function entry(plan: RowPlan): string {
  if (plan.kind === 'group') {
    return `@compute @workgroup_size(${plan.wg})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wid.x + wid.y * p.fold;
  if (r >= p.rows) { return; }
  let tid = lid.x;`;
  }
  return `@compute @workgroup_size(${ROW_THREADS})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * ${ROW_THREADS}u;
  if (r >= p.rows) { return; }`;
}

/** The max of a vec4's components, NaN winning (as the scalar loops). */
const MAX4 = `fn max4_(v: vec4<f32>) -> f32 {
  var m = v.x;
  for (var i = 1u; i < 4u; i++) { let o = v[i]; if (o > m || !(o == o)) { m = o; } }
  return m;
}`;

/**
 * Stable softmax / log-softmax of contiguous rows: max, sum of exp(x - max), then the outputs.
 * A row whose max is -inf is shifted by 0 (all -inf rows give NaN, as torch).
 */
export function softmaxKernel(log: boolean, plan: RowPlan): KernelSource {
  const finish = (sum: string): string => `let shift = select(mx, 0.0, abs(mx) > 3.4028234663852886e38 && mx < 0.0);
  ${sum}
  ${log ? 'let lse = log(total) + shift;' : 'let inv = 1.0 / total;'}`;
  let body: string;
  if (plan.kind === 'group') {
    const wg = plan.wg;
    body = `let base = p.offset + r * p.len;
  var m = bitcast<f32>(NEG_INF_BITS);
  for (var k = tid; k < p.len; k += ${wg}u) { let v = x[base + k]; if (v > m || !(v == v)) { m = v; } }
  sv[tid] = m;
  ${tree('max', wg)}
  let mx = sv[0];
  workgroupBarrier();
  ${finish(`var acc = 0.0;
  for (var k = tid; k < p.len; k += ${wg}u) { acc += exp(x[base + k] - shift); }
  sv[tid] = acc;
  ${tree('sum', wg)}
  let total = sv[0];`)}
  for (var k = tid; k < p.len; k += ${wg}u) {
    let o = r * p.len + k;
    ${log ? 'out[o] = x[base + k] - lse;' : 'out[o] = exp(x[base + k] - shift) * inv;'}
  }`;
  } else if (!plan.v4) {
    body = `let base = p.offset + r * p.len;
  var mx = bitcast<f32>(NEG_INF_BITS);
  for (var k = 0u; k < p.len; k++) { let v = x[base + k]; if (v > mx || !(v == v)) { mx = v; } }
  ${finish(`var total = 0.0;
  for (var k = 0u; k < p.len; k++) { total += exp(x[base + k] - shift); }`)}
  let ob = r * p.len;
  for (var k = 0u; k < p.len; k++) { ${log ? 'out[ob + k] = x[base + k] - lse;' : 'out[ob + k] = exp(x[base + k] - shift) * inv;'} }`;
  } else {
    body = `let lv = p.len / 4u;
  let base = p.offset / 4u + r * lv;
  var m4 = vec4<f32>(bitcast<f32>(NEG_INF_BITS));
  for (var k = 0u; k < lv; k++) { let v = x[base + k]; m4 = select(m4, v, (v > m4) | (v != v)); }
  let mx = max4_(m4);
  ${finish(`var s4 = vec4<f32>(0.0);
  for (var k = 0u; k < lv; k++) { s4 += exp(x[base + k] - vec4<f32>(shift)); }
  let total = (s4.x + s4.y) + (s4.z + s4.w);`)}
  let ob = r * lv;
  for (var k = 0u; k < lv; k++) { ${log ? 'out[ob + k] = x[base + k] - vec4<f32>(lse);' : 'out[ob + k] = exp(x[base + k] - vec4<f32>(shift)) * inv;'} }`;
  }
  const t = plan.kind === 'thread' && plan.v4 ? 'vec4<f32>' : 'f32';
  return {
    key: `softmax:${log}:${planKey(plan)}`,
    wgsl: () => `${PARAMS}
@group(0) @binding(0) var<storage, read> x: array<${t}>;
@group(0) @binding(1) var<storage, read_write> out: array<${t}>;
@group(0) @binding(2) var<uniform> p: Params;
var<private> NEG_INF_BITS: u32 = 0xff800000u;
${plan.kind === 'group' ? `var<workgroup> sv: array<f32, ${plan.wg}>;` : ''}
${plan.kind === 'thread' && plan.v4 ? MAX4 : ''}
${entry(plan)}
  ${body}
}
`,
  };
}

/**
 * Layer norm of contiguous rows (biased variance, two passes); writes out, the means and
 * 1/sqrt(var + eps). Without weight or bias, any buffer is bound in their place. flags bit 0:
 * weight bound, bit 1: bias bound.
 */
export function layerNormKernel(plan: RowPlan): KernelSource {
  let body: string;
  if (plan.kind === 'group') {
    const wg = plan.wg;
    body = `let base = p.offset + r * p.len;
  var acc = 0.0;
  for (var k = tid; k < p.len; k += ${wg}u) { acc += x[base + k]; }
  sv[tid] = acc;
  ${tree('sum', wg)}
  let mean = sv[0] / f32(p.len);
  workgroupBarrier();
  var sq = 0.0;
  for (var k = tid; k < p.len; k += ${wg}u) { let d = x[base + k] - mean; sq += d * d; }
  sv[tid] = sq;
  ${tree('sum', wg)}
  let rstd = 1.0 / sqrt(sv[0] / f32(p.len) + p.eps);
  for (var k = tid; k < p.len; k += ${wg}u) {
    var y = (x[base + k] - mean) * rstd;
    if ((p.flags & 1u) != 0u) { y = y * w[k]; }
    if ((p.flags & 2u) != 0u) { y = y + b[k]; }
    out[r * p.len + k] = y;
  }
  if (tid == 0u) { means[r] = mean; rstds[r] = rstd; }`;
  } else {
    const v4 = plan.v4;
    const T = v4 ? 'vec4<f32>' : 'f32';
    const n = v4 ? 'p.len / 4u' : 'p.len';
    const hsum = (v: string): string => (v4 ? `((${v}.x + ${v}.y) + (${v}.z + ${v}.w))` : v);
    body = `let lv = ${n};
  let base = ${v4 ? 'p.offset / 4u' : 'p.offset'} + r * lv;
  var acc = ${T}(0.0);
  for (var k = 0u; k < lv; k++) { acc += x[base + k]; }
  let mean = ${hsum('acc')} / f32(p.len);
  var sq = ${T}(0.0);
  for (var k = 0u; k < lv; k++) { let d = x[base + k] - ${T}(mean); sq += d * d; }
  let rstd = 1.0 / sqrt(${hsum('sq')} / f32(p.len) + p.eps);
  let ob = r * lv;
  let hasW = (p.flags & 1u) != 0u;
  let hasB = (p.flags & 2u) != 0u;
  for (var k = 0u; k < lv; k++) {
    var y = (x[base + k] - ${T}(mean)) * rstd;
    if (hasW) { y = y * w[k]; }
    if (hasB) { y = y + b[k]; }
    out[ob + k] = y;
  }
  means[r] = mean;
  rstds[r] = rstd;`;
  }
  const t = plan.kind === 'thread' && plan.v4 ? 'vec4<f32>' : 'f32';
  return {
    key: `layernorm:${planKey(plan)}`,
    wgsl: () => `${PARAMS}
@group(0) @binding(0) var<storage, read> x: array<${t}>;
@group(0) @binding(1) var<storage, read> w: array<${t}>;
@group(0) @binding(2) var<storage, read> b: array<${t}>;
@group(0) @binding(3) var<storage, read_write> out: array<${t}>;
@group(0) @binding(4) var<storage, read_write> means: array<f32>;
@group(0) @binding(5) var<storage, read_write> rstds: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;
${plan.kind === 'group' ? `var<workgroup> sv: array<f32, ${plan.wg}>;` : ''}
${entry(plan)}
  ${body}
}
`,
  };
}

/** Uniforms of scaledMaskedSoftmaxKernel: the rows, the scale, and the mask's offset, inner stride and (coalesced) row dims. */
export function scaledMaskUniforms(
  rows: number,
  len: number,
  inOffset: number,
  foldX: number,
  scale: number,
  mask: { offset: number; inner: number; shape: readonly number[]; strides: readonly number[] },
): ArrayBuffer {
  const u = new UniformWriter(20).u32(0, rows).u32(1, len).u32(2, inOffset).u32(3, foldX).f32(4, scale);
  u.u32(8, mask.offset).u32(9, mask.inner).u32(10, mask.shape.length);
  mask.shape.forEach((s, d) => u.u32(12 + d, s));
  mask.strides.forEach((s, d) => u.u32(16 + d, s));
  return u.buffer;
}

/** Leading dims (after coalescing) a mask may have in scaledMaskedSoftmaxKernel. */
export const MAX_MASK_RANK = 4;

/**
 * `softmax(x * scale + mask)` over contiguous rows of x (attention scores), the mask read through
 * its strides (broadcast dims: stride 0), never materialized. Bindings: x, the mask (when `mask`),
 * out. With a 'thread' v4 plan the mask rows are vec4-aligned and contiguous too.
 */
export function scaledMaskedSoftmaxKernel(plan: RowPlan, mask: boolean): KernelSource {
  const v4 = plan.kind === 'thread' && plan.v4;
  const t = v4 ? 'vec4<f32>' : 'f32';
  // z of element k of the row (vec4 index k with v4).
  const z = (k: string): string => (mask ? `(x[base + ${k}] * ${t}(p.scale) + M[mb + ${k}${v4 ? '' : ' * p.mstr'}])` : `(x[base + ${k}] * ${t}(p.scale))`);
  let body: string;
  if (plan.kind === 'group') {
    const wg = plan.wg;
    body = `let base = p.offset + r * p.len;
  let mb = maskBase(r);
  var m = bitcast<f32>(NEG_INF_BITS);
  for (var k = tid; k < p.len; k += ${wg}u) { let v = ${z('k')}; if (v > m || !(v == v)) { m = v; } }
  sv[tid] = m;
  ${tree('max', wg)}
  let mx = sv[0];
  workgroupBarrier();
  let shift = select(mx, 0.0, abs(mx) > 3.4028234663852886e38 && mx < 0.0);
  var acc = 0.0;
  for (var k = tid; k < p.len; k += ${wg}u) { acc += exp(${z('k')} - shift); }
  sv[tid] = acc;
  ${tree('sum', wg)}
  let inv = 1.0 / sv[0];
  for (var k = tid; k < p.len; k += ${wg}u) { out[r * p.len + k] = exp(${z('k')} - shift) * inv; }`;
  } else if (!v4) {
    body = `let base = p.offset + r * p.len;
  let mb = maskBase(r);
  var mx = bitcast<f32>(NEG_INF_BITS);
  for (var k = 0u; k < p.len; k++) { let v = ${z('k')}; if (v > mx || !(v == v)) { mx = v; } }
  let shift = select(mx, 0.0, abs(mx) > 3.4028234663852886e38 && mx < 0.0);
  var total = 0.0;
  for (var k = 0u; k < p.len; k++) { total += exp(${z('k')} - shift); }
  let inv = 1.0 / total;
  let ob = r * p.len;
  for (var k = 0u; k < p.len; k++) { out[ob + k] = exp(${z('k')} - shift) * inv; }`;
  } else {
    body = `let lv = p.len / 4u;
  let base = p.offset / 4u + r * lv;
  let mb = maskBase(r) / 4u;
  var m4 = vec4<f32>(bitcast<f32>(NEG_INF_BITS));
  for (var k = 0u; k < lv; k++) { let v = ${z('k')}; m4 = select(m4, v, (v > m4) | (v != v)); }
  let mx = max4_(m4);
  let shift = select(mx, 0.0, abs(mx) > 3.4028234663852886e38 && mx < 0.0);
  var s4 = vec4<f32>(0.0);
  for (var k = 0u; k < lv; k++) { s4 += exp(${z('k')} - vec4<f32>(shift)); }
  let inv = 1.0 / ((s4.x + s4.y) + (s4.z + s4.w));
  let ob = r * lv;
  for (var k = 0u; k < lv; k++) { out[ob + k] = exp(${z('k')} - vec4<f32>(shift)) * inv; }`;
  }
  return {
    key: `scaledmaskedsoftmax:${mask}:${planKey(plan)}`,
    wgsl: () => `struct Params {
  rows: u32, len: u32, offset: u32, fold: u32,
  scale: f32, pad0: u32, pad1: u32, pad2: u32,
  moff: u32, mstr: u32, mrank: u32, pad3: u32,
  mshape: vec4<u32>, mstride: vec4<u32>,
};
@group(0) @binding(0) var<storage, read> x: array<${t}>;
${mask ? `@group(0) @binding(1) var<storage, read> M: array<${t}>;` : ''}
@group(0) @binding(${mask ? 2 : 1}) var<storage, read_write> out: array<${t}>;
@group(0) @binding(${mask ? 3 : 2}) var<uniform> p: Params;
var<private> NEG_INF_BITS: u32 = 0xff800000u;
${plan.kind === 'group' ? `var<workgroup> sv: array<f32, ${plan.wg}>;` : ''}
${v4 ? MAX4 : ''}
/** Element offset of row r's mask. */
fn maskBase(r: u32) -> u32 {
  var rem = r;
  var o = p.moff;
  for (var d = i32(p.mrank) - 1; d >= 0; d--) {
    let s = p.mshape[d];
    o += (rem % s) * p.mstride[d];
    rem = rem / s;
  }
  return o;
}
${entry(plan)}
  ${body}
}
`,
  };
}
