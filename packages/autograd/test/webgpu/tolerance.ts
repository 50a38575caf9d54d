/** The agreement tolerances live in @tessera/tensor/testing, in one place for every package. */
export { disagreement, F32_AGREEMENT, F32_AGREEMENT_LOOSE } from '@tessera/tensor/testing';
export type { Tolerance } from '@tessera/tensor/testing';
import { disagreement } from '@tessera/tensor/testing';
import type { Tolerance } from '@tessera/tensor/testing';

/** Null when `actual` matches `expected`, else a description of the first mismatch. */
export function mismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): string | null {
  return disagreement(actual, expected, tol);
}
