import type { DType } from '../../../dtype.js';
import type { KernelSource } from '../runtime.js';
import { wgslType } from '../wgsl.js';
import { FLAT_INDEX, UniformWriter, WORKGROUP } from './common.js';

/** `out[i] = start + i * step` (fill is step 0), computed in the output's type. */
export function rangeKernel(dtype: DType): KernelSource {
  const t = wgslType(dtype);
  return {
    key: `range:${dtype}`,
    wgsl: () => `struct Params { n: u32, pad0: u32, pad1: u32, pad2: u32, start: ${t === 'u32' ? 'u32' : t}, step: ${t === 'u32' ? 'u32' : t}, pad3: u32, pad4: u32 };
@group(0) @binding(0) var<storage, read_write> out: array<${t}>;
@group(0) @binding(1) var<uniform> p: Params;
const WG = ${WORKGROUP}u;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  ${FLAT_INDEX}
  if (i >= p.n) { return; }
  out[i] = p.start + ${t}(i) * p.step;
}
`,
  };
}

export function rangeUniforms(dtype: DType, n: number, start: number, step: number): ArrayBuffer {
  const u = new UniformWriter(8).u32(0, n);
  if (dtype === 'float32') u.f32(4, start).f32(5, step);
  else if (dtype === 'int32') u.i32(4, start).i32(5, step);
  else u.u32(4, start ? 1 : 0).u32(5, 0);
  return u.buffer;
}
