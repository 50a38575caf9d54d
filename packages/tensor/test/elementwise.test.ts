import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  abs,
  add,
  BINARY,
  cast,
  ceil,
  clamp,
  cos,
  div,
  eq,
  erf,
  exp,
  expm1,
  floor,
  ge,
  gelu,
  geluBackward,
  gt,
  isinf,
  isnan,
  le,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  lt,
  maskedFill,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  reciprocal,
  relu,
  round,
  rsqrt,
  sigmoid,
  sign,
  silu,
  sin,
  softplus,
  sqrt,
  square,
  sub,
  tanh,
  Tensor,
  tensor,
  UNARY,
  where,
} from '@tessera/tensor';
import type { BinaryOpName, DType, UnaryOpName } from '@tessera/tensor';
import { erfRef, expectBadInput, expectClose, expectValues, f32, vals } from './helpers.js';

const E = Math.E;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const geluTanhRef = (x: number): number => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)));
const f64 = (v: number[]): Tensor => tensor(v, { dtype: 'float64' });

// ---- unary ops ------------------------------------------------------------------------------

interface UnaryCase {
  fn: (x: Tensor) => Tensor;
  input: number[];
  expected: number[];
  /** dtype of the result for an int32 input (and whether int32 input is meaningful). */
  intOut?: DType;
}

/** One row per op of the UNARY table: float64 inputs and hand-computed / PyTorch-documented outputs. */
const UNARY_CASES: Record<UnaryOpName, UnaryCase> = {
  neg: { fn: neg, input: [1, -2.5, 0], expected: [-1, 2.5, 0], intOut: 'int32' },
  abs: { fn: abs, input: [-1.5, 2, -0, -Infinity], expected: [1.5, 2, 0, Infinity], intOut: 'int32' },
  sign: { fn: sign, input: [-3, 0, 2.5, -Infinity], expected: [-1, 0, 1, -1], intOut: 'int32' },
  square: { fn: square, input: [-3, 1.5, 0], expected: [9, 2.25, 0], intOut: 'int32' },
  exp: { fn: exp, input: [0, 1, -1, -Infinity], expected: [1, E, 1 / E, 0], intOut: 'float32' },
  log: { fn: log, input: [1, E, 0, -1], expected: [0, 1, -Infinity, NaN], intOut: 'float32' },
  log1p: { fn: log1p, input: [0, 1e-10, -1, E - 1], expected: [0, 9.9999999995e-11, -Infinity, 1], intOut: 'float32' },
  expm1: { fn: expm1, input: [0, 1e-10, 1], expected: [0, 1.00000000005e-10, E - 1], intOut: 'float32' },
  sqrt: { fn: sqrt, input: [4, 2, 0, -1], expected: [2, Math.SQRT2, 0, NaN], intOut: 'float32' },
  rsqrt: { fn: rsqrt, input: [4, 0.25, 0], expected: [0.5, 2, Infinity], intOut: 'float32' },
  reciprocal: { fn: reciprocal, input: [2, -0.5, 0], expected: [0.5, -2, Infinity], intOut: 'float32' },
  sin: { fn: sin, input: [0, Math.PI / 2, Math.PI / 6], expected: [0, 1, 0.5], intOut: 'float32' },
  cos: { fn: cos, input: [0, Math.PI, Math.PI / 3], expected: [1, -1, 0.5], intOut: 'float32' },
  tanh: { fn: tanh, input: [0, 1, -20, 1000], expected: [0, 0.7615941559557649, -1, 1], intOut: 'float32' },
  sigmoid: { fn: sigmoid, input: [0, 2, -1000, 1000], expected: [0.5, 0.8807970779778823, 0, 1], intOut: 'float32' },
  relu: { fn: relu, input: [-1, 0, 2.5, -Infinity], expected: [0, 0, 2.5, 0], intOut: 'int32' },
  erf: { fn: erf, input: [0, 0.5, 1, -2, 3, 10], expected: [0, 0.5204998778130465, 0.8427007929497149, -0.9953222650189527, 0.9999779095030014, 1], intOut: 'float32' },
  gelu: { fn: (x) => gelu(x), input: [1, -1, 0, 3], expected: [0.8413447460685429, -0.15865525393145707, 0, 2.9959503059051097], intOut: 'float32' },
  geluTanh: { fn: (x) => gelu(x, 'tanh'), input: [1, -1, 0, 3], expected: [geluTanhRef(1), geluTanhRef(-1), 0, geluTanhRef(3)], intOut: 'float32' },
  silu: { fn: silu, input: [0, 1, -1, -1000], expected: [0, 0.7310585786300049, -0.2689414213699951, -0], intOut: 'float32' },
  softplus: { fn: softplus, input: [0, 1, 30, -30], expected: [Math.LN2, 1.3132616875182228, 30, 9.357622968840175e-14], intOut: 'float32' },
  floor: { fn: floor, input: [1.5, -1.5, 2, -0.5], expected: [1, -2, 2, -1], intOut: 'int32' },
  ceil: { fn: ceil, input: [1.5, -1.5, 2, -0.5], expected: [2, -1, 2, -0], intOut: 'int32' },
  // torch.round rounds half to even.
  round: { fn: round, input: [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 1.4, -2.6], expected: [0, 2, 2, -0, -2, -2, 1, -3], intOut: 'int32' },
  isnan: { fn: isnan, input: [NaN, 1, Infinity], expected: [1, 0, 0], intOut: 'bool' },
  isinf: { fn: isinf, input: [NaN, Infinity, -Infinity, 1], expected: [0, 1, 1, 0], intOut: 'bool' },
  logicalNot: { fn: logicalNot, input: [0, 1, -2, NaN], expected: [1, 0, 0, 0], intOut: 'bool' },
};

