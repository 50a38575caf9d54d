/** safetensors with WebGPU tensors: loading onto the GPU and serializing GPU tensors (read asynchronously). */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '@tessera/tensor';
import { tensor, TesseraError } from '@tessera/tensor';
import type { StateDict } from '../../src/module.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { requireWebGPU } from '../support/gpu.js';

const gpu = await requireWebGPU();

function dispose(dict: StateDict): void {
  for (const t of Object.values(dict)) t.dispose();
}

describe.skipIf(!gpu)('safetensors on WebGPU', () => {
  const cpuDict = (): StateDict => ({
    w: tensor(new Float32Array([1.5, -2, 3.25, 0, -0, 7]), { shape: [2, 3] }),
    ids: tensor(new Int32Array([-5, 6, 2147483647]), { shape: [3] }),
    mask: tensor([[true, false], [false, true]]),
    s: tensor(new Float32Array([9]), { shape: [] }),
  });

  it('serializes GPU tensors (and strided GPU views) to the same bytes as CPU tensors', async () => {
    const cpu = cpuDict();
    const onGpu: StateDict = {};
    for (const [k, t] of Object.entries(cpu)) onGpu[k] = t.to('webgpu');
    const transposed = onGpu.w!.T;
    const cpuT = cpu.w!.T;
    const fromCpu = await serializeSafetensors({ ...cpu, wt: cpuT }, { format: 'pt' });
    const fromGpu = await serializeSafetensors({ ...onGpu, wt: transposed }, { format: 'pt' });
    expect(Buffer.from(fromGpu).equals(Buffer.from(fromCpu))).toBe(true);
    dispose(cpu);
    dispose(onGpu);
    transposed.dispose();
    cpuT.dispose();
  });

  it('loads onto the GPU with the device option; F64 is refused there', async () => {
    const cpu = cpuDict();
    const bytes = await serializeSafetensors(cpu);
    const { tensors } = parseSafetensors(bytes, { device: 'webgpu' });
    for (const [k, t] of Object.entries(tensors) as [string, Tensor][]) {
      expect([k, t.device, t.dtype, t.shape]).toEqual([k, 'webgpu', cpu[k]!.dtype, cpu[k]!.shape]);
      expect(Array.from(await t.data())).toEqual(Array.from(cpu[k]!.dataSync()));
    }
    dispose(tensors);
    const f64 = tensor(new Float64Array([1, 2]));
    const withF64 = await serializeSafetensors({ f64 });
    expect(() => parseSafetensors(withF64, { device: 'webgpu' })).toThrow(TesseraError);
    expect(() => parseSafetensors(withF64, { device: 'webgpu' })).toThrow(/webgpu, which has no float64, but tensor 'f64' is F64: load on the cpu device/);
    f64.dispose();
    dispose(cpu);
  });
});
