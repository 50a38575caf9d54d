import { describe, expect, it } from 'vitest';
import { memory, randn, resetPeakMemory, tidy } from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { backward, gradients } from '../src/index.js';

const N = 4096; // float32: 16 KiB a tensor
const BYTES = 4 * N;

/** A chain of `depth` elementwise ops on a leaf, with branches that reuse intermediate values. */
function chain(x: Tensor, depth: number): Tensor {
  let h = x;
  for (let i = 0; i < depth; i++) h = h.mul(1.01).add(h.tanh()).sub(0.01);
  return h.square().sum();
}

describe('backward frees each gradient once it has been used', () => {
  it('peak memory of a backward over a deep chain is a few tensors, not one per op', () => {
    const x = randn([N]).requiresGrad_();
    tidy(() => {
      const loss = chain(x, 24);
      const before = memory('cpu').liveBytes;
      resetPeakMemory('cpu');
      backward(loss);
      const extra = memory('cpu').peakBytes - before;
      // 24 steps x 4 ops: keeping every gradient until the end would cost ~100 tensors.
      expect(extra).toBeLessThanOrEqual(8 * BYTES);
      expect(memory('cpu').liveBytes - before).toBeLessThanOrEqual(BYTES); // x.grad
    });
    x.grad!.dispose();
    x.dispose();
  });

  it('gives the same gradients as a backward that keeps everything (createGraph)', () => {
    const x = randn([N]).requiresGrad_();
    const eager = tidy(() => {
      backward(chain(x, 6));
      return x.grad!.clone();
    });
    x.grad!.dispose();
    x.grad = null;
    const kept = tidy(() => {
      backward(chain(x, 6), undefined, { createGraph: true });
      return x.grad!.detach().clone();
    });
    expect(Array.from(eager.dataSync())).toEqual(Array.from(kept.dataSync()));
    for (const t of [eager, kept, x.grad!, x]) t.dispose();
  });

  it('gradients() hands back gradients that stay valid, also when a rule returns its upstream gradient as is', () => {
    const a = randn([N]).requiresGrad_();
    const b = randn([N]).requiresGrad_();
    const [ga, gb] = tidy(() => {
      // add's rule returns g for both inputs; a is also used twice.
      const y = a.add(b).add(a).sum();
      return gradients(y, [a, b]);
    });
    expect(ga!.disposed).toBe(false);
    expect(Array.from(ga!.dataSync()).every((v) => v === 2)).toBe(true);
    expect(Array.from(gb!.dataSync()).every((v) => v === 1)).toBe(true);
    for (const t of [ga!, gb!, a, b]) t.dispose();
  });
});
