import type { DType } from '../../../dtype.js';
import { wgslType, helpersFor } from '../wgsl.js';
import type { KernelSource } from '../runtime.js';
import { FLAT_INDEX, packed, UniformWriter, WORKGROUP } from './common.js';

/** One strided input of an elementwise kernel. */
export interface Operand {
  dtype: DType;
  offset: number;
  strides: readonly number[];
}

export const MAX_OPERANDS = 4;
export const MAX_RANK = 8;

/**
 * A strided map: `out[o] = body(in0[o0], in1[o1], ...)` where each offset follows its operand's
 * strides over `shape` (row-major), output included (so the same kernel copies into regions).
 * `body` is a WGSL expression over the loaded values `v0, v1, ...` giving the stored value.
 */
export function stridedMapKernel(
  name: string,
  inputs: readonly DType[],
  outDtype: DType,
  rank: number,
  contiguous: boolean,
  body: string,
  prelude: string,
  computeType: DType = inputs[0] ?? outDtype,
): KernelSource {
  const key = `map:${name}:${inputs.join(',')}->${outDtype}:${computeType}:r${rank}:${contiguous ? 'c' : 's'}:${body}`;
  return {
    key,
    wgsl: () => {
      const k = inputs.length;
      const decls = inputs.map((d, j) => `@group(0) @binding(${j}) var<storage, read> in${j}: array<${wgslType(d)}>;`).join('\n');
      const offsets = inputs.map((_, j) => `var o${j} = ${packed('p.in_offset', j)};`).join('\n  ');
      let walk = '';
      if (contiguous) {
        walk = inputs.map((_, j) => `o${j} += i;`).join(' ') + ' oo += i;';
      } else {
        const lines: string[] = ['var rem = i;'];
        for (let d = rank - 1; d >= 0; d--) {
          lines.push(`{ let size = ${packed('p.shape', d)}; let c = rem % size; rem = rem / size;`);
          inputs.forEach((_, j) => lines.push(`  o${j} += c * ${packed(`p.strides`, j * 8 + d)};`));
          lines.push(`  oo += c * ${packed('p.out_strides', d)}; }`);
        }
        walk = lines.join('\n  ');
      }
      const loads = inputs.map((_, j) => `let v${j} = in${j}[o${j}];`).join('\n  ');
      return `alias T = ${wgslType(computeType)};
${prelude}
struct Params {
  n: u32, out_offset: u32, pad0: u32, pad1: u32,
  in_offset: array<vec4<u32>, 1>,
  shape: array<vec4<u32>, 2>,
  out_strides: array<vec4<u32>, 2>,
  strides: array<vec4<u32>, ${2 * MAX_OPERANDS}>,
};
${decls}
@group(0) @binding(${k}) var<storage, read_write> out: array<${wgslType(outDtype)}>;
@group(0) @binding(${k + 1}) var<uniform> p: Params;
const WG = ${WORKGROUP}u;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  ${FLAT_INDEX}
  if (i >= p.n) { return; }
  ${offsets}
  var oo = p.out_offset;
  ${walk}
  ${loads}
  out[oo] = ${body};
}
`;
    },
  };
}

/** Uniforms for `stridedMapKernel`. */
export function stridedMapUniforms(n: number, shape: readonly number[], outOffset: number, outStrides: readonly number[], inputs: readonly Operand[]): ArrayBuffer {
  const u = new UniformWriter(4 + 4 + 8 + 8 + 4 * 2 * MAX_OPERANDS);
  u.u32(0, n).u32(1, outOffset);
  inputs.forEach((op, j) => u.u32(4 + j, op.offset));
  shape.forEach((s, d) => u.u32(8 + d, s));
  outStrides.forEach((s, d) => u.u32(16 + d, s));
  inputs.forEach((op, j) => op.strides.forEach((s, d) => u.u32(24 + j * 8 + d, s)));
  return u.buffer;
}

/** How a value of compute type `from` is stored as `to` (bool storage is 0/1 u32). */
export function storeAs(expr: string, exprIsBool: boolean, to: DType): string {
  const t = wgslType(to);
  if (exprIsBool) return to === 'bool' ? `select(0u, 1u, ${expr})` : `select(${t}(0), ${t}(1), ${expr})`;
  if (to === 'bool') return `select(0u, 1u, ${expr} != 0)`;
  return `${t}(${expr})`;
}

export { helpersFor };
