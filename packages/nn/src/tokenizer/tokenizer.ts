import type { DeviceName, Tensor } from '@tessera/tensor';
import { tensor, TesseraError } from '@tessera/tensor';
import { BERT_SPECIAL_TOKENS, bertTokenizerJson } from './bert-json.js';
import { HfTokenizer } from './hf.js';
import type { BertSpecialTokens, TokenizerJson, TruncationJson } from './bert-json.js';
import { longestFirstLengths, truncateTo } from './truncation.js';
import { formatVocabTxt, parseVocabTxt } from './vocab.js';

/** One encoded text (or pair), with special tokens. */
export interface Encoding {
  ids: number[];
  tokens: string[];
  attentionMask: number[];
  /** Segment ids: 0 for the first text and its special tokens, 1 for the second. */
  typeIds: number[];
}

export interface BatchOptions {
  /** Longest row kept (with truncation) and the padded length for padding 'max_length'. Default: `modelMaxLength`. */
  maxLength?: number;
  /** 'longest' (default): pad to the longest row; 'max_length': pad every row to `maxLength`. */
  padding?: 'longest' | 'max_length';
  /** Cut rows longer than `maxLength`, keeping [CLS] … [SEP]; pairs lose from the longer text first. Default true. */
  truncation?: boolean;
  device?: DeviceName;
}

/** int32 tensors of shape [B, T], padded on the right. */
export interface BatchEncoding {
  inputIds: Tensor;
  attentionMask: Tensor;
  tokenTypeIds: Tensor;
}

export interface DecodeOptions {
  /** Leave out special tokens ([CLS], [SEP], [PAD], …). Default false. */
  skipSpecialTokens?: boolean;
}

export interface TokenizerOptions {
  /** Default `maxLength` of `batch`, written to tokenizer_config.json. Default: the JSON's truncation length, else 512. */
  modelMaxLength?: number;
  /** Special token names (default `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]`). */
  specialTokens?: Partial<BertSpecialTokens>;
  /** Tidy spaces before punctuation in `decode` (HF `clean_up_tokenization_spaces`). Default true. */
  cleanUpTokenizationSpaces?: boolean;
}

type Piece = { kind: 'special'; ids: number[]; tokens: string[]; typeId: number } | { kind: 'sequence'; which: 'A' | 'B'; typeId: number };

interface Template {
  single: Piece[];
  pair: Piece[];
}

type Row = string | readonly [string, string];

const DEFAULT_MODEL_MAX_LENGTH = 512;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a special token name from tokenizer_config.json / special_tokens_map.json (a string or `{ content }`). */
function tokenName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isRecord(v) && typeof v.content === 'string') return v.content;
  return undefined;
}

