/**
 * The derivatives table: one gradient rule per recorded op, written with tensor ops only, so
 * every rule runs on every backend and is itself differentiable (grad of grad).
 * `g` is the gradient of the op's first output; a rule returns one gradient (or null) per input.
 */
import type { OpAttrs, OpName, Tensor } from '@tessera/tensor';
import {
  cat, cos, eq, exp, erf, gather, gt, lt, matmul, mul, permute, reshape, sigmoid, sign, sin, sliceScatter, slice,
  split, sum, tanh, where, zeros, abs, pow, log, div, add, sub, neg, cast, scatterAdd, expand, mean, rsqrt, square,
  geluBackward,
} from '@tessera/tensor';
import { isGradEnabled } from './mode.js';
import type { Node } from './node.js';

export interface GradRule<K extends OpName> {
  /** What backward reads: the op's inputs, its outputs, both, or neither. */
  readonly saves: 'inputs' | 'outputs' | 'both' | 'none';
  backward(g: Tensor, node: RuleContext<K>): (Tensor | null)[];
}

/** What a rule sees of its node. */
export interface RuleContext<K extends OpName> {
  readonly attrs: OpAttrs[K];
  input(i: number): Tensor;
  out(i: number): Tensor;
  readonly edges: Node['edges'];
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

function zerosFor(node: RuleContext<OpName>, i: number, like: Tensor): Tensor {
  const e = node.edges[i]!;
  return zeros(e.shape, { dtype: e.dtype, device: like.device });
}

/** Puts back the reduced dims of `g` as size 1 so it broadcasts against the input. */
function unreduce(g: Tensor, dims: readonly number[], keepdim: boolean, inputShape: readonly number[]): Tensor {
  if (keepdim || dims.length === 0) return g;
  return reshape(g, inputShape.map((s, i) => (dims.includes(i) ? 1 : s)));
}

const unary = <K extends OpName>(saves: GradRule<K>['saves'], f: (g: Tensor, x: () => Tensor, y: () => Tensor) => Tensor): GradRule<K> => ({
  saves,
  backward: (g, node) => [f(g, () => node.input(0), () => node.out(0))],
});
const nograd = <K extends OpName>(): GradRule<K> => ({ saves: 'none', backward: (g, node) => node.edges.map((_, i) => zerosFor(node, i, g)) });

function extremumRule(g: Tensor, node: RuleContext<'amax' | 'amin'>): Tensor {
  const { dims, keepdim } = node.attrs;
  const x = node.input(0);
  const y = unreduce(node.out(0), dims, keepdim, x.shape);
  const hits = cast(eq(x, y), x.dtype);
  const count = sum(hits, dims, true);
  return div(mul(unreduce(g, dims, keepdim, x.shape), hits), count);
}

function extremumIndexRule(g: Tensor, node: RuleContext<'maxDim' | 'minDim'>): Tensor {
  const { dim, keepdim } = node.attrs;
  const shape = node.edges[0]!.shape;
  if (shape.length === 0) return g;
  const idx = unreduce(node.out(1), [dim], keepdim, shape);
  return scatterAdd(zerosFor(node, 0, g), dim, idx, unreduce(g, [dim], keepdim, shape));
}

/** maximum/minimum: the winning side gets the gradient; ties share it equally, as in torch. */
function extremumPairRule(g: Tensor, node: RuleContext<'maximum' | 'minimum'>, wins: (a: Tensor, b: Tensor) => Tensor): Tensor[] {
  const a = node.input(0);
  const b = node.input(1);
  const half = mul(g, 0.5);
  const tie = eq(a, b);
  return [where(tie, half, where(wins(a, b), g, 0)), where(tie, half, where(wins(b, a), g, 0))];
}

/** Pads `t` with trailing zeros in each dim up to `shape`. */
function padTo(t: Tensor, shape: readonly number[]): Tensor {
  let out = t;
  shape.forEach((size, d) => {
    const have = out.shape[d]!;
    if (have < size) {
      const padShape = [...out.shape];
      padShape[d] = size - have;
      out = cat([out, zeros(padShape, { dtype: out.dtype, device: out.device })], d);
    }
  });
  return out;
}

export const rules: { readonly [K in OpName]: GradRule<K> } = {
  neg: unary('none', (g) => neg(g)),
  abs: unary('inputs', (g, x) => mul(g, sign(x()))),
  sign: nograd(),
  square: unary('inputs', (g, x) => mul(g, mul(x(), 2))),
  exp: unary('outputs', (g, _x, y) => mul(g, y())),
  log: unary('inputs', (g, x) => div(g, x())),
  log1p: unary('inputs', (g, x) => div(g, add(x(), 1))),
  expm1: unary('outputs', (g, _x, y) => mul(g, add(y(), 1))),
  sqrt: unary('outputs', (g, _x, y) => div(g, mul(y(), 2))),
  rsqrt: unary('outputs', (g, _x, y) => mul(g, mul(pow(y(), 3), -0.5))),
  reciprocal: unary('outputs', (g, _x, y) => neg(mul(g, mul(y(), y())))),
  sin: unary('inputs', (g, x) => mul(g, cos(x()))),
  cos: unary('inputs', (g, x) => neg(mul(g, sin(x())))),
  tanh: unary('outputs', (g, _x, y) => mul(g, sub(1, mul(y(), y())))),
  sigmoid: unary('outputs', (g, _x, y) => mul(g, mul(y(), sub(1, y())))),
  relu: unary('outputs', (g, _x, y) => where(gt(y(), 0), g, 0)),
  erf: unary('inputs', (g, x) => mul(g, mul(exp(neg(mul(x(), x()))), 2 / Math.sqrt(Math.PI)))),
  // d/dx x·Φ(x) = Φ(x) + x·φ(x), fused into one op (whose own rule below gives grad of grad).
  gelu: unary('inputs', (g, xf) => geluBackward(g, xf())),
  geluTanh: unary('inputs', (g, xf) => {
    const x = xf();
    const x2 = mul(x, x);
    const t = tanh(mul(add(x, mul(mul(x2, x), 0.044715)), SQRT_2_OVER_PI));
    const left = mul(add(t, 1), 0.5);
    const dInner = mul(add(mul(x2, 3 * 0.044715), 1), SQRT_2_OVER_PI);
    const right = mul(mul(mul(x, 0.5), sub(1, mul(t, t))), dInner);
    return mul(g, add(left, right));
  }),
  silu: unary('inputs', (g, xf) => {
    const x = xf();
    const s = sigmoid(x);
    return mul(g, mul(s, add(mul(x, sub(1, s)), 1)));
  }),
  softplus: unary('inputs', (g, xf) => where(gt(xf(), 20), g, mul(g, sigmoid(xf())))),
  floor: nograd(),
  ceil: nograd(),
  round: nograd(),
  isnan: nograd(),
  isinf: nograd(),
  logicalNot: nograd(),

  add: { saves: 'none', backward: (g) => [g, g] },
  sub: { saves: 'none', backward: (g) => [g, neg(g)] },
  mul: {
    saves: 'inputs',
    backward: (g, n) => [
      n.edges[0]!.requiresGrad ? mul(g, n.input(1)) : null,
      n.edges[1]!.requiresGrad ? mul(g, n.input(0)) : null,
    ],
  },
  div: {
    saves: 'inputs',
    backward: (g, n) => {
      const b = n.input(1);
      return [div(g, b), n.edges[1]!.requiresGrad ? neg(div(mul(g, n.input(0)), mul(b, b))) : null];
    },
  },
  // PyTorch's pow_backward: 0 where the exponent is 0; d/db uses log(a) with 0 where a = 0 and b >= 0.
  pow: {
    saves: 'both',
    backward: (g, n) => {
      const a = n.input(0);
      const b = n.input(1);
      const ga = where(eq(b, 0), 0, mul(g, mul(b, pow(a, sub(b, 1)))));
      if (!n.edges[1]!.requiresGrad) return [ga, null];
      const zeroBase = eq(a, 0).logicalAnd(b.ge(0));
      const gb = where(zeroBase, 0, mul(g, mul(n.out(0), log(where(zeroBase, 1, a)))));
      return [ga, gb];
    },
  },
  maximum: { saves: 'inputs', backward: (g, n) => extremumPairRule(g, n, gt) },
  // out = a · gelu'(b): d/da = gelu'(b); d/db = a · gelu''(b), gelu''(b) = φ(b) · (2 − b²).
  geluBackward: {
    saves: 'inputs',
    backward: (g, n) => {
      const b = n.input(1);
      return [
        n.edges[0]!.requiresGrad ? geluBackward(g, b) : null,
        n.edges[1]!.requiresGrad ? mul(mul(g, n.input(0)), mul(mul(exp(mul(square(b), -0.5)), INV_SQRT_2PI), sub(2, square(b)))) : null,
      ];
    },
  },
  minimum: { saves: 'inputs', backward: (g, n) => extremumPairRule(g, n, lt) },
  eq: nograd(),
  ne: nograd(),
  lt: nograd(),
  le: nograd(),
  gt: nograd(),
  ge: nograd(),
  logicalAnd: nograd(),
  logicalOr: nograd(),
  logicalXor: nograd(),

  where: {
    saves: 'inputs',
    backward: (g, n) => {
      const c = n.input(0);
      return [null, where(c, g, 0), where(c, 0, g)];
    },
  },
  cast: { saves: 'none', backward: (g, n) => [cast(g, n.edges[0]!.dtype)] },
  contiguous: { saves: 'none', backward: (g) => [g] },
  reshape: { saves: 'none', backward: (g, n) => [reshape(g, n.attrs.shape)] },
  permute: {
    saves: 'none',
    backward: (g, n) => {
      const inverse = new Array<number>(n.attrs.dims.length);
      n.attrs.dims.forEach((d, i) => (inverse[d] = i));
      return [permute(g, inverse)];
    },
  },
  // The one place where broadcasting is undone: sum over new leading dims and stretched size-1 dims.
  expand: {
    saves: 'none',
    backward: (g, n) => {
      const shape = n.attrs.shape;
      const lead = g.ndim - shape.length;
      const dims: number[] = [];
      for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
      return [dims.length === 0 ? reshape(g, shape) : reshape(sum(g, dims, true), shape)];
    },
  },
  slice: {
    saves: 'none',
    backward: (g, n) => {
      const { dim, start, end, step } = n.attrs;
      return [sliceScatter(zerosFor(n, 0, g), g, dim, start, end, step)];
    },
  },
  sum: {
    saves: 'none',
    backward: (g, n) => {
      const shape = n.edges[0]!.shape;
      return [expand(unreduce(g, n.attrs.dims, n.attrs.keepdim, shape), shape)];
    },
  },
  amax: { saves: 'both', backward: (g, n) => [extremumRule(g, n)] },
  amin: { saves: 'both', backward: (g, n) => [extremumRule(g, n)] },
  maxDim: { saves: 'outputs', backward: (g, n) => [extremumIndexRule(g, n)] },
  minDim: { saves: 'outputs', backward: (g, n) => [extremumIndexRule(g, n)] },
  logsumexp: {
    saves: 'both',
    backward: (g, n) => {
      const x = n.input(0);
      const { dims, keepdim } = n.attrs;
      return [mul(unreduce(g, dims, keepdim, x.shape), exp(sub(x, unreduce(n.out(0), dims, keepdim, x.shape))))];
    },
  },
  // Subgradient 0 where the norm is 0, as torch.linalg.vector_norm.
  norm: {
    saves: 'both',
    backward: (g, n) => {
      const x = n.input(0);
      const { p, dims, keepdim } = n.attrs;
      const gk = unreduce(g, dims, keepdim, x.shape);
      const y = unreduce(n.out(0), dims, keepdim, x.shape);
      if (p === 0) return [mul(gk, 0).expand(x.shape)];
      if (p === 1) return [mul(gk, sign(x))];
      const zero = eq(y, 0);
      const safeY = where(zero, 1, y);
      if (p === 2) return [where(zero, 0, mul(gk, div(x, safeY)))];
      if (p === Infinity) {
        const hits = cast(eq(abs(x), y), x.dtype);
        return [div(mul(mul(gk, sign(x)), hits), sum(hits, dims, true))];
      }
      const scaled = div(mul(sign(x), pow(abs(x), p - 1)), pow(safeY, p - 1));
      return [where(zero, 0, mul(gk, scaled))];
    },
  },
  softmax: {
    saves: 'outputs',
    backward: (g, n) => {
      const y = n.out(0);
      return [mul(y, sub(g, sum(mul(g, y), n.attrs.dim, true)))];
    },
  },
  // z = x * scale + mask, y = softmax(z) over the last dim: dz = y (g - sum(g y)); the mask is a view of x's shape.
  scaledMaskedSoftmax: {
    saves: 'outputs',
    backward: (g, n) => {
      const y = n.out(0);
      const dz = mul(y, sub(g, sum(mul(g, y), y.ndim - 1, true)));
      return n.attrs.hasMask ? [mul(dz, n.attrs.scale), dz] : [mul(dz, n.attrs.scale)];
    },
  },
  logSoftmax: {
    saves: 'outputs',
    backward: (g, n) => [sub(g, mul(exp(n.out(0)), sum(g, n.attrs.dim, true)))],
  },
  layerNorm: {
    saves: 'both',
    backward: (g, n) => {
      const { normalizedShape, hasWeight, hasBias } = n.attrs;
      const x = n.input(0);
      const k = normalizedShape.length;
      const normDims = normalizedShape.map((_, i) => x.ndim - k + i);
      const leadDims = x.shape.slice(0, x.ndim - k).map((_, i) => i);
      // Saved mean/rstd are constants; under createGraph recompute them so second derivatives see x.
      const nested = isGradEnabled();
      const mu = nested ? mean(x, normDims, true) : n.out(1);
      const rstd = nested ? rsqrt(add(mean(square(sub(x, mu)), normDims, true), n.attrs.eps)) : n.out(2);
      const xhat = mul(sub(x, mu), rstd);
      const weight = hasWeight ? n.input(1) : null;
      const dxhat = weight ? mul(g, weight) : g;
      const dx = mul(rstd, sub(sub(dxhat, mean(dxhat, normDims, true)), mul(xhat, mean(mul(dxhat, xhat), normDims, true))));
      const grads: (Tensor | null)[] = [dx];
      if (hasWeight) grads.push(leadDims.length ? sum(mul(g, xhat), leadDims) : mul(g, xhat));
      if (hasBias) grads.push(leadDims.length ? sum(g, leadDims) : g);
      return grads;
    },
  },
  matmul: {
    saves: 'inputs',
    backward: (g, n) => [
      n.edges[0]!.requiresGrad ? matmul(g, n.input(1).mT) : null,
      n.edges[1]!.requiresGrad ? matmul(n.input(0).mT, g) : null,
    ],
  },
  gather: {
    saves: 'inputs',
    backward: (g, n) => [scatterAdd(zerosFor(n, 0, g), n.attrs.dim, n.input(1), g), null],
  },
  scatterAdd: {
    saves: 'inputs',
    backward: (g, n) => {
      const index = n.input(1);
      const srcShape = n.edges[2]!.shape;
      return [g, null, n.edges[2]!.requiresGrad ? padTo(gather(g, n.attrs.dim, index), srcShape) : null];
    },
  },
  cat: { saves: 'none', backward: (g, n) => split(g, n.attrs.sizes, n.attrs.dim) },
  custom: { saves: 'none', backward: (g, n) => n.attrs.backward(g) },
  sliceScatter: {
    saves: 'none',
    backward: (g, n) => {
      const { dim, start, end, step } = n.attrs;
      return [sliceScatter(g, zerosFor(n, 1, g), dim, start, end, step), slice(g, dim, start, end, step)];
    },
  },
};
