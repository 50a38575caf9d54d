import type { DeviceName, Tensor } from '@tessera/tensor';
import { tensor, TesseraError } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import { LABEL_COLUMNS } from './dataset.js';
import { describe } from './describe.js';
import { DATASET_NAME_COLUMN } from './samplers.js';

/**
 * The collator (losses.md B.1, sentence-transformers v6): rows → one feature record per text column
 * (in column order: the loss's input order) and the label column as one tensor.
 */

/** Tokenizes texts into `[B, T]` features, truncating to `maxLength` (when given) and padding to the longest row. */
export type TokenizeFn = (texts: readonly string[], opts: { maxLength?: number; device?: DeviceName }) => Features;

/** What the collator needs from a model (SentenceTransformer provides it). */
export interface TokenizingModel {
  tokenize(texts: readonly string[], device?: DeviceName): Features;
  maxSeqLength: number;
  /** The modules; a Pooling with `include_prompt: false` makes the collator add `promptLength`. */
  readonly steps?: readonly unknown[];
}

/** What the collator needs from a tokenizer (the nn Tokenizer provides it). */
export interface BatchTokenizer {
  batch(texts: readonly string[], opts: { maxLength: number; padding?: 'longest' | 'max_length'; truncation?: boolean; device?: DeviceName }): Features;
  readonly modelMaxLength?: number;
}

export type LabelDtype = 'auto' | 'float32' | 'int32';

export interface CollateOptions {
  /** Tokenize with the model (its `maxSeqLength`, lower-casing, device). One of model, tokenizer, tokenize. */
  model?: TokenizingModel;
  /** Tokenize with a tokenizer (`maxSeqLength`, else its `modelMaxLength`, else 512). */
  tokenizer?: BatchTokenizer;
  /** Tokenize with a function. */
  tokenize?: TokenizeFn;
  /** The text columns, in the loss's input order. Default: every column of the first row but the label and `dataset_name`. */
  textColumns?: readonly string[];
  /** The label column, or null for none. Default: the first of label, labels, score, scores present. */
  labelColumn?: string | null;
  /**
   * Dtype of `labels`: 'auto' (default) gives int32 when every scalar label is an integer, else
   * float32; vector labels are float32 under 'auto'. 'int32' needs integer labels.
   */
  labelDtype?: LabelDtype;
  /** Caps tokenization (ST v6's per-task max length); with a model, the smaller of this and its maxSeqLength. */
  maxSeqLength?: number;
  /** A prompt prepended to every text column's texts, or one per column (columns not in the batch are ignored); null: none. */
  prompts?: string | Readonly<Record<string, string>> | null;
  /**
   * Whether pooling includes the prompt tokens. When false, a prompted column's record gets
   * `promptLength` (the prompt's token count minus its trailing special token). Default: from the
   * model's Pooling (`include_prompt`), else true.
   */
  includePrompt?: boolean;
  /** Device for the features and labels (default: the model's / the tokenizer's default). */
  device?: DeviceName;
}

export interface CollatedBatch {
  /** One record per text column, in `columns` order. */
  features: Features[];
  /** The text columns the records come from. */
  columns: string[];
  /** `[B]`, `[B, D]` or `[B, K, D]`; absent without a label column. */
  labels?: Tensor;
  /** The rows' `dataset_name` (that of the first row), when the rows have one. */
  datasetName?: string;
}

const OP = 'collate';

function cellError(row: number, column: string, message: string): TesseraError {
  return new TesseraError(OP, 'rows', `row ${row}, column '${column}' ${message}`);
}

function isNumberVector(v: unknown): v is ArrayLike<number> {
  if (Array.isArray(v)) return v.every((x) => typeof x === 'number');
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);
}

function isVectorOfVectors(v: unknown): v is ArrayLike<ArrayLike<number>> {
  return Array.isArray(v) && v.length > 0 && v.every((x) => isNumberVector(x));
}

