/**
 * Every op of the table in op-cases.ts on WebGPU and on the CPU with the same float32 inputs:
 * forward values and input gradients (of a random weighted sum of the outputs) must agree.
 * These are the "property tests comparing GPU and CPU gradients".
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@tessera/tensor';
import type { DeviceName, Tensor } from '@tessera/tensor';
import '@tessera/autograd';
import { materialize, OP_CASES } from '../op-cases.js';
import { requireWebGPU } from './gpu.js';
import { F32_AGREEMENT, F32_AGREEMENT_LOOSE, mismatch } from './tolerance.js';

const gpu = await requireWebGPU();

interface Run {
  shapes: string[];
  values: ArrayLike<number>[];
  grads: (ArrayLike<number> | null)[];
}

async function runOn(device: DeviceName, c: (typeof OP_CASES)[number], p: never): Promise<Run> {
  const inputs = c.inputs(p).map((s) => materialize(s, 'float32', device));
  const { outs, loss } = T.tidy(() => {
    const result = c.run(p, inputs, device);
    const list = Array.isArray(result) ? result : [result];
    let total: Tensor | null = null;
    list.forEach((o, i) => {
      if (!o.requiresGrad) return;
      const w = T.rand(o.shape, { generator: new T.Generator(1000 + i) }).to(device);
      const term = o.mul(w).sum();
      total = total ? total.add(term) : term;
    });
    return { outs: list, loss: total as Tensor | null };
  });
  loss?.backward();
  const values = await Promise.all(outs.map((o) => o.data()));
  const grads = await Promise.all(inputs.map((x) => (x.grad ? x.grad.data() : Promise.resolve(null))));
  const shapes = outs.map((o) => `[${o.shape.join(', ')}] ${o.dtype}`);
  for (const t of [...outs, ...inputs, ...inputs.map((x) => x.grad)]) t?.dispose();
  loss?.dispose();
  return { shapes, values: values.map((v) => Float64Array.from(v)), grads: grads.map((g) => (g ? Float64Array.from(g) : null)) };
}

describe.skipIf(!gpu)(`WebGPU agrees with the CPU (${gpu?.description ?? 'no adapter'})`, () => {
  for (const c of OP_CASES) {
    it(c.name, async () => {
      const tol = c.loose ? F32_AGREEMENT_LOOSE : F32_AGREEMENT;
      await fc.assert(
        fc.asyncProperty(c.params, async (p: never) => {
          const cpu = await runOn('cpu', c, p);
          const gpuRun = await runOn('webgpu', c, p);
          expect(gpuRun.shapes).toEqual(cpu.shapes);
          cpu.values.forEach((v, i) => {
            const m = mismatch(gpuRun.values[i]!, v, tol);
            if (m) throw new Error(`output ${i} (${cpu.shapes[i]}): ${m}`);
          });
          cpu.grads.forEach((g, i) => {
            const h = gpuRun.grads[i];
            if ((g === null) !== (h === null)) throw new Error(`input ${i}: gradient present on one device only`);
            const m = g && h ? mismatch(h, g, tol) : null;
            if (m) throw new Error(`gradient of input ${i}: ${m}`);
          });
        }),
        { numRuns: 6 },
      );
    });
  }
});
