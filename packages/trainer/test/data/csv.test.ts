/** CSV/TSV reader: RFC 4180 quoting, line ends, BOM, header modes, column options, bad rows and skip mode. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { TesseraError } from '@tessera/tensor';
import { Dataset } from '../../src/data/dataset.js';
import type { Cell } from '../../src/data/dataset.js';
import { DataFileError, formatCsv, parseCsv, parseCsvWithReport, parseIntStrict, parseNumberStrict, readCsv, readCsvWithReport } from '../../src/data/readers.js';

const rows = (ds: Dataset) => [...ds];

/** The DataFileError thrown by `fn`. */
function badRow(fn: () => unknown): DataFileError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataFileError);
    expect(e).toBeInstanceOf(TesseraError);
    return e as DataFileError;
  }
  throw new Error('expected a DataFileError');
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-csv-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseCsv: format', () => {
  it('reads a header and rows; untyped columns are text', () => {
    const ds = parseCsv('a,b\n1,x\n2,y\n');
    expect(ds.columnNames).toEqual(['a', 'b']);
    expect(rows(ds)).toEqual([{ a: '1', b: 'x' }, { a: '2', b: 'y' }]);
  });

  it('RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes', () => {
    const text = 'id,text\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n4,"crlf\r\ninside"\n5,""\n';
    const ds = parseCsv(text, { allowEmpty: true });
    expect(ds.column('text')).toEqual(['a, b', 'say "hi"', 'two\nlines', 'crlf\r\ninside', '']);
  });

  it('a quote inside an unquoted field is literal; quote: null makes every quote literal', () => {
    expect(parseCsv('t\nsay "hi" now\n').column('t')).toEqual(['say "hi" now']);
    expect(rows(parseCsv('"a,b"\n', { header: false, quote: null }))).toEqual([{ 0: '"a', 1: 'b"' }]);
    expect(parseCsv('t\t u\n"q\t"\n', { delimiter: '\t', quote: null }).column('t')).toEqual(['"q']);
  });

  it('a UTF-8 BOM is dropped; LF, CRLF and CR line ends; trailing empty line or none', () => {
    const want = [{ a: 'x', b: 'y' }, { a: 'z', b: 'w' }];
    for (const eol of ['\n', '\r\n', '\r']) {
      for (const tail of [eol, '']) {
        for (const bom of ['', '\uFEFF']) {
          const ds = parseCsv(`${bom}a,b${eol}x,y${eol}z,w${tail}`);
          expect(ds.columnNames).toEqual(['a', 'b']);
          expect(rows(ds)).toEqual(want);
        }
      }
    }
  });

  it('blank lines are not rows', () => {
    expect(parseCsv('a\n\nx\n\r\n\ny\n\n').column('a')).toEqual(['x', 'y']);
  });

  it('a trailing delimiter is an empty last field', () => {
    expect(rows(parseCsv('a,b\nx,\n', { allowEmpty: ['b'] }))).toEqual([{ a: 'x', b: '' }]);
  });

  it('header: an array names the columns of a header-less file; false names them 0, 1, …', () => {
    expect(rows(parseCsv('x,1.5\n', { header: ['s', 'score'], types: { score: 'number' } }))).toEqual([{ s: 'x', score: 1.5 }]);
    const ds = parseCsv('x,y\nz,w\n', { header: false });
    expect(ds.columnNames).toEqual(['0', '1']);
    expect(ds.length).toBe(2);
  });

  it('columns select and order; rename gives output names; types convert the selected columns', () => {
    const ds = parseCsv('id\tq\tscore\tjunk\n7\thello\t4.5\t\n', {
      delimiter: '\t',
      columns: ['score', 'q', 'id'],
      rename: { q: 'sentence', score: 'label' },
      types: { score: 'number', id: 'int' },
    });
    expect(ds.columnNames).toEqual(['label', 'sentence', 'id']);
    expect(rows(ds)).toEqual([{ label: 4.5, sentence: 'hello', id: 7 }]);
  });

  it('empty input: header true is an error; a header array gives an empty data set', () => {
    expect(badRow(() => parseCsv('')).reason).toMatch(/no header/);
    const ds = parseCsv('\n', { header: ['a', 'b'] });
    expect(ds.length).toBe(0);
    expect(ds.columnNames).toEqual(['a', 'b']);
  });

  it('strict numbers', () => {
    for (const ok of ['0', '-1', '+2.5', '.5', '5.', '1e3', '2.5E-2', ' 3 ']) expect(parseNumberStrict(ok)).toBe(Number(ok.trim()));
    for (const bad of ['', ' ', '1,5', '0x10', 'NaN', 'Infinity', '-Infinity', '1e', 'e3', '1.2.3', '5 stars', '1e999']) expect(parseNumberStrict(bad)).toBeUndefined();
    expect(parseIntStrict('42')).toBe(42);
    for (const bad of ['4.0', '1e3', '', '9007199254740993']) expect(parseIntStrict(bad)).toBeUndefined();
  });

  it('configuration errors name the argument', () => {
    expect(() => parseCsv('a,b\n', { columns: ['c'] })).toThrow(/argument 'columns'.*"c" is not a column/);
    expect(() => parseCsv('a,b\n', { types: { c: 'number' } })).toThrow(/argument 'types'/);
    expect(() => parseCsv('a,b\n', { rename: { c: 'd' } })).toThrow(/argument 'rename'/);
    expect(() => parseCsv('a,b\n', { rename: { a: 'b' } })).toThrow(/duplicate column names/);
    expect(() => parseCsv('a,a\n')).toThrow(/duplicate column name "a"/);
    expect(() => parseCsv('a\n', { delimiter: ',,' })).toThrow(/argument 'delimiter'/);
    expect(() => parseCsv('a\n', { delimiter: ',', quote: ',' })).toThrow(/argument 'quote'/);
  });
});

