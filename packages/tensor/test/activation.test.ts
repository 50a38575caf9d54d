import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dropout, gelu, Generator, layerNorm, logSoftmax, ones, rand, randn, softmax, tensor } from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { expectBadInput, expectClose, expectValues, f32, vals } from './helpers.js';

const f64 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'float64' });
const E = Math.E;

describe('softmax / logSoftmax', () => {
  it('known values along the last dim and along dim 0', () => {
    const s = E + E ** 2 + E ** 3;
    expectClose(softmax(f64([1, 2, 3]), 0), [E / s, E ** 2 / s, E ** 3 / s]);
    expectClose(f64([[1, 2], [3, 5]]).softmax(0), [[1 / (1 + E ** 2), 1 / (1 + E ** 3)], [E ** 2 / (1 + E ** 2), E ** 3 / (1 + E ** 3)]]);
    expectClose(f64([[0, 0, 0, 0]]).softmax(-1), [[0.25, 0.25, 0.25, 0.25]]);
    expectClose(logSoftmax(f64([1, 2, 3]), 0), [1 - Math.log(s), 2 - Math.log(s), 3 - Math.log(s)]);
  });

  it('is stable for large inputs (1000)', () => {
    const p = 1 / (1 + E);
    expectClose(f64([1000, 1001]).softmax(0), [p, 1 - p]);
    expectClose(tensor([1000, 1001]).softmax(0), [p, 1 - p]);
    expectClose(tensor([-1000, -1001]).softmax(0), [1 - p, p]);
    expectClose(f64([1000, 0]).logSoftmax(0), [0, -1000]);
    expectClose(tensor([[1000, 1000]]).logSoftmax(1), [[-Math.LN2, -Math.LN2]]);
  });

  it('-Infinity entries get probability 0; an all -Infinity row is NaN (as torch)', () => {
    expectClose(f64([-Infinity, 0, 0]).softmax(0), [0, 0.5, 0.5]);
    expectClose(f64([-Infinity, 0, 0]).logSoftmax(0), [-Infinity, -Math.LN2, -Math.LN2]);
    expectClose(f64([[-Infinity, -Infinity], [0, 0]]).softmax(1), [[NaN, NaN], [0.5, 0.5]]);
  });

  it('works on a transposed view and a middle dim of 3-D input', () => {
    const x = f64([[1, 2], [3, 4], [5, 7]]);
    expectClose(x.T.softmax(0), [col(x.softmax(1), 0), col(x.softmax(1), 1)]);
    const y = f64([[[0, 1], [Math.LN2, 1]]]).softmax(1); // along dim 1 of [1,2,2]
    expectClose(y, [[[1 / 3, 0.5], [2 / 3, 0.5]]]);
  });

  it('int input gives float32; 0-d input gives 1', () => {
    const y = softmax(tensor([0, 0], { dtype: 'int32' }), 0);
    expectValues(y, [0.5, 0.5], 'float32');
    expectValues(tensor(3).softmax(0), 1, 'float32');
    expectValues(tensor(3).logSoftmax(-1), 0, 'float32');
  });

  it('fast-check: rows sum to 1, lie in [0, 1], and log(softmax) = logSoftmax', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        (rows) => {
          const x = f64(rows);
          const p = x.softmax(1);
          expectClose(p.sum(1), rows.map(() => 1), 1e-12);
          expect(vals(p).every((v) => v >= 0 && v <= 1)).toBe(true);
          expectClose(x.logSoftmax(1), vals(p.log()), { rtol: 1e-9, atol: 1e-9 }, p.shape);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('fast-check: softmax is shift-invariant', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 1, maxLength: 6 }), fc.double({ min: -500, max: 500, noNaN: true }), (xs, c) => {
        const a = f64(xs).softmax(0);
        const b = f64(xs.map((v) => v + c)).softmax(0);
        expectClose(b, vals(a), { rtol: 1e-8, atol: 1e-12 });
      }),
      { numRuns: 50 },
    );
  });

  it('rejects an out-of-range dim', () => {
    const x = tensor([[1, 2]]);
    expectBadInput(() => softmax(x, 2), /softmax: argument 'dim'/, [x]);
    expectBadInput(() => logSoftmax(x, -3), /logSoftmax: argument 'dim'/, [x]);
  });
});

