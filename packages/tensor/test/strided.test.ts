/**
 * Property tests of the strided CPU kernels: random shapes, permuted / stepped / expanded views,
 * broadcasting and reductions, each compared with a plain JavaScript reference on logical indices.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { add, gather, max, maximum, mul, scatterAdd, sub, sum, tensor, where } from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { expectClose, vals } from './helpers.js';

/** A logical tensor: shape and row-major values. */
interface Logical {
  shape: number[];
  data: number[];
}

const strides = (shape: readonly number[]): number[] => {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
};
const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const unravel = (i: number, shape: readonly number[]): number[] => {
  const st = strides(shape);
  return shape.map((d, k) => Math.floor(i / st[k]!) % d);
};
const ravel = (idx: readonly number[], shape: readonly number[]): number => {
  const st = strides(shape);
  return idx.reduce((a, v, k) => a + v * st[k]!, 0);
};

/**
 * Builds a float64 tensor with the logical values of `l` but a non-trivial layout: stored in the
 * order of permutation `perm`, inside a larger buffer sliced with `pad` extra elements per dim.
 */
function materialize(l: Logical, perm: readonly number[], pad: readonly number[]): Tensor {
  const r = l.shape.length;
  const physShape = perm.map((p, k) => l.shape[p]! + pad[k]!);
  const buf = new Float64Array(numel(physShape)).fill(-999);
  for (let i = 0; i < l.data.length; i++) {
    const idx = unravel(i, l.shape);
    buf[ravel(perm.map((p) => idx[p]!), physShape)] = l.data[i]!;
  }
  let q = tensor(buf, { shape: physShape });
  for (let k = 0; k < r; k++) q = q.narrow(k, 0, l.shape[perm[k]!]!);
  const inv = new Array<number>(r);
  perm.forEach((p, k) => (inv[p] = k));
  return r === 0 ? q : q.permute(inv);
}

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 });

/** A shape, a permutation and padding for it, and values. */
const layoutArb = (shape: number[]): fc.Arbitrary<{ l: Logical; perm: number[]; pad: number[] }> =>
  fc.record({
    perm: fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }),
    pad: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: shape.length, maxLength: shape.length }),
    data: fc.array(fc.integer({ min: -9, max: 9 }), { minLength: numel(shape), maxLength: numel(shape) }),
  }).map(({ perm, pad, data }) => ({ l: { shape, data }, perm, pad }));

/** Broadcasts logical tensors (NumPy rules) and applies `f` elementwise. */
function refBroadcast(ls: Logical[], f: (...v: number[]) => number): Logical {
  const rank = Math.max(...ls.map((l) => l.shape.length));
  const shape = Array.from({ length: rank }, (_, i) => Math.max(...ls.map((l) => l.shape[l.shape.length - rank + i] ?? 1)));
  const data = Array.from({ length: numel(shape) }, (_, i) => {
    const idx = unravel(i, shape);
    return f(...ls.map((l) => l.data[ravel(l.shape.map((d, k) => (d === 1 ? 0 : idx[rank - l.shape.length + k]!)), l.shape)]!));
  });
  return { shape, data };
}

