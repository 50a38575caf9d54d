import { Tensor } from '@tessera/tensor';
import { backward } from './engine.js';
import type { BackwardOptions } from './engine.js';
import { installRecorder } from './recorder.js';

declare module '@tessera/tensor' {
  interface Tensor {
    /** Accumulates gradients of this tensor into `.grad` of every leaf that requires grad. `gradient` is required for non-scalars. */
    backward(gradient?: Tensor, opts?: BackwardOptions): void;
  }
}

installRecorder();
Tensor.prototype.backward = function backwardMethod(this: Tensor, gradient?: Tensor, opts?: BackwardOptions): void {
  backward(this, gradient, opts);
};

export { backward, gradients } from './engine.js';
export type { BackwardOptions, GradientsOptions } from './engine.js';
export { enableGrad, isGradEnabled, noGrad, setGradEnabled } from './mode.js';
export { grad, valueAndGrad } from './functional.js';
export { customGrad } from './custom.js';
export { gradcheck, gradgradcheck } from './gradcheck.js';
export type { GradcheckOptions } from './gradcheck.js';
export { rules } from './rules.js';
export type { GradRule, RuleContext } from './rules.js';
