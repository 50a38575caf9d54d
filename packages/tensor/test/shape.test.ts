import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  arange,
  cat,
  chunk,
  expand,
  flatten,
  narrow,
  permute,
  repeat,
  reshape,
  slice,
  split,
  squeeze,
  stack,
  tensor,
  transpose,
  unsqueeze,
  view,
  zeros,
} from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { expectBadInput, expectValues, vals } from './helpers.js';

/** 0..n-1 as float64 in `shape`. */
const iota = (...shape: number[]): Tensor => arange(0, shape.reduce((a, b) => a * b, 1), 1, { dtype: 'float64' }).reshape(shape);

describe('reshape / view', () => {
  it('reshape keeps row-major order, infers one -1, and views contiguous input', () => {
    const x = iota(6);
    const y = x.reshape(2, 3);
    expectValues(y, [[0, 1, 2], [3, 4, 5]], 'float64');
    expect(y.storage).toBe(x.storage);
    expectValues(x.reshape([3, -1]), [[0, 1], [2, 3], [4, 5]], 'float64');
    expectValues(reshape(x, [-1, 1, 2]), [[[0, 1]], [[2, 3]], [[4, 5]]], 'float64');
    expectValues(iota(2, 3).reshape(-1), [0, 1, 2, 3, 4, 5], 'float64');
    expectValues(tensor([7]).reshape([]), 7, 'float32');
    expect(zeros([0, 3]).reshape(3, 0, 5).shape).toEqual([3, 0, 5]);
  });

  it('reshape of a transposed tensor copies in the logical order', () => {
    const t = iota(2, 3).T; // [[0,3],[1,4],[2,5]]
    const y = t.reshape(6);
    expectValues(y, [0, 3, 1, 4, 2, 5], 'float64');
    expect(y.storage).not.toBe(t.storage);
  });

  it('view shares storage and works where strides allow (incl. adding size-1 dims to a transpose)', () => {
    const x = iota(2, 3);
    const v = x.view(3, 2);
    expect(v.storage).toBe(x.storage);
    expectValues(v, [[0, 1], [2, 3], [4, 5]], 'float64');
    const t = x.T;
    expectValues(t.view(3, 1, 2), [[[0, 3]], [[1, 4]], [[2, 5]]], 'float64');
    // [4, 2, 3] with strides [1, 12, 4]: the last two dims merge (12 = 3 * 4).
    const p = view(iota(2, 3, 4).permute(2, 0, 1), [4, 6]);
    expectValues(p, [0, 1, 2, 3].map((k) => [0, 1].flatMap((i) => [0, 1, 2].map((j) => i * 12 + j * 4 + k))), 'float64');
    // [3, 2, 4] with strides [4, 12, 1]: splitting the last dim is a view.
    const q = iota(2, 3, 4).permute(1, 0, 2).view(3, 2, 2, 2);
    expectValues(q, [0, 1, 2].map((j) => [0, 1].map((i) => [0, 1].map((a) => [0, 1].map((b) => i * 12 + j * 4 + a * 2 + b)))), 'float64');
  });

  it('view of a non-viewable permuted tensor throws and leaves it intact', () => {
    const t = iota(2, 3).T;
    expectBadInput(() => t.view(6), /view: argument 'shape' \[6\]: the input .* is not viewable/, [t]);
    const p = iota(2, 3, 4).permute(2, 0, 1); // shape [4, 2, 3], strides [1, 12, 4]
    expectBadInput(() => view(p, [8, 3]), /view: argument 'shape'/, [p]);
    expectBadInput(() => p.view(-1), /view: argument 'shape'/, [p]);
  });

  it('rejects sizes that do not match the element count, two -1s and negative sizes', () => {
    const x = iota(2, 3);
    expectBadInput(() => x.reshape(4, 2), /reshape: argument 'shape' \[4, 2\] is invalid for input of shape \[2, 3\]/, [x]);
    expectBadInput(() => x.reshape(-1, 4), /reshape: argument 'shape'/, [x]);
    expectBadInput(() => x.reshape(-1, -1), /reshape: argument 'shape' can only have one -1/, [x]);
    expectBadInput(() => x.reshape(-2, -3), /reshape: argument 'shape'/, [x]);
    expectBadInput(() => x.view(7), /view: argument 'shape'/, [x]);
    expectBadInput(() => zeros([0, 3]).reshape(0, -1), /reshape: argument 'shape'/, []);
  });

  it('fast-check: reshape round-trips and preserves values', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), fc.boolean(), (shape, transposeFirst) => {
        let x = iota(...shape);
        if (transposeFirst && shape.length >= 2) x = x.transpose(0, -1);
        const flat = vals(x);
        const y = x.reshape(-1).reshape(x.shape as number[]);
        expect([...y.shape]).toEqual([...x.shape]);
        expect(vals(y)).toEqual(flat);
        expect(vals(x.flatten())).toEqual(flat);
      }),
      { numRuns: 60 },
    );
  });
});

