/**
 * The real data sets in shared/data (beside the repository, never copied into it): STS-B, SICK and MRPC
 * row counts, spot values, and which reader settings read them exactly.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SICK_LABELS, loadMrpc, loadSick, loadStsb } from '../../src/data/corpora.js';
import { readCsv, readCsvWithReport } from '../../src/data/readers.js';

const DATA = fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));
const have = existsSync(join(DATA, 'stsb')) && existsSync(join(DATA, 'sick')) && existsSync(join(DATA, 'mrpc'));
if (!have) console.warn(`!!!!! SKIPPING the real-data tests (STS-B, SICK, MRPC): ${DATA} not found (shared/data beside the repository) !!!!!`);

const count = (xs: unknown[]) => xs.reduce<Record<string, number>>((m, x) => ((m[String(x)] = (m[String(x)] ?? 0) + 1), m), {});

describe.skipIf(!have)('STS Benchmark', () => {
  it('row counts 5,749 / 1,500 / 1,379; scores scaled to [0, 1]', () => {
    const sizes = { train: 5749, dev: 1500, test: 1379 };
    for (const [split, n] of Object.entries(sizes)) {
      const ds = loadStsb(join(DATA, 'stsb', `stsb-en-${split}.csv`));
      expect(ds.length).toBe(n);
      expect(ds.columnNames).toEqual(['sentence1', 'sentence2', 'score']);
      expect(ds.labelColumn).toBe('score');
      const scores = ds.column('score') as number[];
      expect(Math.min(...scores)).toBe(0);
      expect(Math.max(...scores)).toBe(1);
    }
  });

  it('spot values: the first train rows, a quoted row', () => {
    const ds = loadStsb(join(DATA, 'stsb', 'stsb-en-train.csv'));
    expect(ds.row(0)).toEqual({ sentence1: 'A plane is taking off.', sentence2: 'An air plane is taking off.', score: 1 });
    expect(ds.row(1)).toEqual({ sentence1: 'A man is playing a large flute.', sentence2: 'A man is playing a flute.', score: 3.8 / 5 });
    // Fields with commas/quotes are quoted in the file and come back without the quoting.
    const quoted = [...ds].filter((r) => (r.sentence1 as string).includes(',') || (r.sentence1 as string).includes('"'));
    expect(quoted.length).toBeGreaterThan(100);
    expect(ds.column('sentence2').every((s) => typeof s === 'string' && !s.includes('\n'))).toBe(true);
  });

  it('parses the 5.7k-row train file well under a second', () => {
    const t0 = performance.now();
    loadStsb(join(DATA, 'stsb', 'stsb-en-train.csv'));
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe.skipIf(!have)('SICK', () => {
  it('row counts 4,439 / 495; score = (relatedness - 1) / 4; label from entailment_label', () => {
    const train = loadSick(join(DATA, 'sick', 'sick-train.tsv'));
    expect(train.length).toBe(4439);
    expect(loadSick(join(DATA, 'sick', 'sick-trial.tsv')).length).toBe(495);
    expect(train.columnNames).toEqual(['sentence1', 'sentence2', 'score', 'label']);
    expect(train.row(0)).toEqual({
      sentence1: 'A group of kids is playing in a yard and an old man is standing in the background',
      sentence2: 'A group of boys in a yard is playing and a man is standing in the background',
      score: (4.5 - 1) / 4,
      label: SICK_LABELS.indexOf('NEUTRAL'),
    });
    expect(count(train.column('label'))).toEqual({ 0: 1274, 1: 2524, 2: 641 });
    const scores = train.column('score') as number[];
    expect(Math.min(...scores)).toBe(0);
    expect(Math.max(...scores)).toBe(1);
  });

  it("task picks the columns for one loss", () => {
    const path = join(DATA, 'sick', 'sick-trial.tsv');
    const rel = loadSick(path, { task: 'relatedness' });
    expect(rel.columnNames).toEqual(['sentence1', 'sentence2', 'score']);
    expect(rel.labelColumn).toBe('score');
    const ent = loadSick(path, { task: 'entailment' });
    expect(ent.columnNames).toEqual(['sentence1', 'sentence2', 'label']);
    expect(ent.textColumns).toEqual(['sentence1', 'sentence2']);
  });

  it('quoting on or off reads the same rows (its quotes are all mid-field)', () => {
    const path = join(DATA, 'sick', 'sick-train.tsv');
    const a = readCsv(path, { quote: null, allowEmpty: true });
    const b = readCsv(path, { allowEmpty: true });
    expect(a.length).toBe(4439);
    expect([...b]).toEqual([...a]);
  });
});

describe.skipIf(!have)('MRPC', () => {
  const train = join(DATA, 'mrpc', 'msr_paraphrase_train.txt');

  it('row counts 4,076 / 1,725; label 0/1; the BOM is not in the first column name', () => {
    const ds = loadMrpc(train);
    expect(ds.length).toBe(4076);
    expect(ds.columnNames).toEqual(['sentence1', 'sentence2', 'label']);
    expect(count(ds.column('label'))).toEqual({ 0: 1323, 1: 2753 });
    const test = loadMrpc(join(DATA, 'mrpc', 'msr_paraphrase_test.txt'));
    expect(test.length).toBe(1725);
    expect(count(test.column('label'))).toEqual({ 0: 578, 1: 1147 });
    expect(ds.row(0)).toEqual({
      sentence1: 'Amrozi accused his brother, whom he called "the witness", of deliberately distorting his evidence.',
      sentence2: 'Referring to him as only "the witness", Amrozi accused his brother of deliberately distorting his evidence.',
      label: 1,
    });
    expect(readCsv(train, { delimiter: '\t', quote: null }).columnNames[0]).toBe('Quality');
  });

  it('quote: null reads 4,080 records, 4 of them placeholder pairs with IDs -1; RFC quoting misreads the file', () => {
    const raw = readCsv(train, { delimiter: '\t', quote: null, types: { '#1 ID': 'int', '#2 ID': 'int' } });
    expect(raw.length).toBe(4080);
    expect(raw.filter((r) => r['#1 ID'] === -1 && r['#2 ID'] === -1).length).toBe(4);
    expect(loadMrpc(train, { keepPlaceholders: true }).length).toBe(4080);
    // A field that starts with a quote would swallow text up to the next quote.
    const quoted = readCsvWithReport(train, { delimiter: '\t', onBadRow: 'skip' });
    expect(quoted.skipped.length).toBeGreaterThan(100);
    expect(quoted.skipped[0]!.reason).toMatch(/after the closing quote.*quote: null/);
  });
});