function col(t: Tensor, j: number): number[] {
  const [r, c] = t.shape as [number, number];
  const v = vals(t);
  return Array.from({ length: r }, (_, i) => v[i * c + j]!);
}

describe('gelu', () => {
  it('erf form: gelu(1) = 0.8413447460685429, gelu(-1), gelu(0), gelu(3)', () => {
    expectClose(gelu(f64([1, -1, 0, 3])), [0.8413447460685429, -0.15865525393145707, 0, 2.9959503059051097], { rtol: 1e-15, atol: 1e-16 });
    expectValues(gelu(tensor([1])), [f32(0.8413447460685429)], 'float32');
  });

  it('tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))', () => {
    const ref = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    expectClose(gelu(f64([1, -1, 0, 3, -3]), 'tanh'), [ref(1), ref(-1), 0, ref(3), ref(-3)], { rtol: 1e-15, atol: 1e-16 });
    expectClose(gelu(f64([1]), 'tanh'), [0.8411919906082768], { rtol: 1e-15, atol: 0 });
  });

  it('saturates: gelu(x) -> x for large x and -> 0 for very negative x', () => {
    // torch computes 0.5 x (1 + erf(x / sqrt 2)) too, so gelu(-10) rounds to (-)0 rather than -7.6e-23.
    expectClose(gelu(f64([10, -10, 100])), [10, 0, 100], { rtol: 1e-12, atol: 1e-20 });
  });

  it('rejects a non-tensor', () => {
    expectBadInput(() => gelu(1 as never), /gelu: argument 'x'/, []);
  });
});

describe('layerNorm', () => {
  const x = (): Tensor => f64([[1, 2, 3], [2, 4, 6]]);
  const r1 = 1 / Math.sqrt(2 / 3 + 1e-5);
  const r2 = 1 / Math.sqrt(8 / 3 + 1e-5);

  it('without weight and bias (biased variance, eps 1e-5)', () => {
    expectClose(layerNorm(x(), [3]), [[-r1, 0, r1], [-2 * r2, 0, 2 * r2]]);
  });

  it('with weight, with bias, with both', () => {
    const w = f64([1, 2, -1]);
    const b = f64([0.5, 0, 1]);
    expectClose(layerNorm(x(), [3], w), [[-r1, 0, -r1], [-2 * r2, 0, -2 * r2]]);
    expectClose(layerNorm(x(), [3], null, b), [[0.5 - r1, 0, 1 + r1], [0.5 - 2 * r2, 0, 1 + 2 * r2]]);
    expectClose(layerNorm(x(), [3], w, b), [[0.5 - r1, 0, 1 - r1], [0.5 - 2 * r2, 0, 1 - 2 * r2]]);
  });

  it('custom eps, 2-D normalizedShape and a transposed input', () => {
    expectClose(layerNorm(f64([[0, 2]]), [2], null, null, 0), [[-1, 1]]);
    const y = layerNorm(f64([[[1, 2], [3, 4]], [[0, 0], [0, 4]]]), [2, 2], null, null, 0);
    const s1 = 1 / Math.sqrt(1.25);
    const s2 = 1 / Math.sqrt(3);
    expectClose(y, [[[-1.5 * s1, -0.5 * s1], [0.5 * s1, 1.5 * s1]], [[-1 * s2, -1 * s2], [-1 * s2, 3 * s2]]]);
    const t = f64([[1, 2], [3, 4], [5, 7]]).T; // rows [1,3,5] and [2,4,7]
    const m2 = 13 / 3;
    const v2 = ((2 - m2) ** 2 + (4 - m2) ** 2 + (7 - m2) ** 2) / 3;
    expectClose(layerNorm(t, [3], null, null, 0), [[-Math.sqrt(1.5), 0, Math.sqrt(1.5)], [2, 4, 7].map((v) => (v - m2) / Math.sqrt(v2))]);
  });

  it('float32 rows have mean ~0 and variance ~1', () => {
    const y = layerNorm(randn([8, 64], { generator: new Generator(3) }).mul(5).add(2), [64]);
    expect(y.dtype).toBe('float32');
    expectClose(y.mean(1), new Array(8).fill(0), { atol: 1e-5, rtol: 0 });
    expectClose(y.var(1, { correction: 0 }), new Array(8).fill(1), { atol: 1e-4, rtol: 0 });
  });

  it('rejects mismatched shapes, dtypes and eps', () => {
    const a = x();
    expectBadInput(() => layerNorm(a, [2]), /layerNorm: argument 'x'/, [a]);
    expectBadInput(() => layerNorm(a, []), /layerNorm: argument 'normalizedShape'/, [a]);
    const w = f64([1, 2]);
    expectBadInput(() => layerNorm(a, [3], w), /layerNorm: argument 'weight'/, [a, w]);
    const b32 = tensor([1, 2, 3]);
    expectBadInput(() => layerNorm(a, [3], null, b32), /layerNorm: argument 'bias'/, [a, b32]);
    const xi = tensor([[1, 2]], { dtype: 'int32' });
    expectBadInput(() => layerNorm(xi, [2]), /layerNorm: argument 'x'/, [xi]);
    expectBadInput(() => layerNorm(a, [3], null, null, -1), /layerNorm: argument 'eps'/, [a]);
  });
});

