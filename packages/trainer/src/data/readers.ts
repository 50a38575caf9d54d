/**
 * Readers for delimited text (CSV / TSV, RFC 4180) and JSON Lines files into a {@link Dataset}.
 *
 * Every bad row is either an error or, with `onBadRow: 'skip'`, a reported skip — never silent:
 * - `readCsv` / `parseCsv` / `readJsonl` / `parseJsonl` return a Dataset. By default a bad row throws a
 *   {@link DataFileError} (a TesseraError) naming the file, the 1-based line and the reason. With
 *   `onBadRow: 'skip'` they skip bad rows and print one `console.warn` line with the count and the first.
 * - The `...WithReport` variants return `{ dataset, skipped: [{ line, reason }] }` and do not warn.
 *
 * Column options are applied in this order: `header` names the source columns, `columns` selects and
 * orders them, `types` converts them (keyed by source name), `rename` gives the output names, and
 * `validate` checks the final row. Only the selected columns are converted and checked.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { TesseraError } from '@tessera/tensor';
import { Dataset } from './dataset.js';
import type { Cell, Row } from './dataset.js';

/** How a column's cells are converted: text (non-empty unless allowed), a finite number, or a safe integer. */
export type ColumnType = 'string' | 'number' | 'int';

/** A skipped row: its 1-based line (the first line of a record that spans lines) and why. */
export interface BadRow {
  line: number;
  reason: string;
}

