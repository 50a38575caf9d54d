import { Generator, TesseraError } from '@tessera/tensor';

/** A cell: a text, a number (score/label), or a numeric vector (teacher embedding, margins). */
export type Cell = string | number | readonly number[];
export type Row = Record<string, Cell>;

/** Columns that hold labels; the collator turns the first present into `labels` (losses.md B.1). */
export const LABEL_COLUMNS = ['label', 'labels', 'score', 'scores'] as const;

/**
 * An in-memory table of named columns (like a Hugging Face `datasets.Dataset`). Column order is the
 * loss's input order; a column named label/labels/score/scores is the label.
 */
export class Dataset {
  readonly columnNames: readonly string[];
  private readonly rows: readonly Row[];

  constructor(rows: readonly Row[], columnNames?: readonly string[]) {
    const names = columnNames ?? (rows[0] ? Object.keys(rows[0]) : []);
    rows.forEach((r, i) => {
      for (const n of names) {
        if (!(n in r)) throw new TesseraError('Dataset', 'rows', `row ${i} has no column '${n}' (columns: ${names.join(', ')})`);
      }
    });
    this.columnNames = [...names];
    this.rows = rows;
  }

  /** From columns of equal length: `Dataset.fromDict({ anchor: [...], positive: [...] })`. */
  static fromDict(columns: Record<string, readonly Cell[]>): Dataset {
    const names = Object.keys(columns);
    const n = names.length ? columns[names[0]!]!.length : 0;
    for (const name of names) {
      if (columns[name]!.length !== n) throw new TesseraError('Dataset.fromDict', name, `has ${columns[name]!.length} values; column '${names[0]}' has ${n}`);
    }
    const rows: Row[] = Array.from({ length: n }, (_, i) => Object.fromEntries(names.map((c) => [c, columns[c]![i]!])));
    return new Dataset(rows, names);
  }

  get length(): number {
    return this.rows.length;
  }

  row(i: number): Row {
    const r = this.rows[i];
    if (!r) throw new TesseraError('Dataset.row', 'index', `${i} is out of range for ${this.rows.length} rows`);
    return r;
  }

  column(name: string): Cell[] {
    if (!this.columnNames.includes(name)) throw new TesseraError('Dataset.column', 'name', `'${name}' is not a column (columns: ${this.columnNames.join(', ')})`);
    return this.rows.map((r) => r[name]!);
  }

  /** The label column (first of label, labels, score, scores), or null. */
  get labelColumn(): string | null {
    return LABEL_COLUMNS.find((c) => this.columnNames.includes(c)) ?? null;
  }

  /** The text columns, in order (every column but the label column). */
  get textColumns(): string[] {
    const label = this.labelColumn;
    return this.columnNames.filter((c) => c !== label);
  }

  /** Keeps only `names`, in that order. */
  selectColumns(names: readonly string[]): Dataset {
    for (const n of names) if (!this.columnNames.includes(n)) throw new TesseraError('Dataset.selectColumns', 'names', `'${n}' is not a column (columns: ${this.columnNames.join(', ')})`);
    return new Dataset(this.rows.map((r) => Object.fromEntries(names.map((n) => [n, r[n]!]))), names);
  }

  /** Renames columns (`{ old: 'new' }`), keeping their order. */
  renameColumns(mapping: Record<string, string>): Dataset {
    const names = this.columnNames.map((c) => mapping[c] ?? c);
    if (new Set(names).size !== names.length) throw new TesseraError('Dataset.renameColumns', 'mapping', `would give duplicate column names: ${names.join(', ')}`);
    return new Dataset(this.rows.map((r) => Object.fromEntries(this.columnNames.map((c, i) => [names[i]!, r[c]!]))), names);
  }

  /** Rows at `indices`. */
  select(indices: readonly number[]): Dataset {
    return new Dataset(indices.map((i) => this.row(i)), this.columnNames);
  }

  /** Rows for which `keep` is true. */
  filter(keep: (row: Row, index: number) => boolean): Dataset {
    return new Dataset(this.rows.filter(keep), this.columnNames);
  }

  /** Maps every row to a new row (the new rows' keys become the columns). */
  map(fn: (row: Row, index: number) => Row): Dataset {
    const rows = this.rows.map(fn);
    return new Dataset(rows, rows[0] ? Object.keys(rows[0]) : this.columnNames);
  }

  /** A seeded random permutation of the rows. */
  shuffle(seed = 42): Dataset {
    return this.select(permutation(this.rows.length, new Generator(seed)));
  }

  /** Seeded split into train and test (testSize: a fraction in (0, 1) or a row count). */
  trainTestSplit(opts: { testSize: number; seed?: number }): { train: Dataset; test: Dataset } {
    const n = this.rows.length;
    const testCount = opts.testSize < 1 ? Math.round(n * opts.testSize) : opts.testSize;
    if (!(Number.isInteger(testCount) && testCount > 0 && testCount < n)) {
      throw new TesseraError('Dataset.trainTestSplit', 'testSize', `(${opts.testSize}) must leave both splits non-empty for ${n} rows`);
    }
    const order = permutation(n, new Generator(opts.seed ?? 42));
    return { test: this.select(order.slice(0, testCount)), train: this.select(order.slice(testCount)) };
  }

  [Symbol.iterator](): Iterator<Row> {
    return this.rows[Symbol.iterator]();
  }
}

/** Fisher–Yates permutation of 0..n-1 from a seeded generator. */
export function permutation(n: number, generator: Generator): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(generator.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
