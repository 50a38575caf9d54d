import type { Tensor } from '@tessera/tensor';
import { isFloat, Tensor as TensorClass, TesseraError, tidy } from '@tessera/tensor';
import { gradients } from './engine.js';
import { isGradEnabled } from './mode.js';

type Fn = (...args: Tensor[]) => Tensor;

function leafCopies(op: string, args: readonly Tensor[], argnums: readonly number[]): Tensor[] {
  return args.map((a, i) => {
    if (!argnums.includes(i)) return a;
    if (!(a instanceof TensorClass)) throw new TesseraError(op, `args[${i}]`, 'must be a Tensor to differentiate with respect to it');
    if (!isFloat(a.dtype)) throw new TesseraError(op, `args[${i}]`, `has dtype ${a.dtype}; only float tensors have gradients`);
    // Nested use (grad of grad): keep the outer graph and differentiate through it.
    return a.requiresGrad ? a : a.detach().requiresGrad_(true);
  });
}

function checkArgnums(op: string, argnums: number | readonly number[], arity: number): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const n of list) {
    if (!Number.isInteger(n) || n < 0 || n >= arity) throw new TesseraError(op, 'argnums', `holds ${n}, but the function got ${arity} arguments`);
  }
  return list;
}

/**
 * `valueAndGrad(fn, argnums)(...args)` → `{ value, grads }`: fn's scalar output and its gradient with
 * respect to the chosen arguments (one tensor for a number `argnums`, a list for a list). `.grad` fields are untouched.
 */
export function valueAndGrad(fn: Fn, argnums: number | readonly number[] = 0): (...args: Tensor[]) => { value: Tensor; grads: Tensor | Tensor[] } {
  return (...args: Tensor[]) => {
    const nums = checkArgnums('valueAndGrad', argnums, args.length);
    return tidy(() => {
      const nested = isGradEnabled() && nums.some((n) => args[n]?.requiresGrad);
      const inputs = leafCopies('valueAndGrad', args, nums);
      const value = fn(...inputs);
      if (!(value instanceof TensorClass) || value.numel !== 1) {
        throw new TesseraError('valueAndGrad', 'fn', 'must return a one-element Tensor');
      }
      const grads = gradients(value, nums.map((n) => inputs[n]!), { allowUnused: true, createGraph: nested }).map(
        (g, i) => g ?? inputs[nums[i]!]!.detach().mul(0),
      );
      return { value: nested ? value : value.detach(), grads: typeof argnums === 'number' ? grads[0]! : grads };
    });
  };
}

/** `grad(fn, argnums)(...args)`: the gradient part of `valueAndGrad`. */
export function grad(fn: Fn, argnums: number | readonly number[] = 0): (...args: Tensor[]) => Tensor | Tensor[] {
  const vg = valueAndGrad(fn, argnums);
  return (...args: Tensor[]) => vg(...args).grads;
}
