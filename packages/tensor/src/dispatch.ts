import type { OpAttrs, OpName } from './ops/names.js';
import type { Tensor } from './tensor.js';

/**
 * The hook autograd installs. `tensor` records every op through it and knows nothing else
 * about gradients; without a recorder (or while recording is paused) ops leave no trace.
 */
export interface OpRecorder {
  /** Whether `op` on these inputs must be recorded (grad mode on and an input requires grad). */
  wants(inputs: readonly Tensor[]): boolean;
  record<K extends OpName>(op: K, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: OpAttrs[K]): void;
}

let recorder: OpRecorder | null = null;
let paused = 0;

export function setOpRecorder(r: OpRecorder | null): void {
  recorder = r;
}

/** Records an op for autograd when it is needed. Outputs that cannot carry gradients are skipped by the recorder. */
export function record<K extends OpName>(op: K, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: OpAttrs[K]): void {
  if (recorder !== null && paused === 0 && recorder.wants(inputs)) recorder.record(op, inputs, outputs, attrs);
}

/** True when an op on these inputs will be recorded. Composite ops use it to skip saving work. */
export function willRecord(inputs: readonly Tensor[]): boolean {
  return recorder !== null && paused === 0 && recorder.wants(inputs);
}

/** Runs `fn` without recording: the forward of an op that records itself as one node. */
export function withoutRecording<T>(fn: () => T): T {
  paused += 1;
  try {
    return fn();
  } finally {
    paused -= 1;
  }
}
