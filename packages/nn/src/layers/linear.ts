import type { Tensor } from '@tessera/tensor';
import { check, matmul, zeros } from '@tessera/tensor';
import { Module } from '../module.js';
import type { ParamOptions } from './init.js';
import { normalInit, uniformInit } from './init.js';

export interface LinearOptions extends ParamOptions {
  bias?: boolean;
  /** Normal(0, std) weights and zero bias (BERT) instead of torch's kaiming-uniform default. */
  initStd?: number;
}

/** `y = x Wᵀ + b` with `weight [outFeatures, inFeatures]`, `bias [outFeatures]`, as torch.nn.Linear. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    check(Number.isInteger(inFeatures) && inFeatures > 0, 'Linear', 'inFeatures', () => `must be a positive integer, got ${inFeatures}`);
    check(Number.isInteger(outFeatures) && outFeatures > 0, 'Linear', 'outFeatures', () => `must be a positive integer, got ${outFeatures}`);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const bound = 1 / Math.sqrt(inFeatures);
    const w = opts.initStd !== undefined ? normalInit([outFeatures, inFeatures], opts.initStd, opts) : uniformInit([outFeatures, inFeatures], bound, opts);
    this.weight = this.param('weight', w);
    this.bias = null;
    if (opts.bias ?? true) {
      const b = opts.initStd !== undefined ? zeros([outFeatures], { dtype: opts.dtype, device: opts.device }) : uniformInit([outFeatures], bound, opts);
      this.bias = this.param('bias', b);
    }
  }

  /** `[..., inFeatures] -> [..., outFeatures]`. */
  forward(x: Tensor): Tensor {
    check(x.ndim >= 1 && x.shape[x.ndim - 1] === this.inFeatures, 'Linear', 'x', () =>
      `has shape [${x.shape.join(', ')}]; expected last dim ${this.inFeatures}`,
    );
    const y = matmul(x, this.weight.T);
    return this.bias ? y.add(this.bias) : y;
  }
}
