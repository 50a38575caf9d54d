import type { Tensor } from '@tessera/tensor';
import { TesseraError } from '@tessera/tensor';
import { Module } from '../module.js';
import { activation } from '../layers/activation.js';
import type { ParamOptions } from '../layers/init.js';
import { Linear } from '../layers/linear.js';
import type { FeatureModule, Features } from './features.js';

/** Python class paths sentence-transformers writes for Dense's activation, and ours. */
const ACTIVATION_PATHS: Record<string, string> = {
  'torch.nn.modules.activation.Tanh': 'tanh',
  'torch.nn.modules.activation.ReLU': 'relu',
  'torch.nn.modules.activation.GELU': 'gelu',
  'torch.nn.modules.linear.Identity': 'identity',
};

export interface DenseConfig {
  in_features: number;
  out_features: number;
  bias: boolean;
  activation_function: string;
}

/** `activation(linear(sentenceEmbedding))` (sentence-transformers' Dense; default activation Tanh). */
export class Dense extends Module implements FeatureModule {
  readonly config: DenseConfig;
  linear: Linear;
  private readonly act: (x: Tensor) => Tensor;

  constructor(inFeatures: number, outFeatures: number, opts: ParamOptions & { bias?: boolean; activationFunction?: string } = {}) {
    super();
    const path = opts.activationFunction ?? 'torch.nn.modules.activation.Tanh';
    const name = ACTIVATION_PATHS[path] ?? path;
    this.act = activation(name);
    this.config = { in_features: inFeatures, out_features: outFeatures, bias: opts.bias ?? true, activation_function: Object.entries(ACTIVATION_PATHS).find(([, v]) => v === name)?.[0] ?? path };
    this.linear = this.child('linear', new Linear(inFeatures, outFeatures, { ...opts, bias: opts.bias ?? true }));
  }

  forward(features: Features): Features {
    if (!features.sentenceEmbedding) throw new TesseraError('Dense', 'features', 'has no sentenceEmbedding; put Pooling before Dense');
    return { ...features, sentenceEmbedding: this.act(this.linear.forward(features.sentenceEmbedding)) };
  }
}
