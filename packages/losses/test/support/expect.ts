import { expect } from 'vitest';
import { TesseraError } from '@tessera/tensor';

/** |actual − expected| <= tol, with both values in the failure message. */
export function close(actual: number, expected: number, tol = 1e-6): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
}

/** `fn` throws a TesseraError whose op and arg are the given ones; returns it. */
export function expectTesseraError(fn: () => unknown, op: string, arg: string): TesseraError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TesseraError);
    expect((e as TesseraError).op).toBe(op);
    expect((e as TesseraError).arg).toBe(arg);
    return e as TesseraError;
  }
  throw new Error(`expected a TesseraError from ${op} about '${arg}'`);
}
