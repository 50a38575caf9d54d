import { record, withoutRecording } from '../dispatch.js';
import { isFloat } from '../dtype.js';
import { check, fmtShape } from '../errors.js';
import { normalizeDim, normalizeDims, numel, reducedShape } from '../shape.js';
import type { Tensor, ValuesIndices } from '../tensor.js';
import { backendOf, describe, wrap } from './core.js';
import { abs, add, cast, div, isinf, log, mul, ne, pow, sqrt, sub, where, exp, square } from './elementwise.js';
import { flatten, reshape } from './movement.js';
import { full } from './creation.js';
import { tidy } from '../memory.js';

type Dims = number | readonly number[] | undefined;

function checkNonEmpty(op: string, x: Tensor, dims: readonly number[]): void {
  for (const d of dims) {
    check(x.shape[d] !== 0, op, 'dim', () => `${d} has size 0 in shape ${fmtShape(x.shape)}; the reduction has no identity`);
  }
  if (x.ndim === 0) return;
}

/** Sum over `dim` (all dims when omitted). int/bool sum to int32. */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return tidy(() => {
    const backend = backendOf('sum', { x });
    const dims = normalizeDims('sum', dim, x.ndim);
    const input = x.dtype === 'bool' ? cast(x, 'int32') : x;
    const out = wrap(backend.reduce('sum', input, dims), reducedShape(x.shape, dims, keepdim));
    record('sum', [input], [out], { dims, keepdim });
    return out;
  });
}

/** Mean over `dim` (all dims when omitted); int/bool inputs average as float32. */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return tidy(() => {
    backendOf('mean', { x });
    const dims = normalizeDims('mean', dim, x.ndim);
    const count = dims.reduce((n, d) => n * x.shape[d]!, 1);
    const input = isFloat(x.dtype) ? x : cast(x, 'float32');
    return div(sum(input, dims, keepdim), count);
  });
}

function extremum(op: 'amax' | 'amin', x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const backend = backendOf(op, { x });
  const dims = normalizeDims(op, dim, x.ndim);
  check(x.numel > 0 || dims.length < x.ndim, op, 'x', () => `is empty (shape ${fmtShape(x.shape)}); max/min of nothing is undefined`);
  checkNonEmpty(op, x, dims);
  const out = wrap(backend.reduce(op === 'amax' ? 'max' : 'min', x, dims), reducedShape(x.shape, dims, keepdim));
  record(op, [x], [out], { dims, keepdim });
  return out;
}

/** Max over dims; gradient is shared evenly between ties (torch.amax). NaN propagates. */
export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extremum('amax', x, dim, keepdim);
}
/** Min over dims; gradient is shared evenly between ties (torch.amin). */
export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extremum('amin', x, dim, keepdim);
}

function extremumWithIndices(op: 'max' | 'min', x: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  const backend = backendOf(op, { x });
  check(typeof dim === 'number', op, 'dim', () => `must be a number, got ${describe(dim)}`);
  const d = normalizeDim(op, dim, x.ndim);
  check(x.ndim === 0 || x.shape[d]! > 0, op, 'dim', () => `${dim} has size 0 in shape ${fmtShape(x.shape)}`);
  const dims = x.ndim === 0 ? [] : [d];
  const { values, indices } = backend.argReduce(op, x, x.ndim === 0 ? 0 : d);
  const shape = reducedShape(x.shape, dims, keepdim);
  const out = { values: wrap(values, shape), indices: wrap(indices, shape) };
  record(op === 'max' ? 'maxDim' : 'minDim', [x], [out.values, out.indices], { dim: d, keepdim });
  return out;
}

/** Max along `dim` with the index of the first maximum; the gradient goes to that index. */
export function max(x: Tensor, dim: number, keepdim = false): ValuesIndices {
  return extremumWithIndices('max', x, dim, keepdim);
}
/** Min along `dim` with the index of the first minimum. */
export function min(x: Tensor, dim: number, keepdim = false): ValuesIndices {
  return extremumWithIndices('min', x, dim, keepdim);
}

