/**
 * Shared helpers for the @tessera/tensor tests: value comparison with tolerances, snapshots of
 * inputs for bad-input tests, and a reference erf.
 */
import { expect } from 'vitest';
import { Tensor, TesseraError } from '@tessera/tensor';
import type { DType } from '@tessera/tensor';

/** Expected values: a number/boolean or nested arrays of them (rectangular). */
export type Nested = number | boolean | readonly Nested[];

/** Row-major values of a tensor as plain numbers. */
export function vals(t: Tensor): number[] {
  return Array.from(t.dataSync(), Number);
}

/** The shape and flat values of nested expected data. */
export function flattenExpected(expected: Nested): { shape: number[]; flat: number[] } {
  const shape: number[] = [];
  let probe: Nested = expected;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = (probe as readonly Nested[])[0]!;
  }
  const flat: number[] = [];
  const walk = (v: Nested): void => {
    if (Array.isArray(v)) for (const x of v as readonly Nested[]) walk(x);
    else flat.push(typeof v === 'boolean' ? (v ? 1 : 0) : (v as number));
  };
  walk(expected);
  return { shape, flat };
}

export interface Tol {
  rtol?: number;
  atol?: number;
}

function defaultTol(dtype: DType): Required<Tol> {
  if (dtype === 'float64') return { rtol: 1e-12, atol: 1e-12 };
  if (dtype === 'float32') return { rtol: 1e-6, atol: 1e-7 };
  return { rtol: 0, atol: 0 };
}

function close(a: number, e: number, t: Required<Tol>): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  return Math.abs(a - e) <= t.atol + t.rtol * Math.abs(e);
}

/**
 * Asserts `actual` has the shape of `expected` (unless `shape` is given, e.g. for empty tensors)
 * and values within `|a - e| <= atol + rtol * |e|` (NaN matches NaN, infinities must be equal).
 * Tolerances default to the dtype's (exact for int32/bool).
 */
export function expectClose(actual: Tensor, expected: Nested, tol?: number | Tol, shape?: readonly number[]): void {
  expect(actual).toBeInstanceOf(Tensor);
  const { shape: eShape, flat } = flattenExpected(expected);
  expect([...actual.shape], 'shape').toEqual(shape ? [...shape] : eShape);
  const base = defaultTol(actual.dtype);
  const t: Required<Tol> = typeof tol === 'number' ? { rtol: tol, atol: tol } : { ...base, ...tol };
  const got = vals(actual);
  expect(got.length, 'numel').toBe(flat.length);
  const bad: string[] = [];
  for (let i = 0; i < flat.length; i++) {
    if (!close(got[i]!, flat[i]!, t)) bad.push(`[${i}] got ${got[i]} expected ${flat[i]}`);
  }
  expect(bad, `values differ (rtol ${t.rtol}, atol ${t.atol})`).toEqual([]);
}

/** Exact comparison (after Number conversion), plus the dtype when given. */
export function expectValues(actual: Tensor, expected: Nested, dtype?: DType, shape?: readonly number[]): void {
  if (dtype !== undefined) expect(actual.dtype, 'dtype').toBe(dtype);
  expectClose(actual, expected, { rtol: 0, atol: 0 }, shape);
}

/** A snapshot of tensors' shape, dtype and values; `check()` asserts nothing changed and none was disposed. */
export function snapshot(...tensors: Tensor[]): { check: () => void } {
  const saved = tensors.map((t) => ({ t, shape: [...t.shape], dtype: t.dtype, data: vals(t), storage: t.storage }));
  return {
    check(): void {
      for (const s of saved) {
        expect(s.t.disposed, 'input disposed').toBe(false);
        expect([...s.t.shape], 'input shape').toEqual(s.shape);
        expect(s.t.dtype, 'input dtype').toBe(s.dtype);
        expect(s.t.storage, 'input storage').toBe(s.storage);
        expect(vals(s.t), 'input values').toEqual(s.data);
      }
    },
  };
}

/**
 * Asserts `fn` throws a TesseraError whose message matches `pattern` (which should name the op and
 * argument, e.g. /matmul: argument 'other'/) and that every tensor in `inputs` is unchanged.
 */
export function expectBadInput(fn: () => unknown, pattern: RegExp, inputs: Tensor[]): TesseraError {
  const snap = snapshot(...inputs);
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(TesseraError);
  const err = caught as TesseraError;
  expect(err.message).toMatch(pattern);
  snap.check();
  return err;
}

/** erf to ~1e-15 from the all-positive series 2/√π e^{-x²} Σ 2ⁿ x^{2n+1} / (2n+1)!! (no cancellation). */
export function erfRef(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax > 7) return x < 0 ? -1 : 1;
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 1000; n++) {
    term *= (2 * ax * ax) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-18) break;
  }
  const r = (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
  return x < 0 ? -r : r;
}

/** Float32 rounding of a JS number. */
export const f32 = Math.fround;

/** Mean and (population) standard deviation of numbers. */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - mean) * (b - mean), 0) / xs.length;
  return { mean, std: Math.sqrt(v) };
}