describe('strided kernels against a reference', () => {
  it('binary ops with broadcasting on permuted/sliced views', () => {
    const arb = shapeArb.chain((shape) =>
      fc
        .record({
          ones: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
          drop: fc.integer({ min: 0, max: shape.length }),
        })
        .chain(({ ones, drop }) => {
          const bShape = shape.map((d, i) => (ones[i] ? 1 : d)).slice(drop);
          return fc.tuple(layoutArb(shape), layoutArb(bShape));
        }),
    );
    fc.assert(
      fc.property(arb, ([a, b]) => {
        const x = materialize(a.l, a.perm, a.pad);
        const y = materialize(b.l, b.perm, b.pad);
        expect(vals(x)).toEqual(a.l.data);
        for (const [op, f] of [[add, (u: number, v: number) => u + v], [sub, (u: number, v: number) => u - v], [mul, (u: number, v: number) => u * v], [maximum, Math.max]] as const) {
          const ref = refBroadcast([a.l, b.l], f);
          const out = op(x, y);
          expect([...out.shape]).toEqual(ref.shape);
          expect(vals(out)).toEqual(ref.data);
          const rev = op(y, x);
          expect(vals(rev)).toEqual(refBroadcast([b.l, a.l], f).data);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('where with three broadcast, strided operands', () => {
    const arb = shapeArb.chain((shape) =>
      fc.tuple(
        layoutArb(shape),
        layoutArb(shape.map((d, i) => (i % 2 === 0 ? 1 : d))),
        layoutArb(shape.map((d, i) => (i % 2 === 1 ? 1 : d)).slice(1)),
      ),
    );
    fc.assert(
      fc.property(arb, ([c, a, b]) => {
        const cond = materialize(c.l, c.perm, c.pad).gt(0);
        const out = where(cond, materialize(a.l, a.perm, a.pad), materialize(b.l, b.perm, b.pad));
        const ref = refBroadcast([c.l, a.l, b.l], (cv, av, bv) => (cv > 0 ? av : bv));
        expect([...out.shape]).toEqual(ref.shape);
        expect(vals(out)).toEqual(ref.data);
      }),
      { numRuns: 100 },
    );
  });

  it('sum / amax over any subset of dims, keepdim or not', () => {
    const arb = shapeArb.chain((shape) =>
      fc.tuple(layoutArb(shape), fc.subarray(shape.map((_, i) => i)), fc.boolean()),
    );
    fc.assert(
      fc.property(arb, ([a, dims, keepdim]) => {
        const x = materialize(a.l, a.perm, a.pad);
        const outShape = a.l.shape.flatMap((d, i) => (dims.includes(i) ? (keepdim ? [1] : []) : [d]));
        const kept = a.l.shape.map((d, i) => (dims.includes(i) ? 1 : d));
        const sums = new Array<number>(numel(kept)).fill(0);
        const maxs = new Array<number>(numel(kept)).fill(-Infinity);
        a.l.data.forEach((v, i) => {
          const idx = unravel(i, a.l.shape).map((v2, k) => (dims.includes(k) ? 0 : v2));
          const o = ravel(idx, kept);
          sums[o] += v;
          maxs[o] = Math.max(maxs[o]!, v);
        });
        if (dims.length === 0) {
          // No dims given: reduce everything.
          const total = a.l.data.reduce((p, q) => p + q, 0);
          expectClose(sum(x, undefined, keepdim), [total], 0, keepdim ? a.l.shape.map(() => 1) : []);
          expectClose(x.amax(undefined, keepdim), [Math.max(...a.l.data)], 0, keepdim ? a.l.shape.map(() => 1) : []);
          return;
        }
        const s = sum(x, dims, keepdim);
        const m = x.amax(dims, keepdim);
        expectClose(s, sums, 0, outShape);
        expectClose(m, maxs, 0, outShape);
      }),
      { numRuns: 150 },
    );
  });

  it('max(dim) values and first indices, softmax rows summing to 1, along any dim of a view', () => {
    const arb = fc
      .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
      .chain((shape) => fc.tuple(layoutArb(shape), fc.integer({ min: 0, max: shape.length - 1 })));
    fc.assert(
      fc.property(arb, ([a, dim]) => {
        const x = materialize(a.l, a.perm, a.pad);
        const { values, indices } = max(x, dim);
        const kept = a.l.shape.map((d, i) => (i === dim ? 1 : d));
        const best = new Array<number>(numel(kept)).fill(-Infinity);
        const at = new Array<number>(numel(kept)).fill(-1);
        a.l.data.forEach((v, i) => {
          const idx = unravel(i, a.l.shape);
          const o = ravel(idx.map((v2, k) => (k === dim ? 0 : v2)), kept);
          if (v > best[o]!) {
            best[o] = v;
            at[o] = idx[dim]!;
          }
        });
        const outShape = a.l.shape.filter((_, i) => i !== dim);
        expectClose(values, best, 0, outShape);
        expectClose(indices, at, 0, outShape);
        expectClose(x.softmax(dim).sum(dim), new Array(numel(outShape)).fill(1), 1e-12, outShape);
        expectClose(x.logsumexp(dim), vals(x.exp().sum(dim).log()), 1e-12, outShape);
      }),
      { numRuns: 150 },
    );
  });

  it('gather then scatterAdd of ones counts how often each position was picked', () => {
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
      .chain(([r, c, k]) => fc.tuple(fc.constant([r, c, k] as const), fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: r * k, maxLength: r * k })));
    fc.assert(
      fc.property(arb, ([[r, c, k], idxs]) => {
        const x = materialize({ shape: [r, c], data: Array.from({ length: r * c }, (_, i) => i) }, [1, 0], [1, 0]);
        const index = tensor(Int32Array.from(idxs), { shape: [r, k] });
        expect(vals(gather(x, 1, index))).toEqual(idxs.map((j, p) => Math.floor(p / k) * c + j));
        const counts = scatterAdd(x.mul(0), 1, index, tensor(new Float64Array(r * k).fill(1), { shape: [r, k] }));
        const ref = new Array<number>(r * c).fill(0);
        idxs.forEach((j, p) => (ref[Math.floor(p / k) * c + j] += 1));
        expect(vals(counts)).toEqual(ref);
      }),
      { numRuns: 100 },
    );
  });
});
