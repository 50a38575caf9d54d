import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arange, diag, gather, indexSelect, oneHot, ones, scatterAdd, sliceScatter, tensor, tril, triu, zeros } from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { expectBadInput, expectValues, vals } from './helpers.js';

const i32 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'int32' });
const iota = (...shape: number[]): Tensor => arange(0, shape.reduce((a, b) => a * b, 1), 1, { dtype: 'float64' }).reshape(shape);

describe('gather', () => {
  it('torch docs example along dim 1 and along dim 0', () => {
    const x = tensor([[1, 2], [3, 4]]);
    expectValues(gather(x, 1, i32([[0, 0], [1, 0]])), [[1, 1], [4, 3]], 'float32');
    expectValues(x.gather(0, i32([[0, 1], [1, 0]])), [[1, 4], [3, 2]], 'float32');
    expectValues(x.gather(-1, i32([[1], [0]])), [[2], [3]], 'float32');
  });

  it('index smaller than the input, a 3-D input and a transposed input', () => {
    const x = iota(3, 4);
    expectValues(x.gather(1, i32([[3, 0], [2, 2]])), [[3, 0], [6, 6]], 'float64');
    const y = iota(2, 3, 2);
    // out[i][j][k] = y[i][idx[i][j][k]][k]
    expectValues(y.gather(1, i32([[[2, 0]], [[1, 1]]])), [[[4, 1]]].concat([[[8, 9]]]), 'float64');
    const t = iota(2, 3).T; // [[0,3],[1,4],[2,5]]
    expectValues(t.gather(1, i32([[1], [0], [1]])), [[3], [1], [5]], 'float64');
    expectValues(i32([[5, 6, 7]]).gather(1, i32([[2, 2, 0]])), [[7, 7, 5]], 'int32');
  });

  it('fast-check: gather with arange index along dim 1 is the identity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), (r, c) => {
        const x = iota(r, c);
        const idx = arange(0, c).reshape(1, c).expand(r, c);
        expect(vals(x.gather(1, idx))).toEqual(vals(x));
      }),
      { numRuns: 30 },
    );
  });

  it('rejects float indices, out-of-range index values, wrong ranks and bad dims', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const fidx = tensor([[0, 1], [1, 0]]);
    expectBadInput(() => gather(x, 1, fidx), /gather: argument 'index' must be an int32 tensor, got float32/, [x, fidx]);
    const big = i32([[0, 2], [1, 0]]);
    expectBadInput(() => gather(x, 1, big), /gather: argument 'index' holds 2, out of range for dim 1 of size 2/, [x, big]);
    const neg = i32([[0, -1], [1, 0]]);
    expectBadInput(() => gather(x, 0, neg), /gather: argument 'index' holds -1/, [x, neg]);
    const flat = i32([0, 1]);
    expectBadInput(() => gather(x, 1, flat), /gather: argument 'index' must have 2 dims/, [x, flat]);
    const wide = i32([[0, 0], [0, 0], [0, 0]]);
    expectBadInput(() => gather(x, 1, wide), /gather: argument 'index' shape \[3, 2\] exceeds input shape/, [x, wide]);
    const ok = i32([[0, 0], [0, 0]]);
    expectBadInput(() => gather(x, 2, ok), /gather: argument 'dim' is out of range/, [x, ok]);
  });
});

