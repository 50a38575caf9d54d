/**
 * An average-word-embeddings sentence encoder (sentence-transformers' WordEmbeddings + mean
 * Pooling): one embedding row per bert-base-uncased token, averaged over the sentence. The loss
 * pages train it instead of a BERT because a software WebGPU adapter compiles its handful of
 * kernels in about a second; the loss code is the same for a SentenceTransformer.
 */
import { Generator, normalize, tidy, toDevice } from '@tessera/tensor';
import type { DeviceName, Tensor } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';
import { Embedding, Module } from '@tessera/nn';
import type { Features, Tokenizer } from '@tessera/nn';
import { bertTokenizer } from './tiny-model.js';

export class AverageWordEmbeddings extends Module {
  readonly embeddings: Embedding;
  readonly tokenizer: Tokenizer;
  readonly dim: number;
  maxSeqLength = 16;

  constructor(tokenizer: Tokenizer, dim: number, seed: number) {
    super();
    this.tokenizer = tokenizer;
    this.dim = dim;
    this.embeddings = this.child('embeddings', new Embedding(tokenizer.vocabSize, dim, { generator: new Generator(seed), initStd: 0.5 }));
  }

  /** `inputIds`, `attentionMask`, `tokenTypeIds` `[B, T]` on `device` (default: the model's). */
  tokenize(texts: readonly string[], device?: DeviceName): Features {
    return this.tokenizer.batch(texts, { maxLength: this.maxSeqLength, padding: 'longest', truncation: true, device: device ?? this.device });
  }

  /** Adds `tokenEmbeddings` `[B, T, D]` and their masked mean `sentenceEmbedding` `[B, D]`. */
  forward(features: Features): Features {
    const tokens = this.embeddings.forward(features.inputIds);
    const mask = (features.attentionMask ?? features.inputIds.ne(0)).cast(tokens.dtype).unsqueeze(-1);
    return { ...features, tokenEmbeddings: tokens, sentenceEmbedding: tokens.mul(mask).sum(1).div(mask.sum(1).clampMin(1e-9)) };
  }

  getEmbeddingDimension(): number {
    return this.dim;
  }

  /** Sentence embeddings `[N, D]` on the CPU, without gradients. */
  async encode(texts: readonly string[], opts: { normalize?: boolean } = {}): Promise<Tensor> {
    const out = noGrad(() =>
      tidy(() => {
        const e = this.forward(this.tokenize(texts)).sentenceEmbedding!;
        return opts.normalize ? normalize(e, { dim: 1 }) : e;
      }),
    );
    if (out.device === 'cpu') return out;
    const cpu = await toDevice(out, 'cpu');
    out.dispose();
    return cpu;
  }
}

/** A freshly initialised AverageWordEmbeddings encoder (width 16) on `device`. */
export async function averageWordEmbeddings(seed: number, device: DeviceName = 'cpu'): Promise<AverageWordEmbeddings> {
  const model = new AverageWordEmbeddings(await bertTokenizer(), 16, seed);
  return device === 'cpu' ? model : model.to(device);
}
