import { record, willRecord, withoutRecording } from '../dispatch.js';
import { isFloat } from '../dtype.js';
import { check, fmtShape } from '../errors.js';
import { defaultGenerator, Generator } from '../random.js';
import { broadcastsTo, normalizeDim, numel, shapesEqual } from '../shape.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { backendOf, describe, wrap } from './core.js';
import { rand } from './creation.js';
import { add, cast, div, exp, ge, isinf, log, mul, rsqrt, sub, where } from './elementwise.js';
import { amax, mean, sum } from './reduce.js';
import { expand } from './movement.js';

function floatInput(op: string, x: Tensor): Tensor {
  backendOf(op, { x });
  return isFloat(x.dtype) ? x : cast(x, 'float32');
}

/** softmax along `dim`, max-shifted. */
export function softmax(x: Tensor, dim: number): Tensor {
  return tidy(() => {
    const input = floatInput('softmax', x);
    const backend = backendOf('softmax', { x: input });
    const d = normalizeDim('softmax', dim, x.ndim);
    const out = withoutRecording(() => {
      if (backend.softmax && x.ndim > 0) return wrap(backend.softmax(input, d, false), x.shape);
      const m = amax(input, d, true);
      const e = exp(sub(input, where(isinf(m), 0, m)));
      return div(e, sum(e, d, true));
    });
    record('softmax', [input], [out], { dim: d });
    return out;
  });
}

/**
 * `softmax(x * scale + mask, -1)`, as attention scores use it: `mask` (optional, additive, e.g.
 * 0 / the most negative float at padded keys) broadcasts to x's shape. Backends with a fused
 * kernel (CPU, WebGPU) read x and the mask once per pass and write only the probabilities; a mask
 * of another dtype, one that would broadcast x itself, or a non-finite scale runs the plain
 * composition `softmax(x.mul(scale).add(mask), -1)`, whose result (and gradient) this equals.
 */
export function scaledMaskedSoftmax(x: Tensor, scale: number, mask?: Tensor | null): Tensor {
  return tidy(() => {
    const backend = backendOf('scaledMaskedSoftmax', mask ? { x, mask } : { x });
    check(typeof scale === 'number', 'scaledMaskedSoftmax', 'scale', () => `must be a number, got ${describe(scale)}`);
    check(x.ndim >= 1, 'scaledMaskedSoftmax', 'x', () => `must have at least 1 dim, got shape ${fmtShape(x.shape)}`);
    const fused =
      !!backend.scaledMaskedSoftmax && isFloat(x.dtype) && Number.isFinite(scale) && (!mask || (mask.dtype === x.dtype && broadcastsTo(mask.shape, x.shape)));
    if (!fused) {
      const z = mul(x, scale);
      return softmax(mask ? add(z, mask) : z, -1);
    }
    // The mask as a view of x's shape; `expand` is recorded, so its gradient sums back to the mask's shape.
    const m = mask ? (shapesEqual(mask.shape, x.shape) ? mask : expand(mask, x.shape)) : null;
    const out = withoutRecording(() => wrap(backend.scaledMaskedSoftmax!(x, scale, m), x.shape));
    record('scaledMaskedSoftmax', m ? [x, m] : [x], [out], { scale, hasMask: !!m });
    return out;
  });
}

