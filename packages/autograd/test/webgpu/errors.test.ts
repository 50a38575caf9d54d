/** WebGPU errors name the op and say what to do; nothing fails silently. */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import { requireWebGPU } from './gpu.js';

const gpu = await requireWebGPU();

describe.skipIf(!gpu)('WebGPU errors', () => {
  it('float64 is refused with the reason', () => {
    expect(() => T.zeros([2], { dtype: 'float64', device: 'webgpu' })).toThrow(/zeros: argument 'dtype' float64 is not supported on webgpu \(WGSL has no f64\)/);
    const x = T.tensor([1, 2], { dtype: 'float64' });
    expect(() => x.to('webgpu')).toThrow(/float64/);
  });
  it('mixing devices names both', () => {
    const a = T.ones([2], { device: 'webgpu' });
    const b = T.ones([2]);
    expect(() => a.add(b)).toThrow(/add: argument 'other' is on cpu but 'input' is on webgpu/);
  });
  it('synchronous reads are refused on the GPU', () => {
    expect(() => T.ones([2], { device: 'webgpu' }).dataSync()).toThrow(/dataSync: argument 'tensor' is on webgpu; reading it is asynchronous/);
  });
  it('buffers above the adapter limit are refused naming the op', () => {
    const limit = gpu!.limits.maxStorageBufferBindingSize;
    const n = Math.floor(limit / 4) + 1;
    expect(() => T.zeros([n], { device: 'webgpu' })).toThrow(/above this adapter's limit/);
  });
  it('toDevice moves both ways', async () => {
    const x = T.tensor([[1, 2], [3, 4]]);
    const g = await T.toDevice(x, 'webgpu');
    expect(g.device).toBe('webgpu');
    const back = await T.toDevice(g.mul(2), 'cpu');
    expect(back.arraySync()).toEqual([[2, 4], [6, 8]]);
    expect(() => g.to('cpu')).toThrow(/use await toDevice/);
  });
});
