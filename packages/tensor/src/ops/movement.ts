import { getBackend } from '../device.js';
import { record } from '../dispatch.js';
import type { DType, TypedArray } from '../dtype.js';
import type { DeviceName } from '../backend.js';
import { isDType, promoteTypes } from '../dtype.js';
import { check, fmtShape, TesseraError } from '../errors.js';
import { contiguousStrides, isContiguous, normalizeDim, normalizeDims, numel, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, checkInteger, describe, wrap } from './core.js';
import { swapStorage, tidy } from '../memory.js';
import { cast } from './elementwise.js';
import { isDeviceName } from '../device.js';

function view(x: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  return new Tensor(x.storage, shape, strides, offset);
}

/** Resolves one `-1` in a target shape and checks the element count. */
function inferShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  let infer = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === -1) {
      check(infer < 0, op, 'shape', () => `can only have one -1, got ${fmtShape(shape)}`);
      infer = i;
    } else {
      check(Number.isInteger(d) && d >= 0, op, 'shape', () => `must hold non-negative integers or one -1, got ${fmtShape(shape)}`);
      known *= d;
    }
  }
  const out = [...shape];
  if (infer >= 0) {
    check(known > 0 && x.numel % known === 0, op, 'shape', () => `${fmtShape(shape)} is invalid for input of shape ${fmtShape(x.shape)} (${x.numel} elements)`);
    out[infer] = x.numel / known;
  }
  check(numel(out) === x.numel, op, 'shape', () => `${fmtShape(shape)} is invalid for input of shape ${fmtShape(x.shape)} (${x.numel} elements)`);
  return out;
}

/** Strides that let `newShape` view memory laid out as (oldShape, oldStrides), or null (PyTorch's view rule). */
function viewStrides(oldShape: readonly number[], oldStrides: readonly number[], newShape: readonly number[]): number[] | null {
  if (numel(oldShape) === 0 || oldShape.length === 0) return contiguousStrides(newShape);
  const newStrides = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = oldStrides[oldShape.length - 1]!;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d]!;
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? newStrides : null;
}

function reshapeImpl(op: string, x: Tensor, shapeIn: readonly number[], allowCopy: boolean): Tensor {
  backendOf(op, { x });
  check(Array.isArray(shapeIn), op, 'shape', () => `must be an array of integers, got ${describe(shapeIn)}`);
  const shape = inferShape(op, x, shapeIn);
  if (shapesEqual(shape, x.shape)) return x;
  const strides = viewStrides(x.shape, x.strides, shape);
  let out: Tensor;
  if (strides) out = view(x, shape, strides, x.offset);
  else {
    if (!allowCopy) {
      throw new TesseraError(op, 'shape', `${fmtShape(shape)}: the input (shape ${fmtShape(x.shape)}, strides ${fmtShape(x.strides)}) is not viewable that way; use reshape() or contiguous()`);
    }
    out = wrap(getBackend(x.device).copy(x), shape);
  }
  record('reshape', [x], [out], { shape: x.shape });
  return out;
}

/** Returns a tensor of `shape` with x's elements in row-major order: a view when strides allow, else a copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return reshapeImpl('reshape', x, shape, true);
}

/** Like reshape, but only as a view; throws when impossible. */
export function viewAs(x: Tensor, shape: readonly number[]): Tensor {
  return reshapeImpl('view', x, shape, false);
}
export { viewAs as view };

/** Reorders dims: `out.shape[i] = x.shape[dims[i]]` (a view). */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  backendOf('permute', { x });
  check(Array.isArray(dims) && dims.length === x.ndim, 'permute', 'dims', () => `must list ${x.ndim} dims for shape ${fmtShape(x.shape)}, got ${describe(dims)}`);
  const norm = dims.map((d) => normalizeDim('permute', d, x.ndim, 'dims'));
  check(new Set(norm).size === norm.length, 'permute', 'dims', () => `must be a permutation, got [${dims.join(', ')}]`);
  if (norm.every((d, i) => d === i)) return x;
  const out = view(x, norm.map((d) => x.shape[d]!), norm.map((d) => x.strides[d]!), x.offset);
  record('permute', [x], [out], { dims: norm });
  return out;
}

