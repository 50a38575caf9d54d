/// <reference lib="dom" />
/**
 * Browser check page: a 2-layer MLP (x[8,16] -> 32 hidden, relu -> 4 classes, cross-entropy with
 * int32 labels) run forward + backward on 'webgpu' (navigator.gpu) and on 'cpu' from the same
 * inputs, publishing the losses and the largest GPU-vs-CPU gradient differences as JSON on
 * `window.__tesseraResult` and in #result. Built by Vite in webgpu-browser.test.ts.
 */
import { add, crossEntropy, initWebGPU, matmul, relu, tensor, webgpuInfo } from '@tessera/tensor';
import type { DeviceName, Tensor, WebGPUInfo } from '@tessera/tensor';
// Adds backward() to tensors. @tessera/tensor does not depend on @tessera/autograd (the reverse
// holds), so the bare name does not resolve from this package for tsc or Vite: import the entry of
// autograd's source directly. Its own `@tessera/tensor` import resolves (through the 'source'
// condition) to the same src/index.ts module as the import above, so both share one Tensor class.
import '../../../../autograd/src/index.js';
import type { BrowserCheckResult } from './result.js';

const N = 8;
const D = 16;
const H = 32;
const C = 4;

/** Deterministic values in [-scale, scale) (LCG), so both devices see the same inputs. */
function values(count: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 * 2 - 1) * scale;
  }
  return out;
}

const inputs = {
  x: values(N * D, 1, 1),
  w1: values(D * H, 2, 1 / Math.sqrt(D)),
  b1: values(H, 3, 0.1),
  w2: values(H * C, 4, 1 / Math.sqrt(H)),
  b2: values(C, 5, 0.1),
  labels: Int32Array.from({ length: N }, (_, i) => (i * 3 + 1) % C),
};
const PARAMS = ['x', 'w1', 'b1', 'w2', 'b2'] as const;
type Param = (typeof PARAMS)[number];

interface RunResult {
  loss: number;
  grads: Record<Param, Float32Array>;
  ms: number;
}

async function run(device: DeviceName): Promise<RunResult> {
  const t0 = performance.now();
  const leaf = (name: Param, shape: number[]): Tensor => tensor(inputs[name], { shape, device, requiresGrad: true });
  const p: Record<Param, Tensor> = {
    x: leaf('x', [N, D]),
    w1: leaf('w1', [D, H]),
    b1: leaf('b1', [H]),
    w2: leaf('w2', [H, C]),
    b2: leaf('b2', [C]),
  };
  const labels = tensor(inputs.labels, { device });
  const hidden = relu(add(matmul(p.x, p.w1), p.b1));
  const logits = add(matmul(hidden, p.w2), p.b2);
  const loss = crossEntropy(logits, labels);
  loss.backward();
  const lossValue = (await loss.data())[0]!;
  const grads = {} as Record<Param, Float32Array>;
  for (const name of PARAMS) {
    const g = p[name].grad;
    if (!g) throw new Error(`${device}: ${name}.grad is null after backward()`);
    grads[name] = Float32Array.from(await g.data());
  }
  return { loss: Number(lossValue), grads, ms: performance.now() - t0 };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = d; // NaN propagates
  }
  return m;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) if (!(Math.abs(v) <= m)) m = Math.abs(v);
  return m;
}

function publish(result: BrowserCheckResult): void {
  window.__tesseraResult = result;
  const status = document.getElementById('status')!;
  status.textContent = result.error ? `failed: ${result.error}` : 'done';
  status.className = result.error ? 'fail' : 'ok';
  document.getElementById('result')!.textContent = JSON.stringify(result, null, 2);
}

async function main(): Promise<void> {
  const result: BrowserCheckResult = {
    userAgent: navigator.userAgent,
    hasNavigatorGpu: 'gpu' in navigator,
    adapter: null,
    lossGpu: null,
    lossCpu: null,
    gradMaxAbsDiff: {},
    gradMaxAbs: {},
    msGpu: null,
    msCpu: null,
    error: null,
  };
  try {
    const info: WebGPUInfo = await initWebGPU();
    result.adapter = webgpuInfo() ?? info;
    const gpu = await run('webgpu');
    const cpu = await run('cpu');
    result.lossGpu = gpu.loss;
    result.lossCpu = cpu.loss;
    result.msGpu = Math.round(gpu.ms);
    result.msCpu = Math.round(cpu.ms);
    for (const name of PARAMS) {
      result.gradMaxAbsDiff[name] = maxAbsDiff(gpu.grads[name], cpu.grads[name]);
      result.gradMaxAbs[name] = maxAbs(cpu.grads[name]);
    }
  } catch (e) {
    result.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  publish(result);
}

void main();