describe('indexSelect', () => {
  it('picks rows and columns, with repeats, in index order', () => {
    const x = iota(3, 4);
    expectValues(indexSelect(x, 0, i32([2, 0])), [[8, 9, 10, 11], [0, 1, 2, 3]], 'float64');
    expectValues(x.indexSelect(1, i32([3, 3, 1])), [[3, 3, 1], [7, 7, 5], [11, 11, 9]], 'float64');
    expectValues(x.indexSelect(-1, i32([0])), [[0], [4], [8]], 'float64');
    expect(x.indexSelect(0, tensor(new Int32Array(0))).shape).toEqual([0, 4]);
    expectValues(x.T.indexSelect(0, i32([1])), [[1, 5, 9]], 'float64');
    expectValues(tensor([5, 6, 7]).indexSelect(0, i32(2)), [7], 'float32');
  });

  it('rejects out-of-range indices, non-int32 and non-1-D indices', () => {
    const x = iota(3, 4);
    const big = i32([0, 3]);
    expectBadInput(() => indexSelect(x, 0, big), /indexSelect: argument 'index' holds 3, out of range for dim 0 of size 3/, [x, big]);
    const neg = i32([-1]);
    expectBadInput(() => indexSelect(x, 1, neg), /indexSelect: argument 'index' holds -1/, [x, neg]);
    const f = tensor([0, 1]);
    expectBadInput(() => indexSelect(x, 0, f), /indexSelect: argument 'index' must be an int32 tensor/, [x, f]);
    const two = i32([[0, 1]]);
    expectBadInput(() => indexSelect(x, 0, two), /indexSelect: argument 'index' must be 1-D/, [x, two]);
    const ok = i32([0]);
    expectBadInput(() => indexSelect(x, 2, ok), /indexSelect: argument 'dim'/, [x, ok]);
  });
});

describe('scatterAdd', () => {
  it('duplicate indices accumulate and the input is not modified', () => {
    const x = zeros([5]);
    const y = scatterAdd(x, 0, i32([0, 1, 0, 4, 0]), tensor([1, 2, 3, 4, 5]));
    expectValues(y, [9, 2, 0, 0, 4], 'float32');
    expectValues(x, [0, 0, 0, 0, 0], 'float32');
    expectValues(tensor([10, 20]).scatterAdd(0, i32([1, 1]), tensor([1, 2])), [10, 23], 'float32');
  });

  it('2-D along dim 0 (torch docs) and dim 1', () => {
    const idx = i32([[0, 1, 2, 0, 0], [2, 0, 0, 1, 2]]);
    expectValues(zeros([3, 5]).scatterAdd(0, idx, ones([2, 5])), [[1, 1, 1, 1, 1], [0, 1, 0, 1, 0], [1, 0, 1, 0, 1]], 'float32');
    const src = tensor([[1, 2, 3], [4, 5, 6]]);
    expectValues(ones([2, 2]).scatterAdd(1, i32([[1, 1, 0], [0, 0, 0]]), src), [[4, 4], [16, 1]], 'float32');
  });

  it('an index smaller than src uses only the matching part of src; int32 and views work', () => {
    const src = tensor([[1, 2, 3], [4, 5, 6]]);
    expectValues(zeros([2, 2]).scatterAdd(1, i32([[1, 0]]), src), [[2, 1], [0, 0]], 'float32');
    expectValues(i32([0, 0, 0]).scatterAdd(0, i32([2, 2]), i32([7, 8])), [0, 0, 15], 'int32');
    const xt = iota(2, 3).T; // [[0,3],[1,4],[2,5]]
    expectValues(xt.scatterAdd(0, i32([[2, 0]]), tensor([[10, 20]], { dtype: 'float64' })), [[0, 23], [1, 4], [12, 5]], 'float64');
  });

  it('rejects out-of-range indices, src dtype/rank mismatches and oversized indices', () => {
    const x = zeros([3]);
    const src = tensor([1, 2]);
    const big = i32([0, 3]);
    expectBadInput(() => scatterAdd(x, 0, big, src), /scatterAdd: argument 'index' holds 3/, [x, big, src]);
    const i = i32([0, 1]);
    const s64 = tensor([1, 2], { dtype: 'float64' });
    expectBadInput(() => scatterAdd(x, 0, i, s64), /scatterAdd: argument 'src' has dtype float64/, [x, i, s64]);
    const s2 = tensor([[1, 2]]);
    expectBadInput(() => scatterAdd(x, 0, i, s2), /scatterAdd: argument 'src' must have 1 dims/, [x, i, s2]);
    const long = i32([0, 1, 2]);
    expectBadInput(() => scatterAdd(x, 0, long, src), /scatterAdd: argument 'index' shape \[3\] exceeds src shape \[2\]/, [x, long, src]);
    const fi = tensor([0, 1]);
    expectBadInput(() => scatterAdd(x, 0, fi, src), /scatterAdd: argument 'index' must be an int32 tensor/, [x, fi, src]);
  });
});