function isChineseChar(cp: number): boolean {
  // The ranges of HF tokenizers' BertNormalizer (normalizers/bert.rs), including its 0x2B920 start.
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

interface BertNormalizerLike {
  config: { type?: string; clean_text?: boolean; handle_chinese_chars?: boolean; strip_accents?: boolean | null; lowercase?: boolean };
  clean_text?: (text: string) => string;
  normalize: (text: string) => string;
}

/**
 * @huggingface/tokenizers 0.2's BertNormalizer differs from the Rust `tokenizers` one in three places,
 * which this replaces on the instance: it looks for CJK ideographs per UTF-16 unit (so the astral
 * extension blocks are not split off), lowercases the whole string (so a word-final Σ becomes ς, where
 * Rust maps each char to σ), and lowercases before stripping accents. Its clean_text step is kept.
 */
function patchBertNormalizer(normalizer: unknown): void {
  if (typeof normalizer !== 'function' && !isRecord(normalizer)) return;
  const n = normalizer as unknown as BertNormalizerLike;
  if (n.config?.type !== 'BertNormalizer' || typeof n.clean_text !== 'function') return;
  const cleanText = n.clean_text.bind(n);
  const cfg = n.config;
  n.normalize = (text: string): string => {
    if (cfg.clean_text) text = cleanText(text);
    if (cfg.handle_chinese_chars) {
      let out = '';
      for (const ch of text) out += isChineseChar(ch.codePointAt(0)!) ? ` ${ch} ` : ch;
      text = out;
    }
    if (cfg.strip_accents ?? cfg.lowercase) text = text.normalize('NFD').replace(/\p{Mn}/gu, '');
    if (cfg.lowercase) {
      let out = '';
      for (const ch of text) out += ch.toLowerCase();
      text = out;
    }
    return text;
  };
}

/**
 * A WordPiece tokenizer for BERT-style models, backed by `@huggingface/tokenizers` and a Hugging Face
 * `tokenizer.json`. Special tokens and truncation follow the Rust `tokenizers` library; `batch` returns
 * int32 tensors ready for a model.
 */
export class Tokenizer {
  /** Default `maxLength` of `batch`. */
  readonly modelMaxLength: number;
  readonly padTokenId: number;
  readonly clsTokenId: number;
  readonly sepTokenId: number;
  readonly unkTokenId: number;
  readonly maskTokenId: number;
  /** Size of the id space: the largest id + 1 (30522 for bert-base-uncased). */
  readonly vocabSize: number;
  /** Special token names. */
  readonly specialTokens: Readonly<BertSpecialTokens>;
  private readonly json: TokenizerJson;
  private readonly inner: HfTokenizer;
  private readonly template: Template;
  private readonly truncation: TruncationJson | null;
  private readonly cleanUp: boolean;

  private constructor(json: TokenizerJson, options: TokenizerOptions) {
    const op = 'Tokenizer.fromJSON';
    this.json = json;
    this.specialTokens = Object.freeze({ ...BERT_SPECIAL_TOKENS, ...options.specialTokens });
    this.cleanUp = options.cleanUpTokenizationSpaces ?? true;
    try {
      this.inner = new HfTokenizer(
        {
          ...json,
          added_tokens: json.added_tokens ?? [],
          normalizer: json.normalizer ?? null,
          pre_tokenizer: json.pre_tokenizer ?? null,
          // Special tokens and truncation are applied here, from the template below.
          post_processor: null,
          decoder: json.decoder ?? null,
        },
        { clean_up_tokenization_spaces: this.cleanUp },
      );
    } catch (e) {
      throw new TesseraError(op, 'obj', `is not a tokenizer.json that @huggingface/tokenizers can load: ${(e as Error).message}`);
    }
    patchBertNormalizer(this.inner.normalizer);

    const vocab = this.inner.get_vocab(true);
    let maxId = -1;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    const idOf = (name: keyof BertSpecialTokens): number => {
      const id = this.inner.token_to_id(this.specialTokens[name]);
      if (id === undefined) throw new TesseraError(op, 'obj', `has no ${name} token ${JSON.stringify(this.specialTokens[name])} in its vocabulary`);
      return id;
    };
    this.padTokenId = idOf('pad');
    this.clsTokenId = idOf('cls');
    this.sepTokenId = idOf('sep');
    this.unkTokenId = idOf('unk');
    this.maskTokenId = idOf('mask');
    this.template = this.parseTemplate(json.post_processor ?? null);
    this.truncation = this.parseTruncation(json.truncation ?? null);

    const maxLength = options.modelMaxLength ?? this.truncation?.max_length ?? DEFAULT_MODEL_MAX_LENGTH;
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new TesseraError(op, 'modelMaxLength', `must be a positive integer, got ${describe(maxLength)}`);
    this.modelMaxLength = maxLength;
  }

  /** A tokenizer from a Hugging Face `tokenizer.json` object (e.g. `bertTokenizerJson(bertBaseUncasedVocab(), { lowercase: true })`). */
  static fromJSON(obj: TokenizerJson | Record<string, unknown>, options: TokenizerOptions = {}): Tokenizer {
    if (!isRecord(obj) || !isRecord(obj.model)) throw new TesseraError('Tokenizer.fromJSON', 'obj', `must be a tokenizer.json object with a model, got ${describe(obj)}`);
    if (!isRecord(options)) throw new TesseraError('Tokenizer.fromJSON', 'options', `must be an object, got ${describe(options)}`);
    return new Tokenizer(structuredClone(obj) as TokenizerJson, options);
  }

  /**
   * Loads a Hugging Face tokenizer folder: `tokenizer.json` when present, else a BERT tokenizer built from
   * `vocab.txt` and `tokenizer_config.json` (`do_lower_case`, `strip_accents`, `tokenize_chinese_chars`,
   * special tokens) as transformers' BertTokenizerFast does. `model_max_length` comes from tokenizer_config.json.
   */
  static async fromFolder(folder: string): Promise<Tokenizer> {
    const op = 'Tokenizer.fromFolder';
    if (typeof folder !== 'string') throw new TesseraError(op, 'folder', `must be a path, got ${describe(folder)}`);
    const { readFile, stat } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);
    const readJson = async (name: string): Promise<Record<string, unknown> | undefined> => {
      const path = join(folder, name);
      if (!(await exists(path))) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(path, 'utf8'));
      } catch (e) {
        throw new TesseraError(op, 'folder', `holds ${name}, which is not valid JSON: ${(e as Error).message}`);
      }
      if (!isRecord(parsed)) throw new TesseraError(op, 'folder', `holds ${name}, which is not a JSON object`);
      return parsed;
    };
    const config = (await readJson('tokenizer_config.json')) ?? {};
    const map = (await readJson('special_tokens_map.json')) ?? {};
    const specialTokens: Partial<BertSpecialTokens> = {};
    for (const name of ['pad', 'unk', 'cls', 'sep', 'mask'] as const) {
      const v = tokenName(config[`${name}_token`]) ?? tokenName(map[`${name}_token`]);
      if (v !== undefined) specialTokens[name] = v;
    }
    const options: TokenizerOptions = { specialTokens };
    // transformers writes int(1e30) for "no limit"; only a real limit is kept.
    const mml = config.model_max_length;
    if (typeof mml === 'number' && Number.isSafeInteger(mml) && mml > 0) options.modelMaxLength = mml;
    if (typeof config.clean_up_tokenization_spaces === 'boolean') options.cleanUpTokenizationSpaces = config.clean_up_tokenization_spaces;

    const json = await readJson('tokenizer.json');
    if (json !== undefined) return Tokenizer.fromJSON(json, options);
    const vocabPath = join(folder, 'vocab.txt');
    if (!(await exists(vocabPath))) throw new TesseraError(op, 'folder', `${folder} has neither tokenizer.json nor vocab.txt`);
    const vocab = parseVocabTxt(await readFile(vocabPath, 'utf8'));
    const lower = config.do_lower_case ?? true;
    const strip = config.strip_accents ?? null;
    const chinese = config.tokenize_chinese_chars ?? true;
    if (typeof lower !== 'boolean') throw new TesseraError(op, 'folder', `tokenizer_config.json has do_lower_case ${describe(lower)}; expected a boolean`);
    if (strip !== null && typeof strip !== 'boolean') throw new TesseraError(op, 'folder', `tokenizer_config.json has strip_accents ${describe(strip)}; expected a boolean or null`);
    if (typeof chinese !== 'boolean') throw new TesseraError(op, 'folder', `tokenizer_config.json has tokenize_chinese_chars ${describe(chinese)}; expected a boolean`);
    const built = bertTokenizerJson(vocab, { lowercase: lower, stripAccents: strip, handleChineseChars: chinese, specialTokens: { ...BERT_SPECIAL_TOKENS, ...specialTokens } });
    return new Tokenizer(built, options);
  }

  /**
   * Writes `tokenizer.json`, `vocab.txt`, `tokenizer_config.json` and `special_tokens_map.json` into
   * `folder` (created if missing), so that both Tessera and transformers can load it.
   */
  async save(folder: string): Promise<void> {
    const op = 'Tokenizer.save';
    if (typeof folder !== 'string') throw new TesseraError(op, 'folder', `must be a path, got ${describe(folder)}`);
    const vocab: string[] = [];
    for (let id = 0; id < this.vocabSize; id++) {
      const token = this.inner.id_to_token(id);
      if (token === undefined) throw new TesseraError(op, 'tokenizer', `has no token with id ${id}; vocab.txt needs consecutive ids`);
      vocab.push(token);
    }
    const vocabTxt = formatVocabTxt(vocab);
    const normalizer = isRecord(this.json.normalizer) ? this.json.normalizer : undefined;
    const isBert = normalizer?.type === 'BertNormalizer';
    const s = this.specialTokens;
    const config = {
      do_lower_case: isBert ? normalizer.lowercase === true : normalizer?.type === 'Lowercase',
      strip_accents: isBert && typeof normalizer.strip_accents === 'boolean' ? normalizer.strip_accents : null,
      tokenize_chinese_chars: isBert ? normalizer.handle_chinese_chars === true : false,
      model_max_length: this.modelMaxLength,
      clean_up_tokenization_spaces: this.cleanUp,
      cls_token: s.cls,
      sep_token: s.sep,
      pad_token: s.pad,
      unk_token: s.unk,
      mask_token: s.mask,
      tokenizer_class: 'BertTokenizer',
    };
    const map = { cls_token: s.cls, mask_token: s.mask, pad_token: s.pad, sep_token: s.sep, unk_token: s.unk };
    const { mkdir, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'tokenizer.json'), `${JSON.stringify(this.json, null, 2)}\n`);
    await writeFile(join(folder, 'vocab.txt'), vocabTxt);
    await writeFile(join(folder, 'tokenizer_config.json'), `${JSON.stringify(config, null, 2)}\n`);
    await writeFile(join(folder, 'special_tokens_map.json'), `${JSON.stringify(map, null, 2)}\n`);
  }

  /** A copy of the `tokenizer.json` object this tokenizer was built from. */
  toJSON(): TokenizerJson {
    return structuredClone(this.json);
  }

  /** Encodes a text, or a pair of texts, with special tokens (`[CLS] a [SEP]`, `[CLS] a [SEP] b [SEP]`). */
  encode(text: string, pair?: string): Encoding {
    const op = 'Tokenizer.encode';
    if (typeof text !== 'string') throw new TesseraError(op, 'text', `must be a string, got ${describe(text)}`);
    if (pair !== undefined && typeof pair !== 'string') throw new TesseraError(op, 'pair', `must be a string or undefined, got ${describe(pair)}`);
    const t = this.truncation;
    return this.encodeRow(text, pair ?? null, t === null ? null : t.max_length, t?.direction ?? 'Right');
  }

  /** Turns ids back into text (WordPiece pieces joined, `##` removed). */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const op = 'Tokenizer.decode';
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') throw new TesseraError(op, 'ids', `must be an array of token ids, got ${describe(ids)}`);
    const list = Array.from(ids);
    list.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize || this.inner.id_to_token(id) === undefined) {
        throw new TesseraError(op, 'ids', `hold ${describe(id)} at index ${i}; expected a token id in [0, ${this.vocabSize})`);
      }
    });
    if (list.length === 0) return '';
    return this.inner.decode(list, { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  /** The id of a token, or undefined when it is not in the vocabulary. */
  tokenToId(token: string): number | undefined {
    return this.inner.token_to_id(token);
  }

  /** The token of an id, or undefined when there is none. */
  idToToken(id: number): string | undefined {
    return Number.isInteger(id) ? this.inner.id_to_token(id) : undefined;
  }

  /**
   * Encodes a batch of texts (or `[a, b]` pairs) into int32 tensors `[B, T]`: `inputIds` padded on the
   * right with the pad id, `attentionMask` (1 for tokens, 0 for padding) and `tokenTypeIds`.
   */
  batch(texts: readonly string[] | readonly (readonly [string, string])[], options: BatchOptions = {}): BatchEncoding {
    const op = 'Tokenizer.batch';
    if (!Array.isArray(texts)) throw new TesseraError(op, 'texts', `must be an array of strings or [string, string] pairs, got ${describe(texts)}`);
    if (texts.length === 0) throw new TesseraError(op, 'texts', 'is empty; a batch needs at least one text');
    let hasPair = false;
    (texts as readonly unknown[]).forEach((row, i) => {
      if (typeof row === 'string') return;
      if (Array.isArray(row) && row.length === 2 && typeof row[0] === 'string' && typeof row[1] === 'string') {
        hasPair = true;
        return;
      }
      throw new TesseraError(op, 'texts', `hold ${describe(row)} at index ${i}; expected a string or a [string, string] pair`);
    });
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new TesseraError(op, 'options', `must be an object, got ${describe(options)}`);
    const { maxLength = this.modelMaxLength, padding = 'longest', truncation = true, device } = options;
    const minLength = this.numSpecialTokens(hasPair);
    if (!Number.isInteger(maxLength) || maxLength < Math.max(1, minLength)) {
      throw new TesseraError(op, 'maxLength', `must be an integer >= ${Math.max(1, minLength)} (room for the special tokens), got ${describe(maxLength)}`);
    }
    if (padding !== 'longest' && padding !== 'max_length') throw new TesseraError(op, 'padding', `must be 'longest' or 'max_length', got ${describe(padding)}`);
    if (typeof truncation !== 'boolean') throw new TesseraError(op, 'truncation', `must be a boolean, got ${describe(truncation)}`);

    const rows = (texts as readonly Row[]).map((row) =>
      typeof row === 'string' ? this.encodeRow(row, null, truncation ? maxLength : null, 'Right') : this.encodeRow(row[0], row[1], truncation ? maxLength : null, 'Right'),
    );
    let width = 0;
    for (const r of rows) width = Math.max(width, r.ids.length);
    if (padding === 'max_length') {
      if (width > maxLength) {
        const i = rows.findIndex((r) => r.ids.length > maxLength);
        throw new TesseraError(op, 'truncation', `is false and row ${i} has ${rows[i]!.ids.length} tokens, more than maxLength ${maxLength}; pass truncation: true or padding: 'longest'`);
      }
      width = maxLength;
    }
    const b = rows.length;
    const ids = new Int32Array(b * width).fill(this.padTokenId);
    const mask = new Int32Array(b * width);
    const types = new Int32Array(b * width);
    rows.forEach((r, i) => {
      ids.set(r.ids, i * width);
      mask.set(r.attentionMask, i * width);
      types.set(r.typeIds, i * width);
    });
    const opts = { dtype: 'int32' as const, shape: [b, width], device };
    return { inputIds: tensor(ids, opts), attentionMask: tensor(mask, opts), tokenTypeIds: tensor(types, opts) };
  }

  /** How many special tokens a single text (or a pair) gets. */
  numSpecialTokens(pair = false): number {
    let n = 0;
    for (const p of pair ? this.template.pair : this.template.single) if (p.kind === 'special') n += p.ids.length;
    return n;
  }

  private encodeRow(a: string, b: string | null, maxLength: number | null, direction: 'Right' | 'Left'): Encoding {
    const first = this.inner.encode(a, { add_special_tokens: false });
    const second = b === null ? null : this.inner.encode(b, { add_special_tokens: false });
    let ids1 = first.ids;
    let tok1 = first.tokens;
    let ids2 = second?.ids ?? [];
    let tok2 = second?.tokens ?? [];
    if (maxLength !== null) {
      const budget = maxLength - this.numSpecialTokens(b !== null);
      if (b === null) {
        const n = Math.max(0, budget);
        ids1 = truncateTo(ids1, n, direction);
        tok1 = truncateTo(tok1, n, direction);
      } else {
        const [n1, n2] = longestFirstLengths(ids1.length, ids2.length, budget);
        ids1 = truncateTo(ids1, n1, direction);
        tok1 = truncateTo(tok1, n1, direction);
        ids2 = truncateTo(ids2, n2, direction);
        tok2 = truncateTo(tok2, n2, direction);
      }
    }
    const out: Encoding = { ids: [], tokens: [], attentionMask: [], typeIds: [] };
    const push = (pieceIds: readonly number[], pieceTokens: readonly string[], typeId: number): void => {
      for (let i = 0; i < pieceIds.length; i++) {
        out.ids.push(pieceIds[i]!);
        out.tokens.push(pieceTokens[i]!);
        out.attentionMask.push(1);
        out.typeIds.push(typeId);
      }
    };
    for (const p of b === null ? this.template.single : this.template.pair) {
      if (p.kind === 'special') push(p.ids, p.tokens, p.typeId);
      else if (p.which === 'A') push(ids1, tok1, p.typeId);
      else push(ids2, tok2, p.typeId);
    }
    return out;
  }

  private parseTemplate(pp: Record<string, unknown> | null): Template {
    const op = 'Tokenizer.fromJSON';
    const special = (token: string, typeId: number): Piece => {
      const id = this.inner.token_to_id(token);
      if (id === undefined) throw new TesseraError(op, 'obj', `post_processor uses ${JSON.stringify(token)}, which is not in the vocabulary`);
      return { kind: 'special', ids: [id], tokens: [token], typeId };
    };
    if (pp === null) {
      return { single: [{ kind: 'sequence', which: 'A', typeId: 0 }], pair: [{ kind: 'sequence', which: 'A', typeId: 0 }, { kind: 'sequence', which: 'B', typeId: 1 }] };
    }
    if (pp.type === 'BertProcessing') {
      const cls = pp.cls as [string, number];
      const sep = pp.sep as [string, number];
      const c = (typeId: number): Piece => ({ kind: 'special', ids: [cls[1]], tokens: [cls[0]], typeId });
      const s = (typeId: number): Piece => ({ kind: 'special', ids: [sep[1]], tokens: [sep[0]], typeId });
      return {
        single: [c(0), { kind: 'sequence', which: 'A', typeId: 0 }, s(0)],
        pair: [c(0), { kind: 'sequence', which: 'A', typeId: 0 }, s(0), { kind: 'sequence', which: 'B', typeId: 1 }, s(1)],
      };
    }
    if (pp.type !== 'TemplateProcessing') throw new TesseraError(op, 'obj', `has post_processor type ${JSON.stringify(pp.type)}; supported: TemplateProcessing, BertProcessing, null`);
    const table = isRecord(pp.special_tokens) ? pp.special_tokens : {};
    const parse = (items: unknown, name: string): Piece[] => {
      if (!Array.isArray(items)) throw new TesseraError(op, 'obj', `post_processor.${name} must be an array`);
      return items.map((item): Piece => {
        if (isRecord(item) && isRecord(item.SpecialToken)) {
          const { id, type_id } = item.SpecialToken as { id: string; type_id?: number };
          const entry = table[id];
          if (isRecord(entry) && Array.isArray(entry.ids) && Array.isArray(entry.tokens)) {
            return { kind: 'special', ids: [...(entry.ids as number[])], tokens: [...(entry.tokens as string[])], typeId: type_id ?? 0 };
          }
          return special(id, type_id ?? 0);
        }
        if (isRecord(item) && isRecord(item.Sequence) && (item.Sequence.id === 'A' || item.Sequence.id === 'B')) {
          return { kind: 'sequence', which: item.Sequence.id, typeId: (item.Sequence.type_id as number | undefined) ?? 0 };
        }
        throw new TesseraError(op, 'obj', `post_processor.${name} holds ${JSON.stringify(item)}; expected a SpecialToken or Sequence item`);
      });
    };
    return { single: parse(pp.single, 'single'), pair: parse(pp.pair, 'pair') };
  }

  private parseTruncation(t: unknown): TruncationJson | null {
    if (t === null || t === undefined) return null;
    const op = 'Tokenizer.fromJSON';
    if (!isRecord(t) || !Number.isInteger(t.max_length) || (t.max_length as number) < 0) throw new TesseraError(op, 'obj', `has truncation ${JSON.stringify(t)}; expected null or { max_length, … }`);
    const strategy = t.strategy ?? 'LongestFirst';
    const direction = t.direction ?? 'Right';
    if (strategy !== 'LongestFirst') throw new TesseraError(op, 'obj', `has truncation strategy ${JSON.stringify(strategy)}; only LongestFirst is supported`);
    if (direction !== 'Right' && direction !== 'Left') throw new TesseraError(op, 'obj', `has truncation direction ${JSON.stringify(direction)}; expected Right or Left`);
    return { direction, max_length: t.max_length as number, strategy, stride: (t.stride as number | undefined) ?? 0 };
  }
}
