import type { Tensor } from '@tessera/tensor';
import { arange, check, tidy, zeros } from '@tessera/tensor';
import { Module, ModuleList } from '../../module.js';
import { activation } from '../../layers/activation.js';
import { mergeHeads, scaledDotProductAttention, splitHeads } from '../../layers/attention.js';
import { Dropout } from '../../layers/dropout.js';
import { Embedding } from '../../layers/embedding.js';
import type { ParamOptions } from '../../layers/init.js';
import { LayerNorm } from '../../layers/layer-norm.js';
import { Linear } from '../../layers/linear.js';
import type { BertConfig } from './config.js';

/** Hugging Face BERT submodules, with its parameter names (embeddings.*, encoder.layer.N.*, pooler.*). */

function linear(c: BertConfig, inF: number, outF: number, p: ParamOptions): Linear {
  return new Linear(inF, outF, { ...p, initStd: c.initializer_range });
}

export class BertEmbeddings extends Module {
  word_embeddings: Embedding;
  position_embeddings: Embedding;
  token_type_embeddings: Embedding;
  LayerNorm: LayerNorm;
  dropout: Dropout;

  constructor(c: BertConfig, p: ParamOptions) {
    super();
    const e = { ...p, initStd: c.initializer_range };
    this.word_embeddings = this.child('word_embeddings', new Embedding(c.vocab_size, c.hidden_size, { ...e, paddingIdx: c.pad_token_id }));
    this.position_embeddings = this.child('position_embeddings', new Embedding(c.max_position_embeddings, c.hidden_size, e));
    this.token_type_embeddings = this.child('token_type_embeddings', new Embedding(c.type_vocab_size, c.hidden_size, e));
    this.LayerNorm = this.child('LayerNorm', new LayerNorm(c.hidden_size, { ...p, eps: c.layer_norm_eps }));
    this.dropout = this.child('dropout', new Dropout(c.hidden_dropout_prob));
  }

  /** ids `[B, T]` (+ token types, positions) -> `[B, T, H]`. */
  forward(inputIds: Tensor, tokenTypeIds?: Tensor | null, positionIds?: Tensor | null): Tensor {
    const [b, t] = inputIds.shape as [number, number];
    check(t <= this.position_embeddings.numEmbeddings, 'BertModel', 'inputIds', () =>
      `has ${t} positions; this model has max_position_embeddings ${this.position_embeddings.numEmbeddings} (truncate the input)`,
    );
    return tidy(() => {
      const positions = positionIds ?? arange(0, t, 1, { device: inputIds.device }).reshape([1, t]);
      const types = tokenTypeIds ?? zeros([b, t], { dtype: 'int32', device: inputIds.device });
      const x = this.word_embeddings.forward(inputIds).add(this.token_type_embeddings.forward(types)).add(this.position_embeddings.forward(positions));
      return this.dropout.forward(this.LayerNorm.forward(x));
    });
  }
}

export class BertSelfAttention extends Module {
  readonly heads: number;
  query: Linear;
  key: Linear;
  value: Linear;
  dropout: Dropout;

  constructor(c: BertConfig, p: ParamOptions) {
    super();
    this.heads = c.num_attention_heads;
    this.query = this.child('query', linear(c, c.hidden_size, c.hidden_size, p));
    this.key = this.child('key', linear(c, c.hidden_size, c.hidden_size, p));
    this.value = this.child('value', linear(c, c.hidden_size, c.hidden_size, p));
    this.dropout = this.child('dropout', new Dropout(c.attention_probs_dropout_prob));
  }

  /** `[B, T, H]`, keys/values from `context` `[B, S, H]` (cross-attention) or x; additive mask `[B, 1, T|1, S]`. */
  forward(x: Tensor, mask: Tensor | null, context?: Tensor | null): Tensor {
    const kv = context ?? x;
    const q = splitHeads(this.query.forward(x), this.heads);
    const k = splitHeads(this.key.forward(kv), this.heads);
    const v = splitHeads(this.value.forward(kv), this.heads);
    const out = scaledDotProductAttention(q, k, v, { mask, dropoutP: this.dropout.p, training: this.training, generator: this.dropout.generator });
    return mergeHeads(out);
  }
}

