import type { DeviceName } from '../backend.js';
import { getBackend, getDefaultDevice } from '../device.js';
import type { DType, TypedArray } from '../dtype.js';
import { allocArray, dtypeOfArray, isDType } from '../dtype.js';
import { check, fmtShape, TesseraError } from '../errors.js';
import { defaultGenerator, Generator } from '../random.js';
import { checkShape, numel } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { NestedArray } from '../tensor.js';
import { describe, wrap } from './core.js';
import { add, cast, floor, minimum, mul } from './elementwise.js';

export interface TensorOptions {
  dtype?: DType;
  device?: DeviceName;
  requiresGrad?: boolean;
}
export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

function resolve(op: string, opts: TensorOptions | undefined, fallback: DType = 'float32'): { dtype: DType; device: DeviceName } {
  const dtype = opts?.dtype ?? fallback;
  check(isDType(dtype), op, 'dtype', () => `must be 'float32', 'float64', 'int32' or 'bool', got ${describe(dtype)}`);
  const device = opts?.device ?? getDefaultDevice();
  const backend = getBackend(device, op);
  if (dtype === 'float64' && !backend.supportsFloat64) {
    throw new TesseraError(op, 'dtype', `float64 is not supported on ${device} (WGSL has no f64): use float32, or float64 on the cpu device`);
  }
  return { dtype, device };
}

function finish(t: Tensor, opts: TensorOptions | undefined): Tensor {
  if (opts?.requiresGrad) t.requiresGrad = true;
  return t;
}

function shapeArg(op: string, shape: readonly number[] | number): number[] {
  const s = typeof shape === 'number' ? [shape] : [...shape];
  check(Array.isArray(s), op, 'shape', () => `must be an array of sizes, got ${describe(shape)}`);
  checkShape(op, s);
  return s;
}

/** Flattens nested arrays, checking that they are rectangular; returns values and shape. */
function flattenNested(op: string, values: NestedArray): { flat: number[]; shape: number[]; allBool: boolean; allInt: boolean } {
  const shape: number[] = [];
  let probe: NestedArray = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0]!;
  }
  const flat: number[] = [];
  let allBool = true;
  let allInt = true;
  const walk = (v: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v === 'boolean') {
        flat.push(v ? 1 : 0);
        return;
      }
      check(typeof v === 'number', op, 'values', () => `hold ${describe(v)} at ${path || 'top'}; expected numbers or booleans`);
      allBool = false;
      if (!Number.isInteger(v)) allInt = false;
      flat.push(v as number);
      return;
    }
    check(Array.isArray(v) && v.length === shape[depth], op, 'values', () =>
      `are not rectangular: ${path || 'top level'} has ${Array.isArray(v) ? `length ${v.length}` : 'a scalar'} where shape ${fmtShape(shape)} expects ${shape[depth]}`,
    );
    (v as NestedArray[]).forEach((item, i) => walk(item, depth + 1, `${path}[${i}]`));
  };
  walk(values, 0, '');
  if (flat.length === 0) allBool = false;
  return { flat, shape, allBool, allInt };
}

/**
 * Creates a tensor from a number, nested arrays or a typed array (`opts.shape` reshapes flat data).
 * Default dtype: float32 (typed arrays keep theirs; all-boolean arrays give bool).
 */
export function tensor(values: NestedArray | TypedArray, opts: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  let data: TypedArray;
  let shape: number[];
  let dtypeFallback: DType = 'float32';
  if (ArrayBuffer.isView(values)) {
    const dt = dtypeOfArray(values);
    check(dt !== undefined, 'tensor', 'values', () => `is a ${values.constructor.name}; expected Float32Array, Float64Array, Int32Array or Uint8Array`);
    dtypeFallback = dt;
    data = values;
    shape = [values.length];
  } else {
    const f = flattenNested('tensor', values);
    if (f.allBool) dtypeFallback = 'bool';
    shape = f.shape;
    data = Float64Array.from(f.flat);
  }
  if (opts.shape !== undefined) {
    checkShape('tensor', opts.shape);
    check(numel(opts.shape) === data.length, 'tensor', 'shape', () => `${fmtShape(opts.shape!)} needs ${numel(opts.shape!)} values, got ${data.length}`);
    shape = [...opts.shape];
  }
  const { dtype, device } = resolve('tensor', opts, dtypeFallback);
  const typed = allocArray(dtype, data.length);
  if (dtype === 'bool') for (let i = 0; i < data.length; i++) typed[i] = data[i] ? 1 : 0;
  else typed.set(data);
  return finish(wrap(getBackend(device).fromArray(typed, dtype), shape), opts);
}