/** Parsed labels: flat values, shape and the resolved dtype (validated, no tensor yet). */
interface ParsedLabels {
  flat: number[];
  shape: number[];
  dtype: 'float32' | 'int32';
}

function parseLabels(rows: readonly Readonly<Record<string, unknown>>[], column: string, dtype: LabelDtype): ParsedLabels {
  if (!['auto', 'float32', 'int32'].includes(dtype)) throw new TesseraError(OP, 'labelDtype', `must be 'auto', 'float32' or 'int32', got ${describe(dtype)}`);
  const b = rows.length;
  const cells = rows.map((r, i) => {
    if (!(column in r)) throw cellError(i, column, 'is missing');
    return r[column];
  });
  const first = cells[0];
  const kind = typeof first === 'number' ? 'scalar' : isNumberVector(first) ? 'vector' : isVectorOfVectors(first) ? 'matrix' : null;
  if (kind === null) throw cellError(0, column, `holds ${describe(first)}; a label must be a number, a number[] or a number[][]`);
  let shape: number[];
  let flat: number[];
  if (kind === 'scalar') {
    flat = cells.map((c, i) => {
      if (typeof c !== 'number') throw cellError(i, column, `holds ${describe(c)}; row 0 holds a number, so every label must be a number`);
      return c;
    });
    shape = [b];
  } else if (kind === 'vector') {
    const d = (first as ArrayLike<number>).length;
    if (d === 0) throw cellError(0, column, 'holds an empty vector');
    flat = [];
    cells.forEach((c, i) => {
      if (!isNumberVector(c)) throw cellError(i, column, `holds ${describe(c)}; row 0 holds a vector of ${d} numbers, so every label must be one`);
      if (c.length !== d) throw cellError(i, column, `holds a vector of ${c.length} numbers; row 0 holds ${d} (ragged vector labels)`);
      for (let j = 0; j < d; j++) flat.push(c[j]!);
    });
    shape = [b, d];
  } else {
    const m = first as ArrayLike<ArrayLike<number>>;
    const k = m.length;
    const d = m[0]!.length;
    if (d === 0) throw cellError(0, column, 'holds empty vectors');
    flat = [];
    cells.forEach((c, i) => {
      if (!isVectorOfVectors(c)) throw cellError(i, column, `holds ${describe(c)}; row 0 holds ${k} vectors of ${d} numbers, so every label must`);
      if (c.length !== k) throw cellError(i, column, `holds ${c.length} vectors; row 0 holds ${k} (ragged vector labels)`);
      for (let kk = 0; kk < k; kk++) {
        const v = c[kk]!;
        if (v.length !== d) throw cellError(i, column, `holds a vector of ${v.length} numbers at position ${kk}; row 0's are ${d} long (ragged vector labels)`);
        for (let j = 0; j < d; j++) flat.push(v[j]!);
      }
    });
    shape = [b, k, d];
  }
  const resolved = dtype === 'auto' ? (kind === 'scalar' && flat.every((x) => Number.isInteger(x)) ? 'int32' : 'float32') : dtype;
  if (resolved === 'int32') {
    const bad = flat.findIndex((x) => !Number.isInteger(x) || x < -2147483648 || x > 2147483647);
    if (bad >= 0) {
      const row = Math.floor(bad / (flat.length / b));
      throw cellError(row, column, `holds ${flat[bad]}, which is not an int32; labelDtype 'int32' needs integer labels`);
    }
  }
  return { flat, shape, dtype: resolved };
}

function labelTensor(p: ParsedLabels, device?: DeviceName): Tensor {
  const data = p.dtype === 'int32' ? Int32Array.from(p.flat) : Float32Array.from(p.flat);
  return tensor(data, { shape: p.shape, dtype: p.dtype, device });
}