describe('unary ops: known values', () => {
  it('every op of the UNARY table has a case', () => {
    expect(Object.keys(UNARY_CASES).sort()).toEqual(Object.keys(UNARY).sort());
  });

  for (const [name, c] of Object.entries(UNARY_CASES) as [UnaryOpName, UnaryCase][]) {
    it(`${name} (float64)`, () => {
      const x = f64(c.input);
      const y = c.fn(x);
      const outDtype = UNARY[name].kind === 'predicate' || UNARY[name].kind === 'logical' ? 'bool' : 'float64';
      expect(y.dtype).toBe(outDtype);
      expectClose(y, c.expected, { rtol: 1e-14, atol: 1e-15 });
      expect(vals(x)).toEqual(vals(f64(c.input)));
    });

    it(`${name} (float32)`, () => {
      const input = c.input.map(f32);
      const y = c.fn(tensor(input));
      const outDtype = UNARY[name].kind === 'predicate' || UNARY[name].kind === 'logical' ? 'bool' : 'float32';
      expect(y.dtype).toBe(outDtype);
      // Reference: the float64 op on the float32-rounded input, rounded to float32.
      const ref = vals(c.fn(f64(input))).map(f32);
      expectClose(y, ref, { rtol: 2e-7, atol: 1e-7 });
    });

    it(`${name} dtype on int32 input is ${c.intOut}`, () => {
      const y = c.fn(tensor([-2, 0, 3], { dtype: 'int32' }));
      expect(y.dtype).toBe(c.intOut);
    });
  }

  it('Tensor methods agree with the free functions', () => {
    const x = f64([0.3, -1.2, 2]);
    const pairs: [Tensor, Tensor][] = [
      [x.neg(), neg(x)], [x.abs(), abs(x)], [x.sign(), sign(x)], [x.square(), square(x)], [x.exp(), exp(x)],
      [x.abs().log(), log(abs(x))], [x.log1p(), log1p(x)], [x.expm1(), expm1(x)], [x.abs().sqrt(), sqrt(abs(x))],
      [x.abs().rsqrt(), rsqrt(abs(x))], [x.reciprocal(), reciprocal(x)], [x.sin(), sin(x)], [x.cos(), cos(x)],
      [x.tanh(), tanh(x)], [x.sigmoid(), sigmoid(x)], [x.relu(), relu(x)], [x.erf(), erf(x)], [x.floor(), floor(x)],
      [x.ceil(), ceil(x)], [x.round(), round(x)], [x.isnan(), isnan(x)], [x.isinf(), isinf(x)], [x.logicalNot(), logicalNot(x)],
    ];
    for (const [a, b] of pairs) expect(vals(a)).toEqual(vals(b));
  });

  it('int32 math ops stay exact integers', () => {
    const x = tensor([-3, 0, 7], { dtype: 'int32' });
    expectValues(neg(x), [3, 0, -7], 'int32');
    expectValues(abs(x), [3, 0, 7], 'int32');
    expectValues(sign(x), [-1, 0, 1], 'int32');
    expectValues(square(x), [9, 0, 49], 'int32');
    expectValues(relu(x), [0, 0, 7], 'int32');
    expectValues(floor(x), [-3, 0, 7], 'int32');
    expectValues(exp(tensor([0, 1], { dtype: 'int32' })), [1, f32(E)], 'float32');
    expectValues(sqrt(tensor([true, false])), [1, 0], 'float32');
  });

  it('NaN propagates through relu, abs, floor, exp, tanh, sigmoid, erf, gelu', () => {
    const x = f64([NaN]);
    for (const fn of [relu, abs, floor, ceil, round, exp, tanh, sigmoid, erf, (t: Tensor) => gelu(t), silu, softplus, square, neg]) {
      expect(Number.isNaN(fn(x).itemSync())).toBe(true);
    }
  });

  it('int32 neg of INT_MIN wraps to itself', () => {
    expectValues(neg(tensor([-2147483648], { dtype: 'int32' })), [-2147483648], 'int32');
  });

  it('erf matches a reference to 1e-14 across [-7, 7]', () => {
    const xs = Array.from({ length: 1401 }, (_, i) => -7 + i * 0.01);
    const got = vals(erf(f64(xs)));
    const worst = Math.max(...got.map((g, i) => Math.abs(g - erfRef(xs[i]!))));
    expect(worst).toBeLessThan(1e-14);
  });

  it('gelu(1) = 0.8413447460685429 (erf form), tanh form differs slightly', () => {
    expect(gelu(f64([1])).itemSync()).toBeCloseTo(0.8413447460685429, 15);
    expect(gelu(tensor([1])).itemSync()).toBe(f32(0.8413447460685429));
    expect(gelu(f64([1]), 'tanh').itemSync()).toBeCloseTo(0.8411919906082768, 15);
  });

  it('unary ops work on non-contiguous views', () => {
    const x = f64([1, 2, 3, 4, 5, 6]).reshape(2, 3).T;
    expectClose(exp(x), [[E, E ** 4], [E ** 2, E ** 5], [E ** 3, E ** 6]], 1e-12);
    expectValues(neg(x), [[-1, -4], [-2, -5], [-3, -6]], 'float64');
  });

  it('rejects non-tensors and disposed tensors', () => {
    expectBadInput(() => exp([1, 2] as never), /exp: argument 'x' must be a Tensor/, []);
    const d = tensor([1]);
    d.dispose();
    expectBadInput(() => neg(d), /neg: argument 'x' was disposed/, []);
  });
});

