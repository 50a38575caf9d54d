import type { Tensor } from '@tessera/tensor';
import { gelu, relu, silu, tanh, TesseraError } from '@tessera/tensor';
import { Module } from '../module.js';

/** Activation functions by the names Hugging Face configs and sentence-transformers use. */
export const ACTIVATIONS = {
  gelu: (x: Tensor) => gelu(x),
  gelu_new: (x: Tensor) => gelu(x, 'tanh'),
  gelu_pytorch_tanh: (x: Tensor) => gelu(x, 'tanh'),
  relu: (x: Tensor) => relu(x),
  silu: (x: Tensor) => silu(x),
  swish: (x: Tensor) => silu(x),
  tanh: (x: Tensor) => tanh(x),
  identity: (x: Tensor) => x,
} as const;

export type ActivationName = keyof typeof ACTIVATIONS;

export function activation(name: string): (x: Tensor) => Tensor {
  const fn = (ACTIVATIONS as Record<string, (x: Tensor) => Tensor>)[name];
  if (!fn) throw new TesseraError('activation', 'name', `'${name}' is not one of ${Object.keys(ACTIVATIONS).join(', ')}`);
  return fn;
}

/** GELU, exact (erf) by default or the tanh approximation. */
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}
