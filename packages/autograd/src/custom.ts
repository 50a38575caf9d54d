import type { Tensor } from '@tessera/tensor';
import { Tensor as TensorClass, TesseraError } from '@tessera/tensor';
import { isGradEnabled } from './mode.js';
import { Node } from './node.js';

/**
 * A tensor with `value`'s values whose backward runs `backward(g)` — arbitrary code that may run
 * nested forward passes and nested `backward()` calls (re-entrant; GradCache uses it to replay
 * chunks through a model). `backward` returns one gradient (or null) per tensor in `inputs`; with
 * no inputs it acts purely by side effects (e.g. accumulating parameter gradients itself).
 * Outside grad mode the value is returned detached.
 */
export function customGrad(value: Tensor, backward: (g: Tensor) => (Tensor | null)[] | void, inputs: readonly Tensor[] = [], label = 'custom'): Tensor {
  if (!(value instanceof TensorClass)) throw new TesseraError('customGrad', 'value', 'must be a Tensor');
  const out = new TensorClass(value.storage, value.shape, value.strides, value.offset);
  if (!isGradEnabled()) return out;
  const node = new Node('custom', { label, backward: (g: Tensor) => backward(g) ?? inputs.map(() => null) }, inputs, [out], false, false);
  out.gradFn = node;
  out.markRequiresGrad();
  return out;
}
