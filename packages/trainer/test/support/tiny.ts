import { Generator } from '@tessera/tensor';
import { BertModel, bertBaseUncasedVocab, bertTokenizerJson, Pooling, SentenceTransformer, Tokenizer, Transformer } from '@tessera/nn';
import { Dataset } from '@tessera/trainer';

let tokenizer: Tokenizer | null = null;

/** A tiny BERT SentenceTransformer (bert-base-uncased tokenizer, hidden 8, no dropout unless asked). */
export function tinyModel(opts: { seed?: number; dropout?: number; hidden?: number } = {}): SentenceTransformer {
  tokenizer ??= Tokenizer.fromJSON(bertTokenizerJson(bertBaseUncasedVocab(), { lowercase: true }));
  const hidden = opts.hidden ?? 8;
  const bert = new BertModel(
    { hidden_size: hidden, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 12, max_position_embeddings: 24, hidden_dropout_prob: opts.dropout ?? 0, attention_probs_dropout_prob: opts.dropout ?? 0, initializer_range: 0.2 },
    { generator: new Generator(opts.seed ?? 1) },
  );
  return new SentenceTransformer([new Transformer(bert, tokenizer, { maxSeqLength: 16 }), new Pooling(hidden, 'mean')]);
}

const WORDS = ['cat', 'dog', 'bird', 'fish', 'tree', 'rock', 'star', 'moon', 'sun', 'rain', 'snow', 'wind', 'lake', 'hill', 'road', 'city'];

/** (anchor, positive) pairs that share a word. */
export function pairDataset(): Dataset {
  return Dataset.fromDict({ anchor: WORDS.map((w, i) => `the ${w} number ${i}`), positive: WORDS.map((w) => `a ${w} is here`) });
}

/** (sentence1, sentence2, score) rows with scores in [0, 1]. */
export function scoredDataset(): Dataset {
  const s1 = WORDS.map((w) => `a ${w}`);
  const s2 = WORDS.map((w, i) => (i % 2 ? `a ${w}` : `the ${WORDS[(i + 5) % WORDS.length]}`));
  return Dataset.fromDict({ sentence1: s1, sentence2: s2, score: WORDS.map((_, i) => (i % 2 ? 0.9 : 0.1)) });
}