/** Swaps two dims (a view). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  backendOf('transpose', { x });
  if (x.ndim < 2 && x.ndim === 0) {
    normalizeDim('transpose', dim0, 0, 'dim0');
    normalizeDim('transpose', dim1, 0, 'dim1');
    return x;
  }
  const a = normalizeDim('transpose', dim0, x.ndim, 'dim0');
  const b = normalizeDim('transpose', dim1, x.ndim, 'dim1');
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

/** Broadcasts size-1 dims (and new leading dims) to `shape` as a stride-0 view; -1 keeps a size. */
export function expand(x: Tensor, shapeIn: readonly number[]): Tensor {
  backendOf('expand', { x });
  check(Array.isArray(shapeIn), 'expand', 'shape', () => `must be an array, got ${describe(shapeIn)}`);
  check(shapeIn.length >= x.ndim, 'expand', 'shape', () => `${fmtShape(shapeIn)} has fewer dims than the input ${fmtShape(x.shape)}`);
  const lead = shapeIn.length - x.ndim;
  const shape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < shapeIn.length; i++) {
    const want = shapeIn[i]!;
    if (i < lead) {
      check(Number.isInteger(want) && want >= 0, 'expand', 'shape', () => `${fmtShape(shapeIn)}: new leading dims must be non-negative integers`);
      shape.push(want);
      strides.push(0);
      continue;
    }
    const have = x.shape[i - lead]!;
    const size = want === -1 ? have : want;
    check(Number.isInteger(size) && (size === have || have === 1), 'expand', 'shape', () =>
      `${fmtShape(shapeIn)} does not match input shape ${fmtShape(x.shape)} at dim ${i}: only size-1 dims expand`,
    );
    shape.push(size);
    strides.push(size === have ? x.strides[i - lead]! : 0);
  }
  if (shapesEqual(shape, x.shape)) return x;
  const out = view(x, shape, strides, x.offset);
  record('expand', [x], [out], { shape: x.shape });
  return out;
}

/** Removes size-1 dims (all, or the given ones when they have size 1). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  backendOf('squeeze', { x });
  const dims = dim === undefined ? x.shape.map((_, i) => i) : normalizeDims('squeeze', dim, x.ndim);
  return reshape(x, x.shape.filter((s, i) => !(s === 1 && dims.includes(i))));
}

/** Inserts a size-1 dim at `dim` (negative counts from the end of the result). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  backendOf('unsqueeze', { x });
  const d = normalizeDim('unsqueeze', dim, x.ndim + 1);
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

/** Merges dims `startDim..endDim` into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  backendOf('flatten', { x });
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim('flatten', startDim, x.ndim, 'startDim');
  const e = normalizeDim('flatten', endDim, x.ndim, 'endDim');
  check(s <= e, 'flatten', 'startDim', () => `(${startDim}) must not come after endDim (${endDim})`);
  return reshape(x, [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** Python-style bounds of `[start:end:step]` over a dim of `size`: clamped, end >= start. */
function sliceBounds(op: string, size: number, start: number | null | undefined, end: number | null | undefined, step: number): { s: number; e: number; length: number } {
  checkInteger(op, 'step', step, 1);
  const clampIndex = (v: number | null | undefined, dflt: number, arg: string): number => {
    if (v === null || v === undefined) return dflt;
    checkInteger(op, arg, v);
    const r = v < 0 ? v + size : v;
    return Math.min(Math.max(r, 0), size);
  };
  const s = clampIndex(start, 0, 'start');
  const e = Math.max(clampIndex(end, size, 'end'), s);
  return { s, e, length: Math.ceil((e - s) / step) };
}

/** `x[start:end:step]` along `dim` with Python's clamping of bounds (a view). */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  backendOf('slice', { x });
  check(x.ndim > 0, 'slice', 'x', () => 'must have at least one dim');
  const d = normalizeDim('slice', dim, x.ndim);
  const size = x.shape[d]!;
  const { s, e, length } = sliceBounds('slice', size, start, end, step);
  if (s === 0 && e === size && step === 1) return x;
  const shape = [...x.shape];
  shape[d] = length;
  const strides = [...x.strides];
  strides[d] = x.strides[d]! * step;
  const out = view(x, shape, strides, x.offset + s * x.strides[d]!);
  record('slice', [x], [out], { dim: d, start: s, end: e, step });
  return out;
}