describe('transpose / permute / T / mT', () => {
  it('transpose swaps two dims (negative dims too) as a view', () => {
    const x = iota(2, 3);
    const t = transpose(x, 0, 1);
    expect(t.storage).toBe(x.storage);
    expectValues(t, [[0, 3], [1, 4], [2, 5]], 'float64');
    expectValues(x.transpose(-1, -2), [[0, 3], [1, 4], [2, 5]], 'float64');
    expectValues(x.T, [[0, 3], [1, 4], [2, 5]], 'float64');
    expect(x.transpose(1, 1)).toBe(x);
    const y = iota(2, 2, 3).mT;
    expect(y.shape).toEqual([2, 3, 2]);
    expectValues(y, [[[0, 3], [1, 4], [2, 5]], [[6, 9], [7, 10], [8, 11]]], 'float64');
  });

  it('permute reorders dims: out[k][i][j] = x[i][j][k]', () => {
    const x = iota(2, 3, 4);
    const p = permute(x, [2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    const expected = [0, 1, 2, 3].map((k) => [0, 1].map((i) => [0, 1, 2].map((j) => i * 12 + j * 4 + k)));
    expectValues(p, expected, 'float64');
    expectValues(x.permute(-1, 0, 1), expected, 'float64');
    expect(x.permute(0, 1, 2)).toBe(x);
    expectValues(iota(2, 3, 4).T, [0, 1, 2, 3].map((k) => [0, 1, 2].map((j) => [0, 1].map((i) => i * 12 + j * 4 + k))), 'float64');
  });

  it('rejects repeated, missing and out-of-range dims', () => {
    const x = iota(2, 3, 4);
    expectBadInput(() => x.permute(0, 0, 1), /permute: argument 'dims' must be a permutation/, [x]);
    expectBadInput(() => x.permute(0, 1), /permute: argument 'dims' must list 3 dims/, [x]);
    expectBadInput(() => x.permute(0, 1, 3), /permute: argument 'dims' is out of range/, [x]);
    expectBadInput(() => x.transpose(0, 3), /transpose: argument 'dim1' is out of range/, [x]);
    expectBadInput(() => x.transpose(-4, 0), /transpose: argument 'dim0'/, [x]);
  });
});

describe('expand', () => {
  it('broadcasts size-1 dims and adds leading dims as a stride-0 view', () => {
    const x = tensor([[1], [2], [3]]);
    const y = expand(x, [3, 4]);
    expect(y.storage).toBe(x.storage);
    expect(y.strides).toEqual([1, 0]);
    expectValues(y, [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]], 'float32');
    expectValues(x.expand(2, 3, -1), [[[1], [2], [3]], [[1], [2], [3]]], 'float32');
    expectValues(tensor(5).expand(2), [5, 5], 'float32');
    expectValues(tensor([1, 2]).expandAs(zeros([2, 2])), [[1, 2], [1, 2]], 'float32');
  });

  it('rejects expanding a non-1 dim, fewer dims and -1 in new dims', () => {
    const x = tensor([[1, 2, 3]]);
    expectBadInput(() => x.expand(2, 4), /expand: argument 'shape' \[2, 4\] does not match input shape \[1, 3\]/, [x]);
    expectBadInput(() => x.expand(3), /expand: argument 'shape'/, [x]);
    expectBadInput(() => x.expand(-1, 1, 3), /expand: argument 'shape'/, [x]);
  });
});

describe('squeeze / unsqueeze / flatten', () => {
  it('squeeze removes all, one, or listed size-1 dims; non-1 dims are kept', () => {
    const x = zeros([1, 2, 1, 3]);
    expect(squeeze(x).shape).toEqual([2, 3]);
    expect(x.squeeze(0).shape).toEqual([2, 1, 3]);
    expect(x.squeeze(-2).shape).toEqual([1, 2, 3]);
    expect(x.squeeze(1).shape).toEqual([1, 2, 1, 3]);
    expect(x.squeeze([0, 2]).shape).toEqual([2, 3]);
    expect(tensor([[5]]).squeeze().shape).toEqual([]);
    expectValues(iota(1, 3).squeeze(0), [0, 1, 2], 'float64');
  });

  it('unsqueeze inserts at dim (negative counts from the end of the result)', () => {
    const x = iota(2, 3);
    expect(unsqueeze(x, 0).shape).toEqual([1, 2, 3]);
    expect(x.unsqueeze(1).shape).toEqual([2, 1, 3]);
    expect(x.unsqueeze(2).shape).toEqual([2, 3, 1]);
    expect(x.unsqueeze(-1).shape).toEqual([2, 3, 1]);
    expect(x.unsqueeze(-3).shape).toEqual([1, 2, 3]);
    expectValues(tensor(4).unsqueeze(0), [4], 'float32');
  });

  it('flatten merges startDim..endDim', () => {
    const x = iota(2, 3, 4);
    expect(flatten(x).shape).toEqual([24]);
    expect(x.flatten(1).shape).toEqual([2, 12]);
    expect(x.flatten(0, 1).shape).toEqual([6, 4]);
    expect(x.flatten(-2, -1).shape).toEqual([2, 12]);
    expect(x.flatten(1, 1).shape).toEqual([2, 3, 4]);
    expect(tensor(3).flatten().shape).toEqual([1]);
    expectValues(x.T.flatten(0, 1).reshape(-1).narrow(0, 0, 4), [0, 12, 4, 16], 'float64');
  });

  it('rejects out-of-range dims and startDim after endDim', () => {
    const x = iota(2, 3);
    expectBadInput(() => x.squeeze(2), /squeeze: argument 'dim'/, [x]);
    expectBadInput(() => x.squeeze([0, 0]), /squeeze: argument 'dim' has repeated dims/, [x]);
    expectBadInput(() => x.unsqueeze(3), /unsqueeze: argument 'dim' is out of range/, [x]);
    expectBadInput(() => x.unsqueeze(-4), /unsqueeze: argument 'dim'/, [x]);
    expectBadInput(() => x.flatten(1, 0), /flatten: argument 'startDim'/, [x]);
    expectBadInput(() => x.flatten(0, 2), /flatten: argument 'endDim'/, [x]);
  });
});

describe('repeat', () => {
  it('tiles along each dim, extra leading counts add dims (torch.Tensor.repeat)', () => {
    const x = tensor([1, 2, 3]);
    expectValues(repeat(x, [2]), [1, 2, 3, 1, 2, 3], 'float32');
    expectValues(x.repeat(2, 2), [[1, 2, 3, 1, 2, 3], [1, 2, 3, 1, 2, 3]], 'float32');
    expect(x.repeat(4, 2, 1).shape).toEqual([4, 2, 3]);
    expectValues(tensor([[1, 2], [3, 4]]).repeat(2, 1), [[1, 2], [3, 4], [1, 2], [3, 4]], 'float32');
    expectValues(tensor([[1, 2], [3, 4]]).repeat(1, 2), [[1, 2, 1, 2], [3, 4, 3, 4]], 'float32');
    expect(x.repeat(0).shape).toEqual([0]);
    expectValues(iota(2, 2).T.repeat(1, 2), [[0, 2, 0, 2], [1, 3, 1, 3]], 'float64');
  });

  it('rejects fewer counts than dims and negative counts', () => {
    const x = iota(2, 3);
    expectBadInput(() => x.repeat(2), /repeat: argument 'repeats'/, [x]);
    expectBadInput(() => x.repeat(1, -1), /repeat: argument 'repeats'/, [x]);
  });
});

describe('narrow / slice', () => {
  it('narrow takes length elements from start (negative start counts from the end)', () => {
    const x = iota(3, 3);
    expectValues(narrow(x, 0, 0, 2), [[0, 1, 2], [3, 4, 5]], 'float64');
    expectValues(x.narrow(1, 1, 2), [[1, 2], [4, 5], [7, 8]], 'float64');
    expectValues(x.narrow(0, -1, 1), [[6, 7, 8]], 'float64');
    expectValues(x.narrow(-1, 3, 0), [], 'float64', [3, 0]);
    expect(x.narrow(0, 1, 1).storage).toBe(x.storage);
  });

  it('slice is Python [start:end:step]: steps, negative bounds, clamping, empty', () => {
    const x = iota(10);
    expectValues(slice(x, 0, 2, 7), [2, 3, 4, 5, 6], 'float64');
    expectValues(x.slice(0, 0, 10, 3), [0, 3, 6, 9], 'float64');
    expectValues(x.slice(0, 1, null, 2), [1, 3, 5, 7, 9], 'float64');
    expectValues(x.slice(0, -3), [7, 8, 9], 'float64');
    expectValues(x.slice(0, null, -8), [0, 1], 'float64');
    expectValues(x.slice(0, -100, 100), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'float64');
    expectValues(x.slice(0, 5, 2), [], 'float64', [0]);
    expectValues(x.slice(0, 20, 30), [], 'float64', [0]);
    expectValues(x.slice(0, -4, -1, 2), [6, 8], 'float64');
  });

  it('slice along an inner dim with a step, and slices of slices', () => {
    const x = iota(3, 5);
    expectValues(x.slice(1, 0, 5, 2), [[0, 2, 4], [5, 7, 9], [10, 12, 14]], 'float64');
    expectValues(x.slice(1, 1, 5, 2).slice(0, 1), [[6, 8], [11, 13]], 'float64');
    expectValues(x.slice(-1, -2).T, [[3, 8, 13], [4, 9, 14]], 'float64');
  });

  it('rejects out-of-range narrow, non-positive steps, bad dims and 0-d input', () => {
    const x = iota(3, 3);
    expectBadInput(() => x.narrow(0, 2, 2), /narrow: argument 'length'/, [x]);
    expectBadInput(() => x.narrow(0, 4, 0), /narrow: argument 'start'/, [x]);
    expectBadInput(() => x.narrow(0, -4, 1), /narrow: argument 'start'/, [x]);
    expectBadInput(() => x.narrow(2, 0, 1), /narrow: argument 'dim'/, [x]);
    expectBadInput(() => x.slice(0, 0, 3, 0), /slice: argument 'step'/, [x]);
    expectBadInput(() => x.slice(0, 0, 3, -1), /slice: argument 'step'/, [x]);
    expectBadInput(() => x.slice(2), /slice: argument 'dim'/, [x]);
    expectBadInput(() => x.slice(0, 0.5), /slice: argument 'start'/, [x]);
    const s = tensor(1);
    expectBadInput(() => s.slice(0), /slice: argument 'x'/, [s]);
  });
});

describe('split / chunk', () => {
  it('split by size (last piece smaller) and by sizes, along any dim', () => {
    const x = iota(5);
    expect(split(x, 2).map(vals)).toEqual([[0, 1], [2, 3], [4]]);
    expect(x.split([1, 4]).map(vals)).toEqual([[0], [1, 2, 3, 4]]);
    expect(x.split(10).map(vals)).toEqual([[0, 1, 2, 3, 4]]);
    const m = iota(2, 3).split([2, 1], 1);
    expectValues(m[0]!, [[0, 1], [3, 4]], 'float64');
    expectValues(m[1]!, [[2], [5]], 'float64');
    expect(x.split([0, 5]).map((t) => [...t.shape])).toEqual([[0], [5]]);
  });

  it('chunk uses pieces of ceil(n / chunks), possibly fewer pieces (torch.chunk)', () => {
    expect(chunk(iota(6), 4).map(vals)).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(iota(5).chunk(2).map(vals)).toEqual([[0, 1, 2], [3, 4]]);
    expect(iota(5).chunk(3).map(vals)).toEqual([[0, 1], [2, 3], [4]]);
    expect(iota(2).chunk(5).map(vals)).toEqual([[0], [1]]);
    const c = iota(2, 4).chunk(2, -1);
    expectValues(c[1]!, [[2, 3], [6, 7]], 'float64');
  });

  it('rejects sizes that do not sum to the dim, zero/negative sizes and bad chunk counts', () => {
    const x = iota(5);
    expectBadInput(() => x.split([2, 2]), /split: argument 'splitSize'/, [x]);
    expectBadInput(() => x.split(0), /split: argument 'splitSize'/, [x]);
    expectBadInput(() => x.split([6, -1]), /split: argument 'splitSize'/, [x]);
    expectBadInput(() => x.split(2, 1), /split: argument 'dim'/, [x]);
    expectBadInput(() => x.chunk(0), /chunk: argument 'chunks'/, [x]);
    expectBadInput(() => x.chunk(1.5), /chunk: argument 'chunks'/, [x]);
  });
});

describe('cat / stack', () => {
  it('cat along dim 0, dim 1 and a negative dim', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[5, 6]]);
    expectValues(cat([a, b]), [[1, 2], [3, 4], [5, 6]], 'float32');
    expectValues(cat([a, tensor([[7], [8]])], 1), [[1, 2, 7], [3, 4, 8]], 'float32');
    expectValues(cat([a, a, a], -1), [[1, 2, 1, 2, 1, 2], [3, 4, 3, 4, 3, 4]], 'float32');
    expectValues(cat([tensor([1, 2])]), [1, 2], 'float32');
    expectValues(cat([a.T, b.T], 1), [[1, 3, 5], [2, 4, 6]], 'float32');
    expectValues(cat([zeros([0, 2]), b]), [[5, 6]], 'float32');
  });

  it('cat promotes dtypes', () => {
    expectValues(cat([tensor([1], { dtype: 'int32' }), tensor([2.5])]), [1, 2.5], 'float32');
    expectValues(cat([tensor([true]), tensor([3], { dtype: 'int32' })]), [1, 3], 'int32');
    expectValues(cat([tensor([0.5]), tensor([0.25], { dtype: 'float64' })]), [0.5, 0.25], 'float64');
  });

  it('stack adds a new dim at 0, 1 or -1', () => {
    const a = tensor([1, 2, 3]);
    const b = tensor([4, 5, 6]);
    expectValues(stack([a, b]), [[1, 2, 3], [4, 5, 6]], 'float32');
    expectValues(stack([a, b], 1), [[1, 4], [2, 5], [3, 6]], 'float32');
    expectValues(stack([a, b], -1), [[1, 4], [2, 5], [3, 6]], 'float32');
    expectValues(stack([tensor(1), tensor(2)]), [1, 2], 'float32');
  });

  it('rejects mismatched shapes, bad dims, 0-d and empty lists', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const c = tensor([[1, 2, 3]]);
    expectBadInput(() => cat([a, c]), /cat: argument 'tensors\[1\]' has shape \[1, 3\], which does not match \[2, 2\] outside dim 0/, [a, c]);
    const d = tensor([1, 2]);
    expectBadInput(() => cat([a, d]), /cat: argument 'tensors\[1\]'/, [a, d]);
    expectBadInput(() => cat([a, a], 2), /cat: argument 'dim' is out of range/, [a]);
    expectBadInput(() => cat([]), /cat: argument 'tensors'/, []);
    const s = tensor(1);
    expectBadInput(() => cat([s, s]), /cat: argument 'tensors\[0\]' is 0-d/, [s]);
    const b3 = tensor([1, 2, 3]);
    expectBadInput(() => stack([d, b3]), /stack: argument 'tensors\[1\]'/, [d, b3]);
    expectBadInput(() => stack([d, d], 2), /stack: argument 'dim'/, [d]);
    expectBadInput(() => stack([]), /stack: argument 'tensors'/, []);
  });
});

describe('contiguous / clone / detach', () => {
  it('contiguous copies only non-contiguous tensors; clone always copies', () => {
    const x = iota(2, 3);
    expect(x.contiguous()).toBe(x);
    const t = x.T;
    expect(t.isContiguous()).toBe(false);
    const c = t.contiguous();
    expect(c.isContiguous()).toBe(true);
    expectValues(c, [[0, 3], [1, 4], [2, 5]], 'float64');
    const k = x.clone();
    expect(k.storage).not.toBe(x.storage);
    expectValues(k, [[0, 1, 2], [3, 4, 5]], 'float64');
    const d = x.detach();
    expect(d.storage).toBe(x.storage);
    expect(d).not.toBe(x);
  });

  it('size(dim), dim(), item and arraySync', () => {
    const x = iota(2, 3);
    expect(x.size()).toEqual([2, 3]);
    expect(x.size(-1)).toBe(3);
    expect(x.dim()).toBe(2);
    expect(x.arraySync()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(tensor([[2.5]]).itemSync()).toBe(2.5);
    expectBadInput(() => x.size(2), /size: argument 'dim'/, [x]);
    expectBadInput(() => x.itemSync(), /item: argument 'tensor'/, [x]);
  });
});
