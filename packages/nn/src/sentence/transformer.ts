import type { DeviceName, Tensor } from '@tessera/tensor';
import { TesseraError } from '@tessera/tensor';
import { Module } from '../module.js';
import type { BertConfig } from '../models/bert/config.js';
import { BertModel } from '../models/bert/model.js';
import type { ParamOptions } from '../layers/init.js';
import type { FeatureModule, Features } from './features.js';

/** What the pipeline needs from a tokenizer (the Tokenizer class provides it). */
export interface TextTokenizer {
  batch(
    texts: readonly string[] | readonly (readonly [string, string])[],
    opts: { maxLength: number; padding?: 'longest' | 'max_length'; truncation?: boolean; device?: DeviceName },
  ): { inputIds: Tensor; attentionMask: Tensor; tokenTypeIds: Tensor };
  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string;
  readonly vocabSize: number;
  readonly padTokenId: number;
  save(folder: string): Promise<void>;
}

/** sentence-transformers' sentence_bert_config.json. */
export interface TransformerConfig {
  max_seq_length: number;
  do_lower_case: boolean;
}

/**
 * The first module of a SentenceTransformer (sentence-transformers' Transformer): a BERT encoder
 * and its tokenizer. Adds `tokenEmbeddings` (and `allLayerEmbeddings` on request) to the features.
 */
export class Transformer extends Module implements FeatureModule {
  /** Named as in sentence-transformers, so state-dict keys read `0.auto_model.encoder.layer.0...`. */
  auto_model: BertModel;
  readonly tokenizer: TextTokenizer;
  maxSeqLength: number;
  doLowerCase: boolean;

  constructor(model: BertModel | Partial<BertConfig>, tokenizer: TextTokenizer, opts: ParamOptions & { maxSeqLength?: number; doLowerCase?: boolean } = {}) {
    super();
    this.auto_model = this.child('auto_model', model instanceof BertModel ? model : new BertModel(model, opts));
    this.tokenizer = tokenizer;
    this.maxSeqLength = Math.min(opts.maxSeqLength ?? 512, this.auto_model.config.max_position_embeddings);
    this.doLowerCase = opts.doLowerCase ?? false;
    if (tokenizer.vocabSize > this.auto_model.config.vocab_size) {
      throw new TesseraError('Transformer', 'tokenizer', `has ${tokenizer.vocabSize} tokens but the model's vocab_size is ${this.auto_model.config.vocab_size}`);
    }
  }

  get hiddenSize(): number {
    return this.auto_model.config.hidden_size;
  }

  /** Tokenizes texts (or text pairs) into `inputIds`, `attentionMask`, `tokenTypeIds` `[B, T]` (truncated to maxSeqLength). */
  tokenize(texts: readonly string[] | readonly (readonly [string, string])[], device?: DeviceName): Features {
    const lowered = this.doLowerCase ? (texts as readonly (string | readonly [string, string])[]).map((t) => (typeof t === 'string' ? t.toLowerCase() : ([t[0].toLowerCase(), t[1].toLowerCase()] as const))) : texts;
    return this.tokenizer.batch(lowered as readonly string[], { maxLength: this.maxSeqLength, padding: 'longest', truncation: true, device: device ?? this.device });
  }

  forward(features: Features): Features {
    const out = this.auto_model.forward(
      { inputIds: features.inputIds, attentionMask: features.attentionMask ?? null, tokenTypeIds: features.tokenTypeIds ?? null },
      // The pipeline never reads the pooler output; not computing it keeps no unused graph branch alive.
      { outputHiddenStates: features.outputHiddenStates ?? false, outputPooler: false },
    );
    const next: Features = { ...features, tokenEmbeddings: out.lastHiddenState };
    if (out.hiddenStates) next.allLayerEmbeddings = out.hiddenStates;
    return next;
  }

  get config(): TransformerConfig {
    return { max_seq_length: this.maxSeqLength, do_lower_case: this.doLowerCase };
  }
}
