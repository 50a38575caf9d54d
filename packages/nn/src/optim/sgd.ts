import type { Tensor } from '@tessera/tensor';
import { keep, TesseraError } from '@tessera/tensor';
import { checkBoolean, checkNonNegative, Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

const SGD_DEFAULTS: SGDOptions = { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, L2 weight decay
 * and maximization, as torch.optim.SGD (defaults: lr 1e-3, as torch >= 2.2). Per parameter, with
 * g its gradient:
 *
 *     g = maximize ? -g : g;  if (weightDecay) g = g + weightDecay * p
 *     if (momentum) { buf = first step ? g : momentum * buf + (1 - dampening) * g
 *                     g = nesterov ? g + momentum * buf : buf }
 *     p = p - lr * g
 *
 * State per parameter (only with momentum): `momentum_buffer`.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super('SGD', params, SGD_DEFAULTS, options);
  }

  protected validate(o: SGDOptions, where: string): void {
    checkNonNegative(this.name, where, 'lr', o.lr, 'learning rate');
    checkNonNegative(this.name, where, 'momentum', o.momentum, 'momentum factor');
    checkNonNegative(this.name, where, 'dampening', o.dampening, 'dampening for momentum');
    checkNonNegative(this.name, where, 'weightDecay', o.weightDecay, 'L2 penalty');
    checkBoolean(this.name, where, 'nesterov', o.nesterov);
    checkBoolean(this.name, where, 'maximize', o.maximize);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new TesseraError(this.name, 'nesterov', `${where === 'options' ? '' : `(in ${where}) `}requires momentum > 0 and dampening 0, got momentum ${o.momentum} and dampening ${o.dampening}`);
    }
  }

  protected update(p: Tensor, grad: Tensor, group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    let d = maximize ? grad.neg() : grad;
    if (weightDecay !== 0) d = d.add(p.mul(weightDecay));
    if (momentum !== 0) {
      const state = this.stateFor(p);
      const buf = state.momentum_buffer as Tensor | undefined;
      let current: Tensor;
      if (!buf) {
        current = keep(d.clone());
        state.momentum_buffer = current;
      } else {
        buf.assign(buf.mul(momentum).add(d.mul(1 - dampening)));
        current = buf;
      }
      d = nesterov ? d.add(current.mul(momentum)) : current;
    }
    p.assign(p.add(d.mul(-lr)));
  }
}