// ---- binary ops -----------------------------------------------------------------------------

interface BinaryCase {
  fn: (a: Tensor | number, b: Tensor | number) => Tensor;
  a: number[];
  b: number[];
  expected: number[];
}

const BINARY_CASES: Record<BinaryOpName, BinaryCase> = {
  add: { fn: add, a: [1, 2, -3.5], b: [3, 0.25, 3.5], expected: [4, 2.25, 0] },
  sub: { fn: sub, a: [1, 2, -3.5], b: [3, 0.25, 3.5], expected: [-2, 1.75, -7] },
  mul: { fn: mul, a: [1, 2, -3.5], b: [3, 0.25, 2], expected: [3, 0.5, -7] },
  div: { fn: div, a: [1, -7, 1, 0], b: [4, 2, 0, 0], expected: [0.25, -3.5, Infinity, NaN] },
  pow: { fn: pow, a: [2, 4, -8, 0, -2], b: [3, 0.5, 1 / 3, 0, 2], expected: [8, 2, NaN, 1, 4] },
  maximum: { fn: maximum, a: [1, NaN, 3, -1], b: [2, 2, NaN, -2], expected: [2, NaN, NaN, -1] },
  minimum: { fn: minimum, a: [1, NaN, 3, -1], b: [2, 2, NaN, -2], expected: [1, NaN, NaN, -2] },
  eq: { fn: eq, a: [1, 2, NaN, 0], b: [1, 3, NaN, -0], expected: [1, 0, 0, 1] },
  ne: { fn: ne, a: [1, 2, NaN, 0], b: [1, 3, NaN, -0], expected: [0, 1, 1, 0] },
  lt: { fn: lt, a: [1, 2, 3, NaN], b: [2, 2, 2, 1], expected: [1, 0, 0, 0] },
  le: { fn: le, a: [1, 2, 3, NaN], b: [2, 2, 2, 1], expected: [1, 1, 0, 0] },
  gt: { fn: gt, a: [1, 2, 3, NaN], b: [2, 2, 2, 1], expected: [0, 0, 1, 0] },
  ge: { fn: ge, a: [1, 2, 3, NaN], b: [2, 2, 2, 1], expected: [0, 1, 1, 0] },
  logicalAnd: { fn: logicalAnd, a: [0, 1, 2, 0, NaN], b: [0, 0, 3, -1, 1], expected: [0, 0, 1, 0, 1] },
  logicalOr: { fn: logicalOr, a: [0, 1, 2, 0, NaN], b: [0, 0, 3, -1, 0], expected: [0, 1, 1, 1, 1] },
  logicalXor: { fn: logicalXor, a: [0, 1, 2, 0, NaN], b: [0, 0, 3, -1, 1], expected: [0, 1, 0, 1, 0] },
  // a · (Φ(b) + b·φ(b)): gelu'(0) = 1/2, gelu'(1) = Φ(1) + φ(1), gelu'(-1/2) = Φ(-1/2) - φ(1/2)/2.
  geluBackward: { fn: geluBackward, a: [1, 2, 1, 1, 1], b: [0, 0, 1, -0.5, NaN], expected: [0.5, 1, 1.0833154705876863, 0.13250487534383712, NaN] },
};

