import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { backward, enableGrad, grad, gradcheck, gradients, isGradEnabled, noGrad, valueAndGrad } from '@tessera/autograd';

const values = (t: Tensor | null): number[] => Array.from(t!.dataSync());

describe('backward', () => {
  it('fills .grad of leaves and accumulates across calls', () => {
    const x = T.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(values(x.grad)).toEqual([2, 4, 6]);
    const gradRef = x.grad;
    x.mul(3).sum().backward();
    expect(values(x.grad)).toEqual([5, 7, 9]);
    expect(x.grad).toBe(gradRef); // accumulated in place, like PyTorch
  });

  it('sums gradients of a tensor used several times (diamond graph)', () => {
    const x = T.tensor([2], { dtype: 'float64', requiresGrad: true });
    const a = x.mul(3);
    const b = x.exp();
    a.mul(b).add(a).sum().backward();
    const e = Math.exp(2);
    expect(x.grad!.itemSync()).toBeCloseTo(3 * e + 6 * e + 3, 10);
  });

  it('needs an upstream gradient for non-scalar outputs', () => {
    const x = T.tensor([1, 2], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(/backward: argument 'gradient' is required for a non-scalar output/);
    x.mul(2).backward(T.tensor([1, 10]));
    expect(values(x.grad)).toEqual([2, 20]);
  });

  it('frees the graph unless retainGraph, and says so', () => {
    const x = T.tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(values(x.grad)).toEqual([2 * Math.exp(1), 2 * Math.exp(2)].map((v) => Math.fround(v)));
    expect(() => y.backward()).toThrow(/already freed.*retainGraph/);
  });

  it('rejects outputs that do not require grad', () => {
    expect(() => T.tensor([1]).sum().backward()).toThrow(/does not require grad/);
  });

  it('retainGrad keeps a non-leaf gradient', () => {
    const x = T.tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2).retainGrad();
    h.mul(h).sum().backward();
    expect(values(h.grad)).toEqual([4, 8]);
    expect(values(x.grad)).toEqual([8, 16]);
  });

  it('only float tensors can require grad; non-leaves cannot be unset', () => {
    expect(() => T.tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(/requiresGrad: argument 'tensor' has dtype int32/);
    const x = T.tensor([1], { requiresGrad: true });
    expect(() => {
      x.mul(2).requiresGrad = false;
    }).toThrow(/not a leaf/);
  });
});

describe('grad mode', () => {
  it('noGrad records nothing; enableGrad turns it back on', () => {
    const x = T.tensor([1], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    const z = noGrad(() => enableGrad(() => x.mul(2)));
    expect(z.requiresGrad).toBe(true);
    expect(isGradEnabled()).toBe(true);
  });
  it('restores the mode after an exception', () => {
    expect(() => noGrad(() => { throw new Error('x'); })).toThrow('x');
    expect(isGradEnabled()).toBe(true);
  });
  it('detach cuts the graph', () => {
    const x = T.tensor([3], { requiresGrad: true });
    x.detach().mul(x).sum().backward();
    expect(values(x.grad)).toEqual([3]);
  });
});

describe('functional', () => {
  it('grad and valueAndGrad leave .grad untouched', () => {
    const f = (a: Tensor, b: Tensor): Tensor => a.mul(b).sum();
    const a = T.tensor([1, 2]);
    const b = T.tensor([3, 4]);
    const [ga, gb] = grad(f, [0, 1])(a, b) as Tensor[];
    expect(values(ga!)).toEqual([3, 4]);
    expect(values(gb!)).toEqual([1, 2]);
    const { value, grads } = valueAndGrad(f, 1)(a, b);
    expect(value.itemSync()).toBe(11);
    expect(values(grads as Tensor)).toEqual([1, 2]);
    expect(a.grad).toBeNull();
  });
  it('computes gradients of gradients', () => {
    const f = (x: Tensor): Tensor => x.pow(3).sum();
    const second = grad((x) => (grad(f)(x) as Tensor).sum());
    expect(values(second(T.tensor([1, 2], { dtype: 'float64' })) as Tensor)).toEqual([6, 12]);
  });
  it('createGraph backward supports double backward through saved inputs', () => {
    const x = T.tensor([0.5, -1.5], { dtype: 'float64', requiresGrad: true });
    const [g] = gradients(x.tanh().mul(x).sum(), [x], { createGraph: true });
    g!.sum().backward();
    const expected = [0.5, -1.5].map((v) => {
      const t = Math.tanh(v);
      const d1 = 1 - t * t;
      return 2 * d1 + v * (-2 * t * d1);
    });
    values(x.grad).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });
  it('gradients reports unused inputs unless allowUnused', () => {
    const x = T.tensor([1], { requiresGrad: true });
    const y = T.tensor([1], { requiresGrad: true });
    expect(() => gradients(x.mul(2).sum(), [x, y])).toThrow(/inputs\[1\]' was not used/);
    const [gx, gy] = gradients(x.mul(2).sum(), [x, y], { allowUnused: true });
    expect(values(gx!)).toEqual([2]);
    expect(gy).toBeNull();
  });
  it('backward() as a free function equals the method', () => {
    const x = T.tensor([1, 2], { requiresGrad: true });
    backward(x.square().sum());
    expect(values(x.grad)).toEqual([2, 4]);
  });
});

describe('gradcheck itself', () => {
  it('fails on a wrong gradient', () => {
    const x = T.tensor([0.3, 0.7], { dtype: 'float64', requiresGrad: true });
    expect(() => gradcheck((a) => a.detach().mul(a), [x])).toThrow(/gradcheck: argument 'inputs\[0\]' Jacobian mismatch/);
  });
  it('needs float64 inputs', () => {
    expect(() => gradcheck((a) => a.mul(2), [T.tensor([1], { requiresGrad: true })])).toThrow(/needs float64/);
  });
});

describe('memory', () => {
  it('saved tensors are released after backward; a training loop stays flat', () => {
    const w = T.randn([8, 8], { requiresGrad: true });
    const x = T.randn([4, 8]);
    const step = (): void => {
      T.tidy(() => {
        const loss = x.matmul(w).relu().logSoftmax(1).mean();
        loss.backward();
      });
      w.grad!.dispose();
      w.grad = null;
    };
    step();
    const before = T.memory();
    for (let i = 0; i < 20; i++) step();
    const after = T.memory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.liveBytes).toBe(before.liveBytes);
  });
  it('intermediates disposed by tidy stay available to backward', () => {
    const x = T.tensor([1, 2], { requiresGrad: true });
    const loss = T.tidy(() => x.exp().mul(x).sum());
    loss.backward();
    expect(values(x.grad)).toEqual([1, 2].map((v) => Math.fround(Math.exp(v) * (1 + v))));
  });
});
