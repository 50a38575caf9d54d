import { describe, expect, it } from 'vitest';
import { tensor, randn, manualSeed } from '@tessera/tensor';
import { gradcheck, grad } from '@tessera/autograd';

describe('smoke', () => {
  it('backward of a small expression', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 4, 6]);
  });
  it('gradcheck matmul + softmax', () => {
    manualSeed(1);
    const a = randn([3, 4], { dtype: 'float64', requiresGrad: true });
    const b = randn([4, 2], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck((p, q) => p!.matmul(q!).softmax(1), [a, b])).toBe(true);
  });
  it('grad of grad', () => {
    const f = (x: import('@tessera/tensor').Tensor) => x.pow(3).sum();
    const g = grad((x) => (grad(f)(x) as import('@tessera/tensor').Tensor).sum());
    const x = tensor([1, 2], { dtype: 'float64' });
    expect(Array.from((g(x) as import('@tessera/tensor').Tensor).dataSync())).toEqual([6, 12]);
  });
});
