import type { Backend, DeviceName, Storage } from '../backend.js';
import { getBackend } from '../device.js';
import type { DType } from '../dtype.js';
import { scalarResultType } from '../dtype.js';
import { check, fmtShape, TesseraError } from '../errors.js';
import { Tensor } from '../tensor.js';
import type { Scalar } from '../tensor.js';

/** Checks that `value` is a live Tensor; names the op and argument otherwise. */
export function expectTensor(op: string, arg: string, value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) {
    throw new TesseraError(op, arg, `must be a Tensor, got ${describe(value)}`);
  }
  value.assertAlive(op, arg);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return `${typeof value} ${String(value)}`;
}

/** The backend shared by all inputs; errors name the op and the devices when they differ. */
export function backendOf(op: string, inputs: Record<string, Tensor>): Backend<Storage> {
  let device: DeviceName | undefined;
  let first = '';
  for (const [arg, t] of Object.entries(inputs)) {
    expectTensor(op, arg, t);
    if (device === undefined) {
      device = t.device;
      first = arg;
    } else if (t.device !== device) {
      throw new TesseraError(op, arg, `is on ${t.device} but '${first}' is on ${device}; move both to one device with .to()`);
    }
  }
  const backend = getBackend(device ?? 'cpu', op);
  for (const [arg, t] of Object.entries(inputs)) {
    backend.checkStorage?.(op, arg, t.storage);
    if (t.dtype === 'float64' && !backend.supportsFloat64) {
      throw new TesseraError(op, arg, `is float64, which ${backend.name} does not support (WGSL has no f64): use float32 or the cpu device`);
    }
  }
  return backend;
}

/** Wraps fresh contiguous storage (born with no references) as a tensor of `shape`. */
export function wrap(storage: Storage, shape: readonly number[]): Tensor {
  return new Tensor(storage, shape);
}

/** A 0-d tensor holding `value` on `device`. */
export function scalarTensor(value: number, dtype: DType, device: DeviceName): Tensor {
  return wrap(getBackend(device).fill(dtype, 1, value), []);
}

/** Turns a scalar operand into a 0-d tensor that matches `like` (PyTorch's weak scalar typing). */
export function asOperand(op: string, arg: string, value: Tensor | Scalar, like: Tensor): Tensor {
  if (value instanceof Tensor) {
    value.assertAlive(op, arg);
    return value;
  }
  if (typeof value === 'boolean') return scalarTensor(value ? 1 : 0, 'bool', like.device);
  if (typeof value !== 'number') throw new TesseraError(op, arg, `must be a Tensor or a number, got ${describe(value)}`);
  return scalarTensor(value, scalarResultType(like.dtype, value), like.device);
}

export function checkInteger(op: string, arg: string, value: unknown, min = -Infinity): asserts value is number {
  check(typeof value === 'number' && Number.isInteger(value) && value >= min, op, arg, () =>
    `must be an integer${min > -Infinity ? ` >= ${min}` : ''}, got ${describe(value)}`,
  );
}

export function checkDtype(op: string, arg: string, t: Tensor, allowed: readonly DType[]): void {
  check(allowed.includes(t.dtype), op, arg, () => `has dtype ${t.dtype} (shape ${fmtShape(t.shape)}); expected ${allowed.join(' or ')}`);
}
