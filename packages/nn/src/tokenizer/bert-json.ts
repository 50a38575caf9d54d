import { TesseraError } from '@tessera/tensor';

/** An entry of `added_tokens` in a Hugging Face `tokenizer.json`. */
export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** `truncation` of a Hugging Face `tokenizer.json`. */
export interface TruncationJson {
  direction: 'Right' | 'Left';
  max_length: number;
  strategy: 'LongestFirst' | 'OnlyFirst' | 'OnlySecond';
  stride: number;
}

export type TemplateItemJson = { SpecialToken: { id: string; type_id: number } } | { Sequence: { id: 'A' | 'B'; type_id: number } };

/** A Hugging Face `tokenizer.json` (the parts Tessera reads; other fields pass through). */
export interface TokenizerJson {
  version?: string;
  truncation?: TruncationJson | null;
  padding?: Record<string, unknown> | null;
  added_tokens?: AddedTokenJson[];
  normalizer?: Record<string, unknown> | null;
  pre_tokenizer?: Record<string, unknown> | null;
  post_processor?: Record<string, unknown> | null;
  decoder?: Record<string, unknown> | null;
  model: { type?: string; vocab: Record<string, number> | unknown; unk_token?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** Names of BERT's special tokens. */
export interface BertSpecialTokens {
  pad: string;
  unk: string;
  cls: string;
  sep: string;
  mask: string;
}

export const BERT_SPECIAL_TOKENS: Readonly<BertSpecialTokens> = Object.freeze({ pad: '[PAD]', unk: '[UNK]', cls: '[CLS]', sep: '[SEP]', mask: '[MASK]' });

export interface BertTokenizerJsonOptions {
  /** Lowercase the input (bert-base-uncased: true). */
  lowercase: boolean;
  /** Strip accents; null (the default) follows `lowercase`. */
  stripAccents?: boolean | null;
  /** Put spaces around CJK ideographs (default true). */
  handleChineseChars?: boolean;
  /** When given, `truncation` is set to `{ direction: 'Right', max_length, strategy: 'LongestFirst', stride: 0 }`; else null. */
  maxLength?: number;
  /** Special token names (default `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]`). */
  specialTokens?: Partial<BertSpecialTokens>;
}

/**
 * A standard Hugging Face `tokenizer.json` object for a BERT WordPiece vocabulary (tokens in id order),
 * laid out as `tokenizers` writes it for bert-base-uncased: BertNormalizer, BertPreTokenizer,
 * WordPiece model (`[UNK]`, `##`, 100 chars per word), TemplateProcessing (`[CLS] $A [SEP]`,
 * `[CLS] $A [SEP] $B:1 [SEP]:1`) and WordPiece decoder; special tokens are `added_tokens` sorted by id.
 */
export function bertTokenizerJson(vocab: readonly string[], options: BertTokenizerJsonOptions): TokenizerJson {
  const op = 'bertTokenizerJson';
  if (!Array.isArray(vocab) || vocab.length === 0) throw new TesseraError(op, 'vocab', 'must be a non-empty array of tokens in id order');
  if (options === null || typeof options !== 'object' || typeof options.lowercase !== 'boolean') {
    throw new TesseraError(op, 'options', 'must be an object with a boolean `lowercase`');
  }
  const { stripAccents = null, handleChineseChars = true, maxLength } = options;
  if (stripAccents !== null && typeof stripAccents !== 'boolean') throw new TesseraError(op, 'stripAccents', `must be a boolean or null, got ${String(stripAccents)}`);
  if (typeof handleChineseChars !== 'boolean') throw new TesseraError(op, 'handleChineseChars', `must be a boolean, got ${String(handleChineseChars)}`);
  if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength > 0)) {
    throw new TesseraError(op, 'maxLength', `must be a positive integer, got ${String(maxLength)}`);
  }
  const special: BertSpecialTokens = { ...BERT_SPECIAL_TOKENS, ...options.specialTokens };

  // Null prototype: a token spelled `__proto__` must stay an ordinary key.
  const ids: Record<string, number> = Object.create(null) as Record<string, number>;
  vocab.forEach((token, id) => {
    if (typeof token !== 'string' || token.length === 0) throw new TesseraError(op, 'vocab', `holds ${JSON.stringify(token)} at id ${id}; expected a non-empty string`);
    if (Object.hasOwn(ids, token)) throw new TesseraError(op, 'vocab', `holds ${JSON.stringify(token)} twice (ids ${ids[token]} and ${id})`);
    ids[token] = id;
  });
  const idOf = (name: keyof BertSpecialTokens): number => {
    const id = ids[special[name]];
    if (id === undefined) throw new TesseraError(op, 'vocab', `has no ${name} token ${JSON.stringify(special[name])}`);
    return id;
  };
  const added = (['pad', 'unk', 'cls', 'sep', 'mask'] as const)
    .map((name) => ({ id: idOf(name), content: special[name], single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }))
    .sort((a, b) => a.id - b.id);
  const cls = special.cls;
  const sep = special.sep;
  return {
    version: '1.0',
    truncation: maxLength === undefined ? null : { direction: 'Right', max_length: maxLength, strategy: 'LongestFirst', stride: 0 },
    padding: null,
    added_tokens: added,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: handleChineseChars, strip_accents: stripAccents, lowercase: options.lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: sep, type_id: 0 } }],
      pair: [
        { SpecialToken: { id: cls, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: sep, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: sep, type_id: 1 } },
      ],
      special_tokens: {
        [cls]: { id: cls, ids: [idOf('cls')], tokens: [cls] },
        [sep]: { id: sep, ids: [idOf('sep')], tokens: [sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: special.unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
}
