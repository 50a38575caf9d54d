/** Element types. `float64` runs on the CPU backend only (gradcheck needs it). */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** The typed array that stores each dtype on the CPU. */
export interface TypedArrayFor {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;
export type FloatArray = Float32Array | Float64Array;

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float64':
      return 8;
    case 'bool':
      return 1;
    default:
      return 4;
  }
}

/** Allocates a zero-filled typed array of `n` elements for `dtype`. */
export function allocArray<D extends DType>(dtype: D, n: number): TypedArrayFor[D];
export function allocArray(dtype: DType, n: number): TypedArray {
  return arrayPool?.take(dtype, n) ?? arrayPool?.fresh(dtype, n) ?? freshArray(dtype, n);
}

/** Something that hands back zeroed arrays freed earlier (the CPU backend's pool). */
export interface ArrayPool {
  /** A zeroed array freed earlier, or undefined. */
  take(dtype: DType, n: number): TypedArray | undefined;
  /** A new zeroed array laid out so that the pool can keep it once freed, or undefined (allocate plainly). */
  fresh(dtype: DType, n: number): TypedArray | undefined;
}

let arrayPool: ArrayPool | null = null;

/** Installs the pool `allocArray` draws from (null: always allocate). */
export function setArrayPool(pool: ArrayPool | null): void {
  arrayPool = pool;
}

function freshArray(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'bool':
      return new Uint8Array(n);
  }
}

/** The dtype a typed array stores, or undefined for arrays Tessera does not use. */
export function dtypeOfArray(a: ArrayBufferView): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'bool';
  return undefined;
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** PyTorch type promotion between two tensors: bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The dtype of a JS number combined with a tensor of `dtype`, as PyTorch does for Python
 * scalars: a scalar never widens a float tensor; a fractional scalar makes int/bool float32.
 */
export function scalarResultType(dtype: DType, value: number | boolean): DType {
  if (typeof value === 'boolean') return dtype;
  if (isFloat(dtype)) return dtype;
  if (Number.isInteger(value)) return 'int32';
  return 'float32';
}

function category(dtype: DType): number {
  return dtype === 'bool' ? 0 : dtype === 'int32' ? 1 : 2;
}

/**
 * PyTorch's result type of a binary op: dimensioned tensors take priority over 0-d ones, and a 0-d
 * operand (numbers become 0-d operands) widens the result only when it is of a higher category
 * (bool < integer < float): float32 [n] + float64 0-d stays float32; int32 [n] + 0.5 is float32.
 */
export function resultType(a: { dtype: DType; ndim: number }, b: { dtype: DType; ndim: number }): DType {
  if (a.ndim > 0 === b.ndim > 0) return promoteTypes(a.dtype, b.dtype);
  const [dimensioned, zeroDim] = a.ndim > 0 ? [a, b] : [b, a];
  return category(zeroDim.dtype) > category(dimensioned.dtype) ? promoteTypes(dimensioned.dtype, zeroDim.dtype) : dimensioned.dtype;
}
