import type { Tensor } from '@tessera/tensor';
import { check, fmtShape, ones, tidy } from '@tessera/tensor';
import { Module } from '../../module.js';
import { activation } from '../../layers/activation.js';
import { additiveCausalMask, additivePaddingMask } from '../../layers/attention.js';
import type { ParamOptions } from '../../layers/init.js';
import { LayerNorm } from '../../layers/layer-norm.js';
import { Linear } from '../../layers/linear.js';
import type { BertConfig } from './config.js';
import { bertConfig } from './config.js';
import { BertEmbeddings, BertEncoder, BertPooler } from './modules.js';

export interface BertInputs {
  inputIds: Tensor;
  attentionMask?: Tensor | null;
  tokenTypeIds?: Tensor | null;
  positionIds?: Tensor | null;
  /** Cross-attention keys/values `[B, S, H]` (decoders only). */
  encoderHiddenStates?: Tensor | null;
  encoderAttentionMask?: Tensor | null;
}

export interface BertOutputs {
  /** `[B, T, H]` */
  lastHiddenState: Tensor;
  /** The embedding output and every layer's output (L + 1 tensors), when requested. */
  hiddenStates?: Tensor[];
  /** tanh(dense(CLS)) `[B, H]`, when the model has a pooler. */
  poolerOutput?: Tensor;
}

/**
 * BERT with Hugging Face's structure and parameter names: `embeddings.*`, `encoder.layer.N.*`,
 * optional `pooler.*`. With `is_decoder` the self-attention is causal; with `add_cross_attention`
 * each layer attends to `encoderHiddenStates` too.
 */
export class BertModel extends Module {
  readonly config: BertConfig;
  embeddings: BertEmbeddings;
  encoder: BertEncoder;
  pooler: BertPooler | null;

  constructor(config: Partial<BertConfig> = {}, opts: ParamOptions & { addPoolingLayer?: boolean } = {}) {
    super();
    this.config = bertConfig(config);
    this.embeddings = this.child('embeddings', new BertEmbeddings(this.config, opts));
    this.encoder = this.child('encoder', new BertEncoder(this.config, opts));
    this.pooler = opts.addPoolingLayer ?? true ? this.child('pooler', new BertPooler(this.config, opts)) : null;
  }

  /**
   * `outputPooler: false` skips the pooler: callers that do not read `poolerOutput` should pass it, since
   * an unused graph branch keeps its saved tensors (the last hidden state) alive until garbage collection.
   */
  forward(inputs: BertInputs, opts: { outputHiddenStates?: boolean; outputPooler?: boolean } = {}): BertOutputs {
    const { inputIds } = inputs;
    check(inputIds.ndim === 2 && inputIds.dtype === 'int32', 'BertModel', 'inputIds', () => `must be int32 [batch, seq], got ${inputIds.dtype} ${fmtShape(inputIds.shape)}`);
    for (const [name, t] of [['attentionMask', inputs.attentionMask], ['tokenTypeIds', inputs.tokenTypeIds]] as const) {
      if (t) check(t.ndim === 2 && t.shape[0] === inputIds.shape[0] && t.shape[1] === inputIds.shape[1], 'BertModel', name, () => `has shape ${fmtShape(t.shape)}; expected ${fmtShape(inputIds.shape)} like inputIds`);
    }
    const dtype = this.embeddings.word_embeddings.weight.dtype;
    const mask = inputs.attentionMask ?? ones(inputIds.shape, { dtype: 'int32', device: inputIds.device });
    const additive = tidy(() => (this.config.is_decoder ? additiveCausalMask(mask, dtype) : additivePaddingMask(mask, dtype)));
    let encoderMask: Tensor | null = null;
    if (inputs.encoderHiddenStates) {
      const [b, s] = inputs.encoderHiddenStates.shape as [number, number];
      const em = inputs.encoderAttentionMask ?? ones([b, s], { dtype: 'int32', device: inputIds.device });
      encoderMask = additivePaddingMask(em, dtype);
    }
    let h = this.embeddings.forward(inputIds, inputs.tokenTypeIds, inputs.positionIds);
    const hidden: Tensor[] = opts.outputHiddenStates ? [h] : [];
    for (const layer of this.encoder.layer) {
      h = layer.forward(h, additive, inputs.encoderHiddenStates, encoderMask);
      if (opts.outputHiddenStates) hidden.push(h);
    }
    const out: BertOutputs = { lastHiddenState: h };
    if (opts.outputHiddenStates) out.hiddenStates = hidden;
    if (this.pooler && (opts.outputPooler ?? true)) out.poolerOutput = this.pooler.forward(h);
    return out;
  }

