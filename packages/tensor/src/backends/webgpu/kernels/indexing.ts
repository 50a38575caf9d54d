import type { DType } from '../../../dtype.js';
import type { KernelSource } from '../runtime.js';
import { wgslType } from '../wgsl.js';
import { FLAT_INDEX, packed, UniformWriter, WORKGROUP } from './common.js';

const PARAMS = `struct Params {
  n: u32, dim: u32, dimSize: u32, rank: u32,
  xoff: u32, ioff: u32, soff: u32, pad0: u32,
  shape: array<vec4<u32>, 2>,
  istr: array<vec4<u32>, 2>,
  xstr: array<vec4<u32>, 2>,
  sstr: array<vec4<u32>, 2>,
};`;

export interface IndexingUniforms {
  n: number;
  dim: number;
  dimSize: number;
  shape: readonly number[];
  xOffset: number;
  xStrides: readonly number[];
  indexOffset: number;
  indexStrides: readonly number[];
  srcOffset?: number;
  srcStrides?: readonly number[];
}

export function indexingUniforms(u: IndexingUniforms): ArrayBuffer {
  const w = new UniformWriter(8 + 32);
  w.u32(0, u.n).u32(1, u.dim).u32(2, u.dimSize).u32(3, u.shape.length);
  w.u32(4, u.xOffset).u32(5, u.indexOffset).u32(6, u.srcOffset ?? 0);
  u.shape.forEach((s, d) => w.u32(8 + d, s));
  u.indexStrides.forEach((s, d) => w.u32(16 + d, s));
  u.xStrides.forEach((s, d) => w.u32(24 + d, s));
  (u.srcStrides ?? []).forEach((s, d) => w.u32(32 + d, s));
  return w.buffer;
}

/** Walks the index shape (rank unrolled), accumulating the index, x (or out) and src offsets. */
function walk(rank: number, withSrc: boolean): string {
  const lines = ['var rem = i;', 'var io = p.ioff;', 'var xo = p.xoff;', 'var so = p.soff;'];
  for (let d = rank - 1; d >= 0; d--) {
    lines.push(`{ let size = ${packed('p.shape', d)}; let c = rem % size; rem = rem / size;`);
    lines.push(`  io += c * ${packed('p.istr', d)};`);
    lines.push(`  if (${d}u != p.dim) { xo += c * ${packed('p.xstr', d)}; }`);
    if (withSrc) lines.push(`  so += c * ${packed('p.sstr', d)};`);
    lines.push('}');
  }
  return lines.join('\n  ');
}

/**
 * One invocation per index element: binds (first, index, out, params), walks the index shape and
 * clamps the index into range (the CPU backend checks values; the GPU must never read out of bounds).
 */
function indexingShader(first: string, out: string, rank: number, withSrc: boolean, body: string): string {
  return `${PARAMS}
@group(0) @binding(0) var<storage, read> ${first};
@group(0) @binding(1) var<storage, read> index: array<i32>;
@group(0) @binding(2) var<storage, read_write> ${out};
@group(0) @binding(3) var<uniform> p: Params;
const WG = ${WORKGROUP}u;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  ${FLAT_INDEX}
  if (i >= p.n) { return; }
  ${walk(rank, withSrc)}
  let j = u32(clamp(index[io], 0, i32(p.dimSize) - 1));
  let pos = ${rank === 0 ? 'xo' : 'xo + j * p.xstr[p.dim / 4u][p.dim % 4u]'};
  ${body}
}
`;
}

/** `out[i] = x[..., index[i], ...]` along `dim`. */
export function gatherKernel(dtype: DType, rank: number): KernelSource {
  const t = wgslType(dtype);
  return { key: `gather:${dtype}:r${rank}`, wgsl: () => indexingShader(`x: array<${t}>`, `out: array<${t}>`, rank, false, 'out[i] = x[pos];') };
}

/**
 * Adds src into `out` (already a contiguous copy of x) at index positions along `dim`. Duplicate
 * indices accumulate: floats through a compare-exchange loop on the bit pattern, ints with atomicAdd.
 */
export function scatterAddKernel(dtype: DType, rank: number): KernelSource {
  const t = wgslType(dtype);
  const add =
    t === 'i32'
      ? 'atomicAdd(&out[pos], src[so]);'
      : `let v = src[so];
  var old = atomicLoad(&out[pos]);
  loop {
    let next = bitcast<u32>(bitcast<f32>(old) + v);
    let r = atomicCompareExchangeWeak(&out[pos], old, next);
    if (r.exchanged) { break; }
    old = r.old_value;
  }`;
  return {
    key: `scatteradd:${dtype}:r${rank}`,
    wgsl: () => indexingShader(`src: array<${t}>`, `out: array<atomic<${t === 'i32' ? 'i32' : 'u32'}>>`, rank, true, add),
  };
}
