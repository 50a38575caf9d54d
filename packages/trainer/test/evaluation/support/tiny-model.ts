/** A tiny BERT SentenceTransformer with the real bert-base-uncased tokenizer (as in @tessera/losses' test support). */
import * as T from '@tessera/tensor';
import { BertModel, Pooling, SentenceTransformer, Tokenizer, Transformer, bertBaseUncasedVocab, bertTokenizerJson } from '@tessera/nn';

let tokenizer: Tokenizer | null = null;

export function tinySentenceTransformer(opts: { seed?: number; hidden?: number } = {}): SentenceTransformer {
  tokenizer ??= Tokenizer.fromJSON(bertTokenizerJson(bertBaseUncasedVocab(), { lowercase: true }));
  const hidden = opts.hidden ?? 8;
  const bert = new BertModel(
    {
      hidden_size: hidden,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      intermediate_size: 12,
      max_position_embeddings: 32,
      hidden_dropout_prob: 0,
      attention_probs_dropout_prob: 0,
      initializer_range: 0.3,
    },
    { dtype: 'float32', generator: new T.Generator(opts.seed ?? 0) },
  );
  return new SentenceTransformer([new Transformer(bert, tokenizer, { maxSeqLength: 24 }), new Pooling(hidden, 'mean')]);
}
