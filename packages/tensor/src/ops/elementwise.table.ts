/**
 * The elementwise op table: one row per op gives its CPU scalar function and its WGSL
 * expression, so the two backends read the same definition and cannot drift apart.
 * Gradients live in @tessera/autograd (rules.ts), keyed by the same names.
 *
 * `kind` decides dtypes: 'float' ops promote int/bool inputs to float32 (like torch.exp),
 * 'math' ops keep the input dtype (neg, abs on int32), 'predicate' ops return bool,
 * 'logical' ops read their inputs as truth values and return bool.
 */

import { erf } from './erf.js';

export type ElementwiseKind = 'float' | 'math' | 'predicate' | 'logical';

export interface UnaryRow {
  readonly kind: ElementwiseKind;
  /** Scalar function the CPU kernels inline (no closures over tensors). */
  readonly cpu: (x: number) => number;
  /** WGSL expression in `x` (type `T`); helper functions it calls live in the WebGPU prelude. */
  readonly wgsl: string;
}

export interface BinaryRow {
  readonly kind: ElementwiseKind;
  readonly cpu: (a: number, b: number) => number;
  /** WGSL expression in `a` and `b` (type `T`). */
  readonly wgsl: string;
  /** Integer form when it differs (int32 wraps, division truncates toward zero). */
  readonly cpuInt?: (a: number, b: number) => number;
}

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export const UNARY = {
  neg: { kind: 'math', cpu: (x) => -x, wgsl: '-x' },
  abs: { kind: 'math', cpu: (x) => Math.abs(x), wgsl: 'abs(x)' },
  sign: { kind: 'math', cpu: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x), wgsl: 'sign(x)' },
  square: { kind: 'math', cpu: (x) => x * x, wgsl: 'x * x' },
  exp: { kind: 'float', cpu: (x) => Math.exp(x), wgsl: 'exp(x)' },
  log: { kind: 'float', cpu: (x) => Math.log(x), wgsl: 'safe_log(x)' },
  log1p: { kind: 'float', cpu: (x) => Math.log1p(x), wgsl: 'log1p_(x)' },
  expm1: { kind: 'float', cpu: (x) => Math.expm1(x), wgsl: 'expm1_(x)' },
  sqrt: { kind: 'float', cpu: (x) => Math.sqrt(x), wgsl: 'safe_sqrt(x)' },
  rsqrt: { kind: 'float', cpu: (x) => 1 / Math.sqrt(x), wgsl: '1.0 / safe_sqrt(x)' },
  reciprocal: { kind: 'float', cpu: (x) => 1 / x, wgsl: '1.0 / x' },
  sin: { kind: 'float', cpu: (x) => Math.sin(x), wgsl: 'sin(x)' },
  cos: { kind: 'float', cpu: (x) => Math.cos(x), wgsl: 'cos(x)' },
  tanh: { kind: 'float', cpu: (x) => Math.tanh(x), wgsl: 'tanh_(x)' },
  sigmoid: { kind: 'float', cpu: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))), wgsl: 'sigmoid_(x)' },
  relu: { kind: 'math', cpu: (x) => (x > 0 ? x : x === 0 || x < 0 ? 0 : x), wgsl: 'select(T(0), x, x > T(0))' },
  erf: { kind: 'float', cpu: (x) => erf(x), wgsl: 'erf_(x)' },
  gelu: { kind: 'float', cpu: (x) => 0.5 * x * (1 + erf(x * SQRT1_2)), wgsl: '0.5 * x * (1.0 + erf_(x * 0.7071067811865476))' },
  geluTanh: {
    kind: 'float',
    cpu: (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))),
    wgsl: '0.5 * x * (1.0 + tanh_(0.7978845608028654 * (x + 0.044715 * x * x * x)))',
  },
  silu: { kind: 'float', cpu: (x) => (x >= 0 ? x / (1 + Math.exp(-x)) : (x * Math.exp(x)) / (1 + Math.exp(x))), wgsl: 'x * sigmoid_(x)' },
  // torch.nn.functional.softplus with beta 1, threshold 20: linear above 20, stable below.
  softplus: { kind: 'float', cpu: (x) => (x > 20 ? x : Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))), wgsl: 'softplus_(x)' },
  floor: { kind: 'math', cpu: (x) => Math.floor(x), wgsl: 'floor(x)' },
  ceil: { kind: 'math', cpu: (x) => Math.ceil(x), wgsl: 'ceil(x)' },
  // Round half to even, as torch.round.
  round: { kind: 'math', cpu: (x) => { const r = Math.round(x); return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; }, wgsl: 'round(x)' },
  isnan: { kind: 'predicate', cpu: (x) => (x !== x ? 1 : 0), wgsl: 'is_nan_(x)' },
  isinf: { kind: 'predicate', cpu: (x) => (x === Infinity || x === -Infinity ? 1 : 0), wgsl: 'is_inf_(x)' },
  logicalNot: { kind: 'logical', cpu: (x) => (x === 0 ? 1 : 0), wgsl: 'x == T(0)' },
} as const satisfies Record<string, UnaryRow>;