/** log(softmax(x)) along `dim`, computed as x - logsumexp(x) for stability. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return tidy(() => {
    const input = floatInput('logSoftmax', x);
    const backend = backendOf('logSoftmax', { x: input });
    const d = normalizeDim('logSoftmax', dim, x.ndim);
    const out = withoutRecording(() => {
      if (backend.softmax && x.ndim > 0) return wrap(backend.softmax(input, d, true), x.shape);
      const m = amax(input, d, true);
      const shift = where(isinf(m), 0, m);
      const shifted = sub(input, shift);
      return sub(shifted, log(sum(exp(shifted), d, true)));
    });
    record('logSoftmax', [input], [out], { dim: d });
    return out;
  });
}

/**
 * Layer normalization over the trailing `normalizedShape` dims: (x - mean) / sqrt(var + eps) * weight + bias,
 * with the biased variance, as torch.nn.functional.layer_norm.
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return tidy(() => {
    const inputs: Record<string, Tensor> = { x };
    if (weight) inputs.weight = weight;
    if (bias) inputs.bias = bias;
    const backend = backendOf('layerNorm', inputs);
    check(Array.isArray(normalizedShape) && normalizedShape.length >= 1, 'layerNorm', 'normalizedShape', () => `must be a non-empty array, got ${describe(normalizedShape)}`);
    const k = normalizedShape.length;
    check(x.ndim >= k && shapesEqual(x.shape.slice(x.ndim - k), normalizedShape), 'layerNorm', 'x', () =>
      `has shape ${fmtShape(x.shape)}, whose trailing dims must equal normalizedShape ${fmtShape(normalizedShape)}`,
    );
    check(isFloat(x.dtype), 'layerNorm', 'x', () => `has dtype ${x.dtype}; expected a float dtype`);
    for (const [name, p] of [['weight', weight], ['bias', bias]] as const) {
      if (!p) continue;
      check(shapesEqual(p.shape, normalizedShape), 'layerNorm', name, () => `has shape ${fmtShape(p.shape)}; expected ${fmtShape(normalizedShape)}`);
      check(p.dtype === x.dtype, 'layerNorm', name, () => `has dtype ${p.dtype}; expected ${x.dtype} like x`);
    }
    check(typeof eps === 'number' && eps >= 0, 'layerNorm', 'eps', () => `must be a non-negative number, got ${describe(eps)}`);
    const normSize = numel(normalizedShape);
    const dims = normalizedShape.map((_, i) => x.ndim - k + i);
    const statShape = [...x.shape.slice(0, x.ndim - k), ...normalizedShape.map(() => 1)];
    const { out, meanT, rstdT } = withoutRecording(() => {
      if (backend.layerNorm && normSize > 0) {
        const r = backend.layerNorm(x, weight ?? null, bias ?? null, normSize, eps);
        return { out: wrap(r.out, x.shape), meanT: wrap(r.mean, statShape), rstdT: wrap(r.rstd, statShape) };
      }
      const mu = mean(x, dims, true);
      const centered = sub(x, mu);
      const rstd = rsqrt(add(mean(mul(centered, centered), dims, true), eps));
      let y = mul(centered, rstd);
      if (weight) y = mul(y, weight);
      if (bias) y = add(y, bias);
      return { out: y, meanT: mu, rstdT: rstd };
    });
    const recorded = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
    if (willRecord(recorded)) {
      record('layerNorm', recorded, [out, meanT, rstdT], { normalizedShape: [...normalizedShape], eps, hasWeight: !!weight, hasBias: !!bias });
    }
    // The graph node keeps its own handles on mean/rstd; these are not returned to the caller.
    meanT.dispose();
    rstdT.dispose();
    return out;
  });
}

/**
 * Inverted dropout: zeroes each element with probability `p` and scales the rest by 1/(1-p) while
 * `training`; identity otherwise. The mask comes from the seeded generator (same on every backend).
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  return tidy(() => {
    backendOf('dropout', { x });
    check(typeof p === 'number' && p >= 0 && p <= 1, 'dropout', 'p', () => `must be a probability in [0, 1], got ${describe(p)}`);
    check(generator instanceof Generator, 'dropout', 'generator', () => `must be a Generator, got ${describe(generator)}`);
    if (!training || p === 0) return x;
    check(isFloat(x.dtype), 'dropout', 'x', () => `has dtype ${x.dtype}; expected a float dtype`);
    if (p === 1) return mul(x, 0);
    const keep = ge(rand(x.shape, { dtype: x.dtype, device: x.device, generator }), p);
    return mul(where(keep, x, 0), 1 / (1 - p));
  });
}
