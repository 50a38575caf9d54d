/**
 * Tokenizer over bert-base-uncased: known ids, normalization (accents, punctuation, CJK, [UNK]),
 * decode, pairs, batches with padding and truncation, save → fromFolder, and bad inputs.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tessera/tensor';
import type { TextTokenizer } from '../../src/sentence/transformer.js';
import { Tokenizer, bertBaseUncasedVocab, bertTokenizerJson } from '../../src/tokenizer/index.js';
import { longestFirstLengths } from '../../src/tokenizer/truncation.js';
import { bertBaseUncased, expectTesseraError } from './helpers.js';

const tok = bertBaseUncased();
const ids = (text: string, pair?: string): number[] => tok.encode(text, pair).ids;
const rows = (t: Tensor): number[][] => t.arraySync() as number[][];

describe('encode: bert-base-uncased ids', () => {
  // [text, ids with [CLS] = 101 and [SEP] = 102, wordpieces]
  const CASES: [string, number[], string[]][] = [
    ['A man is playing a guitar.', [101, 1037, 2158, 2003, 2652, 1037, 2858, 1012, 102], ['a', 'man', 'is', 'playing', 'a', 'guitar', '.']],
    ['hello world', [101, 7592, 2088, 102], ['hello', 'world']],
    // Greedy longest-match-first: una + ##ffa + ##ble (##able = 3085 does not apply).
    ['unaffable', [101, 14477, 20961, 3468, 102], ['una', '##ffa', '##ble']],
    ['embeddings', [101, 7861, 8270, 4667, 2015, 102], ['em', '##bed', '##ding', '##s']],
    ['Tokenization', [101, 19204, 3989, 102], ['token', '##ization']],
    // Accents are stripped (strip_accents follows lowercase).
    ['Héllo Wörld', [101, 7592, 2088, 102], ['hello', 'world']],
    ['naïve café', [101, 15743, 7668, 102], ['naive', 'cafe']],
    // Punctuation is split off.
    ['Hello, world!', [101, 7592, 1010, 2088, 999, 102], ['hello', ',', 'world', '!']],
    ["I can't do it.", [101, 1045, 2064, 1005, 1056, 2079, 2009, 1012, 102], ['i', 'can', "'", 't', 'do', 'it', '.']],
    ['sentence-transformers', [101, 6251, 1011, 19081, 102], ['sentence', '-', 'transformers']],
    ['$3.50', [101, 1002, 1017, 1012, 2753, 102], ['$', '3', '.', '50']],
    // CJK ideographs become words of their own; 你, 好 and 界 are not in the vocabulary.
    ['中国人', [101, 1746, 1799, 1756, 102], ['中', '国', '人']],
    ['你好世界', [101, 100, 100, 1745, 100, 102], ['[UNK]', '[UNK]', '世', '[UNK]']],
    // A word with a character outside the vocabulary is one [UNK].
    ['☃ snowman', [101, 100, 4586, 2386, 102], ['[UNK]', 'snow', '##man']],
    // Special tokens in the text are kept whole.
    ['[MASK] is [CLS]', [101, 103, 2003, 101, 102], ['[MASK]', 'is', '[CLS]']],
    // Whitespace and control characters are cleaned away.
    ['  hello\t\n world\u0000\u200b ', [101, 7592, 2088, 102], ['hello', 'world']],
    ['', [101, 102], []],
  ];
  for (const [text, expected, pieces] of CASES) {
    it(JSON.stringify(text), () => {
      const e = tok.encode(text);
      expect(e.ids).toEqual(expected);
      expect(e.tokens).toEqual(['[CLS]', ...pieces, '[SEP]']);
      expect(e.attentionMask).toEqual(expected.map(() => 1));
      expect(e.typeIds).toEqual(expected.map(() => 0));
    });
  }

  it('words longer than 100 characters are [UNK]', () => {
    expect(ids('a'.repeat(100))).not.toContain(100);
    expect(ids('a'.repeat(101))).toEqual([101, 100, 102]);
  });

  it('normalizes as the Rust BertNormalizer: astral CJK split off, Σ lowercased per character', () => {
    // U+20000 (CJK extension B) is put between spaces, so the neighbours keep their own ids.
    expect(ids('a\u{20000}b')).toEqual([101, 1037, 100, 1038, 102]);
    expect(tok.encode('ΟΔΟΣ').tokens.join('').replaceAll('##', '').replace('[CLS]', '').replace('[SEP]', '')).toBe('οδοσ');
  });

  it('a cased tokenizer over the same vocabulary keeps case', () => {
    const cased = Tokenizer.fromJSON(bertTokenizerJson(bertBaseUncasedVocab(), { lowercase: false }));
    expect(cased.encode('hello').ids).toEqual([101, 7592, 102]);
    expect(cased.encode('Hello').tokens).not.toContain('hello');
    // strip_accents null follows lowercase: false, so the accent stays.
    expect(cased.encode('café').tokens).not.toEqual(['[CLS]', 'cafe', '[SEP]']);
  });
});

describe('special tokens and vocabulary', () => {
  it('ids of the special tokens', () => {
    expect(tok.vocabSize).toBe(30522);
    expect([tok.padTokenId, tok.unkTokenId, tok.clsTokenId, tok.sepTokenId, tok.maskTokenId]).toEqual([0, 100, 101, 102, 103]);
    expect(tok.modelMaxLength).toBe(512);
    expect(tok.numSpecialTokens()).toBe(2);
    expect(tok.numSpecialTokens(true)).toBe(3);
  });
  it('is a TextTokenizer for sentence/transformer', () => {
    const t: TextTokenizer = tok;
    expect(t.vocabSize).toBe(30522);
  });
  it('tokenToId / idToToken', () => {
    expect(tok.tokenToId('guitar')).toBe(2858);
    expect(tok.tokenToId('##ing')).toBe(2075);
    expect(tok.tokenToId('not-a-token')).toBeUndefined();
    expect(tok.idToToken(2858)).toBe('guitar');
    expect(tok.idToToken(1)).toBe('[unused0]');
    expect(tok.idToToken(30522)).toBeUndefined();
    expect(tok.idToToken(1.5)).toBeUndefined();
  });
});

describe('decode', () => {
  it('round trips normalized text', () => {
    for (const [text, normalized] of [
      ['A man is playing a guitar.', 'a man is playing a guitar.'],
      ['Héllo Wörld', 'hello world'],
      ['Hello, world!', 'hello, world!'],
      ["I can't do it.", "i can't do it."],
      ['unaffable embeddings', 'unaffable embeddings'],
      ['中国人', '中 国 人'],
    ]) {
      expect(tok.decode(tok.encode(text!).ids, { skipSpecialTokens: true })).toBe(normalized);
    }
  });
  it('keeps special tokens unless asked', () => {
    expect(tok.decode([101, 7592, 2088, 102])).toBe('[CLS] hello world [SEP]');
    expect(tok.decode([101, 7592, 2088, 102, 0, 0], { skipSpecialTokens: true })).toBe('hello world');
    expect(tok.decode(new Int32Array([101, 14477, 20961, 3468, 102]), { skipSpecialTokens: true })).toBe('unaffable');
    expect(tok.decode([])).toBe('');
    expect(tok.decode([101, 102], { skipSpecialTokens: true })).toBe('');
  });
});

describe('pairs', () => {
  it('[CLS] a [SEP] b [SEP] with type ids 0 then 1', () => {
    const e = tok.encode('hello world', 'how are you');
    expect(e.ids).toEqual([101, 7592, 2088, 102, 2129, 2024, 2017, 102]);
    expect(e.tokens).toEqual(['[CLS]', 'hello', 'world', '[SEP]', 'how', 'are', 'you', '[SEP]']);
    expect(e.typeIds).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(e.attentionMask).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });
  it('an empty second text still gets its [SEP]', () => {
    const e = tok.encode('a', '');
    expect(e.ids).toEqual([101, 1037, 102, 102]);
    expect(e.typeIds).toEqual([0, 0, 0, 1]);
  });
});

describe('truncation (LongestFirst)', () => {
  it('matches tokenizers’ truncate_encodings_longest_first table (budget 7)', () => {
    const table: [number, number, number, number][] = [
      [0, 0, 0, 0], [0, 2, 0, 2], [0, 4, 0, 4], [0, 8, 0, 7],
      [2, 0, 2, 0], [2, 2, 2, 2], [2, 4, 2, 4], [2, 8, 2, 5],
      [4, 0, 4, 0], [4, 2, 4, 2], [4, 4, 3, 4], [4, 8, 3, 4],
      [8, 0, 7, 0], [8, 2, 5, 2], [8, 4, 4, 3], [8, 8, 3, 4],
    ];
    for (const [n1, n2, k1, k2] of table) expect(longestFirstLengths(n1, n2, 7), `${n1}, ${n2}`).toEqual([k1, k2]);
    for (const [n1, n2] of [[0, 2], [4, 4], [8, 8]] as const) expect(longestFirstLengths(n1, n2, 0)).toEqual([0, 0]);
  });

  it('a tokenizer.json truncation applies to encode', () => {
    const t = Tokenizer.fromJSON(bertTokenizerJson(bertBaseUncasedVocab(), { lowercase: true, maxLength: 6 }));
    expect(t.modelMaxLength).toBe(6);
    expect(t.encode('A man is playing a guitar.').ids).toEqual([101, 1037, 2158, 2003, 2652, 102]);
    // Pair, budget 3: "a man is playing" (4) vs "hello world" (2) both shrink; the longer keeps ceil(3 / 2).
    expect(t.encode('a man is playing', 'hello world').ids).toEqual([101, 1037, 2158, 102, 7592, 102]);
  });
});

describe('batch', () => {
  it('pads on the right to the longest row, with masks and type ids', () => {
    const b = tok.batch(['A man is playing a guitar.', 'hello world', '']);
    for (const t of [b.inputIds, b.attentionMask, b.tokenTypeIds]) {
      expect(t.dtype).toBe('int32');
      expect(t.shape).toEqual([3, 9]);
    }
    expect(rows(b.inputIds)).toEqual([
      [101, 1037, 2158, 2003, 2652, 1037, 2858, 1012, 102],
      [101, 7592, 2088, 102, 0, 0, 0, 0, 0],
      [101, 102, 0, 0, 0, 0, 0, 0, 0],
    ]);
    expect(rows(b.attentionMask)).toEqual([
      [1, 1, 1, 1, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 0, 0, 0, 0, 0],
      [1, 1, 0, 0, 0, 0, 0, 0, 0],
    ]);
    expect(rows(b.tokenTypeIds)).toEqual([[0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0]]);
  });

  it("padding 'max_length' pads every row to maxLength", () => {
    const b = tok.batch(['hello world'], { maxLength: 6, padding: 'max_length' });
    expect(b.inputIds.shape).toEqual([1, 6]);
    expect(rows(b.inputIds)).toEqual([[101, 7592, 2088, 102, 0, 0]]);
    expect(rows(b.attentionMask)).toEqual([[1, 1, 1, 1, 0, 0]]);
  });

  it('truncation keeps [CLS] … [SEP]', () => {
    const b = tok.batch(['A man is playing a guitar.', 'hello world'], { maxLength: 5 });
    expect(rows(b.inputIds)).toEqual([
      [101, 1037, 2158, 2003, 102],
      [101, 7592, 2088, 102, 0],
    ]);
    expect(rows(tok.batch(['A man is playing a guitar.'], { maxLength: 2 }).inputIds)).toEqual([[101, 102]]);
    // Without truncation rows keep their length.
    expect(tok.batch(['A man is playing a guitar.'], { maxLength: 5, truncation: false }).inputIds.shape).toEqual([1, 9]);
  });

  it('pairs: type ids, and longest-first truncation', () => {
    const b = tok.batch([['hello world', 'how are you'], ['A man is playing a guitar.', 'hello']], { maxLength: 8 });
    expect(rows(b.inputIds)).toEqual([
      [101, 7592, 2088, 102, 2129, 2024, 2017, 102],
      // budget 5: "a man is playing a guitar ." (7) vs "hello" (1) → 4 + 1
      [101, 1037, 2158, 2003, 2652, 102, 7592, 102],
    ]);
    expect(rows(b.tokenTypeIds)).toEqual([
      [0, 0, 0, 0, 1, 1, 1, 1],
      [0, 0, 0, 0, 0, 0, 1, 1],
    ]);
    // Both long: budget 5 → first keeps 2, second keeps 3 (the longer keeps the extra one).
    const both = tok.batch([['a man is playing a guitar', 'hello world how are you']], { maxLength: 8 });
    expect(rows(both.inputIds)).toEqual([[101, 1037, 2158, 2003, 102, 7592, 2088, 102]]);
  });

  it('mixes texts and pairs; places tensors on the requested device', () => {
    const b = tok.batch(['hello', ['hello', 'world']] as unknown as string[], { device: 'cpu' });
    expect(b.inputIds.device).toBe('cpu');
    expect(rows(b.inputIds)).toEqual([[101, 7592, 102, 0, 0], [101, 7592, 102, 2088, 102]]);
    expect(rows(b.tokenTypeIds)).toEqual([[0, 0, 0, 0, 0], [0, 0, 0, 1, 1]]);
  });

  it('bad inputs name Tokenizer.batch and the argument', () => {
    expectTesseraError(() => tok.batch(['hello'], { maxLength: 1 }), 'Tokenizer.batch', 'maxLength');
    expectTesseraError(() => tok.batch(['hello'], { maxLength: 0 }), 'Tokenizer.batch', 'maxLength');
    expectTesseraError(() => tok.batch([['a', 'b']], { maxLength: 2 }), 'Tokenizer.batch', 'maxLength');
    expectTesseraError(() => tok.batch(['hello'], { maxLength: 2.5 }), 'Tokenizer.batch', 'maxLength');
    expectTesseraError(() => tok.batch([]), 'Tokenizer.batch', 'texts');
    expectTesseraError(() => tok.batch([1] as unknown as string[]), 'Tokenizer.batch', 'texts');
    expectTesseraError(() => tok.batch(['ok', null] as unknown as string[]), 'Tokenizer.batch', 'texts');
    expectTesseraError(() => tok.batch([['a']] as unknown as string[]), 'Tokenizer.batch', 'texts');
    expectTesseraError(() => tok.batch('hello' as unknown as string[]), 'Tokenizer.batch', 'texts');
    expectTesseraError(() => tok.batch(['a'], { padding: 'left' as 'longest' }), 'Tokenizer.batch', 'padding');
    expectTesseraError(() => tok.batch(['a'], { truncation: 'yes' as unknown as boolean }), 'Tokenizer.batch', 'truncation');
    expectTesseraError(() => tok.batch(['a man is playing'], { maxLength: 3, padding: 'max_length', truncation: false }), 'Tokenizer.batch', 'truncation');
  });
});

describe('bad inputs', () => {
  it('encode, decode, fromJSON', () => {
    expectTesseraError(() => tok.encode(5 as unknown as string), 'Tokenizer.encode', 'text');
    expectTesseraError(() => tok.encode('a', [] as unknown as string), 'Tokenizer.encode', 'pair');
    expectTesseraError(() => tok.decode([30522]), 'Tokenizer.decode', 'ids');
    expectTesseraError(() => tok.decode([-1]), 'Tokenizer.decode', 'ids');
    expectTesseraError(() => tok.decode([1.5]), 'Tokenizer.decode', 'ids');
    expectTesseraError(() => tok.decode('101' as unknown as number[]), 'Tokenizer.decode', 'ids');
    expectTesseraError(() => Tokenizer.fromJSON({}), 'Tokenizer.fromJSON', 'obj');
    expectTesseraError(() => Tokenizer.fromJSON({ model: { type: 'Nope', vocab: {} } }), 'Tokenizer.fromJSON', 'obj');
    const json = bertTokenizerJson(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a'], { lowercase: true });
    expectTesseraError(() => Tokenizer.fromJSON({ ...json, post_processor: { type: 'RobertaProcessing' } }), 'Tokenizer.fromJSON', 'obj');
    expectTesseraError(() => Tokenizer.fromJSON(json, { specialTokens: { mask: '<mask>' } }), 'Tokenizer.fromJSON', 'obj');
  });
  it('fromJSON copies its input', () => {
    const json = bertTokenizerJson(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a'], { lowercase: true });
    const t = Tokenizer.fromJSON(json);
    (json.model.vocab as Record<string, number>).a = 0;
    expect(t.encode('a').ids).toEqual([2, 5, 3]);
    expect(t.toJSON()).toEqual(bertTokenizerJson(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a'], { lowercase: true }));
  });
});

describe('save → fromFolder', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-tokenizer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const corpus = [
    'A man is playing a guitar.',
    'Héllo Wörld, naïve café!',
    'unaffable embeddings 中国人 你好',
    "I can't do it. $3.50 ☃",
    '[MASK] is [CLS]',
  ];

  it('writes the four files transformers reads', async () => {
    const folder = join(dir, 'written');
    await tok.save(folder);
    const vocabTxt = await readFile(join(folder, 'vocab.txt'), 'utf8');
    const lines = vocabTxt.split('\n');
    expect(lines).toHaveLength(30523);
    expect(lines[30522]).toBe('');
    expect(lines.slice(100, 104)).toEqual(['[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(JSON.parse(await readFile(join(folder, 'tokenizer_config.json'), 'utf8'))).toMatchObject({
      do_lower_case: true,
      model_max_length: 512,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
      tokenizer_class: 'BertTokenizer',
    });
    expect(JSON.parse(await readFile(join(folder, 'special_tokens_map.json'), 'utf8'))).toEqual({
      cls_token: '[CLS]',
      mask_token: '[MASK]',
      pad_token: '[PAD]',
      sep_token: '[SEP]',
      unk_token: '[UNK]',
    });
    expect(JSON.parse(await readFile(join(folder, 'tokenizer.json'), 'utf8'))).toEqual(tok.toJSON());
  });

  it('tokenizer.json and vocab.txt-only folders give identical ids', async () => {
    const full = join(dir, 'full');
    await tok.save(full);
    const fromJson = await Tokenizer.fromFolder(full);
    const vocabOnly = join(dir, 'vocab-only');
    await tok.save(vocabOnly);
    await rm(join(vocabOnly, 'tokenizer.json'));
    const fromVocab = await Tokenizer.fromFolder(vocabOnly);
    expect(fromVocab.toJSON()).toEqual(tok.toJSON());
    for (const text of corpus) {
      expect(fromJson.encode(text)).toEqual(tok.encode(text));
      expect(fromVocab.encode(text)).toEqual(tok.encode(text));
    }
    expect(fromVocab.encode('hello world', 'how are you')).toEqual(tok.encode('hello world', 'how are you'));
    expect([fromVocab.modelMaxLength, fromVocab.vocabSize, fromVocab.maskTokenId]).toEqual([512, 30522, 103]);
  });

  it('vocab.txt with a transformers-style config: do_lower_case, model_max_length, int(1e30)', async () => {
    const folder = join(dir, 'hf-style');
    await tok.save(folder);
    await rm(join(folder, 'tokenizer.json'));
    await writeFile(join(folder, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false, model_max_length: 128 }));
    const cased = await Tokenizer.fromFolder(folder);
    expect(cased.modelMaxLength).toBe(128);
    expect(cased.toJSON().normalizer).toEqual({ type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: false });
    expect(cased.encode('Hello').tokens).not.toContain('hello');
    // transformers writes 1000000000000000019884624838656 when there is no limit.
    await writeFile(join(folder, 'tokenizer_config.json'), '{"do_lower_case": true, "model_max_length": 1000000000000000019884624838656}');
    const uncased = await Tokenizer.fromFolder(folder);
    expect(uncased.modelMaxLength).toBe(512);
    expect(uncased.encode('Hello').ids).toEqual([101, 7592, 102]);
  });

  it('errors name Tokenizer.fromFolder', async () => {
    await expect(Tokenizer.fromFolder(join(dir, 'missing'))).rejects.toMatchObject({ op: 'Tokenizer.fromFolder', arg: 'folder' });
    const bad = join(dir, 'bad-json');
    await tok.save(bad);
    await writeFile(join(bad, 'tokenizer.json'), '{ not json');
    await expect(Tokenizer.fromFolder(bad)).rejects.toMatchObject({ op: 'Tokenizer.fromFolder', arg: 'folder' });
  });
});
