/** A Dawn validation error becomes an exception naming the op, never silent garbage. (Own file: errors are sticky.) */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import { webgpuBackend } from '@tessera/tensor/internal';
import { requireWebGPU } from './gpu.js';

const gpu = await requireWebGPU();

describe.skipIf(!gpu)('WebGPU validation errors', () => {
  it('surface at the next read, naming the op', async () => {
    const backend = webgpuBackend()!;
    const x = T.ones([4], { device: 'webgpu' });
    const broken = { key: 'test:broken', wgsl: () => '@compute @workgroup_size(1) fn main() { let x: u32 = 1.5; }' };
    backend.runtime.dispatch('brokenKernel', broken, [], null, [1]);
    await expect(x.data()).rejects.toThrow(/brokenKernel: WebGPU validation error/);
    expect(() => x.add(1)).toThrow(/brokenKernel/);
  });
});