/** A bad row (or header) in a data file: names the file, the 1-based line and the reason. */
export class DataFileError extends TesseraError {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  constructor(op: string, file: string, line: number, reason: string) {
    super(op, undefined, `bad row at ${file}:${line}: ${reason}`);
    this.name = 'DataFileError';
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/** Options shared by the CSV and JSONL readers. */
export interface TableOptions {
  /** Selects and orders the source columns (default: all, in file order). */
  columns?: readonly string[];
  /** Renames selected columns: `{ source: 'output' }`. */
  rename?: Readonly<Record<string, string>>;
  /**
   * Converts columns (keyed by source name). 'number' accepts decimal/exponent notation only (no '',
   * hex, 'NaN', 'Infinity', '1,5'); 'int' accepts optional sign and digits. Untyped CSV columns are text;
   * untyped JSONL cells keep their JSON type (string, number or array of numbers).
   */
  types?: Readonly<Record<string, ColumnType>>;
  /** Text columns (source names) that may be empty or whitespace-only; `true` for all. Default: none. */
  allowEmpty?: boolean | readonly string[];
  /** 'throw' (default): a bad row throws a DataFileError. 'skip': skip it and report it. */
  onBadRow?: 'throw' | 'skip';
  /** A last check on each converted row (output names): return a reason to mark the row bad. */
  validate?: (row: Row) => string | null | undefined;
  /** The name used in errors (default: the path for read*, '<text>' for parse*). */
  source?: string;
}

/** Options of the CSV/TSV readers. */
export interface CsvOptions extends TableOptions {
  /** One character. Default ',' — or '\t' when `readCsv`'s path ends in `.tsv`. */
  delimiter?: string;
  /** The quote character (default '"'); `null` turns quoting off (every character is literal). */
  quote?: string | null;
  /**
   * `true` (default): the first record names the columns. An array names the columns of a header-less
   * file. `false`: no header; the columns are named '0', '1', ….
   */
  header?: boolean | readonly string[];
}

/** The result of a `...WithReport` reader. */
export interface ReadReport {
  dataset: Dataset;
  skipped: BadRow[];
}

// ------------------------------------------------------------------------------------------------
// Public API

/** Parses CSV/TSV text (see {@link CsvOptions}). */
export function parseCsv(text: string, opts: CsvOptions = {}): Dataset {
  return finish('parseCsv', opts.source ?? '<text>', parseCsvImpl('parseCsv', text, opts.source ?? '<text>', opts.delimiter ?? ',', opts));
}

/** Parses CSV/TSV text and returns the skipped rows too. */
export function parseCsvWithReport(text: string, opts: CsvOptions = {}): ReadReport {
  return parseCsvImpl('parseCsv', text, opts.source ?? '<text>', opts.delimiter ?? ',', opts);
}

/** Reads a CSV/TSV file (UTF-8; a BOM is dropped). A `.tsv` path defaults to a tab delimiter. */
export function readCsv(path: string, opts: CsvOptions = {}): Dataset {
  return finish('readCsv', opts.source ?? path, readCsvImpl(path, opts));
}

/** Reads a CSV/TSV file and returns the skipped rows too. */
export function readCsvWithReport(path: string, opts: CsvOptions = {}): ReadReport {
  return readCsvImpl(path, opts);
}

/** Parses JSON Lines text: one JSON object per line; blank lines are ignored. */
export function parseJsonl(text: string, opts: TableOptions = {}): Dataset {
  return finish('parseJsonl', opts.source ?? '<text>', parseJsonlImpl('parseJsonl', text, opts.source ?? '<text>', opts));
}

/** Parses JSON Lines text and returns the skipped rows too. */
export function parseJsonlWithReport(text: string, opts: TableOptions = {}): ReadReport {
  return parseJsonlImpl('parseJsonl', text, opts.source ?? '<text>', opts);
}

/**
 * Reads a JSON Lines file. Columns default to the keys of the first valid row; keys a row lacks make it
 * bad, keys beyond the columns are ignored.
 */
export function readJsonl(path: string, opts: TableOptions = {}): Dataset {
  return finish('readJsonl', opts.source ?? path, parseJsonlImpl('readJsonl', readText('readJsonl', path), opts.source ?? path, opts));
}

/** Reads a JSON Lines file and returns the skipped rows too. */
export function readJsonlWithReport(path: string, opts: TableOptions = {}): ReadReport {
  return parseJsonlImpl('readJsonl', readText('readJsonl', path), opts.source ?? path, opts);
}

/**
 * Writes a table as CSV (RFC 4180): fields holding the delimiter, a quote, CR or LF — and empty
 * fields — are quoted, quotes doubled. Numbers are written with `String(x)`; arrays as JSON.
 */
export function formatCsv(
  table: Dataset | { columns: readonly string[]; rows: readonly (readonly Cell[])[] },
  opts: { delimiter?: string; header?: boolean; lineEnd?: '\n' | '\r\n' | '\r' } = {},
): string {
  const delimiter = opts.delimiter ?? ',';
  checkDelimiter('formatCsv', delimiter, '"');
  const eol = opts.lineEnd ?? '\n';
  const columns = table instanceof Dataset ? table.columnNames : table.columns;
  const rows = table instanceof Dataset ? [...table].map((r) => columns.map((c) => r[c]!)) : table.rows;
  const field = (cell: Cell): string => {
    const s = typeof cell === 'string' ? cell : typeof cell === 'number' ? String(cell) : JSON.stringify(cell);
    if (s === '' || s.includes(delimiter) || s.includes('"') || s.includes('\n') || s.includes('\r')) return `"${s.replaceAll('"', '""')}"`;
    return s;
  };
  const lines: string[] = [];
  if (opts.header ?? true) lines.push(columns.map(field).join(delimiter));
  for (const r of rows) lines.push(r.map(field).join(delimiter));
  return lines.map((l) => l + eol).join('');
}

// ------------------------------------------------------------------------------------------------
// Shared plumbing

function readText(op: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new TesseraError(op, 'path', `cannot read '${path}': ${(e as Error).message}`);
  }
}

function finish(op: string, source: string, report: ReadReport): Dataset {
  if (report.skipped.length > 0) {
    const first = report.skipped[0]!;
    console.warn(
      `${op}: skipped ${report.skipped.length} bad row(s) in ${source}; first at line ${first.line}: ${first.reason} ` +
        `(use ${op}WithReport for the list)`,
    );
  }
  return report.dataset;
}

function readCsvImpl(path: string, opts: CsvOptions): ReadReport {
  const text = readText('readCsv', path);
  const delimiter = opts.delimiter ?? (extname(path).toLowerCase() === '.tsv' ? '\t' : ',');
  return parseCsvImpl('readCsv', text, opts.source ?? path, delimiter, { ...opts, source: opts.source ?? path });
}

function checkDelimiter(op: string, delimiter: string, quote: string | null): void {
  if (delimiter.length !== 1 || delimiter === '\r' || delimiter === '\n') {
    throw new TesseraError(op, 'delimiter', `must be one character other than CR/LF, got ${JSON.stringify(delimiter)}`);
  }
  if (quote !== null && (quote.length !== 1 || quote === '\r' || quote === '\n' || quote === delimiter)) {
    throw new TesseraError(op, 'quote', `must be null or one character other than CR/LF and the delimiter, got ${JSON.stringify(quote)}`);
  }
}

/** A value shortened for error messages. */
function show(value: unknown): string {
  const s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT_RE = /^[+-]?\d+$/;

/** Strict number parsing (surrounding spaces allowed): returns undefined for anything else. */
export function parseNumberStrict(raw: string): number | undefined {
  const s = raw.trim();
  if (!NUMBER_RE.test(s)) return undefined;
  const x = Number(s);
  return Number.isFinite(x) ? x : undefined;
}

/** Strict integer parsing (safe integers only). */
export function parseIntStrict(raw: string): number | undefined {
  const s = raw.trim();
  if (!INT_RE.test(s)) return undefined;
  const x = Number(s);
  return Number.isSafeInteger(x) ? x : undefined;
}

interface Plan {
  outNames: string[];
  /** Source index of each selected column. */
  idx: number[];
  srcNames: string[];
  types: (ColumnType | undefined)[];
  allowEmpty: boolean[];
}

function makePlan(op: string, source: string, sourceNames: readonly string[], opts: TableOptions): Plan {
  const pos = new Map<string, number>();
  sourceNames.forEach((n, i) => {
    if (pos.has(n)) throw new TesseraError(op, 'header', `${source}: duplicate column name ${JSON.stringify(n)}`);
    pos.set(n, i);
  });
  const list = `(columns: ${sourceNames.map((n) => JSON.stringify(n)).join(', ')})`;
  const srcNames = opts.columns ? [...opts.columns] : [...sourceNames];
  for (const c of srcNames) if (!pos.has(c)) throw new TesseraError(op, 'columns', `${JSON.stringify(c)} is not a column of ${source} ${list}`);
  if (new Set(srcNames).size !== srcNames.length) throw new TesseraError(op, 'columns', `names a column twice: ${srcNames.join(', ')}`);
  for (const [c, t] of Object.entries(opts.types ?? {})) {
    if (!pos.has(c)) throw new TesseraError(op, 'types', `names ${JSON.stringify(c)}, not a column of ${source} ${list} (types use source names)`);
    if (t !== 'string' && t !== 'number' && t !== 'int') throw new TesseraError(op, 'types', `${JSON.stringify(c)}: unknown type ${JSON.stringify(t)} (string, number, int)`);
  }
  for (const c of Object.keys(opts.rename ?? {})) {
    if (!srcNames.includes(c)) throw new TesseraError(op, 'rename', `names ${JSON.stringify(c)}, not a selected column ${list}`);
  }
  if (Array.isArray(opts.allowEmpty)) {
    for (const c of opts.allowEmpty) if (!pos.has(c)) throw new TesseraError(op, 'allowEmpty', `names ${JSON.stringify(c)}, not a column of ${source} ${list}`);
  }
  const outNames = srcNames.map((c) => opts.rename?.[c] ?? c);
  if (new Set(outNames).size !== outNames.length) throw new TesseraError(op, 'rename', `gives duplicate column names: ${outNames.join(', ')}`);
  const allowAll = opts.allowEmpty === true;
  const allowSome = new Set(Array.isArray(opts.allowEmpty) ? opts.allowEmpty : []);
  return {
    outNames,
    idx: srcNames.map((c) => pos.get(c)!),
    srcNames,
    types: srcNames.map((c) => opts.types?.[c]),
    allowEmpty: srcNames.map((c) => allowAll || allowSome.has(c)),
  };
}

/** Why a cell is bad. */
class Bad {
  constructor(readonly reason: string) {}
}

/** Converts one CSV cell. */
function csvCell(raw: string, type: ColumnType | undefined, name: string, allowEmpty: boolean): Cell | Bad {
  if (type === 'number') {
    const x = parseNumberStrict(raw);
    return x === undefined ? new Bad(`non-numeric value ${show(raw)} in numeric column ${JSON.stringify(name)}`) : x;
  }
  if (type === 'int') {
    const x = parseIntStrict(raw);
    return x === undefined ? new Bad(`non-integer value ${show(raw)} in integer column ${JSON.stringify(name)}`) : x;
  }
  if (!allowEmpty && raw.trim() === '') return new Bad(`empty text in column ${JSON.stringify(name)}`);
  return raw;
}

/** Converts one JSON value. */
function jsonCell(value: unknown, type: ColumnType | undefined, name: string, allowEmpty: boolean): Cell | Bad {
  const col = JSON.stringify(name);
  if (value === undefined) return new Bad(`missing column ${col}`);
  if (type === 'number' || type === 'int') {
    const x = typeof value === 'number' ? value : typeof value === 'string' ? (type === 'int' ? parseIntStrict(value) : parseNumberStrict(value)) : undefined;
    if (x === undefined || !Number.isFinite(x)) return new Bad(`non-numeric value ${show(value)} in numeric column ${col}`);
    if (type === 'int' && !Number.isSafeInteger(x)) return new Bad(`non-integer value ${show(value)} in integer column ${col}`);
    return x;
  }
  if (typeof value === 'string') {
    if (!allowEmpty && value.trim() === '') return new Bad(`empty text in column ${col}`);
    return value;
  }
  if (type === 'string') return new Bad(`expected text in column ${col}, got ${show(value)}`);
  if (typeof value === 'number') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value as number[];
  return new Bad(`unsupported value ${show(value)} in column ${col} (cells are text, numbers or arrays of numbers)`);
}

/** Collects rows; reports bad ones (throws or records them). */
class Sink {
  readonly rows: Row[] = [];
  readonly skipped: BadRow[] = [];
  constructor(
    private readonly op: string,
    private readonly source: string,
    private readonly opts: TableOptions,
  ) {}

  bad(line: number, reason: string): void {
    if ((this.opts.onBadRow ?? 'throw') === 'throw') throw new DataFileError(this.op, this.source, line, reason);
    this.skipped.push({ line, reason });
  }

  /** Builds a row from the selected cells, validating it. */
  add(plan: Plan, line: number, get: (k: number) => Cell | Bad): void {
    const row: Row = {};
    for (let k = 0; k < plan.idx.length; k++) {
      const cell = get(k);
      if (cell instanceof Bad) {
        this.bad(line, cell.reason);
        return;
      }
      row[plan.outNames[k]!] = cell;
    }
    const reason = this.opts.validate?.(row);
    if (reason) {
      this.bad(line, reason);
      return;
    }
    this.rows.push(row);
  }
}

// ------------------------------------------------------------------------------------------------
// CSV

const CR = 13;
const LF = 10;

function countLineBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) n++;
    else if (c === CR) {
      n++;
      if (i + 1 < to && text.charCodeAt(i + 1) === LF) i++;
    }
  }
  return n;
}