export const BINARY = {
  add: { kind: 'math', cpu: (a, b) => a + b, cpuInt: (a, b) => (a + b) | 0, wgsl: 'a + b' },
  sub: { kind: 'math', cpu: (a, b) => a - b, cpuInt: (a, b) => (a - b) | 0, wgsl: 'a - b' },
  mul: { kind: 'math', cpu: (a, b) => a * b, cpuInt: (a, b) => Math.imul(a, b), wgsl: 'a * b' },
  div: { kind: 'float', cpu: (a, b) => a / b, wgsl: 'a / b' },
  pow: { kind: 'math', cpu: (a, b) => Math.pow(a, b), cpuInt: (a, b) => Math.pow(a, b) | 0, wgsl: 'pow_(a, b)' },
  maximum: { kind: 'math', cpu: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b), wgsl: 'max_nan(a, b)' },
  minimum: { kind: 'math', cpu: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b), wgsl: 'min_nan(a, b)' },
  eq: { kind: 'predicate', cpu: (a, b) => (a === b ? 1 : 0), wgsl: 'a == b' },
  ne: { kind: 'predicate', cpu: (a, b) => (a !== b ? 1 : 0), wgsl: 'a != b' },
  lt: { kind: 'predicate', cpu: (a, b) => (a < b ? 1 : 0), wgsl: 'a < b' },
  le: { kind: 'predicate', cpu: (a, b) => (a <= b ? 1 : 0), wgsl: 'a <= b' },
  gt: { kind: 'predicate', cpu: (a, b) => (a > b ? 1 : 0), wgsl: 'a > b' },
  ge: { kind: 'predicate', cpu: (a, b) => (a >= b ? 1 : 0), wgsl: 'a >= b' },
  logicalAnd: { kind: 'logical', cpu: (a, b) => (a !== 0 && b !== 0 ? 1 : 0), wgsl: '(a != T(0)) && (b != T(0))' },
  logicalOr: { kind: 'logical', cpu: (a, b) => (a !== 0 || b !== 0 ? 1 : 0), wgsl: '(a != T(0)) || (b != T(0))' },
  logicalXor: { kind: 'logical', cpu: (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0), wgsl: '(a != T(0)) != (b != T(0))' },
  // gelu's backward in one pass (a = upstream gradient, b = gelu's input): a · (Φ(b) + b·φ(b)),
  // instead of nine composed passes (erf, exp and the products) over the FFN's widest activation.
  geluBackward: {
    kind: 'float',
    cpu: (a, b) => a * (0.5 * (1 + erf(b * SQRT1_2)) + b * Math.exp(-0.5 * b * b) * INV_SQRT_2PI),
    wgsl: 'a * (0.5 * (1.0 + erf_(b * 0.7071067811865476)) + b * exp(-0.5 * b * b) * 0.3989422804014327)',
  },
} as const satisfies Record<string, BinaryRow>;

export type UnaryOpName = keyof typeof UNARY;
export type BinaryOpName = keyof typeof BINARY;
