/** WebGPU memory: 200 training steps of a small MLP at constant live bytes; the pool is reused. */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import '@tessera/autograd';
import { webgpuBackend } from '@tessera/tensor/internal';
import { requireWebGPU } from './gpu.js';

const gpu = await requireWebGPU();

describe.skipIf(!gpu)('WebGPU memory', () => {
  it('200 forward+backward steps of an MLP keep live bytes flat', async () => {
    T.manualSeed(3);
    const dev = { device: 'webgpu' as const };
    const [w1, w2, x, y] = T.tidy(() => [
      T.randn([16, 32]).mul(0.3).to('webgpu').requiresGrad_(),
      T.randn([32, 4]).mul(0.3).to('webgpu').requiresGrad_(),
      T.randn([8, 16]).to('webgpu'),
      T.tensor([0, 1, 2, 3, 0, 1, 2, 3], { dtype: 'int32', ...dev }),
    ]) as [T.Tensor, T.Tensor, T.Tensor, T.Tensor];
    const losses: number[] = [];
    const step = async (): Promise<void> => {
      const loss = T.tidy(() => T.crossEntropy(x.matmul(w1).relu().matmul(w2), y));
      loss.backward();
      T.tidy(() => {
        for (const w of [w1, w2]) {
          w.assign(w.sub(w.grad!.mul(0.1)).detach());
          w.grad!.dispose();
          w.grad = null;
        }
      });
      losses.push(await loss.item());
      loss.dispose();
    };
    for (let i = 0; i < 5; i++) await step();
    const before = T.memory('webgpu');
    for (let i = 0; i < 200; i++) await step();
    const after = T.memory('webgpu');
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.pooledBytes).toBeLessThanOrEqual(before.pooledBytes * 2 + 65536);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.5);
  });

  it('a pool over its byte cap never destroys buffers that queued work still uses', async () => {
    const pool = webgpuBackend()!.runtime.pool;
    const cap = pool.maxPooledBytes;
    pool.maxPooledBytes = 1024;
    try {
      let x = T.ones([4096], { device: 'webgpu' });
      for (let i = 0; i < 20; i++) {
        const next = x.mul(2).add(1);
        x.dispose(); // released while the batch that reads it is not yet submitted
        x = next;
      }
      expect((await x.data())[0]).toBe(2 ** 21 - 1);
      expect(pool.pooledBytes).toBeLessThanOrEqual(1024 + 16384);
    } finally {
      pool.maxPooledBytes = cap;
    }
  });

  it('reads of disposed-and-reused buffers see their own data (upload ordering)', async () => {
    // A buffer freed while queued work still reads it must not be overwritten by a later upload.
    const a = T.tensor([1, 2, 3, 4], { device: 'webgpu' });
    const b = a.mul(10);
    a.dispose();
    const c = T.tensor([7, 7, 7, 7], { device: 'webgpu' });
    expect(Array.from(await b.data())).toEqual([10, 20, 30, 40]);
    expect(Array.from(await c.data())).toEqual([7, 7, 7, 7]);
  });
});
