/**
 * Layout helpers shared by the backends: operands described by (offset, strides) over one shape.
 * Dims that are contiguous for every operand are merged, so most kernels see rank 1 or 2.
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
