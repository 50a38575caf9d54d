import type { Tensor } from '@tessera/tensor';
import { fusedAdamStep, keep, TesseraError, zerosLike } from '@tessera/tensor';
import { checkBoolean, checkNonNegative, Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  /** Decay rates of the first and second moment averages, each in [0, 1). */
  betas: readonly [number, number];
  /** Added to the denominator (after the bias-corrected square root). */
  eps: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay `p *= 1 - lr * weightDecay`. */
  weightDecay: number;
  /** Use the running maximum of the second moment (AMSGrad). */
  amsgrad: boolean;
  maximize: boolean;
}

const ADAM_DEFAULTS: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };
const ADAMW_DEFAULTS: AdamOptions = { ...ADAM_DEFAULTS, weightDecay: 1e-2 };

/**
 * Adam and AdamW, as torch.optim.Adam / torch.optim.AdamW (single-tensor path). Per parameter,
 * with g its gradient and t its own step count (parameters without a gradient neither update nor
 * count a step):
 *
 *     g = maximize ? -g : g;  t += 1
 *     AdamW: p = p * (1 - lr * weightDecay)        Adam: if (weightDecay) g = g + weightDecay * p
 *     m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g
 *     vHat = amsgrad ? (vMax = max(vMax, v)) : v
 *     p = p - (lr / (1 - beta1^t)) * m / (sqrt(vHat) / sqrt(1 - beta2^t) + eps)
 *
 * State per parameter: `step` (a number), `exp_avg`, `exp_avg_sq`, and `max_exp_avg_sq` with amsgrad.
 */
abstract class AdamFamily extends Optimizer<AdamOptions> {
  protected constructor(name: string, params: ParamsInput<AdamOptions>, options: Partial<AdamOptions>, defaults: AdamOptions) {
    super(name, params, defaults, options);
  }

  /** True for AdamW: weight decay scales the parameter instead of adding to the gradient. */
  protected abstract get decoupled(): boolean;

  protected validate(o: AdamOptions, where: string): void {
    const at = where === 'options' ? '' : `(in ${where}) `;
    checkNonNegative(this.name, where, 'lr', o.lr, 'learning rate');
    checkNonNegative(this.name, where, 'eps', o.eps, 'epsilon');
    if (!Array.isArray(o.betas) || o.betas.length !== 2) {
      throw new TesseraError(this.name, 'betas', `${at}must be a pair [beta1, beta2], got ${JSON.stringify(o.betas)}`);
    }
    o.betas.forEach((b, i) => {
      if (typeof b !== 'number' || !(b >= 0 && b < 1)) {
        throw new TesseraError(this.name, 'betas', `${at}must lie in [0, 1): betas[${i}] is ${String(b)}`);
      }
    });
    checkNonNegative(this.name, where, 'weightDecay', o.weightDecay, 'weight decay');
    checkBoolean(this.name, where, 'amsgrad', o.amsgrad);
    checkBoolean(this.name, where, 'maximize', o.maximize);
  }

  protected update(p: Tensor, grad: Tensor, group: ParamGroup<AdamOptions>): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = group.betas;
    const state = this.stateFor(p);
    if (state.step === undefined) {
      state.step = 0;
      state.exp_avg = keep(zerosLike(p));
      state.exp_avg_sq = keep(zerosLike(p));
      if (amsgrad) state.max_exp_avg_sq = keep(zerosLike(p));
    }
    if (amsgrad && state.max_exp_avg_sq === undefined) state.max_exp_avg_sq = keep(zerosLike(p));
    const expAvg = state.exp_avg as Tensor;
    const expAvgSq = state.exp_avg_sq as Tensor;

    const step = (state.step as number) + 1;
    state.step = step;
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2 = 1 - beta2 ** step;
    const stepSize = lr / biasCorrection1;
    const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
    const maxSq = amsgrad ? (state.max_exp_avg_sq as Tensor) : null;

    // One kernel per parameter where the backend has one (CPU, WebGPU): the composed step below
    // allocates and walks a dozen parameter-sized temporaries.
    const decay = this.decoupled ? 1 - lr * weightDecay : 1;
    const l2 = this.decoupled ? 0 : weightDecay;
    if (fusedAdamStep(p, grad, expAvg, expAvgSq, maxSq, { beta1, beta2, eps, stepSize, biasCorrection2Sqrt, decay, l2, maximize })) return;

    let g = maximize ? grad.neg() : grad;
    if (decay !== 1) p.assign(p.mul(decay));
    if (l2 !== 0) g = g.add(p.mul(l2));

    // torch: exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1); exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    expAvg.assign(expAvg.mul(beta1).add(g.mul(1 - beta1)));
    expAvgSq.assign(expAvgSq.mul(beta2).add(g.mul(1 - beta2).mul(g)));

    let second = expAvgSq;
    if (maxSq) {
      maxSq.assign(maxSq.maximum(expAvgSq));
      second = maxSq;
    }
    const denom = second.sqrt().div(biasCorrection2Sqrt).add(eps);
    // torch: param.addcdiv_(exp_avg, denom, value=-step_size), computed as p + (value * m) / denom
    p.assign(p.add(expAvg.mul(-stepSize).div(denom)));
  }
}

/** Adam with L2 weight decay added to the gradient (torch.optim.Adam; lr 1e-3, betas [0.9, 0.999], eps 1e-8). */
export class Adam extends AdamFamily {
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, options, ADAM_DEFAULTS);
  }
  protected get decoupled(): boolean {
    return false;
  }
}

/** Adam with decoupled weight decay (torch.optim.AdamW; weightDecay defaults to 1e-2). */
export class AdamW extends AdamFamily {
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', params, options, ADAMW_DEFAULTS);
  }
  protected get decoupled(): boolean {
    return true;
  }
}