describe('dropout', () => {
  it('eval mode and p = 0 return the input unchanged', () => {
    const x = tensor([1, 2, 3]);
    expect(dropout(x, 0.5, false)).toBe(x);
    expect(dropout(x, 0)).toBe(x);
  });

  it('training: zeros where u < p and scales the rest by 1/(1-p), from the seeded generator', () => {
    const x = f64([[1, 2, 3, 4], [5, 6, 7, 8]]);
    const g = new Generator(10);
    const state = g.getState();
    const y = dropout(x, 0.25, true, g);
    g.setState(state);
    const u = vals(rand([2, 4], { dtype: 'float64', generator: g }));
    const xv = vals(x);
    expectClose(y, [0, 1].map((i) => [0, 1, 2, 3].map((j) => (u[i * 4 + j]! >= 0.25 ? xv[i * 4 + j]! / 0.75 : 0))));
    expectValues(x, [[1, 2, 3, 4], [5, 6, 7, 8]], 'float64');
  });

  it('same seed gives the same mask; a different seed another', () => {
    const x = ones([64]);
    const a = vals(dropout(x, 0.5, true, new Generator(4)));
    expect(vals(dropout(x, 0.5, true, new Generator(4)))).toEqual(a);
    expect(vals(dropout(x, 0.5, true, new Generator(5)))).not.toEqual(a);
  });

  it('keeps about 1-p of 10k elements, each scaled to 1/(1-p), preserving the mean', () => {
    const y = vals(dropout(ones([10000]), 0.3, true, new Generator(6)));
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => v === f32(1 / 0.7))).toBe(true);
    expect(Math.abs(kept.length / 10000 - 0.7)).toBeLessThan(0.02);
    expect(Math.abs(y.reduce((a, b) => a + b, 0) / 10000 - 1)).toBeLessThan(0.03);
  });

  it('p = 1 zeroes everything', () => {
    expectValues(dropout(tensor([1, -2, 3]), 1), [0, -0, 0], 'float32');
  });

  it('rejects p outside [0, 1], int inputs and bad generators', () => {
    const x = tensor([1, 2]);
    expectBadInput(() => dropout(x, 1.5), /dropout: argument 'p'/, [x]);
    expectBadInput(() => dropout(x, -0.1), /dropout: argument 'p'/, [x]);
    const xi = tensor([1, 2], { dtype: 'int32' });
    expectBadInput(() => dropout(xi, 0.5), /dropout: argument 'x'/, [xi]);
    expectBadInput(() => dropout(x, 0.5, true, {} as never), /dropout: argument 'generator'/, [x]);
  });
});
