import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Generator, matmul, randn, tensor, zeros } from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { expectBadInput, expectClose, expectValues, vals } from './helpers.js';

const f64 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'float64' });

/** Reference row-major matmul of [m,k] x [k,n] flat arrays. */
function refMatmul(a: number[], b: number[], m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * k + p]! * b[p * n + j]!;
  return out;
}

describe('matmul', () => {
  it('2-D x 2-D', () => {
    const y = matmul(tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]]));
    expectValues(y, [[19, 22], [43, 50]], 'float32');
    expectValues(f64([[1, 2, 3]]).matmul(f64([[1], [0], [-1]])), [[-2]], 'float64');
  });

  it('1-D x 1-D is a 0-d dot product', () => {
    const y = matmul(tensor([1, 2, 3]), tensor([4, 5, 6]));
    expect(y.shape).toEqual([]);
    expectValues(y, 32, 'float32');
  });

  it('1-D x 2-D and 2-D x 1-D drop the promoted dim', () => {
    expectValues(matmul(tensor([1, 2]), tensor([[1, 2, 3], [4, 5, 6]])), [9, 12, 15], 'float32');
    expectValues(matmul(tensor([[1, 2, 3], [4, 5, 6]]), tensor([1, 0, -1])), [-2, -2], 'float32');
  });

  it('batched 3-D x 3-D', () => {
    const a = f64([[[1, 0], [0, 1]], [[1, 2], [3, 4]]]);
    const b = f64([[[2, 3], [4, 5]], [[1, 1], [1, 1]]]);
    expectValues(matmul(a, b), [[[2, 3], [4, 5]], [[3, 3], [7, 7]]], 'float64');
  });

  it('broadcasts batch dims: [2,1,2,3] @ [3,3,2] -> [2,3,2,2]', () => {
    const a = randn([2, 1, 2, 3], { dtype: 'float64', generator: new Generator(1) });
    const b = randn([3, 3, 2], { dtype: 'float64', generator: new Generator(2) });
    const y = matmul(a, b);
    expect(y.shape).toEqual([2, 3, 2, 2]);
    const av = vals(a);
    const bv = vals(b);
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expected.push(...refMatmul(av.slice(i * 6, i * 6 + 6), bv.slice(j * 6, j * 6 + 6), 2, 3, 2));
    expectClose(y.reshape(-1), expected, 1e-12);
    // A 2-D operand broadcasts against a batch.
    const c = matmul(f64([[1, 2]]), f64([[[1], [1]], [[2], [3]]]));
    expectValues(c, [[[3]], [[8]]], 'float64');
  });

  it('1-D with batched operands: [k] @ [B,k,n] -> [B,n] and [B,m,k] @ [k] -> [B,m]', () => {
    const b = f64([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    expectValues(matmul(f64([1, 1]), b), [[4, 6], [12, 14]], 'float64');
    expectValues(matmul(b, f64([1, -1])), [[-1, -1], [-1, -1]], 'float64');
  });

  it('transposed and sliced views need no copy and give the right values', () => {
    const a = f64([[1, 2, 3], [4, 5, 6]]);
    expectValues(matmul(a.T, a), [[17, 22, 27], [22, 29, 36], [27, 36, 45]], 'float64');
    expectValues(matmul(a, a.T), [[14, 32], [32, 77]], 'float64');
    expectValues(a.mT.matmul(f64([1, 1])), [5, 7, 9], 'float64');
    const s = a.slice(1, 0, 3, 2); // [[1,3],[4,6]]
    expectValues(matmul(s, s), [[13, 21], [28, 48]], 'float64');
    const batch = f64([[[1, 2], [3, 4]]]).expand(3, 2, 2);
    expectValues(matmul(batch, batch.mT), [[[5, 11], [11, 25]], [[5, 11], [11, 25]], [[5, 11], [11, 25]]], 'float64');
  });

  it('a zero inner dim gives zeros; zero outer dims give empty results', () => {
    expectValues(matmul(zeros([2, 0]), zeros([0, 3])), [[0, 0, 0], [0, 0, 0]], 'float32');
    expect(matmul(zeros([0, 2]), zeros([2, 3])).shape).toEqual([0, 3]);
  });

  it('matches a reference on sizes that cross the blocking boundaries', () => {
    const g = new Generator(11);
    const [m, k, n] = [70, 260, 517];
    const a = randn([m, k], { dtype: 'float64', generator: g });
    const b = randn([k, n], { dtype: 'float64', generator: g });
    const ref = refMatmul(vals(a), vals(b), m, k, n);
    expectClose(matmul(a, b).reshape(-1), ref, { rtol: 1e-10, atol: 1e-10 });
    const ref2 = refMatmul(vals(b.T.contiguous()), vals(a.T.contiguous()), n, k, m);
    expectClose(matmul(b.T, a.T).reshape(-1), ref2, { rtol: 1e-10, atol: 1e-10 });
    // float32 inputs: the same products within float32 rounding.
    const y32 = matmul(a.float(), b.float());
    expect(y32.dtype).toBe('float32');
    expectClose(y32.reshape(-1), ref, { rtol: 1e-4, atol: 1e-4 });
  });

  it('fast-check: small random shapes agree with the reference', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.nat(1000), (m, k, n, seed) => {
        const g = new Generator(seed);
        const a = randn([m, k], { dtype: 'float64', generator: g });
        const b = randn([k, n], { dtype: 'float64', generator: g });
        expectClose(matmul(a, b).reshape(-1), refMatmul(vals(a), vals(b), m, k, n), 1e-12);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects int dtypes, mixed dtypes, inner-dim mismatches, unbroadcastable batches and 0-d', () => {
    const ai = tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    expectBadInput(() => matmul(ai, ai), /matmul: argument 'input' has dtype int32/, [ai]);
    const a = tensor([[1, 2], [3, 4]]);
    const b64 = f64([[1, 2], [3, 4]]);
    expectBadInput(() => matmul(a, b64), /matmul: argument 'other' has dtype float64/, [a, b64]);
    const c = tensor([[1, 2, 3]]);
    expectBadInput(() => matmul(a, c), /matmul: argument 'other' shape \[1, 3\] cannot multiply input shape \[2, 2\]/, [a, c]);
    const v3 = tensor([1, 2, 3]);
    expectBadInput(() => matmul(v3, a), /matmul: argument 'other'/, [v3, a]);
    const b1 = zeros([2, 2, 2]);
    const b2 = zeros([3, 2, 2]);
    expectBadInput(() => matmul(b1, b2), /matmul: argument 'input', 'other'/, [b1, b2]);
    const s = tensor(2);
    expectBadInput(() => matmul(s, a), /matmul: argument 'input' must have at least 1 dim/, [s, a]);
    expectBadInput(() => matmul(a, s), /matmul: argument 'other' must have at least 1 dim/, [a, s]);
  });
});