describe('sliceScatter', () => {
  it('replaces a stepped slice along a dim', () => {
    const x = zeros([4, 3]);
    expectValues(sliceScatter(x, ones([2, 3]), 0, 0, 4, 2), [[1, 1, 1], [0, 0, 0], [1, 1, 1], [0, 0, 0]], 'float32');
    expectValues(x, [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]], 'float32');
    expectValues(sliceScatter(x, tensor([[5], [6], [7], [8]]), 1, 1, 2), [[0, 5, 0], [0, 6, 0], [0, 7, 0], [0, 8, 0]], 'float32');
    expectValues(sliceScatter(zeros([5]), tensor([1, 2]), 0, -2), [0, 0, 0, 1, 2], 'float32');
    expectValues(sliceScatter(zeros([5]), tensor([1, 2]), 0, 1, null, 3), [0, 1, 0, 0, 2], 'float32');
    expectValues(sliceScatter(zeros([2], { dtype: 'int32' }), tensor([2.7, 3.2]), 0), [2, 3], 'int32');
  });

  it('works on a transposed input and a transposed src', () => {
    expectValues(sliceScatter(zeros([3, 4]).T, ones([2, 3]), 0, 2), [[0, 0, 0], [0, 0, 0], [1, 1, 1], [1, 1, 1]], 'float32');
    expectValues(sliceScatter(zeros([3, 2], { dtype: 'float64' }), iota(2, 2).T, 0, 1), [[0, 0], [0, 2], [1, 3]], 'float64');
  });

  it('works on an expanded input along the expanded dim', () => {
    const x = zeros([1, 3]).expand(4, 3);
    expectValues(sliceScatter(x, ones([2, 3]), 0, 2), [[0, 0, 0], [0, 0, 0], [1, 1, 1], [1, 1, 1]], 'float32');
  });

  it('rejects a src that does not match the slice', () => {
    const x = zeros([4, 3]);
    const src = ones([3, 3]);
    expectBadInput(() => sliceScatter(x, src, 0, 0, 4, 2), /sliceScatter: argument 'src' has shape \[3, 3\] but the slice has shape \[2, 3\]/, [x, src]);
    const s = ones([2, 3]);
    expectBadInput(() => sliceScatter(x, s, 2), /argument 'dim'/, [x, s]);
  });
});

describe('triu / tril', () => {
  const x = (): Tensor => iota(3, 3).add(1); // [[1,2,3],[4,5,6],[7,8,9]]

  it('diagonal 0, positive and negative', () => {
    expectValues(triu(x()), [[1, 2, 3], [0, 5, 6], [0, 0, 9]], 'float64');
    expectValues(x().triu(1), [[0, 2, 3], [0, 0, 6], [0, 0, 0]], 'float64');
    expectValues(x().triu(-1), [[1, 2, 3], [4, 5, 6], [0, 8, 9]], 'float64');
    expectValues(tril(x()), [[1, 0, 0], [4, 5, 0], [7, 8, 9]], 'float64');
    expectValues(x().tril(1), [[1, 2, 0], [4, 5, 6], [7, 8, 9]], 'float64');
    expectValues(x().tril(-1), [[0, 0, 0], [4, 0, 0], [7, 8, 0]], 'float64');
    expectValues(x().tril(-5), [[0, 0, 0], [0, 0, 0], [0, 0, 0]], 'float64');
  });

  it('non-square and batched inputs, int32 keeps its dtype', () => {
    expectValues(iota(2, 4).triu(1), [[0, 1, 2, 3], [0, 0, 6, 7]], 'float64');
    expectValues(iota(3, 2).tril(), [[0, 0], [2, 3], [4, 5]], 'float64');
    expectValues(iota(2, 2, 2).triu(), [[[0, 1], [0, 3]], [[4, 5], [0, 7]]], 'float64');
    expectValues(i32([[1, 2], [3, 4]]).tril(), [[1, 0], [3, 4]], 'int32');
  });

  it('rejects 1-D input and a fractional diagonal', () => {
    const v = tensor([1, 2]);
    expectBadInput(() => triu(v), /triu: argument 'x' must have at least 2 dims/, [v]);
    expectBadInput(() => tril(v), /tril: argument 'x'/, [v]);
    const m = x();
    expectBadInput(() => triu(m, 0.5), /triu: argument 'diagonal'/, [m]);
  });
});