/**
 * Labels → a tensor: scalars `[B]`, vectors `[B, D]`, vectors of vectors `[B, K, D]`. 'auto' gives
 * int32 for all-integer scalars, else float32; bad or ragged cells throw naming the row and column.
 */
export function collateLabels(rows: readonly Readonly<Record<string, unknown>>[], column: string, dtype: LabelDtype = 'auto', device?: DeviceName): Tensor {
  if (!Array.isArray(rows) || rows.length === 0) throw new TesseraError(OP, 'rows', 'must be a non-empty array of rows');
  return labelTensor(parseLabels(rows, column, dtype), device);
}

/** Pooling's include_prompt, read from the model's modules (true when there is no Pooling). */
function modelIncludesPrompt(model: TokenizingModel): boolean {
  for (const m of model.steps ?? []) {
    // Duck-typed (not instanceof Pooling), so a model built from another copy of @tessera/nn works too.
    const flag = (m as { config?: { include_prompt?: unknown } } | null)?.config?.include_prompt;
    if (typeof flag === 'boolean') return flag;
  }
  return true;
}

/**
 * Collates rows into `{ features, labels }`: each text column's texts (prompt prepended) are
 * tokenized into its own record (truncated to maxSeqLength, padded to the batch's longest row);
 * the label column becomes `labels`. Bad cells throw a TesseraError naming the row and the column.
 */
