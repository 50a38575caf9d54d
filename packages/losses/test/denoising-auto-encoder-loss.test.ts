import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '@tessera/tensor';
import type { DeviceName, Tensor } from '@tessera/tensor';
import { requireWebGPU } from '@tessera/tensor/testing';
import { BertLMHeadModel, BertModel, Pooling, SentenceTransformer, serializeSafetensors, Transformer } from '@tessera/nn';
import type { Features, TextTokenizer, Tokenizer } from '@tessera/nn';
import { DenoisingAutoEncoderLoss } from '../src/losses/denoising-auto-encoder-loss.js';
import { DenoisingAutoEncoderDataset, denoise, wordDetokenize, wordTokenize } from '../src/data/denoising.js';
import { EmbeddingTableModel, expectLossAgreement, lossGradcheck, tinySentenceTransformer } from './support/models.js';
import { expectGradsClose, expectTesseraError, microBertTokenizer, microSentenceTransformer, valueAndGrads } from './support/unsupervised-fixtures.js';

const gpu = await requireWebGPU();

afterEach(() => {
  vi.restoreAllMocks();
});

function ids(rows: number[][]): Features {
  const inputIds = T.tensor(rows, { dtype: 'int32' });
  return { inputIds, attentionMask: inputIds.ne(0).int() };
}

/** The tiny BERT's underlying BertModel. */
function bertOf(model: SentenceTransformer): BertModel {
  return model.transformer.auto_model;
}

describe('DenoisingAutoEncoderLoss: T13 (shift by one, CE over the non-pad targets)', () => {
  const Y = [
    [101, 7, 8, 102, 0],
    [101, 9, 102, 0, 0],
  ];

  it('decoder inputs Y[:, :T−1] and labels Y[:, 1:]', () => {
    const { decoderInputIds, labels } = DenoisingAutoEncoderLoss.shiftTargets(T.tensor(Y, { dtype: 'int32' }));
    expect(decoderInputIds.arraySync()).toEqual([
      [101, 7, 8, 102],
      [101, 9, 102, 0],
    ]);
    expect(labels.arraySync()).toEqual([
      [7, 8, 102, 0],
      [9, 102, 0, 0],
    ]);
  });

  it('the loss is the mean CE over the 5 non-pad targets of the decoder logits (explicit formula)', () => {
    T.manualSeed(3);
    const model = tinySentenceTransformer({ dtype: 'float64', seed: 5, pooling: 'cls' });
    const loss = new DenoisingAutoEncoderLoss(model);
    const source = ids([
      [101, 2000, 2001, 102],
      [101, 2002, 102, 0],
    ]);
    const target = ids(Y);
    const value = loss.forward([source, target]).itemSync();
    // By hand: h from the encoder, logits from the decoder on X with one memory slot, CE at the 5 targets.
    const h = model.forward(source).sentenceEmbedding!;
    const logits = loss.decoder
      .forward({ inputIds: T.tensor([[101, 7, 8, 102], [101, 9, 102, 0]], { dtype: 'int32' }), encoderHiddenStates: h.unsqueeze(1), encoderAttentionMask: T.tensor([[1], [1]], { dtype: 'int32' }) })
      .arraySync() as number[][][];
    const labels = [
      [7, 8, 102, 0],
      [9, 102, 0, 0],
    ];
    let total = 0;
    let count = 0;
    labels.forEach((row, b) =>
      row.forEach((y, i) => {
        if (y === 0) return;
        const z = logits[b]![i]!;
        const m = Math.max(...z);
        total += m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) - z[y]!;
        count += 1;
      }),
    );
    expect(count).toBe(5);
    expect(value).toBeCloseTo(total / count, 10);
  });

  it('one memory slot: cross-attention is W_O(W_V h + b_V) + b_O, so its query and key get zero gradient', () => {
    const model = microSentenceTransformer({ seed: 1 });
    const loss = new DenoisingAutoEncoderLoss(model);
    loss.forward([model.tokenize(['cat sat', 'the dog ran in the park']), model.tokenize(['the cat sat on the mat.', 'a dog ran.'])]).backward();
    const cross = loss.decoder.bert.encoder.layer.at(0).crossattention!;
    for (const p of [cross.self.query.weight, cross.self.key.weight]) expect(Math.max(...Array.from(p.grad!.dataSync(), Math.abs))).toBeLessThan(1e-12);
    expect(Math.max(...Array.from(cross.self.value.weight.grad!.dataSync(), Math.abs))).toBeGreaterThan(1e-6);
  });
});