/** `length` elements from `start` along `dim` (a view); out of range is an error, unlike slice. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  backendOf('narrow', { x });
  const d = normalizeDim('narrow', dim, x.ndim);
  const size = x.shape[d]!;
  checkInteger('narrow', 'start', start);
  checkInteger('narrow', 'length', length, 0);
  const s = start < 0 ? start + size : start;
  check(s >= 0 && s <= size, 'narrow', 'start', () => `(${start}) is out of range for dim ${dim} of size ${size}`);
  check(s + length <= size, 'narrow', 'length', () => `(${length}) plus start (${start}) exceeds dim ${dim} of size ${size}`);
  return slice(x, d, s, s + length);
}

/** Splits into pieces of `splitSize` (last may be smaller) or of the listed sizes. */
export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  backendOf('split', { x });
  const d = normalizeDim('split', dim, x.ndim);
  const size = x.shape[d]!;
  let sizes: number[];
  if (typeof splitSize === 'number') {
    checkInteger('split', 'splitSize', splitSize, 1);
    sizes = [];
    for (let s = 0; s < size; s += splitSize) sizes.push(Math.min(splitSize, size - s));
    if (sizes.length === 0) sizes.push(0);
  } else {
    sizes = [...splitSize];
    sizes.forEach((s) => checkInteger('split', 'splitSize', s, 0));
    check(sizes.reduce((a, b) => a + b, 0) === size, 'split', 'splitSize', () => `[${sizes.join(', ')}] must sum to dim ${dim}'s size ${size}`);
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const s of sizes) {
    out.push(slice(x, d, start, start + s));
    start += s;
  }
  return out;
}

/** Splits into `chunks` pieces of size ceil(n / chunks) (fewer when they run out), as torch.chunk. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  backendOf('chunk', { x });
  checkInteger('chunk', 'chunks', chunks, 1);
  const d = normalizeDim('chunk', dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d]! / chunks)), d);
}

/** Concatenates along `dim`; shapes must match elsewhere. Dtypes promote. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return tidy(() => {
    check(Array.isArray(tensors) && tensors.length > 0, 'cat', 'tensors', () => `must be a non-empty array of tensors, got ${describe(tensors)}`);
    const named: Record<string, Tensor> = {};
    tensors.forEach((t, i) => (named[`tensors[${i}]`] = t));
    const backend = backendOf('cat', named);
    const first = tensors[0]!;
    check(first.ndim > 0, 'cat', 'tensors[0]', () => 'is 0-d; zero-dimensional tensors cannot be concatenated');
    const d = normalizeDim('cat', dim, first.ndim);
    let dtype: DType = first.dtype;
    tensors.forEach((t, i) => {
      check(t.ndim === first.ndim && t.shape.every((s: number, j: number) => j === d || s === first.shape[j]), 'cat', `tensors[${i}]`, () =>
        `has shape ${fmtShape(t.shape)}, which does not match ${fmtShape(first.shape)} outside dim ${d}`,
      );
      dtype = promoteTypes(dtype, t.dtype);
    });
    const inputs = tensors.map((t) => cast(t, dtype));
    const sizes = inputs.map((t) => t.shape[d]!);
    const shape = [...first.shape];
    shape[d] = sizes.reduce((a, b) => a + b, 0);
    const out = wrap(backend.cat(inputs, d, shape), shape);
    record('cat', inputs, [out], { dim: d, sizes });
    return out;
  });
}

/** Stacks equal-shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return tidy(() => {
    check(Array.isArray(tensors) && tensors.length > 0, 'stack', 'tensors', () => `must be a non-empty array of tensors, got ${describe(tensors)}`);
    tensors.forEach((t, i) => {
      backendOf('stack', { [`tensors[${i}]`]: t });
      check(shapesEqual(t.shape, tensors[0]!.shape), 'stack', `tensors[${i}]`, () => `has shape ${fmtShape(t.shape)}; stack needs every shape equal to ${fmtShape(tensors[0]!.shape)}`);
    });
    const d = normalizeDim('stack', dim, tensors[0]!.ndim + 1);
    return cat(tensors.map((t) => unsqueeze(t, d)), d);
  });
}

/** A row-major copy, or `x` itself when already contiguous. */
export function contiguous(x: Tensor): Tensor {
  backendOf('contiguous', { x });
  if (x.isContiguous()) return x;
  return clone(x);
}

/** A fresh row-major copy (gradient flows back unchanged). */
export function clone(x: Tensor): Tensor {
  const backend = backendOf('clone', { x });
  const out = wrap(backend.copy(x), x.shape);
  record('contiguous', [x], [out], {});
  return out;
}