/**
 * Splits CSV text into records. `onRecord(fields, line)`; `onBad(line, reason)` for a malformed record
 * (after which scanning resumes at the line after the record's first line). Empty lines are not records.
 */
function scanCsv(
  text: string,
  delimiter: string,
  quote: string | null,
  onRecord: (fields: string[], line: number) => void,
  onBad: (line: number, reason: string) => void,
): void {
  const n = text.length;
  const D = delimiter.charCodeAt(0);
  const Q = quote === null ? -1 : quote.charCodeAt(0);
  let i = n > 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const skipLineBreak = (): void => {
    if (i < n) {
      const c = text.charCodeAt(i);
      i += c === CR && i + 1 < n && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
    }
  };
  while (i < n) {
    const start = i;
    const startLine = line;
    let c = text.charCodeAt(i);
    if (c === LF || c === CR) {
      skipLineBreak();
      continue;
    }
    const fields: string[] = [];
    let bad: string | null = null;
    for (;;) {
      if (i < n && text.charCodeAt(i) === Q) {
        let value = '';
        let j = i + 1;
        let unterminated = false;
        for (;;) {
          const k = text.indexOf(quote!, j);
          if (k < 0) {
            unterminated = true;
            break;
          }
          line += countLineBreaks(text, j, k);
          if (k + 1 < n && text.charCodeAt(k + 1) === Q) {
            value += text.slice(j, k + 1);
            j = k + 2;
            continue;
          }
          value += text.slice(j, k);
          j = k + 1;
          break;
        }
        if (unterminated) {
          bad = `unterminated quoted field (field ${fields.length + 1} opens a quote that never closes)`;
          break;
        }
        i = j;
        fields.push(value);
        c = i < n ? text.charCodeAt(i) : -1;
        if (c !== D && c !== LF && c !== CR && c !== -1) {
          bad = `unexpected ${show(text[i])} after the closing quote of field ${fields.length} (for files with bare quotes use quote: null)`;
          break;
        }
      } else {
        let j = i;
        while (j < n) {
          c = text.charCodeAt(j);
          if (c === D || c === LF || c === CR) break;
          j++;
        }
        fields.push(text.slice(i, j));
        i = j;
      }
      if (i < n && text.charCodeAt(i) === D) {
        i++;
        continue;
      }
      break;
    }
    if (bad === null) {
      skipLineBreak();
      onRecord(fields, startLine);
    } else {
      // Resume at the line after the record's first line: a stray quote may have swallowed later lines.
      i = start;
      line = startLine;
      while (i < n && text.charCodeAt(i) !== LF && text.charCodeAt(i) !== CR) i++;
      skipLineBreak();
      onBad(startLine, bad);
    }
  }
}

