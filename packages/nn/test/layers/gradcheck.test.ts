/** Every layer's gradients (parameters and inputs) against finite differences, in float64 on the CPU. */
import { describe, it } from 'vitest';
import * as T from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import {
  additiveCausalMask,
  additivePaddingMask,
  BertLayer,
  BertModel,
  bertConfig,
  Dense,
  Dropout,
  Embedding,
  GELU,
  LayerNorm,
  Linear,
  MultiHeadAttention,
  Normalize,
  Pooling,
} from '@tessera/nn';
import { moduleGradcheck } from '../support/module-check.js';

const f64 = { dtype: 'float64' as const };
const leaf = (shape: number[], seed: number): Tensor => T.randn(shape, { ...f64, generator: new T.Generator(seed) }).requiresGrad_(true);
const ids = (rows: number[][]): Tensor => T.tensor(rows, { dtype: 'int32' });
const mask = T.tensor([[1, 1, 1], [1, 1, 0]], { dtype: 'int32' });

describe('layer gradcheck (float64)', () => {
  it('Linear with and without bias', () => {
    T.manualSeed(1);
    const lin = new Linear(4, 3, f64);
    moduleGradcheck(lin, [leaf([2, 4], 1)], (x) => lin.forward(x!));
    const nobias = new Linear(3, 2, { ...f64, bias: false });
    moduleGradcheck(nobias, [leaf([2, 5, 3], 2)], (x) => nobias.forward(x!));
  });
  it('Embedding, repeated ids, padding row gets no gradient', () => {
    T.manualSeed(2);
    const emb = new Embedding(5, 3, { ...f64, paddingIdx: 0 });
    moduleGradcheck(emb, [], () => emb.forward(ids([[1, 2, 1], [4, 1, 3]])));
  });
  it('LayerNorm', () => {
    T.manualSeed(3);
    const ln = new LayerNorm(4, { ...f64, eps: 1e-5 });
    ln.setParameter('weight', leaf([4], 7));
    moduleGradcheck(ln, [leaf([3, 4], 3)], (x) => ln.forward(x!));
  });
  it('Dropout in training with a seeded generator, GELU', () => {
    const drop = new Dropout(0.4, new T.Generator(0));
    const gelu = new GELU();
    moduleGradcheck(gelu, [leaf([2, 6], 4)], (x) => {
      drop.generator = new T.Generator(5);
      return drop.forward(gelu.forward(x!));
    });
  });
  it('MultiHeadAttention: self with padding mask, causal, and cross-attention', () => {
    T.manualSeed(4);
    const mha = new MultiHeadAttention(4, 2, f64);
    const pad = additivePaddingMask(mask, 'float64');
    moduleGradcheck(mha, [leaf([2, 3, 4], 6)], (x) => mha.forward(x!, { mask: pad }));
    const causal = additiveCausalMask(mask, 'float64');
    moduleGradcheck(mha, [leaf([2, 3, 4], 8)], (x) => mha.forward(x!, { mask: causal }));
    moduleGradcheck(mha, [leaf([2, 3, 4], 9), leaf([2, 2, 4], 10)], (x, c) => mha.forward(x!, { context: c! }));
  });
  it('BertLayer with cross-attention', () => {
    T.manualSeed(5);
    const c = bertConfig({ hidden_size: 4, num_attention_heads: 2, intermediate_size: 5, add_cross_attention: true, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, layer_norm_eps: 1e-5 });
    const layer = new BertLayer(c, f64);
    const pad = additivePaddingMask(mask, 'float64');
    moduleGradcheck(layer, [leaf([2, 3, 4], 11), leaf([2, 1, 4], 12)], (x, e) => layer.forward(x!, pad, e!, null));
  });
  it('BertModel (tiny) end to end, with pooler', () => {
    T.manualSeed(6);
    const bert = new BertModel(
      { vocab_size: 7, pad_token_id: 5, hidden_size: 4, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 6, max_position_embeddings: 5, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, initializer_range: 0.5, layer_norm_eps: 1e-5 },
      f64,
    );
    moduleGradcheck(bert, [], () => {
      // Row 5 (padding_idx) gets no gradient by design, so the ids avoid it.
      const out = bert.forward({ inputIds: ids([[1, 4, 2], [3, 6, 0]]), attentionMask: mask, tokenTypeIds: ids([[0, 1, 1], [0, 0, 0]]) });
      return [out.lastHiddenState, out.poolerOutput!];
    });
  });
  it('Pooling in every mode, Dense, Normalize', () => {
    T.manualSeed(7);
    const tokens = leaf([2, 3, 4], 13);
    for (const mode of ['cls', 'max', 'mean', 'mean_sqrt_len_tokens', 'weightedmean', 'lasttoken'] as const) {
      const pool = new Pooling(4, mode);
      moduleGradcheck(pool, [tokens], (x) => pool.forward({ inputIds: ids([[1, 1, 1], [1, 1, 0]]), attentionMask: mask, tokenEmbeddings: x! }).sentenceEmbedding!);
    }
    const dense = new Dense(4, 3, f64);
    const norm = new Normalize();
    moduleGradcheck(dense, [leaf([2, 4], 14)], (x) => norm.forward(dense.forward({ inputIds: ids([[1]]), sentenceEmbedding: x! })).sentenceEmbedding!);
  });
});
