import { getBackend } from '../device.js';
import { isFloat } from '../dtype.js';
import { check, fmtShape } from '../errors.js';
import { broadcastShapes, broadcastsTo, shapesEqual } from '../shape.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { backendOf, describe } from './core.js';
import { abs, add, cast, div, exp, log, log1p, mul, ne, neg, relu, sub, where, eq } from './elementwise.js';
import { gather } from './indexing.js';
import { reshape, squeeze, unsqueeze } from './movement.js';
import { mean, sum } from './reduce.js';
import { logSoftmax } from './activation.js';

export type Reduction = 'mean' | 'sum' | 'none';

function checkReduction(op: string, reduction: string, allowed: readonly string[] = ['mean', 'sum', 'none']): void {
  check(allowed.includes(reduction), op, 'reduction', () => `must be ${allowed.map((r) => `'${r}'`).join(', ')}, got ${describe(reduction)}`);
}

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === 'mean' ? mean(loss) : reduction === 'sum' ? sum(loss) : loss;
}

export interface NllOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
}

/**
 * Negative log-likelihood of int32 class `target` under `logProbs` `[N, C]` (or `[N, C, d...]`, or `[C]`).
 * Rows whose target is `ignoreIndex` leave sum and count; 'mean' divides by the summed weights (NaN when none remain).
 */
export function nllLoss(logProbs: Tensor, target: Tensor, opts: NllOptions = {}): Tensor {
  return nll('nllLoss', logProbs, target, opts);
}

function nll(op: string, logProbs: Tensor, target: Tensor, opts: NllOptions): Tensor {
  return tidy(() => {
    const named: Record<string, Tensor> = { input: logProbs, target };
    if (opts.weight) named.weight = opts.weight;
    backendOf(op, named);
    const ignoreIndex = opts.ignoreIndex ?? -100;
    const reduction = opts.reduction ?? 'mean';
    checkReduction(op, reduction);
    const { logp, t } = classFirst(op, logProbs, target, ignoreIndex);
    const c = logp.shape[1]!;
    const valid = ne(t, ignoreIndex);
    const safe = where(valid, t, 0);
    const picked = squeeze(gather(logp, 1, unsqueeze(safe, 1)), 1);
    let w: Tensor = cast(valid, logp.dtype);
    if (opts.weight) {
      check(opts.weight.ndim === 1 && opts.weight.shape[0] === c, op, 'weight', () => `must have shape [${c}], got ${fmtShape(opts.weight!.shape)}`);
      w = mul(w, gather(opts.weight, 0, reshape(safe, [-1])).reshape(safe.shape));
    }
    const loss = neg(mul(picked, w));
    if (reduction === 'none') return logProbs.ndim === 1 ? reshape(loss, []) : loss;
    if (reduction === 'sum') return sum(loss);
    return div(sum(loss), sum(w));
  });
}

export interface CrossEntropyOptions extends NllOptions {
  labelSmoothing?: number;
}

/**
 * Cross-entropy between logits `[N, C]` (or `[N, C, d...]`, or `[C]`) and int32 class indices or
 * class probabilities of the logits' shape (torch.nn.functional.cross_entropy).
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  return tidy(() => {
    const named: Record<string, Tensor> = { input, target };
    if (opts.weight) named.weight = opts.weight;
    backendOf('crossEntropy', named);
    check(isFloat(input.dtype), 'crossEntropy', 'input', () => `has dtype ${input.dtype}; expected float logits`);
    check(input.ndim >= 1, 'crossEntropy', 'input', () => `must have a class dim, got shape ${fmtShape(input.shape)}`);
    const reduction = opts.reduction ?? 'mean';
    checkReduction('crossEntropy', reduction);
    const eps = opts.labelSmoothing ?? 0;
    check(typeof eps === 'number' && eps >= 0 && eps <= 1, 'crossEntropy', 'labelSmoothing', () => `must be in [0, 1], got ${describe(eps)}`);
    const classDim = input.ndim === 1 ? 0 : 1;
    const c = input.shape[classDim]!;
    if (opts.weight) {
      check(opts.weight.ndim === 1 && opts.weight.shape[0] === c, 'crossEntropy', 'weight', () => `must have shape [${c}], got ${fmtShape(opts.weight!.shape)}`);
    }
    if (!isFloat(target.dtype)) classFirst('crossEntropy', input, target, opts.ignoreIndex ?? -100);
    const logp = logSoftmax(input, classDim);
    if (isFloat(target.dtype)) {
      check(shapesEqual(target.shape, input.shape), 'crossEntropy', 'target', () =>
        `holds probabilities of shape ${fmtShape(target.shape)}; expected the input's shape ${fmtShape(input.shape)}`,
      );
      const probs = eps > 0 ? add(mul(target, 1 - eps), eps / c) : target;
      let terms = mul(logp, probs);
      if (opts.weight) terms = mul(terms, reshape(opts.weight, [c, ...new Array<number>(input.ndim - classDim - 1).fill(1)]));
      const loss = neg(sum(terms, classDim));
      if (reduction === 'mean') return div(sum(loss), input.ndim === 1 ? 1 : loss.numel);
      return reduce(loss, reduction);
    }
    const nllValue = nll('crossEntropy', logp, target, { weight: opts.weight ?? null, ignoreIndex: opts.ignoreIndex ?? -100, reduction });
    if (eps === 0) return nllValue;
    // Label smoothing adds eps/C times the (weighted) sum of -log p over classes, PyTorch's formula.
    const { logp: lp, t } = classFirst('crossEntropy', logp, target, opts.ignoreIndex ?? -100);
    const valid = cast(ne(t, opts.ignoreIndex ?? -100), lp.dtype);
    const wshape = [c, ...new Array<number>(lp.ndim - 2).fill(1)];
    const weighted = opts.weight ? mul(lp, reshape(opts.weight, wshape)) : lp;
    const smooth = mul(neg(sum(weighted, 1)), valid);
    let smoothReduced: Tensor;
    if (reduction === 'none') smoothReduced = input.ndim === 1 ? reshape(smooth, []) : smooth;
    else if (reduction === 'sum') smoothReduced = sum(smooth);
    else {
      const safe = where(eq(t, opts.ignoreIndex ?? -100), 0, t);
      const denom = opts.weight ? sum(mul(gather(opts.weight, 0, reshape(safe, [-1])), reshape(valid, [-1]))) : sum(valid);
      smoothReduced = div(sum(smooth), denom);
    }
    return add(mul(nllValue, 1 - eps), mul(smoothReduced, eps / c));
  });
}

/** Brings inputs to `[N, C, ...]` / `[N, ...]` form and validates class indices. */
function classFirst(op: string, logp: Tensor, target: Tensor, ignoreIndex: number): { logp: Tensor; t: Tensor } {
  check(target.dtype === 'int32', op, 'target', () => `must hold int32 class indices (or float probabilities), got ${target.dtype}`);
  const unbatched = logp.ndim === 1;
  const lp = unbatched ? unsqueeze(logp, 0) : logp;
  const t = unbatched ? reshape(target, [1]) : target;
  const expected = [lp.shape[0]!, ...lp.shape.slice(2)];
  check(shapesEqual(t.shape, expected), op, 'target', () =>
    `has shape ${fmtShape(target.shape)}; expected ${fmtShape(unbatched ? [] : expected)} for input of shape ${fmtShape(logp.shape)}`,
  );
  const c = lp.shape[1]!;
  if (t.device === 'cpu') {
    const values = getBackend('cpu').readSync(t);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v !== ignoreIndex && (v < 0 || v >= c)) {
        check(false, op, 'target', () => `holds class ${v}, out of range for ${c} classes (valid: 0..${c - 1}, or ignoreIndex ${ignoreIndex})`);
      }
    }
  }
  return { logp: lp, t };
}

