import type { OpAttrs, OpName, OpRecorder, Tensor } from '@tessera/tensor';
import { isFloat, setOpRecorder } from '@tessera/tensor';
import { isGradEnabled } from './mode.js';
import { Node } from './node.js';
import { rules } from './rules.js';

/** Builds graph nodes for ops whose inputs require grad, while grad mode is on. */
const recorder: OpRecorder = {
  wants(inputs: readonly Tensor[]): boolean {
    if (!isGradEnabled()) return false;
    for (const t of inputs) if (t.requiresGrad) return true;
    return false;
  },
  record<K extends OpName>(op: K, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: OpAttrs[K]): void {
    const out = outputs[0]!;
    if (!isFloat(out.dtype)) return;
    const saves = rules[op].saves;
    const node = new Node(op, attrs, inputs, outputs, saves === 'inputs' || saves === 'both', saves === 'outputs' || saves === 'both');
    out.gradFn = node;
    out.outputIndex = 0;
    out.markRequiresGrad();
  },
};

export function installRecorder(): void {
  setOpRecorder(recorder);
}
