import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cdist, cosineSimilarity, normalize, pairwiseDistance, tensor, zeros } from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { expectBadInput, expectClose, vals } from './helpers.js';

const f64 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'float64' });

describe('normalize', () => {
  it('divides by the p-norm along dim (default p 2, dim -1); zero rows stay zero', () => {
    expectClose(normalize(f64([[3, 4], [0, 0]])), [[0.6, 0.8], [0, 0]]);
    expectClose(normalize(f64([[3, 4], [-1, 1]]), { p: 1 }), [[3 / 7, 4 / 7], [-0.5, 0.5]]);
    expectClose(normalize(f64([[3, 1], [4, 1]]), { dim: 0 }), [[0.6, Math.SQRT1_2], [0.8, Math.SQRT1_2]]);
    expectClose(normalize(f64([[3, -4]]), { p: Infinity }), [[0.75, -1]]);
  });

  it('eps floors the norm: x / max(||x||, eps)', () => {
    expectClose(normalize(f64([[1e-3, 0]]), { eps: 0.1 }), [[0.01, 0]]);
    expectClose(normalize(f64([[3e-13, 4e-13]])), [[0.3, 0.4]]);
  });

  it('int input gives float32', () => {
    const y = normalize(tensor([[3, 4]], { dtype: 'int32' }));
    expect(y.dtype).toBe('float32');
    expectClose(y, [[0.6, 0.8]]);
  });

  it('fast-check: non-zero rows get unit 2-norm', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 6 }), (xs) => {
        fc.pre(xs.some((v) => Math.abs(v) > 1e-3));
        const n = normalize(f64([xs])).norm(2, 1);
        expectClose(n, [1], 1e-12);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects a negative eps and an out-of-range dim', () => {
    const x = f64([[3, 4]]);
    expectBadInput(() => normalize(x, { eps: -1 }), /normalize: argument 'eps'/, [x]);
    expectBadInput(() => normalize(x, { dim: 2 }), /normalize: argument 'dim'/, [x]);
    expectBadInput(() => normalize(x, { p: -2 }), /argument 'p'/, [x]);
  });
});

describe('cosineSimilarity', () => {
  it('along dim 1 by default, with broadcasting', () => {
    expectClose(cosineSimilarity(f64([[1, 0], [1, 1]]), f64([[0, 1], [2, 2]])), [0, 1]);
    const a = f64([[1, 2, 3], [-1, 0, 2]]);
    const b = f64([[3, 2, 1]]);
    expectClose(cosineSimilarity(a, b), [10 / 14, -1 / Math.sqrt(70)]);
    expectClose(cosineSimilarity(f64([1, 2, 3]), f64([2, 4, 6]), 0), 1);
    expectClose(cosineSimilarity(f64([1, 2]), f64([-1, -2]), -1), -1);
  });

  it('a zero vector gives 0, not NaN', () => {
    expectClose(cosineSimilarity(f64([[0, 0]]), f64([[1, 1]])), [0]);
  });

  it('along dim 0 of 2-D inputs and on float32', () => {
    expectClose(cosineSimilarity(f64([[1, 0], [0, 1]]), f64([[1, 1], [0, 1]]), 0), [1, Math.SQRT1_2]);
    expectClose(cosineSimilarity(tensor([[3, 4]]), tensor([[4, 3]])), [24 / 25]);
  });

  it('rejects unbroadcastable shapes and out-of-range dims', () => {
    const a = f64([[1, 2, 3]]);
    const b = f64([[1, 2]]);
    expectBadInput(() => cosineSimilarity(a, b), /cosineSimilarity: argument 'x1', 'x2'/, [a, b]);
    expectBadInput(() => cosineSimilarity(a, a, 2), /cosineSimilarity: argument 'dim'/, [a]);
  });
});

describe('pairwiseDistance', () => {
  it('is ||x1 - x2 + eps||_p along the last dim', () => {
    const x1 = f64([[0, 0], [1, 1]]);
    const x2 = f64([[3, 4], [1, 1]]);
    const e = 1e-6;
    expectClose(pairwiseDistance(x1, x2), [Math.hypot(-3 + e, -4 + e), Math.SQRT2 * e]);
    expectClose(pairwiseDistance(x1, x2, 1), [7 - 2 * e, 2 * e]);
    expectClose(pairwiseDistance(x1, x2, 2, 0), [5, 0]);
    const k = pairwiseDistance(x1, x2, 2, 0, true);
    expectClose(k, [[5], [0]]);
    expectClose(pairwiseDistance(f64([1, 2]), f64([4, 6]), 2, 0), 5);
    expectClose(pairwiseDistance(f64([[1, 2], [0, 0]]), f64([4, 6]), 2, 0), [5, Math.hypot(4, 6)]);
  });

  it('rejects two 0-d inputs', () => {
    const s = f64(1);
    expectBadInput(() => pairwiseDistance(s, s), /pairwiseDistance: argument 'x1'/, [s]);
  });
  // Unbroadcastable inputs: see errors.test.ts (currently reported by the inner 'sub').
});

describe('cdist', () => {
  const x1 = (): Tensor => f64([[0, 0], [1, 0]]);
  const x2 = (): Tensor => f64([[0, 0], [3, 4], [1, 1]]);

  it('p = 2, 1, Infinity between every pair of rows', () => {
    expectClose(cdist(x1(), x2()), [[0, 5, Math.SQRT2], [1, Math.sqrt(20), 1]]);
    expectClose(cdist(x1(), x2(), 1), [[0, 7, 2], [1, 6, 1]]);
    expectClose(cdist(x1(), x2(), Infinity), [[0, 4, 1], [1, 4, 1]]);
    expectClose(cdist(x1(), x2(), 3), [[0, Math.cbrt(91), Math.cbrt(2)], [1, Math.cbrt(8 + 64), 1]]);
  });

  it('batched inputs and agreement with pairwiseDistance', () => {
    const a = f64([[[0, 0]], [[1, 1]]]);
    const b = f64([[[3, 4], [0, 1]], [[1, 1], [4, 5]]]);
    expectClose(cdist(a, b), [[[5, 1]], [[0, 5]]]);
    const d = cdist(x1(), x2());
    for (let i = 0; i < 2; i++) {
      const row = pairwiseDistance(x1().narrow(0, i, 1), x2(), 2, 0);
      expectClose(row, vals(d.narrow(0, i, 1).reshape(-1)), 1e-12);
    }
    expect(cdist(zeros([0, 2]), x2()).shape).toEqual([0, 3]);
  });

  it('rejects mismatched feature sizes and 1-D inputs', () => {
    const a = x1();
    const b = f64([[1, 2, 3]]);
    expectBadInput(() => cdist(a, b), /cdist: argument 'x2' has feature size 3 but x1 has 2/, [a, b]);
    const v = f64([1, 2]);
    expectBadInput(() => cdist(v, a), /cdist: argument 'x1' must have at least 2 dims/, [v, a]);
    expectBadInput(() => cdist(a, v), /cdist: argument 'x2' must have at least 2 dims/, [a, v]);
  });
});