  /** Hidden size H. */
  get hiddenSize(): number {
    return this.config.hidden_size;
  }
}

/** `cls.predictions`: transform (dense, activation, LayerNorm), then `decoder` (weight tied to the word embeddings; its bias is `bias`). */
export class BertLMPredictionHead extends Module {
  transform: BertPredictionHeadTransform;
  decoder: Linear;
  bias: Tensor;

  constructor(c: BertConfig, opts: ParamOptions) {
    super();
    this.transform = this.child('transform', new BertPredictionHeadTransform(c, opts));
    this.decoder = this.child('decoder', new Linear(c.hidden_size, c.vocab_size, { ...opts, initStd: c.initializer_range }));
    // transformers ties `decoder.bias` to `bias`: one tensor under both names.
    this.bias = this.param('bias', this.decoder.bias!);
  }

  forward(h: Tensor): Tensor {
    return this.decoder.forward(this.transform.forward(h));
  }
}

export class BertPredictionHeadTransform extends Module {
  dense: Linear;
  LayerNorm: LayerNorm;
  private readonly act: (x: Tensor) => Tensor;

  constructor(c: BertConfig, opts: ParamOptions) {
    super();
    this.dense = this.child('dense', new Linear(c.hidden_size, c.hidden_size, { ...opts, initStd: c.initializer_range }));
    this.LayerNorm = this.child('LayerNorm', new LayerNorm(c.hidden_size, { ...opts, eps: c.layer_norm_eps }));
    this.act = activation(c.hidden_act);
  }

  forward(h: Tensor): Tensor {
    return this.LayerNorm.forward(this.act(this.dense.forward(h)));
  }
}

class BertOnlyMLMHead extends Module {
  predictions: BertLMPredictionHead;
  constructor(c: BertConfig, opts: ParamOptions) {
    super();
    this.predictions = this.child('predictions', new BertLMPredictionHead(c, opts));
  }
}

/**
 * A BERT-style decoder (transformers' BertLMHeadModel): `bert` with causal self-attention and
 * cross-attention on encoder states, and the LM head `cls.predictions` whose decoder weight is
 * tied to `bert.embeddings.word_embeddings.weight`. `[B, T]` ids -> `[B, T, vocab]` logits.
 */
export class BertLMHeadModel extends Module {
  readonly config: BertConfig;
  bert: BertModel;
  cls: BertOnlyMLMHead;

  constructor(config: Partial<BertConfig> = {}, opts: ParamOptions = {}) {
    super();
    this.config = bertConfig({ ...config, is_decoder: true, add_cross_attention: true });
    this.bert = this.child('bert', new BertModel(this.config, { ...opts, addPoolingLayer: false }));
    this.cls = this.child('cls', new BertOnlyMLMHead(this.config, opts));
    this.tieWordEmbeddings();
  }

  /** Shares the LM head's decoder weight with the word embeddings (as tie_word_embeddings). */
  tieWordEmbeddings(): void {
    this.setParameter('cls.predictions.decoder.weight', this.bert.embeddings.word_embeddings.weight);
  }

  forward(inputs: BertInputs): Tensor {
    return this.cls.predictions.forward(this.bert.forward(inputs).lastHiddenState);
  }

  /**
   * Ties every decoder parameter whose name exists in `encoder` (embeddings, self-attention,
   * feed-forward) to the encoder's tensor, as transformers' tie_encoder_decoder; cross-attention
   * and the LM head transform stay the decoder's own. Returns the tied names.
   */
  tieToEncoder(encoder: BertModel): string[] {
    const source = new Map(encoder.namedParameters());
    const tied: string[] = [];
    for (const [name, p] of this.bert.namedParameters()) {
      const shared = source.get(name);
      if (!shared || shared === p || shared.shape.join() !== p.shape.join()) continue;
      this.bert.setParameter(name, shared);
      tied.push(name);
    }
    this.tieWordEmbeddings();
    return tied;
  }
}
