import { TesseraError } from '@tessera/tensor';

/** A BERT config with Hugging Face's field names (config.json), plus the defaults of transformers' BertConfig. */
export interface BertConfig {
  model_type: 'bert';
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  hidden_act: string;
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  initializer_range: number;
  layer_norm_eps: number;
  pad_token_id: number;
  position_embedding_type: 'absolute';
  is_decoder: boolean;
  add_cross_attention: boolean;
  architectures?: string[];
  [extra: string]: unknown;
}

export const BERT_DEFAULTS: BertConfig = {
  model_type: 'bert',
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  is_decoder: false,
  add_cross_attention: false,
};

/** Fills defaults and checks the fields the model reads. */
export function bertConfig(partial: Partial<BertConfig> = {}): BertConfig {
  const c = { ...BERT_DEFAULTS, ...partial } as BertConfig;
  for (const k of ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'max_position_embeddings', 'type_vocab_size'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new TesseraError('BertConfig', k, `must be a positive integer, got ${String(c[k])}`);
  }
  if (c.hidden_size % c.num_attention_heads !== 0) {
    throw new TesseraError('BertConfig', 'num_attention_heads', `(${c.num_attention_heads}) must divide hidden_size (${c.hidden_size})`);
  }
  if (c.position_embedding_type !== 'absolute') {
    throw new TesseraError('BertConfig', 'position_embedding_type', `'${c.position_embedding_type}' is not supported (only 'absolute')`);
  }
  return c;
}