function filled(op: string, shape: readonly number[] | number, value: number | boolean, opts?: TensorOptions): Tensor {
  const s = shapeArg(op, shape);
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  check(typeof v === 'number', op, 'value', () => `must be a number, got ${describe(value)}`);
  const fallback: DType = typeof value === 'boolean' ? 'bool' : 'float32';
  const { dtype, device } = resolve(op, opts, fallback);
  return finish(wrap(getBackend(device).fill(dtype, numel(s), v), s), opts);
}

/** A tensor filled with `value`. */
export function full(shape: readonly number[] | number, value: number | boolean, opts?: TensorOptions): Tensor {
  return filled('full', shape, value, opts);
}
export function zeros(shape: readonly number[] | number, opts?: TensorOptions): Tensor {
  return filled('zeros', shape, 0, opts);
}
export function ones(shape: readonly number[] | number, opts?: TensorOptions): Tensor {
  return filled('ones', shape, 1, opts);
}
export function zerosLike(x: Tensor, opts?: TensorOptions): Tensor {
  return full(x.shape, 0, { dtype: x.dtype, device: x.device, ...opts });
}
export function onesLike(x: Tensor, opts?: TensorOptions): Tensor {
  return full(x.shape, 1, { dtype: x.dtype, device: x.device, ...opts });
}
export function fullLike(x: Tensor, value: number, opts?: TensorOptions): Tensor {
  return full(x.shape, value, { dtype: x.dtype, device: x.device, ...opts });
}

/**
 * `arange(end)` or `arange(start, end, step)`: values start, start+step, … below end.
 * dtype int32 when every argument is an integer, else float32 (as torch.arange).
 */
export function arange(start: number, end?: number, step = 1, opts?: TensorOptions): Tensor {
  const [s, e] = end === undefined ? [0, start] : [start, end];
  for (const [name, v] of [['start', s], ['end', e], ['step', step]] as const) {
    check(typeof v === 'number' && Number.isFinite(v), 'arange', name, () => `must be a finite number, got ${describe(v)}`);
  }
  check(step !== 0, 'arange', 'step', () => 'must be non-zero');
  check((e - s) * step >= 0 || e === s, 'arange', 'step', () => `(${step}) has the wrong sign for start ${s} and end ${e}`);
  const fallback: DType = [s, e, step].every(Number.isInteger) ? 'int32' : 'float32';
  const { dtype, device } = resolve('arange', opts, fallback);
  const n = Math.max(0, Math.ceil((e - s) / step));
  return finish(wrap(getBackend(device).arange(dtype, n, s, step), [n]), opts);
}

/** The `n x m` identity (m defaults to n). */
export function eye(n: number, m: number = n, opts?: TensorOptions): Tensor {
  check(Number.isInteger(n) && n >= 0, 'eye', 'n', () => `must be a non-negative integer, got ${describe(n)}`);
  check(Number.isInteger(m) && m >= 0, 'eye', 'm', () => `must be a non-negative integer, got ${describe(m)}`);
  const { dtype, device } = resolve('eye', opts);
  const data = allocArray(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(wrap(getBackend(device).fromArray(data, dtype), [n, m]), opts);
}

function randomTensor(op: string, kind: 'uniform' | 'normal', shape: readonly number[] | number, opts?: RandomOptions): Tensor {
  const s = shapeArg(op, shape);
  const { dtype, device } = resolve(op, opts);
  check(dtype === 'float32' || dtype === 'float64', op, 'dtype', () => `must be a float dtype, got ${dtype}`);
  const generator = opts?.generator ?? defaultGenerator;
  check(generator instanceof Generator, op, 'generator', () => `must be a Generator, got ${describe(generator)}`);
  const n = numel(s);
  const { key, offset } = generator.take(n);
  return finish(wrap(getBackend(device).random(kind, dtype, n, key, offset), s), opts);
}

/** Uniform samples in [0, 1) from the seeded generator (same values on every backend). */
export function rand(shape: readonly number[] | number, opts?: RandomOptions): Tensor {
  return randomTensor('rand', 'uniform', shape, opts);
}
/** Standard normal samples from the seeded generator. */
export function randn(shape: readonly number[] | number, opts?: RandomOptions): Tensor {
  return randomTensor('randn', 'normal', shape, opts);
}
/** Random integers in [low, high) (int32). */
export function randint(low: number, high: number, shape: readonly number[] | number, opts?: RandomOptions): Tensor {
  check(Number.isInteger(low) && Number.isInteger(high) && high > low, 'randint', 'high', () => `must be an integer above low (${low}), got ${describe(high)}`);
  const u = randomTensor('randint', 'uniform', shape, { ...opts, dtype: 'float32', requiresGrad: false });
  // floor(u * (high - low)); the minimum guards float32 rounding up to high - low.
  const scaled = minimum(floor(mul(u, high - low)), high - low - 1);
  const offsetInts = cast(scaled, 'int32');
  const out = add(offsetInts, low);
  for (const t of [u, scaled, offsetInts]) t.dispose();
  return out;
}
