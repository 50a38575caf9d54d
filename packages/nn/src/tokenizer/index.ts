export { Tokenizer } from './tokenizer.js';
export type { BatchEncoding, BatchOptions, DecodeOptions, Encoding, TokenizerOptions } from './tokenizer.js';
export { BERT_SPECIAL_TOKENS, bertTokenizerJson } from './bert-json.js';
export type { AddedTokenJson, BertSpecialTokens, BertTokenizerJsonOptions, TemplateItemJson, TokenizerJson, TruncationJson } from './bert-json.js';
export { BERT_BASE_UNCASED_VOCAB_SIZE, bertBaseUncasedVocab, bertVocabFromSentencePieceStyle, formatVocabTxt, parseVocabTxt } from './vocab.js';