export interface BceOptions {
  weight?: Tensor | null;
  posWeight?: Tensor | null;
  reduction?: Reduction;
}

/** Binary cross-entropy on logits, stable form `(1 - y) x + (1 + (pw - 1) y)(log1p(e^-|x|) + max(-x, 0))`. */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BceOptions = {}): Tensor {
  return tidy(() => {
    const named: Record<string, Tensor> = { input, target };
    if (opts.weight) named.weight = opts.weight;
    if (opts.posWeight) named.posWeight = opts.posWeight;
    backendOf('binaryCrossEntropyWithLogits', named);
    const reduction = opts.reduction ?? 'mean';
    checkReduction('binaryCrossEntropyWithLogits', reduction);
    check(shapesEqual(input.shape, target.shape), 'binaryCrossEntropyWithLogits', 'target', () =>
      `has shape ${fmtShape(target.shape)}; expected the input's shape ${fmtShape(input.shape)}`,
    );
    check(isFloat(input.dtype), 'binaryCrossEntropyWithLogits', 'input', () => `has dtype ${input.dtype}; expected float logits`);
    for (const [name, w] of [['weight', opts.weight], ['posWeight', opts.posWeight]] as const) {
      if (!w) continue;
      check(broadcastsTo(w.shape, input.shape), 'binaryCrossEntropyWithLogits', name, () => `has shape ${fmtShape(w.shape)}, which does not broadcast to the input's shape ${fmtShape(input.shape)}`);
    }
    const y = isFloat(target.dtype) ? target : cast(target, input.dtype);
    const softTerm = add(log1p(exp(neg(abs(input)))), relu(neg(input)));
    const logWeight = opts.posWeight ? add(mul(sub(opts.posWeight, 1), y), 1) : null;
    let loss = add(mul(sub(1, y), input), logWeight ? mul(logWeight, softTerm) : softTerm);
    if (opts.weight) loss = mul(loss, opts.weight);
    return reduce(loss, reduction);
  });
}

/**
 * KL divergence with `input` = log q and `target` = p (or log p when `logTarget`): p (log p - log q),
 * 0 where p = 0. Reductions as torch: 'batchmean' divides the sum by input.size(0).
 */
export function klDiv(input: Tensor, target: Tensor, opts: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}): Tensor {
  return tidy(() => {
    backendOf('klDiv', { input, target });
    const reduction = opts.reduction ?? 'mean';
    checkReduction('klDiv', reduction, ['mean', 'sum', 'none', 'batchmean']);
    check(isFloat(input.dtype) && isFloat(target.dtype), 'klDiv', 'input', () => `and target must be float, got ${input.dtype} and ${target.dtype}`);
    broadcastShapes('klDiv', [input.shape, target.shape], ['input', 'target']);
    let pointwise: Tensor;
    if (opts.logTarget) pointwise = mul(exp(target), sub(target, input));
    else {
      // xlogy(p, p) with 0 at p = 0, written so that the unused branch has a finite gradient.
      const zero = eq(target, 0);
      const safe = where(zero, 1, target);
      pointwise = where(zero, 0, mul(target, sub(log(safe), input)));
    }
    if (reduction === 'batchmean') return div(sum(pointwise), input.ndim === 0 ? 1 : input.shape[0]!);
    return reduce(pointwise, reduction);
  });
}

/** Mean (or sum) squared error; shapes broadcast. */
export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return tidy(() => {
    backendOf('mseLoss', { input, target });
    checkReduction('mseLoss', reduction);
    broadcastShapes('mseLoss', [input.shape, target.shape], ['input', 'target']);
    const d = sub(input, target);
    return reduce(mul(d, d), reduction);
  });
}