function argExtremum(op: 'argmax' | 'argmin', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  backendOf(op, { x });
  const which = op === 'argmax' ? 'max' : 'min';
  if (dim === undefined) {
    check(x.numel > 0, op, 'x', () => `is empty (shape ${fmtShape(x.shape)})`);
    return tidy(() => extremumWithIndices(which, flatten(x), 0, false).indices);
  }
  check(typeof dim === 'number', op, 'dim', () => `must be a number, got ${describe(dim)}`);
  const d = normalizeDim(op, dim, x.ndim);
  check(x.ndim === 0 || x.shape[d]! > 0, op, 'dim', () => `${dim} has size 0 in shape ${fmtShape(x.shape)}`);
  return tidy(() => extremumWithIndices(which, x, d, keepdim).indices);
}

/** Index of the first maximum along `dim`, or in the flattened tensor when `dim` is omitted (int32). */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtremum('argmax', x, dim, keepdim);
}
/** Index of the first minimum along `dim`, or in the flattened tensor when `dim` is omitted (int32). */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtremum('argmin', x, dim, keepdim);
}

/** log(sum(exp(x))) over `dim`, max-shifted; rows of -inf give -inf, a single finite entry suffices. */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  return tidy(() => {
    const backend = backendOf('logsumexp', { x });
    check(dim !== undefined, 'logsumexp', 'dim', () => 'is required');
    const input = isFloat(x.dtype) ? x : cast(x, 'float32');
    const dims = normalizeDims('logsumexp', dim, x.ndim);
    const shape = reducedShape(x.shape, dims, keepdim);
    const out = withoutRecording(() => {
      if (x.numel === 0) return full(shape, -Infinity, { dtype: input.dtype, device: x.device });
      if (backend.logsumexp && dims.length === 1) return wrap(backend.logsumexp(input, dims[0]!), shape);
      const m = amax(input, dims, true);
      const shift = where(isinf(m), 0, m);
      const y = add(log(sum(exp(sub(input, shift)), dims, true)), shift);
      return reshape(y, shape);
    });
    record('logsumexp', [input], [out], { dims, keepdim });
    return out;
  });
}

/** p-norm over `dim` (all dims when omitted); p may be any positive number or Infinity. Gradient 0 where the norm is 0. */
export function norm(x: Tensor, p = 2, dim?: Dims, keepdim = false): Tensor {
  return tidy(() => {
    backendOf('norm', { x });
    check(typeof p === 'number' && p >= 0, 'norm', 'p', () => `must be a non-negative number or Infinity, got ${describe(p)}`);
    const input = isFloat(x.dtype) ? x : cast(x, 'float32');
    const dims = normalizeDims('norm', dim, x.ndim);
    const out = withoutRecording(() => {
      if (p === 0) return sum(cast(ne(input, 0), input.dtype), dims, keepdim);
    if (p === 2) return sqrt(sum(square(input), dims, keepdim));
      if (p === 1) return sum(abs(input), dims, keepdim);
      if (p === Infinity) return x.numel === 0 ? sum(abs(input), dims, keepdim) : amax(abs(input), dims, keepdim);
      return pow(sum(pow(abs(input), p), dims, keepdim), 1 / p);
    });
    record('norm', [input], [out], { p, dims, keepdim });
    return out;
  });
}

/** Variance over `dim` with Bessel's `correction` (default 1, as torch.var). */
export function variance(x: Tensor, dim?: Dims, opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
  return tidy(() => {
    backendOf('var', { x });
    const correction = opts.correction ?? 1;
    const dims = normalizeDims('var', dim, x.ndim);
    const count = numel(dims.map((d) => x.shape[d]!));
    const centered = sub(x, mean(x, dims, true));
    return div(sum(mul(centered, centered), dims, opts.keepdim ?? false), Math.max(count - correction, 0));
  });
}
