import type { DeviceName, Tensor } from '@tessera/tensor';
import { tidy } from '@tessera/tensor';
import { gradcheck } from '@tessera/autograd';
import type { Module } from '@tessera/nn';

/**
 * gradcheck of a float64 module with respect to its parameters and float inputs: the function
 * under test swaps the perturbed tensors in with setParameter, then runs `run`.
 */
export function moduleGradcheck(module: Module, inputs: Tensor[], run: (...x: Tensor[]) => Tensor | Tensor[]): void {
  const names = module.namedParameters().map(([n]) => n);
  const params = module.parameters().map((p) => p.detach().clone().requiresGrad_(true));
  tidy(() => {
    gradcheck(
      (...all: Tensor[]) => {
        names.forEach((n, i) => module.setParameter(n, all[i]!));
        return run(...all.slice(names.length));
      },
      [...params, ...inputs],
      { atol: 1e-6, rtol: 1e-4 },
    );
  });
}

/** Runs forward + backward of `run` (a weighted sum of its outputs) and reads outputs and parameter grads. */
export async function forwardBackward(module: Module, run: () => Tensor, device: DeviceName): Promise<{ out: Float64Array; grads: Map<string, Float64Array> }> {
  module.zeroGrad();
  const out = run();
  const { rand, Generator } = await import('@tessera/tensor');
  const weights = rand(out.shape, { generator: new Generator(99) }).to(device);
  out.mul(weights).sum().backward();
  const grads = new Map<string, Float64Array>();
  for (const [n, p] of module.namedParameters()) if (p.grad) grads.set(n, Float64Array.from(await p.grad.data()));
  return { out: Float64Array.from(await out.data()), grads };
}
