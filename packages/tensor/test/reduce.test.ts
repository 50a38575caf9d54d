import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { amax, amin, argmax, argmin, logsumexp, max, mean, min, norm, sum, tensor, variance, zeros } from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { expectBadInput, expectClose, expectValues, vals } from './helpers.js';

const f64 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'float64' });
const i32 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'int32' });
const X = (): Tensor => tensor([[1, 5, 3], [4, 2, 6]]);

describe('sum', () => {
  it('over all dims, one dim, negative dims, several dims, keepdim', () => {
    const x = X();
    expectValues(sum(x), 21, 'float32');
    expectValues(x.sum(0), [5, 7, 9], 'float32');
    expectValues(x.sum(1), [9, 12], 'float32');
    expectValues(x.sum(-1), [9, 12], 'float32');
    expectValues(x.sum([0, 1]), 21, 'float32');
    expectValues(x.sum(1, true), [[9], [12]], 'float32');
    expectValues(x.sum(undefined, true), [[21]], 'float32');
  });

  it('3-D: middle dim and outer dims', () => {
    const x = tensor(Float64Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 4] });
    const ref = (keep: (i: number, j: number, k: number) => string): Map<string, number> => {
      const m = new Map<string, number>();
      for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) {
        const key = keep(i, j, k);
        m.set(key, (m.get(key) ?? 0) + i * 12 + j * 4 + k);
      }
      return m;
    };
    expect(vals(x.sum(1))).toEqual([...ref((i, _j, k) => `${i},${k}`).values()]);
    expect(x.sum(1).shape).toEqual([2, 4]);
    expect(vals(x.sum([0, 2]))).toEqual([...ref((_i, j) => `${j}`).values()]);
    expect(vals(x.sum([0, 1]))).toEqual([...ref((_i, _j, k) => `${k}`).values()]);
  });

  it('int32 sums to int32 (wrapping on overflow), bool counts as int32', () => {
    expectValues(i32([[1, 2], [3, 4]]).sum(0), [4, 6], 'int32');
    expectValues(i32([2147483647, 1]).sum(), -2147483648, 'int32');
    expectValues(i32([[2147483647, 0], [1, 0]]).sum(0), [-2147483648, 0], 'int32');
    expectValues(tensor([true, false, true]).sum(), 2, 'int32');
  });

  it('non-contiguous input, 0-d input, and empty input (sum 0)', () => {
    expectValues(X().T.sum(1), [5, 7, 9], 'float32');
    expectValues(X().T.sum(0), [9, 12], 'float32');
    expectValues(tensor(3).sum(), 3, 'float32');
    expectValues(zeros([0, 3]).sum(0), [0, 0, 0], 'float32');
    expectValues(zeros([0]).sum(), 0, 'float32');
  });

  it('fast-check: sum over dim 0 then 1 equals the total', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer(), (r, c, seed) => {
        const data = Array.from({ length: r * c }, (_, i) => ((seed + i * 7919) % 97) - 48);
        const x = tensor(Float64Array.from(data), { shape: [r, c] });
        expect(vals(x.sum(0).sum())).toEqual(vals(x.sum()));
        expect(vals(x.sum()).at(0)).toBe(data.reduce((a, b) => a + b, 0));
      }),
      { numRuns: 40 },
    );
  });
});

describe('mean', () => {
  it('known values', () => {
    const x = X();
    expectValues(mean(x), 3.5, 'float32');
    expectValues(x.mean(0), [2.5, 3.5, 4.5], 'float32');
    expectClose(x.mean(1, true), [[3], [4]]);
    expectClose(f64([[1, 2], [3, 5]]).mean([0, 1]), 2.75);
  });

  it('int32 and bool inputs average as float32', () => {
    expectValues(i32([1, 2]).mean(), 1.5, 'float32');
    expectValues(tensor([true, false, false, false]).mean(), 0.25, 'float32');
  });

  it('mean over an empty dim is NaN', () => {
    expectValues(zeros([0, 2]).mean(0), [NaN, NaN], 'float32');
  });
});