describe('parseCsv: bad rows', () => {
  const src = { source: 'pairs.csv' };

  it('wrong field count, with file, 1-based line and reason', () => {
    const e = badRow(() => parseCsv('a,b\nx,y\nz\n', src));
    expect([e.file, e.line, e.reason]).toEqual(['pairs.csv', 3, 'expected 2 fields, got 1']);
    expect(e.message).toBe('parseCsv: bad row at pairs.csv:3: expected 2 fields, got 1');
  });

  it('non-numeric value in a numeric column', () => {
    const e = badRow(() => parseCsv('s,score\nx,4\ny,n/a\n', { ...src, types: { score: 'number' } }));
    expect(e.line).toBe(3);
    expect(e.reason).toBe('non-numeric value "n/a" in numeric column "score"');
    expect(badRow(() => parseCsv('s,score\nx,\n', { types: { score: 'number' } })).reason).toMatch(/non-numeric value ""/);
    expect(badRow(() => parseCsv('s,n\nx,2.5\n', { types: { n: 'int' } })).reason).toMatch(/non-integer value "2.5"/);
  });

  it('empty or blank text in a text column (unless allowEmpty)', () => {
    const e = badRow(() => parseCsv('a,b\nx,y\n ,y\n', src));
    expect([e.line, e.reason]).toEqual([3, 'empty text in column "a"']);
    expect(parseCsv('a,b\nx,y\n ,y\n', { allowEmpty: true }).length).toBe(2);
  });

  it('an unterminated quote', () => {
    const e = badRow(() => parseCsv('a,b\nx,y\nz,"never closed\nmore\n', src));
    expect(e.line).toBe(3);
    expect(e.reason).toMatch(/unterminated quoted field \(field 2/);
  });

  it('text after a closing quote', () => {
    const e = badRow(() => parseCsv('a,b\n"x"y,z\n', src));
    expect(e.line).toBe(2);
    expect(e.reason).toMatch(/unexpected "y" after the closing quote of field 1.*quote: null/);
  });

  it('line numbers count the lines of multi-line records and CR-only line ends', () => {
    const e = badRow(() => parseCsv('a,b\r"1\r\n2\n3",x\rbad\r', src));
    expect(e.line).toBe(5);
  });

  it('a failing validate check is a bad row', () => {
    const e = badRow(() => parseCsv('s,score\nx,6\n', { types: { score: 'number' }, validate: (r) => ((r.score as number) > 5 ? 'score above 5' : null) }));
    expect([e.line, e.reason]).toEqual([2, 'score above 5']);
  });

  it('a bad header is always an error', () => {
    expect(badRow(() => parseCsv('"a,b\n', { onBadRow: 'skip' })).reason).toMatch(/bad header: unterminated/);
  });

  it("onBadRow: 'skip' skips and counts every bad row, and goes on after an unterminated quote", () => {
    const text = ['s,score', 'ok1,1', 'short', 'x,abc', ',2', 'ok2,2', '"unterminated,3', 'ok3,3', 'ok4,"4'].join('\n') + '\n';
    const { dataset, skipped } = parseCsvWithReport(text, { types: { score: 'number' }, onBadRow: 'skip' });
    expect(dataset.column('s')).toEqual(['ok1', 'ok2', 'ok3']);
    expect(skipped.map((s) => s.line)).toEqual([3, 4, 5, 7, 9]);
    expect(skipped.map((s) => s.reason)).toEqual([
      'expected 2 fields, got 1',
      'non-numeric value "abc" in numeric column "score"',
      'empty text in column "s"',
      'unexpected "4" after the closing quote of field 1 (for files with bare quotes use quote: null)', // the quote closed on line 9
      expect.stringMatching(/^unterminated quoted field \(field 2/),
    ]);
  });

  it("readCsv with onBadRow: 'skip' warns once, naming the file, the count and the first bad line", () => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, 'a,b\nx,y\nz\nw\n');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(readCsv(path, { onBadRow: 'skip' }).length).toBe(1);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(new RegExp(`skipped 2 bad row\\(s\\) in ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; first at line 3`));
    } finally {
      warn.mockRestore();
    }
    const e = badRow(() => readCsv(path));
    expect([e.file, e.line]).toEqual([path, 3]);
    expect(e.message).toContain(`${path}:3`);
  });
});