/** Tiles `x` `repeats[i]` times along each dim (extra leading repeats add dims), as torch.Tensor.repeat. */
export function repeat(x: Tensor, repeats: readonly number[]): Tensor {
  return tidy(() => {
    backendOf('repeat', { x });
    check(Array.isArray(repeats) && repeats.length >= x.ndim, 'repeat', 'repeats', () => `must list at least ${x.ndim} counts for shape ${fmtShape(x.shape)}`);
    repeats.forEach((r) => checkInteger('repeat', 'repeats', r, 0));
    const base = [...new Array<number>(repeats.length - x.ndim).fill(1), ...x.shape];
    const interleaved = base.flatMap((s) => [1, s]);
    const expanded = base.flatMap((s, i) => [repeats[i]!, s]);
    return reshape(expand(reshape(x, interleaved), expanded), base.map((s, i) => s * repeats[i]!));
  });
}

/** A copy of `x` whose slice `[start:end:step]` along `dim` is replaced by `src` (torch.slice_scatter). */
export function sliceScatter(x: Tensor, src: Tensor, dim = 0, start?: number | null, end?: number | null, step = 1): Tensor {
  const backend = backendOf('sliceScatter', { x, src });
  check(x.ndim > 0, 'sliceScatter', 'x', () => 'must have at least one dim');
  const d = normalizeDim('sliceScatter', dim, x.ndim);
  const { s, e, length } = sliceBounds('sliceScatter', x.shape[d]!, start, end, step);
  const expected = x.shape.map((size, i) => (i === d ? length : size));
  check(shapesEqual(expected, src.shape), 'sliceScatter', 'src', () => `has shape ${fmtShape(src.shape)} but the slice has shape ${fmtShape(expected)}`);
  return tidy(() => {
    const source = src.dtype === x.dtype ? src : cast(src, x.dtype);
    const out = wrap(backend.sliceScatter(x, source, d, s, step), x.shape);
    record('sliceScatter', [x, source], [out], { dim: d, start: s, end: e, step });
    return out;
  });
}

/** Replaces `target`'s values by `value`'s in place (same shape and dtype, same device). Not recorded. */
export function assign<T extends Tensor>(target: T, value: Tensor): T {
  const backend = backendOf('assign', { target, value });
  check(shapesEqual(target.shape, value.shape), 'assign', 'value', () => `has shape ${fmtShape(value.shape)}; expected ${fmtShape(target.shape)}`);
  check(target.dtype === value.dtype, 'assign', 'value', () => `has dtype ${value.dtype}; expected ${target.dtype}`);
  check(target.isContiguous() && target.offset === 0 && target.storage.size === target.numel, 'assign', 'target', () => 'must be a whole contiguous tensor (not a view)');
  const whole = value.isContiguous() && value.offset === 0 && value.storage.size === value.numel;
  swapStorage(target, whole ? value.storage : backend.copy(value));
  return target;
}

/** Moves to another device or casts to a dtype; returns `x` when nothing changes. Leaves stay leaves. */
export function to(x: Tensor, target: string): Tensor {
  backendOf('to', { x });
  if (isDType(target)) return cast(x, target);
  if (!isDeviceName(target)) throw new TesseraError('to', 'target', `must be a device ('cpu', 'webgpu') or a dtype, got ${describe(target)}`);
  if (target === x.device) return x;
  if (x.device !== 'cpu') {
    throw new TesseraError('to', 'target', `'${target}': reading from ${x.device} is asynchronous; use await toDevice(x, '${target}')`);
  }
  return moved(x, getBackend('cpu').readSync(x), target);
}

/** Moves a tensor to `device` (any direction; reading from the GPU is asynchronous). */
export async function toDevice(x: Tensor, device: DeviceName): Promise<Tensor> {
  backendOf('toDevice', { x });
  if (!isDeviceName(device)) throw new TesseraError('toDevice', 'device', `must be 'cpu' or 'webgpu', got ${describe(device)}`);
  if (device === x.device) return x;
  return moved(x, await x.data(), device);
}

function moved(x: Tensor, data: TypedArray, device: DeviceName): Tensor {
  if (x.gradFn !== null) {
    throw new TesseraError('to', 'x', `is an intermediate result of the autograd graph; device moves are not differentiable: move the inputs (leaves) instead`);
  }
  const backend = getBackend(device, 'to');
  if (x.dtype === 'float64' && !backend.supportsFloat64) {
    throw new TesseraError('to', 'x', `is float64, which ${device} does not support (WGSL has no f64): cast to float32 first`);
  }
  const out = wrap(backend.fromArray(data, x.dtype), x.shape);
  if (x.requiresGrad) out.requiresGrad = true;
  return out;
}