function parseCsvImpl(op: string, text: string, source: string, delimiter: string, opts: CsvOptions): ReadReport {
  const quote = opts.quote === undefined ? '"' : opts.quote;
  checkDelimiter(op, delimiter, quote);
  const header = opts.header ?? true;
  const sink = new Sink(op, source, opts);
  let plan: Plan | null = null;
  let width = -1;
  if (Array.isArray(header)) {
    plan = makePlan(op, source, header, opts);
    width = header.length;
  }
  let first = true;
  scanCsv(
    text,
    delimiter,
    quote,
    (fields, line) => {
      if (first) {
        first = false;
        if (header === true) {
          plan = makePlan(op, source, fields, opts);
          width = fields.length;
          return;
        }
        if (header === false) {
          plan = makePlan(op, source, fields.map((_, k) => String(k)), opts);
          width = fields.length;
        }
      }
      if (fields.length !== width) {
        sink.bad(line, `expected ${width} fields, got ${fields.length}`);
        return;
      }
      const p = plan!;
      sink.add(p, line, (k) => csvCell(fields[p.idx[k]!]!, p.types[k], p.srcNames[k]!, p.allowEmpty[k]!));
    },
    (line, reason) => {
      if (first && header === true) throw new DataFileError(op, source, line, `bad header: ${reason}`);
      sink.bad(line, reason);
    },
  );
  if (plan === null) {
    if (header === true) throw new DataFileError(op, source, 1, 'no header line (the input is empty)');
    plan = makePlan(op, source, opts.columns ?? [], opts);
  }
  return { dataset: new Dataset(sink.rows, (plan as Plan).outNames), skipped: sink.skipped };
}

// ------------------------------------------------------------------------------------------------
// JSONL

function parseJsonlImpl(op: string, text: string, source: string, opts: TableOptions): ReadReport {
  const sink = new Sink(op, source, opts);
  let plan: Plan | null = opts.columns ? makePlan(op, source, opts.columns, opts) : null;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r\n|\r|\n/);
  for (let li = 0; li < lines.length; li++) {
    const raw = lines[li]!;
    if (raw.trim() === '') continue;
    const line = li + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      sink.bad(line, `invalid JSON: ${(e as Error).message}`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      sink.bad(line, `expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
      continue;
    }
    const obj = value as Record<string, unknown>;
    if (plan === null) plan = makePlan(op, source, Object.keys(obj), opts);
    const p = plan;
    sink.add(p, line, (k) => {
      const name = p.srcNames[k]!;
      return jsonCell(Object.hasOwn(obj, name) ? obj[name] : undefined, p.types[k], name, p.allowEmpty[k]!);
    });
  }
  return { dataset: new Dataset(sink.rows, plan?.outNames ?? []), skipped: sink.skipped };
}