describe('DenoisingAutoEncoderLoss: decoder and tying', () => {
  it('tied: decoder-body parameters are the encoder\'s tensors; cross-attention and the LM head are the decoder\'s own children', () => {
    const model = microSentenceTransformer({ seed: 1 });
    const bert = bertOf(model);
    const loss = new DenoisingAutoEncoderLoss(model);
    const d = loss.decoder;
    expect(loss.tieEncoderDecoder).toBe(true);
    expect(loss.tiedParameters).toHaveLength(5 + 16); // embeddings + one layer's self-attention, FFN and LayerNorms
    expect(d.bert.embeddings.word_embeddings.weight).toBe(bert.embeddings.word_embeddings.weight);
    expect(d.cls.predictions.decoder.weight).toBe(bert.embeddings.word_embeddings.weight);
    expect(d.bert.embeddings.position_embeddings.weight).toBe(bert.embeddings.position_embeddings.weight);
    expect(d.bert.encoder.layer.at(0).attention.self.query.weight).toBe(bert.encoder.layer.at(0).attention.self.query.weight);
    expect(d.bert.encoder.layer.at(0).output.LayerNorm.weight).toBe(bert.encoder.layer.at(0).output.LayerNorm.weight);
    const encoderParams = new Set(model.parameters());
    expect(encoderParams.has(d.bert.encoder.layer.at(0).crossattention!.self.value.weight)).toBe(false);
    expect(encoderParams.has(d.cls.predictions.transform.dense.weight)).toBe(false);
    // Every parameter once: the model's, then the decoder's own (cross-attention, LM-head transform, bias).
    const names = loss.namedParameters().map(([n]) => n);
    expect(names.filter((n) => n.startsWith('decoder.')).sort()).toEqual(
      [
        ...['query', 'key', 'value'].flatMap((m) => [`decoder.bert.encoder.layer.0.crossattention.self.${m}.weight`, `decoder.bert.encoder.layer.0.crossattention.self.${m}.bias`]),
        'decoder.bert.encoder.layer.0.crossattention.output.dense.weight',
        'decoder.bert.encoder.layer.0.crossattention.output.dense.bias',
        'decoder.bert.encoder.layer.0.crossattention.output.LayerNorm.weight',
        'decoder.bert.encoder.layer.0.crossattention.output.LayerNorm.bias',
        'decoder.cls.predictions.bias',
        'decoder.cls.predictions.transform.dense.weight',
        'decoder.cls.predictions.transform.dense.bias',
        'decoder.cls.predictions.transform.LayerNorm.weight',
        'decoder.cls.predictions.transform.LayerNorm.bias',
      ].sort(),
    );
    expect(new Set(loss.parameters()).size).toBe(names.length);
  });

  it('tied: gradients from the encoder and the decoder use accumulate in the shared tensors', () => {
    const model = microSentenceTransformer({ seed: 2 });
    const tied = new DenoisingAutoEncoderLoss(model);
    // The same numbers with separate tensors: a copied encoder and a copied decoder (untied).
    const encoder2 = model.clone();
    const decoder2 = tied.decoder.clone();
    const untied = new DenoisingAutoEncoderLoss(encoder2, { tieEncoderDecoder: false, decoderNameOrPath: decoder2 });
    expect(untied.tiedParameters).toEqual([]);
    expect(decoder2.bert.embeddings.word_embeddings.weight).not.toBe(bertOf(encoder2).embeddings.word_embeddings.weight);
    const batch = (m: SentenceTransformer): Features[] => [m.tokenize(['cat sat', 'dog ran in park']), m.tokenize(['the cat sat on the mat.', 'a dog ran in the park.'])];
    const a = valueAndGrads(tied, () => tied.forward(batch(model)));
    const b = valueAndGrads(untied, () => untied.forward(batch(encoder2)));
    expect(b.value).toBeCloseTo(a.value, 12);
    const sum = (x: Float64Array, y: Float64Array): Float64Array => x.map((v, i) => v + y[i]!);
    for (const name of ['embeddings.word_embeddings.weight', 'embeddings.position_embeddings.weight', 'encoder.layer.0.attention.self.query.weight', 'encoder.layer.0.output.LayerNorm.bias']) {
      const shared = a.grads.get(`model.0.auto_model.${name}`)!;
      const enc = b.grads.get(`model.0.auto_model.${name}`)!;
      const dec = b.grads.get(`decoder.bert.${name}`)!;
      expectGradsClose(new Map([[name, shared]]), new Map([[name, sum(enc, dec)]]), 1e-12, 1e-9);
      expect(Math.max(...Array.from(dec, Math.abs))).toBeGreaterThan(0);
    }
  });

  it('gradcheck of every parameter (micro float64 BERT encoder + tied decoder, re-tied to the swapped-in tensors)', () => {
    const model = microSentenceTransformer({ seed: 3 });
    const loss = new DenoisingAutoEncoderLoss(model);
    const features = [model.tokenize(['cat', 'dog sat']), model.tokenize(['the cat.', 'a dog sat'])];
    lossGradcheck(loss, () => {
      loss.decoder.tieToEncoder(bertOf(model));
      return loss.forward(features);
    });
  });

  it('untied: a decoder folder (BertLMHeadModel or bare BERT checkpoint) is loaded, its missing weights initialised', async () => {
    const model = microSentenceTransformer({ seed: 1 });
    const config = { ...bertOf(model).config };
    const source = new BertLMHeadModel(config, { dtype: 'float64', generator: new T.Generator(42) });
    const dir = mkdtempSync(join(tmpdir(), 'tessera-dae-'));
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      const dict = source.stateDict();
      delete dict['cls.predictions.decoder.weight']; // tied to the word embeddings, as transformers saves it
      delete dict['cls.predictions.decoder.bias'];
      writeFileSync(join(dir, 'model.safetensors'), await serializeSafetensors(dict));
      const loss = new DenoisingAutoEncoderLoss(model, { tieEncoderDecoder: false, decoderNameOrPath: dir });
      expect(loss.getConfigDict()).toEqual({ decoderNameOrPath: dir, tieEncoderDecoder: false });
      expect(loss.tiedParameters).toEqual([]);
      const got = loss.decoder.stateDict();
      for (const [k, v] of Object.entries(source.stateDict())) expect(Array.from(got[k]!.dataSync()), k).toEqual(Array.from(v.dataSync()));
      expect(loss.decoder.cls.predictions.decoder.weight).toBe(loss.decoder.bert.embeddings.word_embeddings.weight);
      expect(loss.decoder.bert.embeddings.word_embeddings.weight).not.toBe(bertOf(model).embeddings.word_embeddings.weight);
      expect(loss.decoderPadTokenId).toBe(0);
      expect(Number.isFinite(loss.forward([model.tokenize(['cat sat']), model.tokenize(['the cat sat.'])]).itemSync())).toBe(true);

      // A bare BertModel checkpoint (no `bert.` prefix): the body loads, the LM head transform keeps its init.
      const bare = new BertModel(config, { dtype: 'float64', generator: new T.Generator(7), addPoolingLayer: false });
      writeFileSync(join(dir, 'model.safetensors'), await serializeSafetensors(bare.stateDict()));
      const loss2 = new DenoisingAutoEncoderLoss(model, { tieEncoderDecoder: false, decoderNameOrPath: dir });
      expect(Array.from(loss2.decoder.bert.encoder.layer.at(0).attention.self.query.weight.dataSync())).toEqual(Array.from(bare.encoder.layer.at(0).attention.self.query.weight.dataSync()));

      // Hidden sizes must match.
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, hidden_size: 8 }));
      expectTesseraError(() => new DenoisingAutoEncoderLoss(model, { tieEncoderDecoder: false, decoderNameOrPath: dir }), 'DenoisingAutoEncoderLoss', 'decoderNameOrPath');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A tokenizer of another class (delegating to the micro tokenizer): sentence-transformers' re-tokenization case. */
class WrappedTokenizer implements TextTokenizer {
  constructor(private readonly inner: Tokenizer) {}
  batch(texts: readonly string[] | readonly (readonly [string, string])[], opts: Parameters<TextTokenizer['batch']>[1]): ReturnType<TextTokenizer['batch']> {
    return this.inner.batch(texts, opts);
  }
  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string {
    return this.inner.decode(ids, opts);
  }
  get vocabSize(): number {
    return this.inner.vocabSize;
  }
  get padTokenId(): number {
    return this.inner.padTokenId;
  }
  save(folder: string): Promise<void> {
    return this.inner.save(folder);
  }
}

describe('DenoisingAutoEncoderLoss: decoder tokenizer of another class', () => {
  it('untied: the targets are decoded and re-tokenized for the decoder', async () => {
    const plain = microSentenceTransformer({ seed: 4 });
    const bert = bertOf(plain);
    const wrapped = new SentenceTransformer([new Transformer(bert, new WrappedTokenizer(microBertTokenizer()), { maxSeqLength: 8 }), new Pooling(4, 'cls')]);
    expect(new DenoisingAutoEncoderLoss(wrapped).needRetokenization).toBe(false); // tied: the encoder's own tokenizer
    const decoder = new BertLMHeadModel({ ...bert.config }, { dtype: 'float64', generator: new T.Generator(8) });
    const dir = mkdtempSync(join(tmpdir(), 'tessera-dae-tok-'));
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify(bert.config));
      writeFileSync(join(dir, 'model.safetensors'), await serializeSafetensors(decoder.bert.stateDict()));
      await microBertTokenizer().save(dir);
      const retok = new DenoisingAutoEncoderLoss(wrapped, { tieEncoderDecoder: false, decoderNameOrPath: dir });
      const same = new DenoisingAutoEncoderLoss(plain, { tieEncoderDecoder: false, decoderNameOrPath: dir });
      expect(retok.needRetokenization).toBe(true);
      expect(same.needRetokenization).toBe(false);
      same.decoder.loadStateDict(retok.decoder.stateDict());
      // Decoding and re-tokenizing with the same vocabulary reproduces the ids: the same loss.
      const source = plain.tokenize(['cat sat', 'dog']);
      const target = plain.tokenize(['the cat sat.', 'a dog ran in the park']);
      expect(retok.forward([source, target]).itemSync()).toBeCloseTo(same.forward([source, target]).itemSync(), 12);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DenoisingAutoEncoderLoss: options and errors', () => {
  it('defaults, config, warnings and errors name the loss and the argument', () => {
    const model = microSentenceTransformer({ seed: 1 });
    const loss = new DenoisingAutoEncoderLoss(model);
    expect(loss.getConfigDict()).toEqual({ decoderNameOrPath: null, tieEncoderDecoder: true });
    expect(DenoisingAutoEncoderLoss.info.inputs).toContain('damaged_sentence');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const named = new DenoisingAutoEncoderLoss(model, { decoderNameOrPath: '/nonexistent/checkpoint' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(named.getConfigDict().decoderNameOrPath).toBeNull();
    expectTesseraError(() => new DenoisingAutoEncoderLoss(model, { tieEncoderDecoder: false }), 'DenoisingAutoEncoderLoss', 'decoderNameOrPath');
    expectTesseraError(() => new DenoisingAutoEncoderLoss(model, { tieEncoderDecoder: false, decoderNameOrPath: '/nonexistent/checkpoint' }), 'DenoisingAutoEncoderLoss', 'decoderNameOrPath');
    const wide = new BertLMHeadModel({ ...bertOf(model).config, hidden_size: 8 }, { dtype: 'float64' });
    expectTesseraError(() => new DenoisingAutoEncoderLoss(model, { tieEncoderDecoder: false, decoderNameOrPath: wide }), 'DenoisingAutoEncoderLoss', 'decoderNameOrPath');
    expectTesseraError(() => new DenoisingAutoEncoderLoss(new EmbeddingTableModel(8, 4)), 'DenoisingAutoEncoderLoss', 'model');
    const f = model.tokenize(['cat sat']);
    expectTesseraError(() => loss.forward([f]), 'DenoisingAutoEncoderLoss', 'features');
    expectTesseraError(() => loss.forward([f, ids([[2]])]), 'DenoisingAutoEncoderLoss', 'features[1].inputIds');
  });
});

describe('TSDAE deletion noise', () => {
  it('regex word tokenizer / detokenizer round-trips ordinary English', () => {
    expect(wordTokenize("Don't worry, it's 3.14 (roughly) — well-known!")).toEqual(['Do', "n't", 'worry', ',', 'it', "'s", '3.14', '(', 'roughly', ')', '—', 'well-known', '!']);
    expect(wordTokenize('He said "hello"... and left.')).toEqual(['He', 'said', '"', 'hello', '"', '...', 'and', 'left', '.']);
    for (const text of ["Don't worry, it's 3.14 (roughly) — well-known!", 'He said "hello"... and left.', 'Prices rose 5% in 2024; costs ($10) fell.', "I can't believe it's O'Neil's."]) {
      expect(wordDetokenize(wordTokenize(text))).toBe(text);
    }
    expect(wordTokenize("I can't believe it's O'Neil's.")).toEqual(['I', 'ca', "n't", 'believe', 'it', "'s", "O'Neil", "'s", '.']);
    expect(wordTokenize('   ')).toEqual([]);
  });

  it('deletes ≈ delRatio of the words, never returns empty text, deterministic per seed', () => {
    const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa'];
    const generator = new T.Generator(11);
    const deletedFraction = (sentences: number, n: number): number => {
      let kept = 0;
      for (let i = 0; i < sentences; i++) {
        const out = wordTokenize(denoise(words.slice(0, n).join(' '), { generator }));
        expect(out.length).toBeGreaterThan(0);
        for (const w of out) expect(words.slice(0, n)).toContain(w);
        kept += out.length;
      }
      return 1 - kept / (sentences * n);
    };
    expect(Math.abs(deletedFraction(300, 10) - 0.6)).toBeLessThan(0.03); // 3000 words: sd ≈ 0.009
    // One-word sentences: deleted with probability 0.6, then the rescue keeps the word: never empty.
    expect(deletedFraction(50, 1)).toBe(0);
    const text = 'the quick brown fox jumps over the lazy dog';
    expect(denoise(text, { generator: new T.Generator(5) })).toBe(denoise(text, { generator: new T.Generator(5) }));
    expect(denoise(text, { delRatio: 0, generator: new T.Generator(5) })).toBe(text);
    expect(wordTokenize(denoise(text, { delRatio: 1, generator: new T.Generator(5) }))).toHaveLength(1);
    expect(denoise('', { generator })).toBe('');
    expectTesseraError(() => denoise(text, { delRatio: 1.5 }), 'denoise', 'delRatio');
  });

  it('the dataset yields fresh (damaged, original) pairs on every access', () => {
    const sentences = ['the quick brown fox jumps over the lazy dog', 'a b c d e f g h'];
    const data = new DenoisingAutoEncoderDataset(sentences, { generator: new T.Generator(1) });
    expect(data.length).toBe(2);
    const [damaged, original] = data.at(0);
    expect(original).toBe(sentences[0]);
    expect(wordTokenize(damaged).length).toBeLessThan(9);
    const draws = new Set(Array.from({ length: 10 }, () => data.at(0)[0]));
    expect(draws.size).toBeGreaterThan(1);
    expect([...data].map(([, o]) => o)).toEqual(sentences);
    expect(new DenoisingAutoEncoderDataset(sentences, { noiseFn: (s) => s.toUpperCase() }).at(1)).toEqual(['A B C D E F G H', 'a b c d e f g h']);
    expectTesseraError(() => data.at(2), 'DenoisingAutoEncoderDataset', 'index');
  });
});

describe.skipIf(!gpu)('DenoisingAutoEncoderLoss: CPU vs WebGPU (float32, tiny BERT, tied decoder)', () => {
  it('value and gradients agree', async () => {
    T.manualSeed(1);
    const loss = new DenoisingAutoEncoderLoss(tinySentenceTransformer({ seed: 1, pooling: 'cls' }));
    const damaged = ['cat sat', 'dog ran park'];
    const original = ['the cat sat on the mat', 'a dog ran in the park'];
    await expectLossAgreement(loss, (l: unknown, device: DeviceName): Tensor => {
      const dae = l as DenoisingAutoEncoderLoss;
      const m = dae.model as SentenceTransformer;
      return dae.forward([m.tokenize(damaged, device), m.tokenize(original, device)]);
    });
  });
});
