import type { AdamHyper } from '../backend.js';
import { isFloat } from '../dtype.js';
import { swapStorage } from '../memory.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf } from './core.js';

export type { AdamHyper };

function whole(t: Tensor): boolean {
  return t.isContiguous() && t.offset === 0 && t.storage.size === t.numel;
}

/** Gives `t` storage of its own (one copy) when another handle (a view, an earlier `assign`) shares it. */
function ownStorage(t: Tensor): void {
  if (t.storage.refs > 1) swapStorage(t, backendOf('fusedAdamStep', { t }).copy(t));
}

/**
 * One Adam/AdamW step in one kernel, in place on `param`, `expAvg`, `expAvgSq` (and
 * `maxExpAvgSq` for AMSGrad), all of `param`'s shape [...], device and float dtype. Returns false,
 * changing nothing, when the backend has no fused kernel or the tensors do not qualify (not whole
 * contiguous tensors, mixed dtypes or devices): the optimizer then runs the same step as tensor ops.
 * Storage shared with another handle is copied first, so no other tensor sees the update.
 */
export function fusedAdamStep(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor | null, hyper: AdamHyper): boolean {
  const state = maxExpAvgSq ? [param, expAvg, expAvgSq, maxExpAvgSq] : [param, expAvg, expAvgSq];
  const devices = new Set([grad, ...state].map((t) => t.device));
  if (devices.size !== 1) return false;
  const backend = backendOf('fusedAdamStep', { param, grad });
  if (!backend.adamStep || !isFloat(param.dtype)) return false;
  if (!state.every((t) => t.dtype === param.dtype && whole(t) && shapesEqual(t.shape, param.shape))) return false;
  if (grad.dtype !== param.dtype || !grad.isContiguous() || !shapesEqual(grad.shape, param.shape)) return false;
  for (const t of state) ownStorage(t);
  if (new Set([grad, ...state].map((t) => t.storage)).size !== state.length + 1) return false;
  backend.adamStep(param.storage, grad, expAvg.storage, expAvgSq.storage, maxExpAvgSq ? maxExpAvgSq.storage : null, hyper);
  return true;
}
