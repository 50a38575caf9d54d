/**
 * Small checks shared by the pair / triplet / distillation losses: option validation, label
 * reshaping and placement, the loss-owned Linear layers, and one-time warnings.
 */
import type { DType, Generator, Tensor } from '@tessera/tensor';
import { cast, check, defaultGenerator, fmtShape, isFloat, TesseraError } from '@tessera/tensor';
import { Linear } from '@tessera/nn';
import type { EmbeddingModel } from '../model.js';

/** Throws unless `options` is a plain object whose keys are all in `allowed`. */
export function checkOptions(op: string, options: unknown, allowed: readonly string[]): void {
  check(options !== null && typeof options === 'object' && !Array.isArray(options), op, 'options', () => `must be an object, got ${options === null ? 'null' : typeof options}`);
  for (const key of Object.keys(options as object)) {
    if (!allowed.includes(key)) throw new TesseraError(op, key, `is not an option of ${op} (options: ${allowed.join(', ')})`);
  }
}

export function checkFinite(op: string, name: string, value: unknown): number {
  check(typeof value === 'number' && Number.isFinite(value), op, name, () => `must be a finite number, got ${String(value)}`);
  return value;
}

export function checkPositive(op: string, name: string, value: unknown): number {
  check(typeof value === 'number' && Number.isFinite(value) && value > 0, op, name, () => `must be a finite number > 0, got ${String(value)}`);
  return value;
}

export function checkPositiveInt(op: string, name: string, value: unknown): number {
  check(typeof value === 'number' && Number.isInteger(value) && value > 0, op, name, () => `must be a positive integer, got ${String(value)}`);
  return value;
}

export function checkBool(op: string, name: string, value: unknown): boolean {
  check(typeof value === 'boolean', op, name, () => `must be true or false, got ${String(value)}`);
  return value;
}

/** A function, or an object (module) with a `forward` method. */
export function requireFn<F>(op: string, name: string, value: F): F {
  const ok = typeof value === 'function' || (value !== null && typeof value === 'object' && typeof (value as { forward?: unknown }).forward === 'function');
  check(ok, op, name, () => `must be a function or a module with forward(), got ${value === null ? 'null' : typeof value}`);
  return value;
}

/** `labels` on `like`'s device (uploading CPU labels; any other mismatch is an error). */
export function labelsOn(op: string, labels: Tensor, like: Tensor): Tensor {
  if (labels.device === like.device) return labels;
  if (labels.device === 'cpu') return labels.to(like.device);
  throw new TesseraError(op, 'labels', `are on ${labels.device} but the embeddings are on ${like.device}`);
}

/**
 * One label per row: `[B]` or `[B, 1]` -> `[B]`, cast to `dtype` (float labels, as ST's
 * `labels.float().view(-1)`) and placed on `like`'s device.
 */
export function rowLabels(op: string, labels: Tensor, rows: number, like: Tensor, dtype: DType = like.dtype): Tensor {
  check(labels.ndim >= 1 && labels.shape[0] === rows && labels.numel === rows, op, 'labels', () => `have shape ${fmtShape(labels.shape)}; expected one label per pair: [${rows}] (or [${rows}, 1])`);
  const flat = labels.ndim === 1 ? labels : labels.reshape([rows]);
  return cast(labelsOn(op, flat, like), dtype);
}

/** dtype of the model's first float parameter (float32 for a model without one). */
function modelDType(model: EmbeddingModel): DType {
  return model.parameters().find((p) => isFloat(p.dtype))?.dtype ?? 'float32';
}

/**
 * A loss-owned `Linear(inFeatures -> outFeatures)` with bias and PyTorch's default init
 * (weight and bias ~ U(-1/sqrt(in), 1/sqrt(in))), drawn from `generator` (default: the global
 * generator, seeded by manualSeed), with the model's float dtype, on the model's device.
 */
export function ownedLinear(model: EmbeddingModel, inFeatures: number, outFeatures: number, generator: Generator | undefined): Linear {
  return new Linear(inFeatures, outFeatures, { dtype: modelDType(model), device: model.device, generator: generator ?? defaultGenerator });
}

/**
 * Warns (console.warn, prefixed by `op`) when any label is neither 0 nor 1. Reads the labels
 * synchronously on the CPU and asynchronously elsewhere (the warning then follows the step).
 */
export function warnIfNonBinary(op: string, labels: Tensor, message: string): void {
  const bad = cast(labels.ne(0).logicalAnd(labels.ne(1)), 'int32').sum();
  const report = (values: ArrayLike<number>): void => {
    if (values[0]) console.warn(`${op}: ${message}`);
  };
  if (bad.device === 'cpu') {
    report(bad.dataSync());
    bad.dispose();
    return;
  }
  bad.data().then(report, () => undefined).finally(() => bad.dispose());
}

const warned = new Set<string>();
/** console.warn once per process for `key`. */
export function warnOncePerProcess(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(message);
}

/** The name a sentence-transformers config records for a function or module: `stName`, else its own name. */
export function stNameOf(value: unknown): string {
  if (value && (typeof value === 'function' || typeof value === 'object')) {
    const st = (value as { stName?: unknown }).stName;
    if (typeof st === 'string') return st;
    if (typeof value === 'function' && value.name) return value.name;
    if (typeof value === 'object') return (value as object).constructor.name;
  }
  return 'custom';
}
