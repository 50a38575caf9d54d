/**
 * Strided iteration for CPU kernels. Operands are described by (offset, strides) over one
 * shape; dims that are contiguous for every operand are merged first, so most loops run as
 * one flat inner loop.
 */

export interface Layout {
  shape: number[];
  /** One stride array per operand. */
  strides: number[][];
}

/** Drops size-1 dims and merges neighbours that are contiguous for every operand. */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): Layout {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * size)) {
      outShape[last]! *= size;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(size);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * A fresh copy of a self-contained function, with its own type feedback in V8. Each op gets its
 * own copy of a loop, so the scalar function the loop calls is monomorphic there and inlined
 * (one shared loop that calls many different functions runs ~5-8x slower). Where `new Function`
 * is forbidden (strict CSP), the shared function is returned.
 */
export function cloneFunction<F extends (...args: never[]) => unknown>(f: F): F {
  try {
    return new Function(`return (${f.toString()});`)() as F;
  } catch {
    return f;
  }
}