/** dense -> dropout -> LayerNorm(x + residual): BertSelfOutput and BertOutput. */
export class BertResidualOutput extends Module {
  dense: Linear;
  LayerNorm: LayerNorm;
  dropout: Dropout;

  constructor(c: BertConfig, inF: number, p: ParamOptions) {
    super();
    this.dense = this.child('dense', linear(c, inF, c.hidden_size, p));
    this.LayerNorm = this.child('LayerNorm', new LayerNorm(c.hidden_size, { ...p, eps: c.layer_norm_eps }));
    this.dropout = this.child('dropout', new Dropout(c.hidden_dropout_prob));
  }

  forward(x: Tensor, residual: Tensor): Tensor {
    return this.LayerNorm.forward(this.dropout.forward(this.dense.forward(x)).add(residual));
  }
}

export class BertAttention extends Module {
  self: BertSelfAttention;
  output: BertResidualOutput;

  constructor(c: BertConfig, p: ParamOptions) {
    super();
    this.self = this.child('self', new BertSelfAttention(c, p));
    this.output = this.child('output', new BertResidualOutput(c, c.hidden_size, p));
  }

  forward(x: Tensor, mask: Tensor | null, context?: Tensor | null): Tensor {
    return this.output.forward(this.self.forward(x, mask, context), x);
  }
}

export class BertIntermediate extends Module {
  dense: Linear;
  private readonly act: (x: Tensor) => Tensor;

  constructor(c: BertConfig, p: ParamOptions) {
    super();
    this.dense = this.child('dense', linear(c, c.hidden_size, c.intermediate_size, p));
    this.act = activation(c.hidden_act);
  }

  forward(x: Tensor): Tensor {
    return this.act(this.dense.forward(x));
  }
}

export class BertLayer extends Module {
  attention: BertAttention;
  crossattention: BertAttention | null;
  intermediate: BertIntermediate;
  output: BertResidualOutput;

  constructor(c: BertConfig, p: ParamOptions) {
    super();
    this.attention = this.child('attention', new BertAttention(c, p));
    this.crossattention = c.add_cross_attention ? this.child('crossattention', new BertAttention(c, p)) : null;
    this.intermediate = this.child('intermediate', new BertIntermediate(c, p));
    this.output = this.child('output', new BertResidualOutput(c, c.intermediate_size, p));
  }

  forward(x: Tensor, mask: Tensor | null, encoderStates?: Tensor | null, encoderMask?: Tensor | null): Tensor {
    // A scope per layer: its temporaries (dropout's random draws, everything under noGrad) go when the
    // layer returns, not when the caller's scope ends; autograd keeps what backward needs on its own.
    return tidy(() => {
      let h = this.attention.forward(x, mask);
      if (encoderStates) {
        check(this.crossattention !== null, 'BertLayer', 'encoderHiddenStates', () => 'were given but the model has no cross-attention (add_cross_attention: false)');
        h = this.crossattention!.forward(h, encoderMask ?? null, encoderStates);
      }
      return this.output.forward(this.intermediate.forward(h), h);
    });
  }
}

export class BertEncoder extends Module {
  layer: ModuleList<BertLayer>;

  constructor(c: BertConfig, p: ParamOptions) {
    super();
    this.layer = this.child('layer', new ModuleList(Array.from({ length: c.num_hidden_layers }, () => new BertLayer(c, p))));
  }
}

export class BertPooler extends Module {
  dense: Linear;

  constructor(c: BertConfig, p: ParamOptions) {
    super();
    this.dense = this.child('dense', linear(c, c.hidden_size, c.hidden_size, p));
  }

  /** tanh(dense(first token)): `[B, T, H] -> [B, H]`. */
  forward(hidden: Tensor): Tensor {
    return this.dense.forward(hidden.narrow(1, 0, 1).squeeze(1)).tanh();
  }
}
