/** Optimizers and clipping on WebGPU agree with the CPU (float32, same data, within 1e-5). */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import type { DeviceName, Tensor } from '@tessera/tensor';
import '@tessera/autograd';
import { clipGradNorm } from '../../src/optim/index.js';
import { disposeParams, makeOptimizer, makeParams, maxRelErr, optimizerCase, ref, setGrads } from './reference.js';
import type { Params } from './reference.js';
import { requireWebGPU } from '@tessera/tensor/testing';

const gpu = await requireWebGPU();

async function read(params: Params): Promise<number[][]> {
  return Promise.all(ref.paramOrder.map(async (n) => Array.from(await params[n].data())));
}

/** Runs a fixture case for all 5 steps on `device`; returns the parameters after each step. */
async function run(name: string, device: DeviceName): Promise<number[][][]> {
  const params = makeParams('float32', device);
  const opt = makeOptimizer(optimizerCase(name), params);
  const out: number[][][] = [];
  for (const g of ref.grads) {
    setGrads(params, g, 'float32', device);
    opt.step();
    out.push(await read(params));
  }
  opt.dispose();
  disposeParams(params);
  return out;
}

function worst(a: number[][][], b: number[][][]): number {
  let w = 0;
  a.forEach((step, i) => step.forEach((vals, j) => (w = Math.max(w, maxRelErr(vals, b[i]![j]!)))));
  return w;
}

describe.skipIf(!gpu)('optimizers on WebGPU agree with the CPU', () => {
  for (const name of ['adamw', 'adamw_groups', 'adamw_wd_amsgrad', 'adam_maximize_betas_eps', 'sgd_nesterov_wd', 'sgd_groups']) {
    it(`${name}: 5 steps within 1e-5`, async () => {
      const [onGpu, onCpu] = [await run(name, 'webgpu'), await run(name, 'cpu')];
      expect(worst(onGpu, onCpu)).toBeLessThanOrEqual(1e-5);
      // and they did move
      const initial = ref.paramOrder.map((n) => (ref.params[n] as number[] | number[][]).flat());
      expect(worst([onCpu[onCpu.length - 1]!], [initial])).toBeGreaterThan(1e-3);
    });
  }

  it('AdamW on WebGPU keeps live tensors flat over many steps and its state stays on the GPU', async () => {
    const params = makeParams('float32', 'webgpu');
    const opt = makeOptimizer(optimizerCase('adamw_groups'), params);
    let live = 0;
    for (let i = 0; i < 30; i++) {
      setGrads(params, ref.grads[i % ref.grads.length]!, 'float32', 'webgpu');
      opt.step();
      if (i === 4) live = T.memory('webgpu').liveTensors; // same gradients (ref.grads[4]) as at i = 29
    }
    expect(T.memory('webgpu').liveTensors).toBe(live);
    for (const s of opt.state.values()) for (const v of Object.values(s)) if (typeof v !== 'number') expect(v.device).toBe('webgpu');
    await T.syncWebGPU();
    opt.dispose();
    disposeParams(params);
  });

  it('stateDict from WebGPU loads into a fresh WebGPU optimizer and resumes exactly; CPU state moves to the GPU', async () => {
    const c = optimizerCase('adamw_wd_amsgrad');
    const straight = makeParams('float32', 'webgpu');
    const optA = makeOptimizer(c, straight);
    const half = makeParams('float32', 'webgpu');
    const optB = makeOptimizer(c, half);
    for (const [i, g] of ref.grads.entries()) {
      setGrads(straight, g, 'float32', 'webgpu');
      optA.step();
      if (i < 2) {
        setGrads(half, g, 'float32', 'webgpu');
        optB.step();
      }
    }
    const sd = optB.stateDict();
    // one state tensor comes back through the CPU, as from a checkpoint file
    const first = sd.state[0]!;
    const cpu = await T.toDevice(first.exp_avg as Tensor, 'cpu');
    (first.exp_avg as Tensor).dispose();
    first.exp_avg = cpu;
    const optC = makeOptimizer(c, half);
    optC.loadStateDict(sd);
    for (const s of Object.values(sd.state)) for (const v of Object.values(s)) if (typeof v !== 'number') v.dispose();
    expect((optC.state.get(half.w)!.exp_avg as Tensor).device).toBe('webgpu');
    for (const g of ref.grads.slice(2)) {
      setGrads(half, g, 'float32', 'webgpu');
      optC.step();
    }
    expect(await read(half)).toEqual(await read(straight));
    for (const o of [optA, optB, optC]) o.dispose();
    disposeParams(straight);
    disposeParams(half);
  });

  for (const normType of [2, 1, Infinity]) {
    it(`clipGradNorm (normType ${normType}) on WebGPU agrees with the CPU`, async () => {
      const results: { total: number; grads: number[][] }[] = [];
      for (const device of ['webgpu', 'cpu'] as const) {
        const params = makeParams('float32', device);
        setGrads(params, ref.clip.grads, 'float32', device);
        const total = clipGradNorm(Object.values(params), 0.5, normType);
        expect(total.device).toBe(device);
        const grads = await Promise.all([params.w, params.b].map(async (p) => Array.from(await p.grad!.data())));
        results.push({ total: await total.item(), grads });
        total.dispose();
        disposeParams(params);
      }
      const [g, c] = results as [(typeof results)[0], (typeof results)[0]];
      expect(maxRelErr([g.total], [c.total])).toBeLessThanOrEqual(1e-5);
      g.grads.forEach((vals, i) => expect(maxRelErr(vals, c.grads[i]!)).toBeLessThanOrEqual(1e-5));
    });
  }
});