describe('diag', () => {
  it('1-D -> 2-D square matrix, with positive and negative offsets', () => {
    expectValues(diag(tensor([1, 2, 3])), [[1, 0, 0], [0, 2, 0], [0, 0, 3]], 'float32');
    expectValues(tensor([1, 2]).diag(1), [[0, 1, 0], [0, 0, 2], [0, 0, 0]], 'float32');
    expectValues(tensor([1, 2]).diag(-2), [[0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 2, 0, 0]], 'float32');
    expectValues(i32([4]).diag(), [[4]], 'int32');
  });

  it('2-D -> its diagonal as 1-D, with offsets and non-square input', () => {
    const m = iota(3, 4); // [[0,1,2,3],[4,5,6,7],[8,9,10,11]]
    expectValues(diag(m), [0, 5, 10], 'float64');
    expectValues(m.diag(1), [1, 6, 11], 'float64');
    expectValues(m.diag(2), [2, 7], 'float64');
    expectValues(m.diag(-1), [4, 9], 'float64');
    expectValues(m.diag(-2), [8], 'float64');
    expectValues(m.diag(4), [], 'float64', [0]);
    expectValues(m.diag(-3), [], 'float64', [0]);
    expectValues(m.T.diag(1), [4, 9], 'float64');
  });

  it('diag(diag(v)) = v', () => {
    expectValues(tensor([3, 1, 4]).diag(2).diag(2), [3, 1, 4], 'float32');
    expectValues(tensor([3, 1, 4]).diag(-1).diag(-1), [3, 1, 4], 'float32');
  });

  it('rejects 0-d and 3-D input and a fractional diagonal', () => {
    const s = tensor(1);
    expectBadInput(() => diag(s), /diag: argument 'x' must be 1-D or 2-D/, [s]);
    const c = zeros([2, 2, 2]);
    expectBadInput(() => diag(c), /diag: argument 'x'/, [c]);
    const v = tensor([1, 2]);
    expectBadInput(() => diag(v, 1.5), /diag: argument 'diagonal'/, [v]);
  });
});

describe('oneHot', () => {
  it('encodes int32 class indices as int32 rows', () => {
    expectValues(oneHot(i32([0, 2, 1]), 3), [[1, 0, 0], [0, 0, 1], [0, 1, 0]], 'int32');
    expectValues(oneHot(i32([[1], [0]]), 2), [[[0, 1]], [[1, 0]]], 'int32');
    expectValues(oneHot(i32(3), 4), [0, 0, 0, 1], 'int32');
  });

  it('rejects out-of-range classes, non-int32 indices and bad class counts', () => {
    const t = i32([0, 3]);
    expectBadInput(() => oneHot(t, 3), /oneHot: argument 'indices' holds 3/, [t]);
    const n = i32([-1]);
    expectBadInput(() => oneHot(n, 3), /oneHot: argument 'indices' holds -1/, [n]);
    const f = tensor([0, 1]);
    expectBadInput(() => oneHot(f, 3), /oneHot: argument 'indices' must be int32/, [f]);
    const ok = i32([0]);
    expectBadInput(() => oneHot(ok, 0), /oneHot: argument 'numClasses'/, [ok]);
  });
});
