import type { Tensor } from '@tessera/tensor';
import { layerNorm, ones, zeros } from '@tessera/tensor';
import { Module } from '../module.js';
import type { ParamOptions } from './init.js';

/** torch.nn.LayerNorm over the trailing `normalizedShape` dims, with `weight` (ones) and `bias` (zeros). */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  weight: Tensor | null;
  bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], opts: ParamOptions & { eps?: number; elementwiseAffine?: boolean; bias?: boolean } = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.elementwiseAffine ?? true;
    const t = { dtype: opts.dtype, device: opts.device };
    this.weight = affine ? this.param('weight', ones(this.normalizedShape, t)) : null;
    this.bias = affine && (opts.bias ?? true) ? this.param('bias', zeros(this.normalizedShape, t)) : null;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}