describe('amax / amin', () => {
  it('known values with dims and keepdim', () => {
    const x = X();
    expectValues(amax(x), 6, 'float32');
    expectValues(amin(x), 1, 'float32');
    expectValues(x.amax(1), [5, 6], 'float32');
    expectValues(x.amin(0), [1, 2, 3], 'float32');
    expectValues(x.amax(0, true), [[4, 5, 6]], 'float32');
    expectValues(x.amin([0, 1]), 1, 'float32');
    expectValues(x.max(), 6, 'float32');
    expectValues(x.min(), 1, 'float32');
    expectValues(i32([[-3, 7], [2, -9]]).amax(1), [7, 2], 'int32');
  });

  it('NaN propagates and -Infinity is handled', () => {
    expectValues(tensor([1, NaN, 3]).amax(), NaN, 'float32');
    expectValues(tensor([[1, NaN], [2, 0]]).amin(0), [1, NaN], 'float32');
    expectValues(tensor([[1, NaN], [2, 0]]).amin(1), [NaN, 0], 'float32');
    expectValues(tensor([-Infinity, -Infinity]).amax(), -Infinity, 'float32');
  });

  it('rejects reducing an empty dim', () => {
    const e = zeros([0, 3]);
    expectBadInput(() => amax(e), /amax: argument 'x'/, [e]);
    expectBadInput(() => amin(e, 0), /amin: argument 'dim'/, [e]);
  });
});

describe('max(dim) / min(dim)', () => {
  it('values and int32 indices, first index on ties', () => {
    const x = tensor([[3, 1, 3], [2, 2, 1]]);
    const mx = max(x, 1);
    expectValues(mx.values, [3, 2], 'float32');
    expectValues(mx.indices, [0, 0], 'int32');
    const mn = x.min(1);
    expectValues(mn.values, [1, 1], 'float32');
    expectValues(mn.indices, [1, 2], 'int32');
    const m0 = min(x, 0, true);
    expectValues(m0.values, [[2, 1, 1]], 'float32');
    expectValues(m0.indices, [[1, 0, 1]], 'int32');
  });

  it('along a middle dim of a 3-D tensor and a transposed view', () => {
    const x = f64([[[1, 9], [5, 2], [5, 8]], [[0, 0], [-1, 3], [7, 3]]]);
    const r = x.max(1);
    expectValues(r.values, [[5, 9], [7, 3]], 'float64');
    expectValues(r.indices, [[1, 0], [2, 1]], 'int32');
    const t = X().T; // [[1,4],[5,2],[3,6]]
    expectValues(t.max(0).indices, [1, 2], 'int32');
    expectValues(t.min(1).values, [1, 2, 3], 'float32');
  });

  it('NaN counts as the extreme (first NaN wins)', () => {
    const r = tensor([1, NaN, 5, NaN]).max(0);
    expectValues(r.values, NaN, 'float32');
    expectValues(r.indices, 1, 'int32');
  });

  it('rejects out-of-range dims and empty dims', () => {
    const x = X();
    expectBadInput(() => max(x, 2), /max: argument 'dim'/, [x]);
    expectBadInput(() => min(x, -3), /min: argument 'dim'/, [x]);
    const e = zeros([2, 0]);
    expectBadInput(() => max(e, 1), /max: argument 'dim'/, [e]);
  });
});

describe('argmax / argmin', () => {
  it('over the flattened tensor and along a dim, first index on ties', () => {
    const x = tensor([[1, 7, 7], [7, 0, 0]]);
    expectValues(argmax(x), 1, 'int32');
    expectValues(argmin(x), 4, 'int32');
    expectValues(x.argmax(1), [1, 0], 'int32');
    expectValues(x.argmin(1), [0, 1], 'int32');
    expectValues(x.argmax(0, true), [[1, 0, 0]], 'int32');
    expectValues(X().T.argmax(), 5, 'int32'); // [[1,4],[5,2],[3,6]] flattened
  });

  it('rejects an out-of-range dim', () => {
    const x = X();
    expectBadInput(() => argmax(x, 5), /argument 'dim' is out of range/, [x]);
    expectBadInput(() => argmin(x, -3), /argument 'dim' is out of range/, [x]);
  });
  // That the message names argmax/argmin (not max/min) is checked in errors.test.ts.
});

