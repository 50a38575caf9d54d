/** Device loss: ops on lost tensors say so and how many are gone; initWebGPU() starts afresh. (Own file.) */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import { webgpuBackend } from '@tessera/tensor/internal';
import { requireWebGPU } from './gpu.js';

const gpu = await requireWebGPU();

describe.skipIf(!gpu)('WebGPU device loss', () => {
  it('reports the loss and recovers with a new device', async () => {
    const x = T.ones([4], { device: 'webgpu' });
    const backend = webgpuBackend()!;
    backend.runtime.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(() => x.add(1)).toThrow(/WebGPU device was lost .*live tensors are gone: call initWebGPU\(\) again/);
    await T.initWebGPU();
    expect(() => x.add(1)).toThrow(/lives on a WebGPU device that was lost/);
    const y = T.ones([4], { device: 'webgpu' }).mul(3);
    expect(Array.from(await y.data())).toEqual([3, 3, 3, 3]);
  });
});