describe('binary ops: known values', () => {
  it('every op of the BINARY table has a case', () => {
    expect(Object.keys(BINARY_CASES).sort()).toEqual(Object.keys(BINARY).sort());
  });

  for (const [name, c] of Object.entries(BINARY_CASES) as [BinaryOpName, BinaryCase][]) {
    const boolOut = BINARY[name].kind === 'predicate' || BINARY[name].kind === 'logical';
    it(`${name} (float64)`, () => {
      const a = f64(c.a);
      const b = f64(c.b);
      const y = c.fn(a, b);
      expect(y.dtype).toBe(boolOut ? 'bool' : 'float64');
      expectClose(y, c.expected, { rtol: 1e-15, atol: 0 });
    });

    it(`${name} broadcasts [2,1] with [3] to [2,3]`, () => {
      const a = f64([c.a[0]!, c.a[1]!]).reshape(2, 1);
      const b = f64([c.b[0]!, c.b[1]!, c.b[2]!]);
      const y = c.fn(a, b);
      expect(y.shape).toEqual([2, 3]);
      const ref = (x: number, z: number): number => vals(c.fn(f64([x]), f64([z])))[0]!;
      const expected = [0, 1].map((i) => [0, 1, 2].map((j) => ref(c.a[i]!, c.b[j]!)));
      expectClose(y, expected, { rtol: 1e-15, atol: 0 });
    });
  }

  it('Tensor methods agree with the free functions', () => {
    const a = f64([1, 2, 3]);
    const b = f64([3, 2, 1]);
    const pairs: [Tensor, Tensor][] = [
      [a.add(b), add(a, b)], [a.sub(b), sub(a, b)], [a.mul(b), mul(a, b)], [a.div(b), div(a, b)], [a.pow(b), pow(a, b)],
      [a.maximum(b), maximum(a, b)], [a.minimum(b), minimum(a, b)], [a.eq(b), eq(a, b)], [a.ne(b), ne(a, b)],
      [a.lt(b), lt(a, b)], [a.le(b), le(a, b)], [a.gt(b), gt(a, b)], [a.ge(b), ge(a, b)],
      [a.logicalAnd(b), logicalAnd(a, b)], [a.logicalOr(b), logicalOr(a, b)], [a.logicalXor(b), logicalXor(a, b)],
    ];
    for (const [x, y] of pairs) {
      expect(x.dtype).toBe(y.dtype);
      expect(vals(x)).toEqual(vals(y));
    }
  });

  it('broadcasts across several dims ([2,1,3] + [4,1] -> [2,4,3])', () => {
    const a = tensor([[[0, 1, 2]], [[10, 11, 12]]]);
    const b = tensor([[100], [200], [300], [400]]);
    const y = add(a, b);
    expect(y.shape).toEqual([2, 4, 3]);
    const expected = [0, 10].map((i) => [100, 200, 300, 400].map((j) => [0, 1, 2].map((k) => i + j + k)));
    expectValues(y, expected, 'float32');
  });

  it('scalars on either side', () => {
    const x = tensor([1, 2, 4]);
    expectValues(sub(10, x), [9, 8, 6], 'float32');
    expectValues(div(1, x), [1, 0.5, 0.25], 'float32');
    expectValues(pow(x, 2), [1, 4, 16], 'float32');
    expectValues(pow(2, x), [2, 4, 16], 'float32');
    expectValues(x.gt(1.5), [false, true, true], 'bool');
    expectValues(mul(x, true), [1, 2, 4], 'float32');
  });

  it('binary ops work on transposed and expanded views', () => {
    const a = f64([1, 2, 3, 4, 5, 6]).reshape(2, 3);
    const b = f64([10, 20]).reshape(2, 1).expand(2, 3);
    expectValues(add(a.T, b.T), [[11, 24], [12, 25], [13, 26]], 'float64');
  });

  it('fast-check: add/mul commute and sub(a, a) is 0 for finite float64', () => {
    const arr = fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(arr, (xs) => {
        const a = f64(xs);
        const b = f64(xs.map((v) => v * 0.5 + 1));
        expect(vals(add(a, b))).toEqual(vals(add(b, a)));
        expect(vals(mul(a, b))).toEqual(vals(mul(b, a)));
        expect(vals(sub(a, a)).every((v) => v === 0)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});

describe('dtype rules', () => {
  const i32 = (v: number[]): Tensor => tensor(v, { dtype: 'int32' });

  it('int32 + float32 -> float32; int32 + float64 -> float64; float32 + float64 -> float64', () => {
    expectValues(add(i32([1, 2]), tensor([0.5, 0.25])), [1.5, 2.25], 'float32');
    expectValues(add(i32([1, 2]), f64([0.1, 0.2])), [1.1, 2.2], 'float64');
    expectValues(add(tensor([0.5]), f64([0.1])), [0.5 + 0.1], 'float64');
    expectValues(mul(tensor([true, false]), tensor([2.5, 2.5])), [2.5, 0], 'float32');
  });

  it('int32 op int32 stays int32, except division which gives float32', () => {
    expectValues(add(i32([1, 2]), i32([3, 4])), [4, 6], 'int32');
    expectValues(mul(i32([-3, 2]), i32([3, 4])), [-9, 8], 'int32');
    expectValues(maximum(i32([1, 5]), i32([3, 4])), [3, 5], 'int32');
    expectValues(div(i32([7, -7, 1, 6]), i32([2, 2, 0, 3])), [3.5, -3.5, Infinity, 2], 'float32');
    expectValues(div(i32([1]), 3), [f32(1 / 3)], 'float32');
  });

  it('comparisons and logical ops give bool', () => {
    expectValues(lt(i32([1, 2]), tensor([1.5, 1.5])), [true, false], 'bool');
    expectValues(eq(tensor([0.1]), 0.1), [true], 'bool');
    expectValues(ge(i32([1, 2]), 2), [false, true], 'bool');
    expectValues(lt(i32([1, 2]), 1.5), [true, false], 'bool');
    expectValues(logicalAnd(i32([0, 3]), tensor([true, true])), [false, true], 'bool');
  });

  it('scalar operands do not widen float32, but a fractional scalar makes int32 float32', () => {
    const y = add(tensor([1]), 1e-10);
    expect(y.dtype).toBe('float32');
    expect(vals(y)).toEqual([1]);
    expectValues(mul(tensor([3]), 1 / 3), [f32(f32(3) * f32(1 / 3))], 'float32');
    expectValues(add(f64([1]), 1e-10), [1 + 1e-10], 'float64');
    expectValues(add(i32([1, 2]), 2), [3, 4], 'int32');
    expectValues(add(i32([1, 2]), 2.5), [3.5, 4.5], 'float32');
    expectValues(add(tensor([true, false]), 1), [2, 1], 'int32');
    expectValues(mul(i32([3, 4]), true), [3, 4], 'int32');
  });

  it('int32 overflow wraps around', () => {
    expectValues(add(i32([2147483647]), i32([1])), [-2147483648], 'int32');
    expectValues(add(i32([2147483647]), 1), [-2147483648], 'int32');
    expectValues(sub(i32([-2147483648]), 1), [2147483647], 'int32');
    expectValues(mul(i32([65536, 46341]), i32([65536, 46341])), [0, -2147479015], 'int32');
    expectValues(square(i32([65536])), [0], 'int32');
  });

  it('bool with bool: maximum/minimum and comparisons stay bool', () => {
    const a = tensor([true, false, true]);
    const b = tensor([false, false, true]);
    expectValues(maximum(a, b), [true, false, true], 'bool');
    expectValues(minimum(a, b), [false, false, true], 'bool');
    expectValues(eq(a, b), [false, true, true], 'bool');
  });

  it('bool + bool and bool * bool stay bool (torch.add / torch.mul)', () => {
    const a = tensor([true, false, true, false]);
    const b = tensor([true, true, false, false]);
    expectValues(add(a, b), [true, true, true, false], 'bool');
    expectValues(mul(a, b), [true, false, false, false], 'bool');
  });

  it('a 0-d tensor of a higher category promotes a dimensioned tensor (int32 [2] + float64 [] -> float64)', () => {
    expectValues(add(i32([1, 2]), tensor(0.5, { dtype: 'float64' })), [1.5, 2.5], 'float64');
    expectValues(add(tensor([true, false]), tensor(2, { dtype: 'int32' })), [3, 2], 'int32');
    expectValues(add(tensor(1), tensor(0.5, { dtype: 'float64' })), 1.5, 'float64');
  });

  it('a 0-d tensor of the same category does not widen a dimensioned tensor (float32 [2] + float64 [] -> float32)', () => {
    expectValues(add(tensor([1, 2]), tensor(0.5, { dtype: 'float64' })), [1.5, 2.5], 'float32');
  });

  it('pow of int32 by an int stays int32 (torch.pow)', () => {
    expectValues(pow(i32([2, 3, -2]), 3), [8, 27, -8], 'int32');
  });
});

describe('where', () => {
  it('selects elementwise with broadcasting', () => {
    const c = tensor([[true], [false]]);
    const y = where(c, tensor([1, 2, 3]), tensor([[10, 20, 30], [40, 50, 60]]));
    expectValues(y, [[1, 2, 3], [40, 50, 60]], 'float32');
  });

  it('accepts scalar operands and promotes dtypes', () => {
    const c = tensor([true, false, true]);
    expectValues(where(c, tensor([1, 2, 3]), 0), [1, 0, 3], 'float32');
    expectValues(where(c, 1.5, tensor([1, 2, 3], { dtype: 'int32' })), [1.5, 2, 1.5], 'float32');
    expectValues(where(c, tensor([1, 2, 3], { dtype: 'int32' }), f64([9, 9, 9])), [1, 9, 3], 'float64');
    expectValues(where(c, 1, 0), [1, 0, 1], 'int32');
  });

  it('Tensor.where(condition, other) is where(condition, this, other)', () => {
    const x = tensor([1, -2, 3]);
    expectValues(x.where(x.gt(0), -1), [1, -1, 3], 'float32');
  });

  it('rejects non-broadcastable operands and keeps inputs', () => {
    const c = tensor([true, false]);
    const a = tensor([1, 2, 3]);
    expectBadInput(() => where(c, a, 0), /where: argument 'condition', 'input', 'other'/, [c, a]);
  });
});

describe('clamp / clampMin / clampMax', () => {
  it('clamps into [min, max] and keeps NaN', () => {
    const x = tensor([-2, 0.5, 3, NaN]);
    expectValues(clamp(x, 0, 1), [0, 0.5, 1, NaN], 'float32');
    expectValues(x.clamp(0, 1), [0, 0.5, 1, NaN], 'float32');
    expectValues(x.clampMin(0), [0, 0.5, 3, NaN], 'float32');
    expectValues(x.clampMax(1), [-2, 0.5, 1, NaN], 'float32');
    expectValues(clamp(x, null, 0), [-2, 0, 0, NaN], 'float32');
  });

  it('min > max gives max everywhere (torch.clamp)', () => {
    expectValues(clamp(tensor([-1, 0.5, 5]), 2, 1), [1, 1, 1], 'float32');
  });

  it('int32 with integer bounds stays int32; a fractional bound promotes to float32', () => {
    expectValues(clamp(tensor([-5, 2, 9], { dtype: 'int32' }), 0, 4), [0, 2, 4], 'int32');
    expectValues(clamp(tensor([1, 2, 3], { dtype: 'int32' }), 1.5), [1.5, 2, 3], 'float32');
  });

  it('rejects both bounds missing', () => {
    const x = tensor([1, 2]);
    expectBadInput(() => clamp(x), /clamp: argument 'min'/, [x]);
    expectBadInput(() => clamp(x, null, null), /clamp: argument 'min'/, [x]);
  });
});

describe('maskedFill', () => {
  it('fills where the (broadcast) mask is true', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    const mask = tensor([true, false, true]);
    expectValues(maskedFill(x, mask, -1), [[-1, 2, -1], [-1, 5, -1]], 'float32');
    expectValues(x.maskedFill(tensor([[false], [true]]), -Infinity), [[1, 2, 3], [-Infinity, -Infinity, -Infinity]], 'float32');
    expectValues(maskedFill(tensor([1, 2], { dtype: 'int32' }), tensor([true, false]), 7), [7, 2], 'int32');
  });

  it('rejects a non-bool mask and masks that do not broadcast to x', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    const fmask = tensor([1, 0, 1]);
    expectBadInput(() => maskedFill(x, fmask, 0), /maskedFill: argument 'mask'/, [x, fmask]);
    const big = tensor([[[true, false, true]], [[true, true, true]]]);
    expectBadInput(() => maskedFill(x, big, 0), /maskedFill: argument 'mask'/, [x, big]);
    const wrong = tensor([true, false]);
    expectBadInput(() => maskedFill(x, wrong, 0), /maskedFill: argument 'mask' of shape \[2\] must broadcast/, [x, wrong]);
  });
});

describe('cast', () => {
  it('float -> int32 truncates toward zero', () => {
    expectValues(cast(tensor([1.7, -1.7, 2.5, -0.5, 0]), 'int32'), [1, -1, 2, 0, 0], 'int32');
    expectValues(f64([-2.999, 1e9]).int(), [-2, 1e9], 'int32');
  });

  it('-> bool is "non-zero" (NaN is true)', () => {
    expectValues(cast(tensor([0, -0, 0.1, NaN, -3]), 'bool'), [false, false, true, true, true], 'bool');
    expectValues(tensor([0, 5], { dtype: 'int32' }).bool(), [false, true], 'bool');
  });

  it('int/bool -> float and float64 -> float32 rounding', () => {
    expectValues(cast(tensor([true, false]), 'float32'), [1, 0], 'float32');
    expectValues(tensor([3, -4], { dtype: 'int32' }).double(), [3, -4], 'float64');
    expectValues(f64([0.1]).float(), [f32(0.1)], 'float32');
    expectValues(tensor([true, false]).int(), [1, 0], 'int32');
    expectValues(f64([1.5]).to('int32'), [1], 'int32');
  });

  it('casting to the same dtype returns the tensor itself', () => {
    const x = tensor([1, 2]);
    expect(cast(x, 'float32')).toBe(x);
    expect(x.to('cpu')).toBe(x);
  });

  it('casts non-contiguous views', () => {
    const x = f64([1.5, 2.5, 3.5, 4.5]).reshape(2, 2).T;
    expectValues(x.int(), [[1, 3], [2, 4]], 'int32');
  });

  it('rejects unknown dtypes and devices', () => {
    const x = tensor([1, 2]);
    expectBadInput(() => cast(x, 'int64' as never), /cast: argument 'dtype'/, [x]);
    expectBadInput(() => x.to('cuda' as never), /to: argument 'target'/, [x]);
  });
});

describe('binary ops: bad inputs', () => {
  it('non-broadcastable shapes name the op and both arguments', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    const b = tensor([1, 2]);
    for (const [name, fn] of Object.entries(BINARY_CASES).map(([n, c]) => [n, c.fn] as const)) {
      expectBadInput(() => fn(a, b), new RegExp(`^${name}: argument 'input', 'other' have shapes \\[2, 3\\] and \\[2\\]`), [a, b]);
    }
  });

  it('two scalars, a non-number scalar, and a disposed operand are rejected', () => {
    const a = tensor([1, 2]);
    expectBadInput(() => add(1, 2), /add: argument 'input'/, []);
    expectBadInput(() => add(a, 'x' as never), /add: argument 'other' must be a Tensor or a number/, [a]);
    expectBadInput(() => mul(null as never, a), /mul: argument 'input'/, [a]);
    const d = tensor([1, 2]);
    d.dispose();
    expectBadInput(() => add(a, d), /add: argument 'other' was disposed/, [a]);
    expectBadInput(() => sub(d, a), /sub: argument 'input' was disposed/, [a]);
  });
});
