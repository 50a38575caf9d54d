/**
 * The fused Adam kernel (one pass per parameter) against the composed tensor-op step it replaces:
 * a gradient given as a strided view does not qualify for the kernel, so the same optimizer then
 * runs the composed path. Both must give the same parameters and state.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import type { DeviceName, DType, NestedArray, Tensor } from '@tessera/tensor';
import '@tessera/autograd';
import { AdamW } from '../../src/optim/index.js';
import { disposeParams, makeOptimizer, makeParams, maxRelErr, optimizerCase, ref } from './reference.js';
import type { Nested, ParamName, Params } from './reference.js';
import { requireWebGPU } from '@tessera/tensor/testing';

const gpu = await requireWebGPU();

/** The same values as `g`, as a non-contiguous view (every other element of a doubled tensor). */
function strided(g: Nested, dtype: DType, device: DeviceName): Tensor {
  const t = T.tensor(g as NestedArray, { dtype, device });
  const doubled = T.stack([t, t], -1).reshape([...t.shape.slice(0, -1), t.shape[t.ndim - 1]! * 2]);
  return T.slice(doubled, -1, 0, null, 2);
}

async function run(name: string, dtype: DType, device: DeviceName, fused: boolean): Promise<number[][]> {
  const params = makeParams(dtype, device);
  const opt = makeOptimizer(optimizerCase(name), params);
  for (const grads of ref.grads) {
    for (const n of ref.paramOrder) {
      params[n].grad?.dispose();
      const g = grads[n as ParamName];
      if (g === null) params[n].grad = null;
      else {
        const grad = fused ? T.tensor(g as NestedArray, { dtype, device }) : strided(g, dtype, device);
        expect(grad.isContiguous()).toBe(fused);
        params[n].grad = T.keep(grad);
      }
    }
    opt.step();
  }
  const out: number[][] = [];
  for (const n of ref.paramOrder) out.push(Array.from(await (params as Params)[n].data()));
  for (const s of opt.state.values()) for (const v of Object.values(s)) if (typeof v !== 'number') out.push(Array.from(await v.data()));
  opt.dispose();
  disposeParams(params);
  return out;
}

const ADAM_CASES = ref.optimizers.filter((c) => c.optimizer !== 'SGD').map((c) => c.name);

describe('fused Adam step equals the composed step', () => {
  for (const name of ADAM_CASES) {
    it(`${name}, float64 on the CPU: within 1e-13`, async () => {
      const [fused, composed] = [await run(name, 'float64', 'cpu', true), await run(name, 'float64', 'cpu', false)];
      expect(fused.length).toBe(composed.length);
      fused.forEach((vals, i) => expect(maxRelErr(vals, composed[i]!)).toBeLessThanOrEqual(1e-13));
    });
  }

  it.skipIf(!gpu)('every Adam case, float32 on WebGPU: within 1e-6', async () => {
    for (const name of ADAM_CASES) {
      const [fused, composed] = [await run(name, 'float32', 'webgpu', true), await run(name, 'float32', 'webgpu', false)];
      fused.forEach((vals, i) => expect(maxRelErr(vals, composed[i]!), name).toBeLessThanOrEqual(1e-6));
    }
  });

  it('updates in place without touching a tensor that shared the parameter storage', async () => {
    const source = T.tensor([1, 2, 3], { dtype: 'float64' });
    const p = T.zeros([3], { dtype: 'float64' });
    p.assign(source); // p and source now share one storage
    p.requiresGrad = true;
    const opt = new AdamW([p], { lr: 0.1 });
    p.grad = T.keep(T.tensor([1, -1, 0.5], { dtype: 'float64' }));
    opt.step();
    expect(Array.from(await source.data())).toEqual([1, 2, 3]);
    const after = Array.from(await p.data());
    // first AdamW step: p * (1 - lr * wd) - lr * sign(g) (up to eps)
    [1, 2, 3].forEach((v, i) => expect(after[i]).toBeCloseTo(v * (1 - 0.1 * 0.01) - 0.1 * Math.sign([1, -1, 0.5][i]!), 6));
    opt.dispose();
  });
});
