/**
 * Tessera's evaluators against sentence-transformers 6.0.1 itself: fixtures/evaluator-reference.json
 * (written by packages/trainer/scripts/evaluator_reference.py) holds fixed float64 embeddings, the
 * evaluator arguments, and what sentence-transformers' evaluators returned and wrote (two
 * evaluations each: metric keys in order, values, primary metric, CSV files).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIMILARITY_FUNCTIONS } from '@tessera/losses';
import {
  averagePrecision,
  BinaryClassificationEvaluator,
  EmbeddingSimilarityEvaluator,
  findBestAccAndThreshold,
  findBestF1AndThreshold,
  InformationRetrievalEvaluator,
  matthewsCorrcoef,
  MSEEvaluator,
  pearson,
  SequentialEvaluator,
  spearman,
  TripletEvaluator,
} from '../../src/evaluation/index.js';
import type { ScoreFunction, SentenceEvaluator } from '../../src/evaluation/index.js';
import { FakeModel } from './support/fake-model.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;
const fixture: Json = JSON.parse(readFileSync(new URL('./fixtures/evaluator-reference.json', import.meta.url), 'utf8'));
const tables: Record<string, Record<string, number[]>> = fixture.tables;

const TOL = 1e-9;
function expectClose(actual: number, expected: number, what: string): void {
  const ok = Math.abs(actual - expected) <= TOL * Math.max(1, Math.abs(expected));
  if (!ok) throw new Error(`${what}: got ${actual}, sentence-transformers gave ${expected} (diff ${actual - expected})`);
}

function build(c: Json): SentenceEvaluator {
  const a = fixture.datasets[c.dataset];
  const o = { ...c.options };
  switch (c.evaluator) {
    case 'EmbeddingSimilarityEvaluator':
      return new EmbeddingSimilarityEvaluator(a.sentences1, a.sentences2, a.scores, o);
    case 'TripletEvaluator':
      return new TripletEvaluator(a.anchors, a.positives, a.negatives, o);
    case 'BinaryClassificationEvaluator':
      return new BinaryClassificationEvaluator(a.sentences1, a.sentences2, a.labels, o);
    case 'InformationRetrievalEvaluator':
      if (o.scoreFunctions) o.scoreFunctions = Object.fromEntries((o.scoreFunctions as string[]).map((n) => [n, SIMILARITY_FUNCTIONS[n] as ScoreFunction]));
      return new InformationRetrievalEvaluator(a.queries, a.corpus, a.relevantDocs, o);
    case 'MSEEvaluator':
      return new MSEEvaluator(a.sourceSentences, a.targetSentences, new FakeModel(tables[c.teacherTable]!), o);
    case 'SequentialEvaluator':
      return new SequentialEvaluator(
        c.children.map(build),
        c.mainScoreFunction === 'mean' ? (s) => s.reduce((x, y) => x + y, 0) / s.length : undefined,
      );
    default:
      throw new Error(`unknown evaluator ${c.evaluator}`);
  }
}

function compareCsv(ours: string, theirs: string, file: string): void {
  const crlf = theirs.includes('\r\n');
  expect(ours.includes('\r\n'), `${file}: line endings`).toBe(crlf);
  const split = (s: string) => s.split(crlf ? '\r\n' : '\n');
  const a = split(ours);
  const b = split(theirs);
  expect(a.length, `${file}: line count`).toBe(b.length);
  expect(a[0], `${file}: header`).toBe(b[0]);
  for (let r = 1; r < b.length; r++) {
    const ca = a[r]!.split(',');
    const cb = b[r]!.split(',');
    expect(ca.length, `${file} row ${r}: cells`).toBe(cb.length);
    cb.forEach((cell, i) => {
      if (i < 2) expect(ca[i], `${file} row ${r}: epoch/steps`).toBe(cell);
      else {
        expectClose(Number(ca[i]), Number(cell), `${file} row ${r} column ${b[0]!.split(',')[i]}`);
        // Equal values are written exactly as Python writes them.
        if (Number(ca[i]) === Number(cell)) expect(ca[i], `${file} row ${r}: number format`).toBe(cell);
      }
    });
  }
}

describe('evaluators match sentence-transformers 6.0.1', () => {
  it('fixture versions', () => {
    expect(fixture.versions.sentence_transformers).toBe('6.0.1');
  });

  for (const [i, c] of (fixture.cases as Json[]).entries()) {
    const label = `${c.evaluator} #${i} ${JSON.stringify(c.options ?? c.mainScoreFunction)}`;
    it(label, async () => {
      const evaluator = build(c);
      const model = new FakeModel(tables[c.table]!, c.modelSimilarityFnName);
      const dir = await mkdtemp(join(tmpdir(), 'tessera-eval-'));
      try {
        for (const call of c.calls as Json[]) {
          const metrics = await evaluator.evaluate(model, { outputDir: dir, epoch: call.epoch, steps: call.steps });
          expect(Object.keys(metrics), 'metric keys, in order').toEqual(call.metrics.map((m: [string, number]) => m[0]));
          for (const [key, value] of call.metrics as [string, number][]) expectClose(metrics[key]!, value, key);
          expect(evaluator.primaryMetric).toBe(c.primaryMetric);
          expect(metrics[evaluator.primaryMetric!]).toBeTypeOf('number');
        }
        const files = (await readdir(dir)).sort();
        expect(files).toEqual(Object.keys(c.csv).sort());
        for (const f of files) compareCsv(await readFile(join(dir, f), 'utf8'), c.csv[f], f);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('metric functions match scipy / scikit-learn / sentence-transformers', () => {
  for (const [i, c] of (fixture.metrics.correlation as Json[]).entries()) {
    it(`pearsonr and spearmanr #${i} (n=${c.x.length})`, () => {
      expectClose(pearson(c.x, c.y), c.pearson, 'pearson');
      expectClose(spearman(c.x, c.y), c.spearman, 'spearman');
    });
  }
  for (const [i, c] of (fixture.metrics.binary as Json[]).entries()) {
    it(`threshold sweeps, average precision, MCC #${i} (n=${c.scores.length})`, () => {
      for (const dir of ['greater', 'smaller'] as const) {
        const greater = dir === 'greater';
        const e = c[dir];
        const acc = findBestAccAndThreshold(c.scores, c.labels, greater);
        const f1 = findBestF1AndThreshold(c.scores, c.labels, greater);
        expectClose(acc.accuracy, e.accuracy, `${dir} accuracy`);
        expectClose(acc.threshold, e.accuracyThreshold, `${dir} accuracy threshold`);
        expectClose(f1.f1, e.f1, `${dir} f1`);
        expectClose(f1.precision, e.precision, `${dir} precision`);
        expectClose(f1.recall, e.recall, `${dir} recall`);
        expectClose(f1.threshold, e.f1Threshold, `${dir} f1 threshold`);
        expectClose(averagePrecision(c.labels, (c.scores as number[]).map((s) => (greater ? s : -s))), e.ap, `${dir} ap`);
        const predicted = (c.scores as number[]).map((s) => ((greater ? s >= f1.threshold : s <= f1.threshold) ? 1 : 0));
        expectClose(matthewsCorrcoef(c.labels, predicted), e.mcc, `${dir} mcc`);
      }
    });
  }
});