describe('readCsv: files', () => {
  it('a .tsv path defaults to tabs; a BOM and CRLF are handled', () => {
    const path = join(dir, 'x.tsv');
    writeFileSync(path, '\uFEFFsentence_A\tsentence_B\tscore\r\nA man, walking.\tA "man" walks.\t4.5\r\n');
    expect(rows(readCsv(path, { types: { score: 'number' } }))).toEqual([{ sentence_A: 'A man, walking.', sentence_B: 'A "man" walks.', score: 4.5 }]);
    const csv = join(dir, 'x.csv');
    writeFileSync(csv, 'a\tb\n1\t2\n');
    expect(readCsv(csv).columnNames).toEqual(['a\tb']);
  });

  it('a missing file is a TesseraError naming the path', () => {
    expect(() => readCsv(join(dir, 'nope.csv'))).toThrow(/argument 'path' cannot read '.*nope\.csv'/);
  });

  it('readCsvWithReport returns the data set and the skipped rows', () => {
    const path = join(dir, 'r.csv');
    writeFileSync(path, 'a,b\nx,y\nz\n');
    const r = readCsvWithReport(path, { onBadRow: 'skip' });
    expect(r.dataset.length).toBe(1);
    expect(r.skipped).toEqual([{ line: 3, reason: 'expected 2 fields, got 1' }]);
  });
});

describe('formatCsv / parseCsv round trip (fast-check)', () => {
  const char = fc.constantFrom('a', 'b', 'Z', '0', ' ', ',', ';', '\t', '|', '"', '\n', '\r', '\r\n', 'é', '日', '😀', "'", '\\');
  const text = fc.string({ unit: char, maxLength: 12 });
  const num = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
  const table = fc
    .record({
      kinds: fc.array(fc.constantFrom('string', 'number', 'int') as fc.Arbitrary<'string' | 'number' | 'int'>, { minLength: 1, maxLength: 5 }),
      nRows: fc.nat({ max: 8 }),
      delimiter: fc.constantFrom(',', '\t', ';', '|'),
      lineEnd: fc.constantFrom('\n', '\r\n', '\r') as fc.Arbitrary<'\n' | '\r\n' | '\r'>,
      bom: fc.boolean(),
    })
    .chain((t) =>
      fc.record({
        t: fc.constant(t),
        names: fc.uniqueArray(text, { minLength: t.kinds.length, maxLength: t.kinds.length }),
        rows: fc.array(fc.tuple(...t.kinds.map((k): fc.Arbitrary<Cell> => (k === 'string' ? text : k === 'number' ? num : fc.integer()))), {
          minLength: t.nRows,
          maxLength: t.nRows,
        }),
      }),
    );

  it('serializing a random table to CSV and parsing it back gives the same table', () => {
    fc.assert(
      fc.property(table, ({ t, names, rows: cells }) => {
        const csv = (t.bom ? '\uFEFF' : '') + formatCsv({ columns: names, rows: cells }, { delimiter: t.delimiter, lineEnd: t.lineEnd });
        const types = Object.fromEntries(names.map((n, i) => [n, t.kinds[i]!]));
        const ds = parseCsv(csv, { delimiter: t.delimiter, types, allowEmpty: true });
        expect(ds.columnNames).toEqual(names);
        expect(rows(ds).map((r) => names.map((n) => r[n]))).toEqual(cells);
        // The same without a header line.
        const bare = formatCsv({ columns: names, rows: cells }, { delimiter: t.delimiter, lineEnd: t.lineEnd, header: false });
        expect(parseCsv(bare, { delimiter: t.delimiter, header: names, types, allowEmpty: true }).length).toBe(cells.length);
      }),
      { numRuns: 300 },
    );
  });

  it('formatCsv writes a Dataset', () => {
    const ds = Dataset.fromDict({ s: ['a "b"', 'c,d'], score: [0.5, 1] });
    expect(formatCsv(ds)).toBe('s,score\n"a ""b""",0.5\n"c,d",1\n');
  });
});

describe('performance', () => {
  it('parses 20k quoted rows quickly', () => {
    const line = '"A man, with a hat, is ""dancing"".",A man wearing a hard hat is dancing.,4.75\r\n';
    const text = line.repeat(20_000);
    const t0 = performance.now();
    const ds = parseCsv(text, { header: ['s1', 's2', 'score'], types: { score: 'number' } });
    const ms = performance.now() - t0;
    expect(ds.length).toBe(20_000);
    expect(ds.row(19_999).s1).toBe('A man, with a hat, is "dancing".');
    expect(ms).toBeLessThan(2000);
  });
});