describe('logsumexp', () => {
  it('known values, keepdim and several dims', () => {
    const x = f64([[0, 0], [1, 2]]);
    expectClose(logsumexp(x, 1), [Math.LN2, 2 + Math.log1p(Math.exp(-1))]);
    expectClose(x.logsumexp(0, true), [[Math.log(1 + Math.E), Math.log(1 + Math.E ** 2)]]);
    expectClose(x.logsumexp([0, 1]), Math.log(2 + Math.E + Math.E ** 2));
    expectClose(x.logsumexp(-1), [Math.LN2, 2 + Math.log1p(Math.exp(-1))]);
  });

  it('is stable for large values', () => {
    expectClose(f64([1000, 1000]).logsumexp(0), 1000 + Math.LN2);
    expectClose(tensor([1000, 1000, 1000]).logsumexp(0), 1000 + Math.log(3));
    expectClose(f64([-1000, -1000]).logsumexp(0), -1000 + Math.LN2);
  });

  it('rows with -Infinity entries and all -Infinity rows', () => {
    const x = f64([[-Infinity, 0], [-Infinity, -Infinity], [-Infinity, 1]]);
    expectClose(x.logsumexp(1), [0, -Infinity, 1]);
    expectClose(x.logsumexp([1]), [0, -Infinity, 1]);
    // Several dims go through the composite path.
    expectClose(f64([[[-Infinity, -Infinity]], [[-Infinity, 2]]]).logsumexp([1, 2]), [-Infinity, 2]);
    expectClose(f64([Infinity, 0]).logsumexp(0), Infinity);
  });

  it('an empty dim gives -Infinity (torch.logsumexp)', () => {
    expectClose(zeros([0]).logsumexp(0), -Infinity);
    expectClose(zeros([2, 0]).logsumexp(1), [-Infinity, -Infinity]);
  });

  it('int input gives float32', () => {
    const y = i32([0, 0]).logsumexp(0);
    expect(y.dtype).toBe('float32');
    expectClose(y, Math.LN2);
  });

  it('rejects a missing or out-of-range dim', () => {
    const x = X();
    expectBadInput(() => logsumexp(x, undefined as never), /logsumexp: argument 'dim'/, [x]);
    expectBadInput(() => logsumexp(x, 2), /logsumexp: argument 'dim'/, [x]);
    expectBadInput(() => logsumexp(x, [1, -1]), /logsumexp: argument 'dim'/, [x]);
  });
});

describe('norm', () => {
  it('p = 2, 1, Infinity, 3 over all elements', () => {
    const x = f64([3, -4]);
    expectClose(norm(x), 5);
    expectClose(x.norm(1), 7);
    expectClose(x.norm(Infinity), 4);
    expectClose(x.norm(3), Math.cbrt(91));
    expectClose(f64([[1, 2], [-2, 4]]).norm(), 5);
  });

  it('along a dim with keepdim, and int input as float32', () => {
    const x = f64([[3, 4], [-6, 8], [0, 0]]);
    expectClose(x.norm(2, 1), [5, 10, 0]);
    expectClose(x.norm(1, 0, true), [[9, 12]]);
    expectClose(x.norm(Infinity, 1), [4, 8, 0]);
    expectClose(x.norm(3, 1), [Math.cbrt(91), Math.cbrt(216 + 512), 0]);
    const y = i32([3, 4]).norm();
    expect(y.dtype).toBe('float32');
    expectClose(y, 5);
  });

  it('p = 0 counts non-zero entries (torch.linalg.vector_norm)', () => {
    expect(norm(f64([3, 0, -2, 0]), 0).itemSync()).toBe(2);
  });
  it('rejects a negative p and a bad dim', () => {
    const x = f64([3, 4]);
    expectBadInput(() => norm(x, -1), /norm: argument 'p'/, [x]);
    expectBadInput(() => norm(x, 2, 1), /norm: argument 'dim'/, [x]);
  });
});

describe('var', () => {
  it('unbiased by default, correction 0 is the population variance', () => {
    const x = f64([1, 2, 3, 4]);
    expectClose(variance(x), 5 / 3);
    expectClose(x.var(undefined, { correction: 0 }), 1.25);
    expectClose(x.var(0), 5 / 3);
  });

  it('along dims with keepdim', () => {
    const x = f64([[1, 2, 3], [2, 4, 6]]);
    expectClose(x.var(1), [1, 4]);
    expectClose(x.var(0, { keepdim: true }), [[0.5, 2, 4.5]]);
    expectClose(x.var(1, { correction: 0 }), [2 / 3, 8 / 3]);
    expectClose(x.var([0, 1]), 16 / 5);
  });

  it('a single element with correction 1 is NaN', () => {
    expectValues(f64([5]).var(), NaN, 'float64');
  });

  it('rejects an out-of-range dim', () => {
    const x = f64([1, 2]);
    expectBadInput(() => variance(x, 3), /var: argument 'dim'/, [x]);
  });
});

describe('reductions: bad dims', () => {
  it('out-of-range and repeated dims name the op and dim', () => {
    const x = X();
    expectBadInput(() => sum(x, 2), /sum: argument 'dim' is out of range/, [x]);
    expectBadInput(() => sum(x, [0, 0]), /sum: argument 'dim' has repeated dims/, [x]);
    expectBadInput(() => sum(x, [1, -1]), /sum: argument 'dim' has repeated dims/, [x]);
    expectBadInput(() => mean(x, -3), /mean: argument 'dim'/, [x]);
    expectBadInput(() => amax(x, [0, 2]), /amax: argument 'dim'/, [x]);
    expectBadInput(() => sum(x, 0.5), /sum: argument 'dim' must be an integer/, [x]);
  });
});
