import type { RandomKind } from '../../../backend.js';
import type { KernelSource } from '../runtime.js';
import { FLAT_INDEX, UniformWriter, WORKGROUP } from './common.js';

/**
 * Threefry-2x32-20 in WGSL, bit-identical to `random.ts` on the CPU: element i uses counter
 * (offset + i) under the generator's key. Uniforms take word 0's top 24 bits; normals Box–Muller
 * over both words (f32 math, so they match the CPU to float32 rounding).
 */
export function randomKernel(kind: RandomKind): KernelSource {
  return {
    key: `random:${kind}`,
    wgsl: () => `struct Params { n: u32, k0: u32, k1: u32, lo: u32, hi: u32, pad0: u32, pad1: u32, pad2: u32 };
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;
const WG = ${WORKGROUP}u;
fn rotl(x: u32, r: u32) -> u32 { return (x << r) | (x >> (32u - r)); }
fn threefry(c0: u32, c1: u32) -> vec2u {
  let ks0 = p.k0; let ks1 = p.k1; let ks2 = 0x1bd11bdau ^ p.k0 ^ p.k1;
  var ks = array<u32, 3>(ks0, ks1, ks2);
  var rot = array<u32, 8>(13u, 15u, 26u, 6u, 17u, 29u, 16u, 24u);
  var x0 = c0 + ks0;
  var x1 = c1 + ks1;
  for (var g = 0u; g < 5u; g++) {
    for (var r = 0u; r < 4u; r++) {
      x0 = x0 + x1;
      x1 = rotl(x1, rot[(g % 2u) * 4u + r]);
      x1 = x1 ^ x0;
    }
    let s = g + 1u;
    x0 = x0 + ks[s % 3u];
    x1 = x1 + ks[(s + 1u) % 3u] + s;
  }
  return vec2u(x0, x1);
}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  ${FLAT_INDEX}
  if (i >= p.n) { return; }
  let c0 = p.lo + i;
  let c1 = p.hi + select(0u, 1u, c0 < p.lo);
  let w = threefry(c0, c1);
  ${
    kind === 'uniform'
      ? 'out[i] = f32(w.x >> 8u) * 5.960464477539063e-8;'
      : `let u1 = f32((w.x >> 8u) + 1u) * 5.960464477539063e-8;
  let u2 = f32(w.y >> 8u) * 5.960464477539063e-8;
  out[i] = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);`
  }
}
`,
  };
}

export function randomUniforms(n: number, key: readonly [number, number], offset: number): ArrayBuffer {
  return new UniformWriter(8)
    .u32(0, n)
    .u32(1, key[0])
    .u32(2, key[1])
    .u32(3, offset % 4294967296)
    .u32(4, Math.floor(offset / 4294967296))
    .buffer;
}
