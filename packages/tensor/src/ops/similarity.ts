import { isFloat } from '../dtype.js';
import { check, fmtShape } from '../errors.js';
import { broadcastShapes, normalizeDim } from '../shape.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { backendOf, describe } from './core.js';
import { add, cast, div, lt, mul, sub, where } from './elementwise.js';
import { broadcastTo } from './elementwise.js';
import { unsqueeze } from './movement.js';
import { norm, sum } from './reduce.js';

function floats(op: string, named: Record<string, Tensor>): Tensor[] {
  backendOf(op, named);
  return Object.values(named).map((t) => (isFloat(t.dtype) ? t : cast(t, 'float32')));
}

/** `x / max(‖x‖_p, eps)` along `dim` (torch.nn.functional.normalize; default p 2, dim -1 here as in ST, eps 1e-12). */
export function normalize(x: Tensor, opts: { p?: number; dim?: number; eps?: number } = {}): Tensor {
  return tidy(() => {
    const [input] = floats('normalize', { x }) as [Tensor];
    const p = opts.p ?? 2;
    const eps = opts.eps ?? 1e-12;
    check(typeof eps === 'number' && eps >= 0, 'normalize', 'eps', () => `must be a non-negative number, got ${describe(eps)}`);
    const d = normalizeDim('normalize', opts.dim ?? -1, x.ndim);
    const n = norm(input, p, d, true);
    return div(input, where(lt(n, eps), eps, n));
  });
}

/**
 * Cosine similarity along `dim` with broadcasting, each input divided by max(‖x‖, eps) first
 * (torch.nn.functional.cosine_similarity; eps 1e-8). `[..., D, ...] x [..., D, ...] -> [...]`.
 */
export function cosineSimilarity(a: Tensor, b: Tensor, dim = 1, eps = 1e-8): Tensor {
  return tidy(() => {
    const [x1, x2] = floats('cosineSimilarity', { x1: a, x2: b }) as [Tensor, Tensor];
    const { views } = broadcastTo('cosineSimilarity', [x1, x2], ['x1', 'x2']);
    const [u, v] = views as [Tensor, Tensor];
    const d = normalizeDim('cosineSimilarity', dim, u.ndim);
    return sum(mul(normalize(u, { dim: d, eps }), normalize(v, { dim: d, eps })), d);
  });
}

/** ‖a - b + eps‖_p along the last dim (torch.nn.functional.pairwise_distance; eps 1e-6 added to each difference). */
export function pairwiseDistance(a: Tensor, b: Tensor, p = 2, eps = 1e-6, keepdim = false): Tensor {
  return tidy(() => {
    const [x1, x2] = floats('pairwiseDistance', { x1: a, x2: b }) as [Tensor, Tensor];
    check(x1.ndim >= 1 || x2.ndim >= 1, 'pairwiseDistance', 'x1', () => 'and x2 cannot both be 0-d');
    broadcastShapes('pairwiseDistance', [x1.shape, x2.shape], ['x1', 'x2']);
    return norm(add(sub(x1, x2), eps), p, -1, keepdim);
  });
}

/** p-norm distance between every row pair: `[..., N, D] x [..., M, D] -> [..., N, M]` (gradient 0 at distance 0). */
export function cdist(a: Tensor, b: Tensor, p = 2): Tensor {
  return tidy(() => {
    const [x1, x2] = floats('cdist', { x1: a, x2: b }) as [Tensor, Tensor];
    check(x1.ndim >= 2, 'cdist', 'x1', () => `must have at least 2 dims [..., N, D], got shape ${fmtShape(a.shape)}`);
    check(x2.ndim >= 2, 'cdist', 'x2', () => `must have at least 2 dims [..., M, D], got shape ${fmtShape(b.shape)}`);
    check(x1.shape[x1.ndim - 1] === x2.shape[x2.ndim - 1], 'cdist', 'x2', () =>
      `has feature size ${x2.shape[x2.ndim - 1]} but x1 has ${x1.shape[x1.ndim - 1]} (shapes ${fmtShape(a.shape)}, ${fmtShape(b.shape)})`,
    );
    broadcastShapes('cdist', [x1.shape.slice(0, -2), x2.shape.slice(0, -2)], ['x1', 'x2']);
    return norm(sub(unsqueeze(x1, -2), unsqueeze(x2, -3)), p, -1);
  });
}
