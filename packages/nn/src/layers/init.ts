import type { DeviceName, DType, Tensor } from '@tessera/tensor';
import { defaultGenerator, Generator, rand, randn } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';

/** Where and how a layer creates its parameters. */
export interface ParamOptions {
  dtype?: DType;
  device?: DeviceName;
  /** Source of initial values (default: the global generator, seeded by manualSeed). */
  generator?: Generator;
}

/** Normal(mean, std) initial values (BERT's initializer_range is the std). */
export function normalInit(shape: readonly number[], std: number, opts: ParamOptions = {}, mean = 0): Tensor {
  return noGrad(() => randn(shape, { dtype: opts.dtype ?? 'float32', device: opts.device, generator: opts.generator ?? defaultGenerator }).mul(std).add(mean));
}

/** Uniform(-bound, bound) initial values (torch's default for Linear: bound = 1/sqrt(fanIn)). */
export function uniformInit(shape: readonly number[], bound: number, opts: ParamOptions = {}): Tensor {
  return noGrad(() => rand(shape, { dtype: opts.dtype ?? 'float32', device: opts.device, generator: opts.generator ?? defaultGenerator }).mul(2 * bound).sub(bound));
}
