/** Every layer on WebGPU and on the CPU with the same parameters and inputs: outputs and parameter gradients agree. */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import type { DeviceName, Tensor } from '@tessera/tensor';
import type { Module } from '@tessera/nn';
import { additiveCausalMask, additivePaddingMask, BertLMHeadModel, BertModel, Dense, Dropout, Embedding, GELU, LayerNorm, Linear, MultiHeadAttention, Normalize, Pooling } from '@tessera/nn';
import { forwardBackward } from '../support/module-check.js';
import { disagreement, requireWebGPU } from '../support/gpu.js';

const gpu = await requireWebGPU();

const on = (device: DeviceName, t: Tensor): Tensor => t.to(device);
const input = (shape: number[], seed: number): Tensor => T.randn(shape, { generator: new T.Generator(seed) });
const ids = [[1, 4, 2, 7], [3, 6, 0, 0]];
const mask = [[1, 1, 1, 1], [1, 1, 0, 0]];
const tiny = { vocab_size: 9, hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 12, max_position_embeddings: 6, initializer_range: 0.3 };

interface Case {
  name: string;
  make: () => Module;
  run: (m: Module, device: DeviceName) => Tensor;
}

const cases: Case[] = [
  { name: 'Linear', make: () => new Linear(5, 3), run: (m, d) => (m as Linear).forward(on(d, input([2, 4, 5], 1))) },
  { name: 'Embedding', make: () => new Embedding(9, 4, { paddingIdx: 0 }), run: (m, d) => (m as Embedding).forward(T.tensor(ids, { dtype: 'int32', device: d })) },
  { name: 'LayerNorm', make: () => new LayerNorm(6), run: (m, d) => (m as LayerNorm).forward(on(d, input([3, 6], 2))) },
  {
    name: 'Linear + GELU + Dropout (seeded)',
    make: () => new Linear(5, 5),
    run: (m, d) => new Dropout(0.3, new T.Generator(3)).forward(new GELU().forward((m as Linear).forward(on(d, input([4, 5], 3))))),
  },
  {
    name: 'MultiHeadAttention (padding, causal, cross)',
    make: () => new MultiHeadAttention(8, 2),
    run: (m, d) => {
      const mha = m as MultiHeadAttention;
      const x = on(d, input([2, 4, 8], 4));
      const msk = T.tensor(mask, { dtype: 'int32', device: d });
      return T.cat([mha.forward(x, { mask: additivePaddingMask(msk, 'float32') }), mha.forward(x, { mask: additiveCausalMask(msk, 'float32') }), mha.forward(x, { context: on(d, input([2, 3, 8], 5)) })], 1);
    },
  },
  {
    name: 'BertModel (eval)',
    make: () => new BertModel(tiny).eval(),
    run: (m, d) => {
      const out = (m as BertModel).forward({ inputIds: T.tensor(ids, { dtype: 'int32', device: d }), attentionMask: T.tensor(mask, { dtype: 'int32', device: d }) });
      return T.cat([out.lastHiddenState.reshape([2, -1]), out.poolerOutput!], 1);
    },
  },
  {
    name: 'BertLMHeadModel (decoder, cross-attention, tied head)',
    make: () => new BertLMHeadModel(tiny).eval(),
    run: (m, d) =>
      (m as BertLMHeadModel).forward({
        inputIds: T.tensor(ids, { dtype: 'int32', device: d }),
        attentionMask: T.tensor(mask, { dtype: 'int32', device: d }),
        encoderHiddenStates: on(d, input([2, 1, 8], 6)),
      }),
  },
  {
    name: 'Pooling (all modes) + Dense + Normalize',
    make: () => new Dense(6 * 4, 5),
    run: (m, d) => {
      const modes = ['cls', 'max', 'mean', 'mean_sqrt_len_tokens', 'weightedmean', 'lasttoken'] as const;
      const f = new Pooling(4, modes).forward({ inputIds: T.tensor(ids, { dtype: 'int32', device: d }), attentionMask: T.tensor(mask, { dtype: 'int32', device: d }), tokenEmbeddings: on(d, input([2, 4, 4], 7)) });
      return new Normalize().forward((m as Dense).forward(f)).sentenceEmbedding!;
    },
  },
];

describe.skipIf(!gpu)('nn layers: WebGPU agrees with the CPU', () => {
  for (const c of cases) {
    it(c.name, async () => {
      T.manualSeed(42);
      const cpuModule = c.make();
      const gpuModule = await cpuModule.clone().to('webgpu');
      const cpu = await forwardBackward(cpuModule, () => c.run(cpuModule, 'cpu'), 'cpu');
      const gpuRun = await forwardBackward(gpuModule, () => c.run(gpuModule, 'webgpu'), 'webgpu');
      expect(disagreement(gpuRun.out, cpu.out)).toBeNull();
      expect([...gpuRun.grads.keys()]).toEqual([...cpu.grads.keys()]);
      for (const [name, g] of cpu.grads) {
        const d = disagreement(gpuRun.grads.get(name)!, g);
        if (d) throw new Error(`gradient of ${name}: ${d}`);
      }
    });
  }
});
