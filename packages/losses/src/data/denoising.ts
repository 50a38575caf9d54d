/**
 * TSDAE deletion noise (losses.md §22; sentence-transformers' DenoisingAutoEncoderDataset.delete):
 * split a text into words, keep word j iff u_j > delRatio (u_j ~ U[0, 1)), keep one uniformly
 * chosen word when none survives, and join the kept words back into text.
 *
 * sentence-transformers uses NLTK's `word_tokenize` and the Treebank detokenizer; Tessera uses the
 * small regex tokenizer below, which follows the same main conventions for English text.
 */
import { check, defaultGenerator } from '@tessera/tensor';
import type { Generator } from '@tessera/tensor';

const W = '[\\p{L}\\p{N}_]';
const SUFFIX = "n['’]t|['’](?:s|m|d|ll|re|ve)";
/**
 * Word tokens, tried in this order at every position (case-insensitive, Unicode letters/digits):
 * 1. `...` — an ellipsis is one token;
 * 2. the stem of a contraction — the word before `n't`, `'s`, `'m`, `'d`, `'ll`, `'re`, `'ve`
 *    (as NLTK: "don't" → "do" "n't", "it's" → "it" "'s", "can't" → "ca" "n't", "O'Neil's" → "O'Neil" "'s");
 * 3. that contraction suffix;
 * 4. a number with inner separators — "3.14", "1,000", "12:30";
 * 5. a word, with inner hyphens or apostrophes kept — "well-known", "O'Neil";
 * 6. any other single non-space character (punctuation, quotes, brackets, symbols).
 */
const TOKEN = new RegExp(`\\.\\.\\.|${W}+(?:[-'’]${W}+)*?(?=(?:${SUFFIX})(?!${W}))|(?:${SUFFIX})(?!${W})|\\p{N}+(?:[.,:]\\p{N}+)+|${W}+(?:[-'’]${W}+)*|\\S`, 'giu');

const NO_SPACE_BEFORE = new Set(['.', ',', ';', ':', '!', '?', '%', ')', ']', '}', '...']);
const NO_SPACE_AFTER = new Set(['(', '[', '{', '$', '#']);
const SUFFIX_TOKEN = new RegExp(`^(?:${SUFFIX})$`, 'iu');

/** Splits English text into word and punctuation tokens (see TOKEN above). */
export function wordTokenize(text: string): string[] {
  check(typeof text === 'string', 'wordTokenize', 'text', () => `must be a string, got ${typeof text}`);
  return text.match(TOKEN) ?? [];
}

/**
 * Joins tokens into text: one space between tokens, except none before closing punctuation
 * (`. , ; : ! ? % ) ] } ...`) and contraction suffixes (`n't`, `'s`, …), none after opening
 * brackets and `$ #`, and straight quotes (`"` and a lone `'`) alternate between opening (attached
 * to the next token) and closing (attached to the previous one).
 */
export function wordDetokenize(tokens: readonly string[]): string {
  let out = '';
  let glueNext = true; // no space before the first token
  const open: Record<string, boolean> = { '"': false, "'": false };
  for (const tok of tokens) {
    let glue = glueNext || NO_SPACE_BEFORE.has(tok) || SUFFIX_TOKEN.test(tok);
    glueNext = NO_SPACE_AFTER.has(tok);
    if (tok === '"' || tok === "'") {
      if (open[tok]) glue = true;
      else glueNext = true;
      open[tok] = !open[tok];
    }
    out += glue ? tok : ` ${tok}`;
  }
  return out;
}

export interface DenoiseOptions {
  /** Probability of deleting each word (default 0.6, the TSDAE paper's and sentence-transformers' value). */
  delRatio?: number;
  /** Source of the uniform draws (default: the global generator). */
  generator?: Generator;
}

/**
 * TSDAE deletion noise: words = wordTokenize(text); none → text unchanged; keep word j iff
 * u_j > delRatio; if none is kept, keep one uniformly chosen word; return wordDetokenize(kept).
 * Deterministic for a given generator state.
 */
export function denoise(text: string, opts: DenoiseOptions = {}): string {
  const delRatio = opts.delRatio ?? 0.6;
  check(typeof delRatio === 'number' && delRatio >= 0 && delRatio <= 1, 'denoise', 'delRatio', () => `must be a number in [0, 1], got ${String(delRatio)}`);
  const generator = opts.generator ?? defaultGenerator;
  const words = wordTokenize(text);
  const n = words.length;
  if (n === 0) return text;
  const keep = words.map(() => generator.random() > delRatio);
  if (!keep.some(Boolean)) keep[Math.floor(generator.random() * n)] = true;
  return wordDetokenize(words.filter((_, j) => keep[j]));
}

/**
 * (damaged, original) pairs for DenoisingAutoEncoderLoss (sentence-transformers'
 * DenoisingAutoEncoderDataset): the noise is drawn anew on every access, so every epoch sees a
 * different damaged version of each sentence. `noiseFn` replaces the default deletion noise.
 */
export class DenoisingAutoEncoderDataset implements Iterable<[string, string]> {
  private readonly sentences: readonly string[];
  private readonly noiseFn: (text: string) => string;

  constructor(sentences: readonly string[], opts: DenoiseOptions & { noiseFn?: (text: string) => string } = {}) {
    check(Array.isArray(sentences), 'DenoisingAutoEncoderDataset', 'sentences', () => 'must be an array of strings');
    sentences.forEach((s, i) => check(typeof s === 'string', 'DenoisingAutoEncoderDataset', `sentences[${i}]`, () => `must be a string, got ${typeof s}`));
    if (opts.noiseFn !== undefined) check(typeof opts.noiseFn === 'function', 'DenoisingAutoEncoderDataset', 'noiseFn', () => 'must be a function (text) => text');
    const delRatio = opts.delRatio ?? 0.6;
    check(typeof delRatio === 'number' && delRatio >= 0 && delRatio <= 1, 'DenoisingAutoEncoderDataset', 'delRatio', () => `must be a number in [0, 1], got ${String(delRatio)}`);
    this.sentences = [...sentences];
    this.noiseFn = opts.noiseFn ?? ((text) => denoise(text, { delRatio, generator: opts.generator }));
  }

  get length(): number {
    return this.sentences.length;
  }

  /** `[damaged, original]` for sentence `i` (fresh noise on every call). */
  at(i: number): [string, string] {
    check(Number.isInteger(i) && i >= 0 && i < this.sentences.length, 'DenoisingAutoEncoderDataset', 'index', () => `must be an integer in [0, ${this.sentences.length}), got ${String(i)}`);
    const original = this.sentences[i]!;
    return [this.noiseFn(original), original];
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    for (let i = 0; i < this.sentences.length; i++) yield this.at(i);
  }
}
