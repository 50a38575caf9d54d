/**
 * A loss page's live run: the page's example (src/losses/examples/<Loss>.ts) on WebGPU and on the
 * CPU backend, from fresh encoders with the same seed. Shows the value, the gradient norm over every
 * trained parameter, and how far the two devices are apart.
 */
import '@tessera/autograd';
import { manualSeed } from '@tessera/tensor';
import type { DeviceName } from '@tessera/tensor';
import { averageWordEmbeddings } from '../lib/bag-model.js';
import { livePage, log, maxAbsDiff } from '../lib/runtime.js';
import { tinyEncoder } from '../lib/tiny-model.js';
import type { ExampleEncoder, ExampleEncoderKind, LossExample } from '../losses/example.js';

interface ExampleModule {
  default: LossExample;
  encoder?: ExampleEncoderKind;
}

const examples = import.meta.glob<ExampleModule>('../losses/examples/*.ts');

interface DeviceRun {
  value: number;
  gradNorm: number;
  /** Every parameter's gradient, by name (for the GPU-vs-CPU comparison). */
  grads: Map<string, Float32Array>;
  ms: number;
}

function encoderFor(kind: ExampleEncoderKind): (seed: number, device: DeviceName) => Promise<ExampleEncoder> {
  return kind === 'bert' ? (seed, device) => tinyEncoder({ seed, device }) : (seed, device) => averageWordEmbeddings(seed, device);
}

async function runOn(mod: ExampleModule, device: DeviceName): Promise<DeviceRun> {
  const t0 = performance.now();
  const make = encoderFor(mod.encoder ?? 'words');
  // Everything the example draws from the global generator (a classifier's or decoder's fresh
  // weights) is then the same on both devices.
  manualSeed(0);
  const model = await make(0, device);
  const { loss, value } = await mod.default({ model, device, otherModel: (seed) => make(seed, device) });
  value.backward();
  const v = await value.item();
  const grads = new Map<string, Float32Array>();
  let sq = 0;
  for (const [name, p] of loss.namedParameters()) {
    if (!p.grad) continue;
    const g = Float32Array.from(await p.grad.data());
    grads.set(name, g);
    for (const x of g) sq += x * x;
  }
  value.dispose();
  return { value: v, gradNorm: Math.sqrt(sq), grads, ms: performance.now() - t0 };
}

const name = document.body.dataset.loss ?? '';

livePage(`loss:${name}`, async (ctx) => {
  const load = examples[`../losses/examples/${name}.ts`];
  if (!load) throw new Error(`no example for ${name}`);
  const mod = await load();
  const show = (device: DeviceName, r: DeviceRun): void => {
    const key = device === 'webgpu' ? 'gpu' : 'cpu';
    ctx.metric(`value_${key}`, r.value, 6);
    ctx.metric(`gradnorm_${key}`, r.gradNorm, 6);
    ctx.metric(`ms_${key}`, Math.round(r.ms), 6);
    log(`${device}: loss ${r.value}, gradient norm ${r.gradNorm} over ${r.grads.size} parameter tensors, ${Math.round(r.ms)} ms${device === 'webgpu' ? ' (includes compiling the GPU kernels)' : ''}`);
  };
  let gpu: DeviceRun | null = null;
  if (ctx.device === 'webgpu') {
    ctx.status('running on webgpu…');
    gpu = await runOn(mod, 'webgpu');
    show('webgpu', gpu);
  }
  ctx.status('running on cpu…');
  const cpu = await runOn(mod, 'cpu');
  show('cpu', cpu);
  if (gpu) {
    let gradDiff = gpu.grads.size === cpu.grads.size ? 0 : Number.POSITIVE_INFINITY;
    for (const [n, g] of cpu.grads) {
      const other = gpu.grads.get(n);
      gradDiff = Math.max(gradDiff, other ? maxAbsDiff(g, other) : Number.POSITIVE_INFINITY);
    }
    ctx.metric('value_diff', Math.abs(gpu.value - cpu.value));
    ctx.metric('grad_max_diff', gradDiff);
  }
  ctx.metric('params', cpu.grads.size);
});
