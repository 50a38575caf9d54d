/** JSON Lines reader: good lines, column options, bad lines with file + line + reason, skip mode. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFileError, parseJsonl, parseJsonlWithReport, readJsonl, readJsonlWithReport } from '../../src/data/readers.js';

function badRow(fn: () => unknown): DataFileError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataFileError);
    return e as DataFileError;
  }
  throw new Error('expected a DataFileError');
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-jsonl-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseJsonl', () => {
  it('reads objects; columns are the first row’s keys; cells keep their JSON type', () => {
    const ds = parseJsonl('{"anchor":"a","positive":"b","label":1}\n{"positive":"d","anchor":"c","label":0.5,"extra":true}\n');
    expect(ds.columnNames).toEqual(['anchor', 'positive', 'label']);
    expect([...ds]).toEqual([
      { anchor: 'a', positive: 'b', label: 1 },
      { anchor: 'c', positive: 'd', label: 0.5 },
    ]);
  });

  it('numeric vectors are cells', () => {
    expect(parseJsonl('{"text":"x","emb":[0.5,-1,2]}').row(0).emb).toEqual([0.5, -1, 2]);
  });

  it('BOM, CRLF / CR line ends, blank lines and no trailing newline', () => {
    const ds = parseJsonl('\uFEFF{"a":"x"}\r\n\r\n{"a":"y"}\r{"a":"z"}');
    expect(ds.column('a')).toEqual(['x', 'y', 'z']);
  });

  it('columns, rename and types (numeric strings are parsed strictly)', () => {
    const ds = parseJsonl('{"q":"x","s":"4.5","n":"3"}\n', { columns: ['s', 'q', 'n'], rename: { s: 'score' }, types: { s: 'number', n: 'int' } });
    expect(ds.columnNames).toEqual(['score', 'q', 'n']);
    expect(ds.row(0)).toEqual({ score: 4.5, q: 'x', n: 3 });
  });

  it('empty input gives an empty data set', () => {
    expect(parseJsonl('').length).toBe(0);
    expect(parseJsonl('\n\n', { columns: ['a'] }).columnNames).toEqual(['a']);
  });
});

describe('parseJsonl: bad lines', () => {
  const src = { source: 'train.jsonl' };
  const cases: [string, string, number, RegExp][] = [
    ['invalid JSON', '{"a":"x"}\n\n{"a": oops}\n', 3, /^invalid JSON: /],
    ['a truncated line', '{"a":"x"}\n{"a":"y"\n', 2, /^invalid JSON: /],
    ['an array', '{"a":"x"}\n["x"]\n', 2, /^expected a JSON object, got an array$/],
    ['null', '{"a":"x"}\nnull\n', 2, /^expected a JSON object, got null$/],
    ['a missing column', '{"a":"x","b":"y"}\n{"a":"z"}\n', 2, /^missing column "b"$/],
    ['empty text', '{"a":"x"}\n{"a":"  "}\n', 2, /^empty text in column "a"$/],
    ['a boolean', '{"a":"x"}\n{"a":true}\n', 2, /^unsupported value true in column "a"/],
    ['an object', '{"a":"x"}\n{"a":{"b":1}}\n', 2, /^unsupported value \{"b":1\} in column "a"/],
    ['a mixed array', '{"a":"x"}\n{"a":[1,"2"]}\n', 2, /^unsupported value \[1,"2"\]/],
  ];
  for (const [what, text, line, reason] of cases) {
    it(`${what}: throws with file, line and reason`, () => {
      const e = badRow(() => parseJsonl(text, src));
      expect(e.file).toBe('train.jsonl');
      expect(e.line).toBe(line);
      expect(e.reason).toMatch(reason);
      expect(e.message).toContain(`train.jsonl:${line}: `);
    });
  }

  it('typed columns', () => {
    expect(badRow(() => parseJsonl('{"s":"abc"}', { types: { s: 'number' } })).reason).toBe('non-numeric value "abc" in numeric column "s"');
    expect(badRow(() => parseJsonl('{"s":1.5}', { types: { s: 'int' } })).reason).toBe('non-integer value 1.5 in integer column "s"');
    expect(badRow(() => parseJsonl('{"s":1}', { types: { s: 'string' } })).reason).toBe('expected text in column "s", got 1');
  });

  it("onBadRow: 'skip' counts the skipped lines", () => {
    const text = ['{"a":"x","n":1}', 'not json', '{"a":"","n":2}', '', '{"a":"y","n":"3"}', '{"a":"z","n":4}'].join('\n');
    const { dataset, skipped } = parseJsonlWithReport(text, { onBadRow: 'skip', types: { n: 'number' } });
    expect(dataset.column('a')).toEqual(['x', 'y', 'z']);
    expect(dataset.column('n')).toEqual([1, 3, 4]);
    expect(skipped.map((s) => s.line)).toEqual([2, 3]);
  });
});

describe('readJsonl', () => {
  it('reads a file; errors name the path; skip mode warns once; the report lists the lines', () => {
    const path = join(dir, 'pairs.jsonl');
    writeFileSync(path, '{"anchor":"a","positive":"b"}\n{"anchor":"c"}\n{"anchor":"e","positive":"f"}\n');
    const e = badRow(() => readJsonl(path));
    expect([e.file, e.line, e.reason]).toEqual([path, 2, 'missing column "positive"']);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(readJsonl(path, { onBadRow: 'skip' }).length).toBe(2);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain(`skipped 1 bad row(s) in ${path}; first at line 2: missing column "positive"`);
    } finally {
      warn.mockRestore();
    }
    expect(readJsonlWithReport(path, { onBadRow: 'skip' }).skipped).toEqual([{ line: 2, reason: 'missing column "positive"' }]);
  });
});
