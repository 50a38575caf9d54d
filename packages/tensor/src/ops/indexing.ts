import { getBackend } from '../device.js';
import { record } from '../dispatch.js';
import { check, fmtShape } from '../errors.js';
import { normalizeDim } from '../shape.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { backendOf, checkInteger, wrap } from './core.js';
import { arange, zeros } from './creation.js';
import { add, cast, eq, ge, le, sub, where } from './elementwise.js';
import { cat, expand, reshape, slice, squeeze, unsqueeze } from './movement.js';

/**
 * Checks index values against `[0, size)` where they can be read synchronously (CPU);
 * on other devices kernels clamp instead of reading out of bounds.
 */
function checkIndexValues(op: string, arg: string, index: Tensor, size: number, dim: number): void {
  if (index.device !== 'cpu' || index.numel === 0) return;
  const values = getBackend('cpu').readSync(index);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0 || v >= size) {
      check(false, op, arg, () => `holds ${v}, out of range for dim ${dim} of size ${size} (valid: 0..${size - 1})`);
    }
  }
}

function checkIndexTensor(op: string, index: Tensor, rank: number): void {
  check(index.dtype === 'int32', op, 'index', () => `must be an int32 tensor, got ${index.dtype}`);
  check(index.ndim === rank || (rank === 0 && index.ndim <= 1), op, 'index', () => `must have ${rank} dims like the input, got shape ${fmtShape(index.shape)}`);
}

/** `out[i][j] = x[index[i][j]][j]` for dim 0 (and likewise for any dim); out has the index's shape. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const backend = backendOf('gather', { x, index });
  checkInteger('gather', 'dim', dim);
  const d = normalizeDim('gather', dim, x.ndim);
  checkIndexTensor('gather', index, x.ndim);
  for (let i = 0; i < x.ndim; i++) {
    if (i === d) continue;
    check(index.shape[i]! <= x.shape[i]!, 'gather', 'index', () => `shape ${fmtShape(index.shape)} exceeds input shape ${fmtShape(x.shape)} at dim ${i}`);
  }
  checkIndexValues('gather', 'index', index, x.ndim === 0 ? 1 : x.shape[d]!, d);
  const out = wrap(backend.gather(x, d, index), index.shape);
  record('gather', [x, index], [out], { dim: d });
  return out;
}

/** A copy of `x` with `src[i][j]` added at `[index[i][j]][j]` (dim 0; likewise for any dim). Duplicates accumulate. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const backend = backendOf('scatterAdd', { x, index, src });
  checkInteger('scatterAdd', 'dim', dim);
  const d = normalizeDim('scatterAdd', dim, x.ndim);
  checkIndexTensor('scatterAdd', index, x.ndim);
  check(src.ndim === x.ndim, 'scatterAdd', 'src', () => `must have ${x.ndim} dims, got shape ${fmtShape(src.shape)}`);
  check(src.dtype === x.dtype, 'scatterAdd', 'src', () => `has dtype ${src.dtype}; expected x's dtype ${x.dtype}`);
  for (let i = 0; i < x.ndim; i++) {
    check(index.shape[i]! <= src.shape[i]!, 'scatterAdd', 'index', () => `shape ${fmtShape(index.shape)} exceeds src shape ${fmtShape(src.shape)} at dim ${i}`);
    if (i !== d) check(index.shape[i]! <= x.shape[i]!, 'scatterAdd', 'index', () => `shape ${fmtShape(index.shape)} exceeds x shape ${fmtShape(x.shape)} at dim ${i}`);
  }
  checkIndexValues('scatterAdd', 'index', index, x.ndim === 0 ? 1 : x.shape[d]!, d);
  const out = wrap(backend.scatterAdd(x, d, index, src), x.shape);
  record('scatterAdd', [x, index, src], [out], { dim: d });
  return out;
}

/** Rows (or slices along `dim`) picked by a 1-D int32 `index`, as torch.index_select. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  return tidy(() => {
    backendOf('indexSelect', { x, index });
    const d = normalizeDim('indexSelect', dim, x.ndim);
    check(index.dtype === 'int32', 'indexSelect', 'index', () => `must be an int32 tensor, got ${index.dtype}`);
    check(index.ndim <= 1, 'indexSelect', 'index', () => `must be 1-D, got shape ${fmtShape(index.shape)}`);
    checkIndexValues('indexSelect', 'index', index, x.ndim === 0 ? 1 : x.shape[d]!, d);
    if (x.ndim === 0) return gather(x, 0, reshape(index, []));
    const length = index.numel;
    const viewShape = x.shape.map((_, i) => (i === d ? length : 1));
    const outShape = x.shape.map((s, i) => (i === d ? length : s));
    return gather(x, d, expand(reshape(index, viewShape), outShape));
  });
}

function triangle(op: 'triu' | 'tril', x: Tensor, diagonal: number): Tensor {
  return tidy(() => {
    backendOf(op, { x });
    check(x.ndim >= 2, op, 'x', () => `must have at least 2 dims, got shape ${fmtShape(x.shape)}`);
    checkInteger(op, 'diagonal', diagonal);
    const m = x.shape[x.ndim - 2]!;
    const n = x.shape[x.ndim - 1]!;
    const rows = reshape(arange(0, m, 1, { device: x.device }), [m, 1]);
    const cols = reshape(arange(0, n, 1, { device: x.device }), [1, n]);
    const offset = sub(cols, rows);
    const keep = op === 'triu' ? ge(offset, diagonal) : le(offset, diagonal);
    return where(keep, x, 0);
  });
}

/** Upper triangle (elements with col - row >= diagonal) of the last two dims; the rest zero. */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle('triu', x, diagonal);
}
/** Lower triangle (col - row <= diagonal) of the last two dims. */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle('tril', x, diagonal);
}

