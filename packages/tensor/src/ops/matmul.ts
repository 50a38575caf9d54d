import { record } from '../dispatch.js';
import { isFloat } from '../dtype.js';
import { check, fmtShape } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { backendOf, wrap } from './core.js';
import { expand, reshape } from './movement.js';

/**
 * Matrix product with torch.matmul semantics: 1-D operands are promoted (and the added dim removed),
 * batch dims broadcast. `[..., m, k] @ [..., k, n] -> [..., m, n]`.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return tidy(() => {
    const backend = backendOf('matmul', { input: a, other: b });
    check(a.ndim >= 1, 'matmul', 'input', () => `must have at least 1 dim, got shape ${fmtShape(a.shape)}`);
    check(b.ndim >= 1, 'matmul', 'other', () => `must have at least 1 dim, got shape ${fmtShape(b.shape)}`);
    check(isFloat(a.dtype), 'matmul', 'input', () => `has dtype ${a.dtype}; expected float32 or float64`);
    check(a.dtype === b.dtype, 'matmul', 'other', () => `has dtype ${b.dtype} but input has ${a.dtype}; both must match`);
    const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]!]) : a;
    const b2 = b.ndim === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
    const m = a2.shape[a2.ndim - 2]!;
    const k = a2.shape[a2.ndim - 1]!;
    const kb = b2.shape[b2.ndim - 2]!;
    const n = b2.shape[b2.ndim - 1]!;
    check(k === kb, 'matmul', 'other', () => `shape ${fmtShape(b.shape)} cannot multiply input shape ${fmtShape(a.shape)}: inner dims ${k} and ${kb} differ`);
    // x[..., m, k] @ W[k, n]: fold the batch dims into m (one 2-D product), as torch does, so the
  // weight's gradient is one [k, n] product instead of a batch of them summed afterwards.
  if (b.ndim === 2 && a.ndim > 2) {
    const folded = matmul(reshape(a2, [-1, k]), b2);
    return reshape(folded, [...a2.shape.slice(0, -1), n]);
  }
  const batch = broadcastShapes('matmul', [a2.shape.slice(0, -2), b2.shape.slice(0, -2)], ['input', 'other']);
    const av = expand(a2, [...batch, m, k]);
    const bv = expand(b2, [...batch, k, n]);
    const out = wrap(backend.matmul(av, bv, batch, m, k, n), [...batch, m, n]);
    record('matmul', [av, bv], [out], {});
    let shape = [...batch, m, n];
    if (a.ndim === 1) shape = [...batch, n];
    if (b.ndim === 1) shape = a.ndim === 1 ? [...batch] : [...batch, m];
    return shape.length === out.ndim && a.ndim > 1 && b.ndim > 1 ? out : reshape(out, shape);
  });
}
