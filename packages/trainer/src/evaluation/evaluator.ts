/**
 * The evaluator base (sentence-transformers v6's BaseEvaluator, alias SentenceEvaluator) and what
 * the evaluators share: the model they need, reading embeddings, pairwise similarity scores, and
 * CSV rows written the way sentence-transformers writes them.
 */
import { appendFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tensor } from '@tessera/tensor';
import { check, fmtShape, tidy, TesseraError } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';
import { pairwiseCosSim, pairwiseDotScore, pairwiseEuclideanSim, pairwiseManhattanSim } from '@tessera/losses';
import type { SimilarityFn } from '@tessera/losses';

/** sentence-transformers' SimilarityFunction values used by the embedding evaluators. */
export type SimilarityName = 'cosine' | 'dot' | 'euclidean' | 'manhattan';
export const SIMILARITY_NAMES: readonly SimilarityName[] = ['cosine', 'dot', 'euclidean', 'manhattan'];

/** What an evaluator passes to `encode`. */
export interface EvaluatorEncodeOptions {
  batchSize?: number;
  showProgressBar?: boolean;
}

/**
 * What the evaluators need from a model: `encode(texts) -> [N, D]` (a SentenceTransformer, or any
 * object with that method, e.g. a test fake). `encodeQuery`/`encodeDocument` are used when present
 * (sentence-transformers' TripletEvaluator and InformationRetrievalEvaluator call them);
 * `similarityFnName` is the default similarity (cosine when absent).
 */
export interface EncodingModel {
  encode(texts: readonly string[], opts?: EvaluatorEncodeOptions): Promise<Tensor>;
  encodeQuery?(texts: readonly string[], opts?: EvaluatorEncodeOptions): Promise<Tensor>;
  encodeDocument?(texts: readonly string[], opts?: EvaluatorEncodeOptions): Promise<Tensor>;
  similarityFnName?: string;
}

export interface EvaluateOptions {
  /** Folder for the results CSV (created if missing); no CSV when absent. */
  outputDir?: string;
  /** Epoch of this evaluation; -1 (the default) means after training / test data. */
  epoch?: number;
  /** Steps within the epoch; -1 (the default) means end of epoch. */
  steps?: number;
}

export type Metrics = Record<string, number>;

/** Options every embedding evaluator takes. */
export interface CommonEvaluatorOptions {
  /** Prefix of the metric keys and part of the CSV file name (default ''). */
  name?: string;
  batchSize?: number;
  /** Passed to `encode` (default false); InformationRetrievalEvaluator also shows the corpus chunks. */
  showProgressBar?: boolean;
  /** Write `<kind>_evaluation_<name>_results.csv` into `outputDir` (default true). */
  writeCsv?: boolean;
  /** Keep only the first `truncateDim` embedding dimensions (Matryoshka evaluation). */
  truncateDim?: number | null;
}

/**
 * Base of the evaluators: `evaluate(model, { outputDir, epoch, steps })` returns metrics keyed
 * `<name>_<metric>` (sentence-transformers' names); `primaryMetric` names the one used for model
 * selection (null until it is known) and `greaterIsBetter` says which way is better.
 */
export abstract class SentenceEvaluator {
  name = '';
  primaryMetric: string | null = null;
  greaterIsBetter = true;

  abstract evaluate(model: EncodingModel, opts?: EvaluateOptions): Promise<Metrics>;

  /** A readable description: BinaryClassificationEvaluator -> "Binary Classification". */
  get description(): string {
    let cls = this.constructor.name;
    const i = cls.indexOf('Evaluator');
    if (i >= 0) cls = cls.slice(0, i);
    return cls.replace(/([a-z])([A-Z])/g, '$1 $2');
  }

  /** Configuration worth recording (e.g. in a model card); empty by default. */
  getConfigDict(): Record<string, unknown> {
    return {};
  }

  /**
   * `{ key: v }` -> `{ name_key: v }` (unchanged when `name` is empty); prefixes `primaryMetric`
   * too unless it already starts with `name_` (sentence-transformers' prefix_name_to_metrics).
   */
  prefixNameToMetrics(metrics: Metrics, name: string): Metrics {
    if (!name) return { ...metrics };
    const out: Metrics = {};
    for (const [k, v] of Object.entries(metrics)) out[`${name}_${k}`] = v;
    if (this.primaryMetric !== null && !this.primaryMetric.startsWith(`${name}_`)) this.primaryMetric = `${name}_${this.primaryMetric}`;
    return out;
  }
}

// ---- shared helpers ---------------------------------------------------------------------

