/**
 * Dawn-in-Node hazard: if the object from `create([])` is collected while its device lives, the next
 * GC crashes the process. Tessera keeps it for the process lifetime; this forces GCs between device
 * creation and dispatches and mixes long synchronous CPU work with GPU work.
 */
import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as T from '@tessera/tensor';
import { requireWebGPU } from './gpu.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const gpu = await requireWebGPU();

describe.skipIf(!gpu)('WebGPU under forced garbage collection', () => {
  it('survives gc() between init, dispatches and reads, interleaved with CPU work', async () => {
    gc();
    const a = T.randn([64, 64]).to('webgpu');
    gc();
    let expected = T.randn([64, 64]);
    for (let round = 0; round < 5; round++) {
      const gpuResult = a.matmul(a).relu().sum();
      gc();
      // Long synchronous CPU work while GPU commands are queued.
      expected = T.tidy(() => T.randn([256, 256]).matmul(T.randn([256, 256])).tanh());
      gc();
      const value = await gpuResult.item();
      expect(Number.isFinite(value)).toBe(true);
      gc();
    }
    expect(expected.shape).toEqual([256, 256]);
  });
});