/** 1-D input: a square matrix with `x` on the `diagonal`-th diagonal. 2-D input: that diagonal as 1-D. */
export function diag(x: Tensor, diagonal = 0): Tensor {
  return tidy(() => {
    backendOf('diag', { x });
    checkInteger('diag', 'diagonal', diagonal);
    check(x.ndim === 1 || x.ndim === 2, 'diag', 'x', () => `must be 1-D or 2-D, got shape ${fmtShape(x.shape)}`);
    const k = diagonal;
    if (x.ndim === 2) {
      const [m, n] = x.shape as [number, number];
      const rowStart = k >= 0 ? 0 : -k;
      const length = Math.max(0, k >= 0 ? Math.min(m, n - k) : Math.min(m + k, n));
      const rows = slice(x, 0, rowStart, rowStart + length);
      const cols = reshape(add(arange(0, length, 1, { device: x.device }), Math.max(k, 0)), [length, 1]);
      return length === 0 ? reshape(rows, [0]) : squeeze(gather(rows, 1, cols), 1);
    }
    const n = x.shape[0]!;
    const idx = arange(0, n, 1, { device: x.device });
    const exact = eq(reshape(idx, [n, 1]), reshape(idx, [1, n]));
    const square = where(exact, unsqueeze(x, 0), 0);
    if (k === 0) return square;
    const a = Math.abs(k);
    const zerosCols = zeros([n, a], { dtype: x.dtype, device: x.device });
    const zerosRows = zeros([a, n + a], { dtype: x.dtype, device: x.device });
    const wide = k > 0 ? cat([zerosCols, square], 1) : cat([square, zerosCols], 1);
    return k > 0 ? cat([wide, zerosRows], 0) : cat([zerosRows, wide], 0);
  });
}

/** One-hot encoding of int32 class indices: `[...]` -> `[..., numClasses]` (int32). */
export function oneHot(indices: Tensor, numClasses: number): Tensor {
  return tidy(() => {
    backendOf('oneHot', { indices });
    check(indices.dtype === 'int32', 'oneHot', 'indices', () => `must be int32, got ${indices.dtype}`);
    checkInteger('oneHot', 'numClasses', numClasses, 1);
    checkIndexValues('oneHot', 'indices', indices, numClasses, -1);
    const classes = arange(0, numClasses, 1, { device: indices.device });
    return cast(eq(unsqueeze(indices, -1), classes), 'int32');
  });
}