/** Throws unless `name` is one of cosine, dot, euclidean, manhattan. */
export function checkSimilarityName(op: string, arg: string, name: unknown): SimilarityName {
  if (typeof name !== 'string' || !(SIMILARITY_NAMES as readonly string[]).includes(name)) {
    throw new TesseraError(op, arg, `must be one of ${SIMILARITY_NAMES.join(', ')}; got ${JSON.stringify(name)}`);
  }
  return name as SimilarityName;
}

/** The model's similarity function name (cosine when it has none). */
export function modelSimilarityName(op: string, model: EncodingModel): SimilarityName {
  return checkSimilarityName(op, 'model.similarityFnName', model.similarityFnName ?? 'cosine');
}

export function checkTexts(op: string, arg: string, texts: unknown): readonly string[] {
  check(Array.isArray(texts), op, arg, () => 'must be an array of strings');
  (texts as unknown[]).forEach((t, i) => check(typeof t === 'string', op, `${arg}[${i}]`, () => `must be a string, got ${typeof t}`));
  return texts as readonly string[];
}

export function checkPositiveInt(op: string, arg: string, v: number): number {
  check(Number.isInteger(v) && v > 0, op, arg, () => `must be a positive integer, got ${v}`);
  return v;
}

/**
 * Embeddings `[N, D]` of `texts` from `model` (its encodeQuery/encodeDocument when `role` asks and
 * it has them), truncated to `truncateDim` columns when given.
 */
export async function embed(
  op: string,
  model: EncodingModel,
  texts: readonly string[],
  opts: { batchSize: number; showProgressBar: boolean; truncateDim?: number | null; role?: 'query' | 'document' },
): Promise<Tensor> {
  const fn = opts.role === 'query' ? (model.encodeQuery ?? model.encode) : opts.role === 'document' ? (model.encodeDocument ?? model.encode) : model.encode;
  const out = await fn.call(model, texts, { batchSize: opts.batchSize, showProgressBar: opts.showProgressBar });
  check(out.ndim === 2 && out.shape[0] === texts.length, op, 'model', () => `encode must return [${texts.length}, D] for ${texts.length} texts, got ${fmtShape(out.shape)}`);
  if (opts.truncateDim == null || opts.truncateDim >= out.shape[1]!) return out;
  const cut = out.slice(1, 0, opts.truncateDim).contiguous();
  out.dispose();
  return cut;
}

/** Reads a tensor's values as doubles (float32 values stay exactly what they were). */
export async function readValues(t: Tensor): Promise<Float64Array> {
  const data = await t.data();
  return data instanceof Float64Array ? data : Float64Array.from(data as ArrayLike<number>);
}

const PAIRWISE: Record<SimilarityName, SimilarityFn> = {
  cosine: pairwiseCosSim,
  dot: pairwiseDotScore,
  euclidean: pairwiseEuclideanSim,
  manhattan: pairwiseManhattanSim,
};

/**
 * sentence-transformers' pairwise similarity `name(a[i], b[i])` (euclidean and manhattan are
 * negated distances), computed in the embeddings' dtype as sentence-transformers does.
 */
export async function pairwiseScores(name: SimilarityName, a: Tensor, b: Tensor): Promise<Float64Array> {
  const s = noGrad(() => tidy(() => PAIRWISE[name](a, b)));
  try {
    return await readValues(s);
  } finally {
    s.dispose();
  }
}

/** Python's repr() of a float: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${int}.${frac || '0'}`;
}

/** An epoch/steps cell: integers as ints (`-1`), others as Python floats. */
export function pyNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : pyFloatRepr(x);
}

/**
 * Appends `row` to `<dir>/<file>`, writing `headers` first when the file is new (as
 * sentence-transformers does). `lineEnd` is Python's csv.writer default `\r\n`, except for
 * InformationRetrievalEvaluator which writes `\n` itself.
 */
export async function appendCsvRow(dir: string, file: string, headers: readonly string[], row: readonly string[], lineEnd = '\r\n'): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, file);
  const exists = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (exists) await appendFile(path, row.join(',') + lineEnd, 'utf8');
  else await writeFile(path, headers.join(',') + lineEnd + row.join(',') + lineEnd, 'utf8');
  return path;
}

/** `[epoch, steps, ...values]` as CSV cells. */
export function csvCells(epoch: number, steps: number, values: readonly number[]): string[] {
  return [pyNumber(epoch), pyNumber(steps), ...values.map(pyFloatRepr)];
}

/** Python's max() over floats: the first value, replaced only by a strictly larger one (ties keep the first). */
export function pyMax(values: readonly number[]): number {
  let best = values[0]!;
  for (const v of values.slice(1)) if (v > best) best = v;
  return best;
}
