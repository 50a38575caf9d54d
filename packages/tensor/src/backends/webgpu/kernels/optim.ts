import type { AdamHyper } from '../../../backend.js';
import type { KernelSource } from '../runtime.js';
import { FLAT_INDEX, UniformWriter, WORKGROUP } from './common.js';

/**
 * One Adam/AdamW step in place, one invocation per element, in torch's order of operations
 * (see the CPU kernel). Bindings: param, grad (read), exp_avg, exp_avg_sq[, max_exp_avg_sq], uniforms.
 */
export function adamStepKernel(amsgrad: boolean): KernelSource {
  return {
    key: `adamStep:${amsgrad ? 'amsgrad' : 'plain'}`,
    wgsl: () => `struct Params { n: u32, gOffset: u32, maximize: u32, pad0: u32, beta1: f32, beta2: f32, c1: f32, c2: f32, eps: f32, stepSize: f32, bc2Sqrt: f32, decay: f32, l2: f32, pad1: f32, pad2: f32, pad3: f32 };
@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> expAvg: array<f32>;
@group(0) @binding(3) var<storage, read_write> expAvgSq: array<f32>;
${amsgrad ? '@group(0) @binding(4) var<storage, read_write> maxExpAvgSq: array<f32>;\n' : ''}@group(0) @binding(${amsgrad ? 5 : 4}) var<uniform> p: Params;
const WG = ${WORKGROUP}u;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  ${FLAT_INDEX}
  if (i >= p.n) { return; }
  var g = grad[p.gOffset + i];
  if (p.maximize != 0u) { g = -g; }
  let w = param[i] * p.decay;
  g = g + p.l2 * w;
  let m = expAvg[i] * p.beta1 + g * p.c1;
  let v = expAvgSq[i] * p.beta2 + g * p.c2 * g;
  expAvg[i] = m;
  expAvgSq[i] = v;
  ${amsgrad ? 'let second = max(maxExpAvgSq[i], v);\n  maxExpAvgSq[i] = second;' : 'let second = v;'}
  param[i] = w + (m * -p.stepSize) / (sqrt(second) / p.bc2Sqrt + p.eps);
}
`,
  };
}

export function adamStepUniforms(n: number, gradOffset: number, h: AdamHyper): ArrayBuffer {
  // 1 - beta is taken in double precision, as torch does with Python floats.
  return new UniformWriter(16)
    .u32(0, n)
    .u32(1, gradOffset)
    .u32(2, h.maximize ? 1 : 0)
    .f32(4, h.beta1)
    .f32(5, h.beta2)
    .f32(6, 1 - h.beta1)
    .f32(7, 1 - h.beta2)
    .f32(8, h.eps)
    .f32(9, h.stepSize)
    .f32(10, h.biasCorrection2Sqrt)
    .f32(11, h.decay)
    .f32(12, h.l2)
    .buffer;
}
