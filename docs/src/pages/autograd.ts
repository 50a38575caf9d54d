/** Live example: backward() on WebGPU vs the CPU, gradcheck, and grad(). */
import { renderRows } from '../lib/dom.js';
import { livePage, log, maxAbsDiff } from '../lib/runtime.js';

// #region example
import { Generator, crossEntropy, gelu, layerNorm, randn, tensor } from '@tessera/tensor';
import type { DeviceName, Tensor } from '@tessera/tensor';
import { grad, gradcheck } from '@tessera/autograd'; // importing autograd adds backward() to tensors

const N = 8; // rows
const D = 12; // input width
const H = 24; // hidden width
const C = 4; // classes

/** Loss and every parameter's gradient of a 2-layer network on `device`. */
async function lossAndGrads(device: DeviceName): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
  const g = new Generator(42);
  // Drawn on the CPU and copied, so that both devices start from bit-identical values.
  const leaf = (shape: number[], scale: number): Tensor => randn(shape, { generator: g }).mul(scale).to(device).requiresGrad_(true);
  const p = { x: leaf([N, D], 1), w1: leaf([D, H], 0.3), b1: leaf([H], 0.1), gamma: leaf([H], 1), w2: leaf([H, C], 0.3), b2: leaf([C], 0.1) };
  const labels = tensor([0, 1, 2, 3, 3, 2, 1, 0], { dtype: 'int32', device });
  const hidden = gelu(layerNorm(p.x.matmul(p.w1).add(p.b1), [H], p.gamma));
  const loss = crossEntropy(hidden.matmul(p.w2).add(p.b2), labels);
  loss.backward(); // fills .grad of every leaf that requires grad
  const grads: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(p)) grads[name] = Float32Array.from(await t.grad!.data());
  return { loss: await loss.item(), grads };
}

/** Autograd vs central finite differences, in float64 on the CPU (throws on a mismatch). */
function check(): boolean {
  const a = randn([3, 4], { dtype: 'float64', generator: new Generator(1), requiresGrad: true });
  const b = randn([4, 2], { dtype: 'float64', generator: new Generator(2), requiresGrad: true });
  return gradcheck((x, y) => x.matmul(y).tanh().logSoftmax(-1).sum(), [a, b]);
}

/** The functional form: d/dx Σ x³ = 3x², at x = 2. */
async function functional(): Promise<number> {
  const dcube = grad((x: Tensor) => x.pow(3).sum());
  return (dcube(tensor([2])) as Tensor).item();
}
// #endregion

livePage('autograd', async (ctx) => {
  const cpu = await lossAndGrads('cpu');
  const gpu = ctx.device === 'webgpu' ? await lossAndGrads('webgpu') : null;
  ctx.metric('loss_cpu', cpu.loss, 7);
  if (gpu) ctx.metric('loss_gpu', gpu.loss, 7);
  let worst = 0;
  let scale = 0;
  const rows: string[][] = [];
  for (const [name, c] of Object.entries(cpu.grads)) {
    const g = gpu?.grads[name];
    const d = g ? maxAbsDiff(g, c) : NaN;
    const m = c.reduce((acc, v) => Math.max(acc, Math.abs(v)), 0);
    if (g) worst = Math.max(worst, d);
    scale = Math.max(scale, m);
    rows.push([name, String(c.length), m.toExponential(3), g ? d.toExponential(2) : 'CPU only']);
    log(`${name}.grad: max |g| ${m.toExponential(3)}${g ? `, max |gpu − cpu| ${d.toExponential(2)}` : ''}`);
  }
  renderRows('output', ['parameter', 'elements', 'max |gradient|', 'max |WebGPU − CPU|'], rows);
  if (gpu) ctx.metric('grad_max_diff', worst);
  ctx.metric('grad_max_abs', scale);
  ctx.metric('gradcheck', check() ? 1 : 0);
  ctx.metric('functional_grad', await functional(), 6);
});
