export { Module, ModuleList } from './module.js';
export type { LoadResult, StateDict } from './module.js';
export type { ParamOptions } from './layers/init.js';
export { normalInit, uniformInit } from './layers/init.js';
export { Linear } from './layers/linear.js';
export type { LinearOptions } from './layers/linear.js';
export { Embedding } from './layers/embedding.js';
export type { EmbeddingOptions } from './layers/embedding.js';
export { LayerNorm } from './layers/layer-norm.js';
export { Dropout } from './layers/dropout.js';
export { ACTIVATIONS, activation, GELU, ReLU, Tanh } from './layers/activation.js';
export type { ActivationName } from './layers/activation.js';
export {
  additiveCausalMask,
  additivePaddingMask,
  finfoMin,
  mergeHeads,
  MultiHeadAttention,
  scaledDotProductAttention,
  splitHeads,
} from './layers/attention.js';
export type { AttentionOptions } from './layers/attention.js';
export { BERT_DEFAULTS, bertConfig } from './models/bert/config.js';
export type { BertConfig } from './models/bert/config.js';
export { BertLMHeadModel, BertModel } from './models/bert/model.js';
export type { BertInputs, BertOutputs } from './models/bert/model.js';
export { BertAttention, BertEmbeddings, BertEncoder, BertLayer, BertPooler, BertSelfAttention } from './models/bert/modules.js';
export type { FeatureModule, Features } from './sentence/features.js';
export { Pooling } from './sentence/pooling.js';
export type { PoolingConfig, PoolingMode } from './sentence/pooling.js';
export { Normalize } from './sentence/normalize.js';
export { Dense } from './sentence/dense.js';
export type { DenseConfig } from './sentence/dense.js';
export { Transformer } from './sentence/transformer.js';
export type { TextTokenizer, TransformerConfig } from './sentence/transformer.js';
export { SentenceTransformer } from './sentence/sentence-transformer.js';
export type { EncodeOptions } from './sentence/sentence-transformer.js';
export { ProgressBar, formatSeconds } from './util/progress.js';
export * from './tokenizer/index.js';
export * from './optim/index.js';
export { parseSafetensors, serializeSafetensors, loadSafetensors, saveSafetensors, loadSafetensorsIndex, SAFETENSORS_INDEX_FILE } from './io/safetensors.js';
export type { SafetensorsOptions, SafetensorsContents, SafetensorsIndexContents } from './io/safetensors.js';
export { downloadSnapshot, defaultHubCache, repoFolderName } from './io/hub.js';
export type { DownloadSnapshotOptions, DownloadProgress } from './io/hub.js';