export function collate(rows: readonly Readonly<Record<string, unknown>>[], opts: CollateOptions): CollatedBatch {
  if (!Array.isArray(rows)) throw new TesseraError(OP, 'rows', `must be an array of rows, got ${describe(rows)}`);
  if (rows.length === 0) throw new TesseraError(OP, 'rows', 'is empty; a batch needs at least one row');
  rows.forEach((r, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new TesseraError(OP, 'rows', `row ${i} is ${describe(r)}; expected a record of column → cell`);
  });
  if (typeof opts !== 'object' || opts === null) throw new TesseraError(OP, 'options', `must be an object, got ${describe(opts)}`);
  const sources = [opts.model, opts.tokenizer, opts.tokenize].filter((x) => x !== undefined).length;
  if (sources !== 1) throw new TesseraError(OP, 'options', `must give exactly one of model, tokenizer or tokenize (got ${sources})`);
  const { maxSeqLength, device } = opts;
  if (maxSeqLength !== undefined && (!Number.isSafeInteger(maxSeqLength) || maxSeqLength < 1)) {
    throw new TesseraError(OP, 'maxSeqLength', `must be a positive integer, got ${describe(maxSeqLength)}`);
  }

  const keys = Object.keys(rows[0]!);
  const labelColumn = opts.labelColumn === undefined ? (LABEL_COLUMNS.find((c) => keys.includes(c)) ?? null) : opts.labelColumn;
  if (labelColumn !== null && typeof labelColumn !== 'string') throw new TesseraError(OP, 'labelColumn', `must be a column name or null, got ${describe(labelColumn)}`);
  if (opts.textColumns !== undefined && (!Array.isArray(opts.textColumns) || opts.textColumns.some((c) => typeof c !== 'string'))) {
    throw new TesseraError(OP, 'textColumns', `must be an array of column names, got ${describe(opts.textColumns)}`);
  }
  const textColumns = opts.textColumns ? [...opts.textColumns] : keys.filter((k) => k !== labelColumn && k !== DATASET_NAME_COLUMN);
  if (textColumns.length === 0) throw new TesseraError(OP, 'textColumns', `is empty; the rows (columns: ${keys.join(', ')}) need at least one text column`);
  if (labelColumn !== null && textColumns.includes(labelColumn)) throw new TesseraError(OP, 'textColumns', `include the label column '${labelColumn}'`);
  if (new Set(textColumns).size !== textColumns.length) throw new TesseraError(OP, 'textColumns', `repeat a column: ${textColumns.join(', ')}`);

  const prompts = opts.prompts ?? undefined;
  if (prompts !== undefined && typeof prompts !== 'string') {
    if (typeof prompts !== 'object' || prompts === null || Array.isArray(prompts)) throw new TesseraError(OP, 'prompts', `must be a string or a record of column → prompt, got ${describe(prompts)}`);
    for (const [c, p] of Object.entries(prompts)) if (typeof p !== 'string') throw new TesseraError(OP, 'prompts', `['${c}'] must be a string, got ${describe(p)}`);
  }
  const promptFor = (column: string): string => (typeof prompts === 'string' ? prompts : (prompts?.[column] ?? ''));

  // Texts per column, checked before any tokenization.
  const texts = textColumns.map((column) => {
    const prompt = promptFor(column);
    return rows.map((r, i) => {
      if (!(column in r)) throw cellError(i, column, `is missing (row columns: ${Object.keys(r).join(', ')})`);
      const cell = r[column];
      if (typeof cell !== 'string') throw cellError(i, column, `holds ${describe(cell)}; a text column needs strings`);
      return prompt + cell;
    });
  });

  let tokenizeTexts: (t: readonly string[]) => Features;
  let includePrompt = opts.includePrompt ?? true;
  if (opts.model) {
    const model = opts.model;
    if (typeof model.tokenize !== 'function') throw new TesseraError(OP, 'model', 'has no tokenize method');
    includePrompt = opts.includePrompt ?? modelIncludesPrompt(model);
    tokenizeTexts = (t) => {
      const saved = model.maxSeqLength;
      if (maxSeqLength === undefined || maxSeqLength >= saved) return model.tokenize(t, device);
      model.maxSeqLength = maxSeqLength;
      try {
        return model.tokenize(t, device);
      } finally {
        model.maxSeqLength = saved;
      }
    };
  } else if (opts.tokenizer) {
    const tok = opts.tokenizer;
    if (typeof tok.batch !== 'function') throw new TesseraError(OP, 'tokenizer', 'has no batch method');
    const maxLength = maxSeqLength ?? tok.modelMaxLength ?? 512;
    tokenizeTexts = (t) => tok.batch(t, { maxLength, padding: 'longest', truncation: true, device });
  } else {
    const fn = opts.tokenize!;
    if (typeof fn !== 'function') throw new TesseraError(OP, 'tokenize', `must be a function, got ${describe(fn)}`);
    tokenizeTexts = (t) => fn(t, { maxLength: maxSeqLength, device });
  }

  const parsedLabels = labelColumn !== null ? parseLabels(rows, labelColumn, opts.labelDtype ?? 'auto') : null;

  const features: Features[] = [];
  let labels: Tensor | undefined;
  try {
    textColumns.forEach((column, c) => {
      const f: Features = { ...tokenizeTexts(texts[c]!) };
      features.push(f);
      const prompt = promptFor(column);
      if (prompt && !includePrompt) {
        const p = tokenizeTexts([prompt]);
        f.promptLength = p.inputIds.shape[p.inputIds.shape.length - 1]! - 1;
        disposeFeatures(p);
      }
    });
    if (parsedLabels) labels = labelTensor(parsedLabels, device ?? features[0]!.inputIds.device);
  } catch (e) {
    for (const f of features) disposeFeatures(f);
    throw e;
  }

  const out: CollatedBatch = { features, columns: textColumns };
  if (labels) out.labels = labels;
  const dn = rows[0]![DATASET_NAME_COLUMN];
  if (typeof dn === 'string') out.datasetName = dn;
  return out;
}

function disposeFeatures(f: Features): void {
  f.inputIds.dispose();
  f.attentionMask?.dispose();
  f.tokenTypeIds?.dispose();
}

/** A collator with fixed options: `(rows) => collate(rows, opts)`. */
export function createCollator(opts: CollateOptions): (rows: readonly Readonly<Record<string, unknown>>[]) => CollatedBatch {
  return (rows) => collate(rows, opts);
}
