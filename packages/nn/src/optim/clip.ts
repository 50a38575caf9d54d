import type { Tensor } from '@tessera/tensor';
import { norm, promoteTypes, stack, Tensor as TensorClass, TesseraError, tidy, zeros } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';
import { Module } from '../module.js';
import { setGrad } from './optimizer.js';

/** Parameters whose gradients are clipped: one tensor, an iterable of them, or a Module's parameters. */
export type ClipParams = Tensor | Iterable<Tensor> | Module;

function paramList(op: string, params: ClipParams): Tensor[] {
  if (params instanceof Module) return params.parameters();
  if (params instanceof TensorClass) return [params];
  if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TesseraError(op, 'parameters', 'must be a Tensor, an iterable of Tensors or a Module');
  }
  const list = [...params];
  list.forEach((p, i) => {
    if (!(p instanceof TensorClass)) throw new TesseraError(op, `parameters[${i}]`, 'is not a Tensor');
  });
  return list;
}

/**
 * Scales all gradients together so that their joint `normType`-norm (as if concatenated into one
 * vector) is at most `maxNorm`, in place, and returns that total norm (before clipping) as a 0-d
 * tensor, as torch.nn.utils.clip_grad_norm_: `coef = min(maxNorm / (total + 1e-6), 1)` multiplies
 * every gradient (also when it is 1), so nothing is read back from the device. `normType` may be
 * Infinity (max |g|). Parameters without a gradient are skipped; with none at all the result is 0
 * (float32, on the cpu, as torch). Gradients must all be on one device.
 */
export function clipGradNorm(params: ClipParams, maxNorm: number, normType = 2): Tensor {
  const op = 'clipGradNorm';
  const list = paramList(op, params);
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new TesseraError(op, 'maxNorm', `must be a number, got ${String(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType >= 0)) throw new TesseraError(op, 'normType', `must be a number >= 0 or Infinity, got ${String(normType)}`);
  const withGrad = list.filter((p) => p.grad !== null);
  if (withGrad.length === 0) return zeros([]);
  const grads = withGrad.map((p) => p.grad!);
  grads.forEach((g, i) => {
    g.assertAlive(op, `parameters[${i}].grad`);
    if (g.device !== grads[0]!.device) {
      throw new TesseraError(op, 'parameters', `have gradients on more than one device (${grads[0]!.device} and ${g.device}); clip each device's parameters separately`);
    }
  });
  const dtype = grads.map((g) => g.dtype).reduce(promoteTypes);
  return noGrad(() =>
    tidy(() => {
      const norms = stack(grads.map((g) => (normType === Infinity ? g.abs().max() : norm(g, normType)).to(dtype)));
      const total = normType === Infinity ? (grads.length === 1 ? norms.reshape([]) : norms.max()) : norm(norms, normType);
      // torch: max_norm / (total_norm + 1e-6) is Tensor.__rtruediv__, i.e. reciprocal(total + 1e-6) * max_norm
      const coef = total.add(1e-6).reciprocal().mul(maxNorm).clampMax(1);
      withGrad.forEach((p, i) => {
        const g = grads[i]!;
        setGrad(p, g.mul(coef.to(g.dtype)));
      });
      return total;
    }),
  );
}

/** Clamps every gradient into [-clipValue, clipValue], in place (torch.nn.utils.clip_grad_value_). */
export function clipGradValue(params: ClipParams, clipValue: number): void {
  const op = 'clipGradValue';
  const list = paramList(op, params);
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) throw new TesseraError(op, 'clipValue', `must be a number, got ${String(clipValue)}`);
  noGrad(() =>
    tidy(() => {
      for (const p of list) {
        if (!p.grad) continue;
        p.grad.assertAlive(op, 'param.grad');
        setGrad(p, p.grad.clamp(-clipValue, clipValue));
      }
    }),
  );
}
