/** Evaluator behaviour beyond the numbers: CSV files, primary metrics, encode calls, options and validation. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@tessera/tensor';
import { cosSim, dotScore } from '@tessera/losses';
import {
  BinaryClassificationEvaluator,
  EmbeddingSimilarityEvaluator,
  InformationRetrievalEvaluator,
  MSEEvaluator,
  SentenceEvaluator,
  SequentialEvaluator,
  TripletEvaluator,
} from '../../src/evaluation/index.js';
import type { EncodingModel, EvaluatorEncodeOptions } from '../../src/evaluation/index.js';
import { FakeModel } from './support/fake-model.js';

const table: Record<string, number[]> = {
  a: [1, 0, 0],
  b: [0.9, 0.1, 0],
  c: [0, 1, 0],
  d: [0, 0.8, 0.6],
  e: [-1, 0.2, 0],
  f: [0.5, 0.5, 0.5],
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-eval-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SentenceEvaluator base', () => {
  it('prefixes metric keys and the primary metric with the name, once', () => {
    class Const extends SentenceEvaluator {
      constructor() {
        super();
        this.name = 'dev';
        this.primaryMetric = 'score';
      }
      async evaluate() {
        return this.prefixNameToMetrics({ score: 1, other: 2 }, this.name);
      }
    }
    const e = new Const();
    expect(e.prefixNameToMetrics({ score: 1 }, 'dev')).toEqual({ dev_score: 1 });
    expect(e.primaryMetric).toBe('dev_score');
    e.prefixNameToMetrics({ score: 1 }, 'dev');
    expect(e.primaryMetric).toBe('dev_score');
    expect(e.prefixNameToMetrics({ x: 3 }, '')).toEqual({ x: 3 });
    expect(e.greaterIsBetter).toBe(true);
  });

  it('descriptions follow sentence-transformers', () => {
    const model = new FakeModel(table);
    expect(new BinaryClassificationEvaluator(['a'], ['b'], [1]).description).toBe('Binary Classification');
    expect(new TripletEvaluator(['a'], ['b'], ['c']).description).toBe('Triplet');
    expect(new EmbeddingSimilarityEvaluator(['a', 'c'], ['b', 'd'], [1, 0]).description).toBe('Semantic Similarity');
    expect(new MSEEvaluator(['a'], ['b'], model).description).toBe('Knowledge Distillation');
    expect(new InformationRetrievalEvaluator({ q: 'a' }, { d: 'b' }, { q: ['d'] }).description).toBe('Information Retrieval');
  });
});

describe('EmbeddingSimilarityEvaluator', () => {
  it('writes a CSV only with outputDir and writeCsv, appending rows after the header', async () => {
    const ev = new EmbeddingSimilarityEvaluator(['a', 'c', 'e'], ['b', 'd', 'f'], [5, 3, 0], { name: 'sts', similarityFnNames: ['cosine', 'dot'] });
    const model = new FakeModel(table);
    await ev.evaluate(model);
    expect(await readdir(dir)).toEqual([]);
    await ev.evaluate(model, { outputDir: join(dir, 'nested'), epoch: 1, steps: 5 });
    await ev.evaluate(model, { outputDir: join(dir, 'nested') });
    const csv = await readFile(join(dir, 'nested', 'similarity_evaluation_sts_results.csv'), 'utf8');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('epoch,steps,cosine_pearson,cosine_spearman,dot_pearson,dot_spearman');
    expect(lines[1]!.startsWith('1,5,')).toBe(true);
    expect(lines[2]!.startsWith('-1,-1,')).toBe(true);
    expect(lines).toHaveLength(4);
    const off = new EmbeddingSimilarityEvaluator(['a', 'c'], ['b', 'd'], [1, 0], { writeCsv: false });
    await off.evaluate(model, { outputDir: dir });
    expect(await readdir(dir)).toEqual(['nested']);
  });

  it('primary metric: known up front, or from the model similarity at the first evaluation', async () => {
    expect(new EmbeddingSimilarityEvaluator(['a', 'c'], ['b', 'd'], [1, 0], { name: 'x', similarityFnNames: ['cosine', 'dot'] }).primaryMetric).toBe('x_spearman_max');
    expect(new EmbeddingSimilarityEvaluator(['a', 'c'], ['b', 'd'], [1, 0], { mainSimilarity: 'euclidean' }).primaryMetric).toBe('spearman_euclidean');
    const ev = new EmbeddingSimilarityEvaluator(['a', 'c', 'e'], ['b', 'd', 'f'], [2, 1, 0], { name: 'x' });
    expect(ev.primaryMetric).toBeNull();
    const m = await ev.evaluate(new FakeModel(table, 'manhattan'));
    expect(ev.primaryMetric).toBe('x_spearman_manhattan');
    expect(Object.keys(m)).toEqual(['x_pearson_manhattan', 'x_spearman_manhattan']);
  });

  it('passes batchSize and showProgressBar to encode; truncateDim keeps the first dimensions', async () => {
    const model = new FakeModel(table);
    const ev = new EmbeddingSimilarityEvaluator(['a', 'c', 'e'], ['b', 'd', 'f'], [2, 1, 0], { batchSize: 7, showProgressBar: true, truncateDim: 1, similarityFnNames: ['dot'] });
    const m = await ev.evaluate(model);
    expect(model.calls.map((c) => c.opts)).toEqual([
      { batchSize: 7, showProgressBar: true },
      { batchSize: 7, showProgressBar: true },
    ]);
    // The same as a model giving only the first coordinate: dot = [0.9, 0, -0.5] vs gold [2, 1, 0].
    const firstOnly = Object.fromEntries(Object.entries(table).map(([t, v]) => [t, v.slice(0, 1)]));
    const ref = await new EmbeddingSimilarityEvaluator(['a', 'c', 'e'], ['b', 'd', 'f'], [2, 1, 0], { similarityFnNames: ['dot'] }).evaluate(new FakeModel(firstOnly));
    expect(m).toEqual(ref);
    expect(m.spearman_dot).toBeCloseTo(1, 12);
  });

  it('rejects bad arguments', () => {
    expect(() => new EmbeddingSimilarityEvaluator(['a'], ['b', 'c'], [1])).toThrow(/sentences2/);
    expect(() => new EmbeddingSimilarityEvaluator(['a'], ['b'], [1, 2])).toThrow(/scores/);
    expect(() => new EmbeddingSimilarityEvaluator(['a'], ['b'], [1], { similarityFnNames: ['cos' as never] })).toThrow(/cosine, dot, euclidean, manhattan/);
    expect(() => new EmbeddingSimilarityEvaluator(['a'], ['b'], [1], { batchSize: 0 })).toThrow(/batchSize/);
  });
});

describe('TripletEvaluator', () => {
  it('strict comparison with the margin, per similarity; float32 accuracy', async () => {
    // anchor a: positive b (cos .994), negative c (cos 0); a tie (positive == negative) never counts.
    const ev = new TripletEvaluator(['a', 'a', 'c'], ['b', 'f', 'd'], ['c', 'f', 'a'], { similarityFnNames: ['cosine'], margin: { cosine: 0.5 } });
    const m = await ev.evaluate(new FakeModel(table));
    // triplet 1: .994 > 0 + .5 yes; 2: tie no; 3: cos(c,d)=.8 > cos(c,a)=0 + .5 yes
    expect(m.cosine_accuracy).toBe(Math.fround(2 / 3));
    const strict = new TripletEvaluator(['a'], ['b'], ['c'], { margin: 0.995, similarityFnNames: ['cosine'] });
    expect((await strict.evaluate(new FakeModel(table))).cosine_accuracy).toBe(0);
  });

  it('uses encodeQuery for anchors and encodeDocument for positives/negatives when the model has them', async () => {
    const seen: string[] = [];
    const base = new FakeModel(table);
    const model: EncodingModel = {
      encode: (t, o) => base.encode(t, o),
      encodeQuery: (t, o) => (seen.push(`query:${t.join('')}`), base.encode(t, o)),
      encodeDocument: (t, o) => (seen.push(`document:${t.join('')}`), base.encode(t, o)),
    };
    await new TripletEvaluator(['a'], ['b'], ['c']).evaluate(model);
    expect(seen).toEqual(['query:a', 'document:b', 'document:c']);
  });

  it('rejects unknown margin keys and mismatched lengths', () => {
    expect(() => new TripletEvaluator(['a'], ['b'], ['c'], { margin: { cos: 1 } as never })).toThrow(/unexpected keys cos/);
    expect(() => new TripletEvaluator(['a'], ['b'], [])).toThrow(/negatives/);
  });
});

describe('BinaryClassificationEvaluator', () => {
  it('embeds each distinct text once, in first-seen order', async () => {
    const model = new FakeModel(table);
    await new BinaryClassificationEvaluator(['a', 'c', 'a'], ['b', 'a', 'd'], [1, 0, 0]).evaluate(model);
    expect(model.calls.map((c) => c.texts)).toEqual([['a', 'c', 'b', 'd']]);
  });

  it('metric order, max_* with several functions, primary max_ap', async () => {
    const ev = new BinaryClassificationEvaluator(['a', 'c', 'e', 'a'], ['b', 'd', 'f', 'c'], [1, 1, 0, 0], { name: 'q', similarityFnNames: ['cosine', 'euclidean'] });
    const m = await ev.evaluate(new FakeModel(table));
    const metricNames = ['accuracy', 'accuracy_threshold', 'f1', 'f1_threshold', 'precision', 'recall', 'ap', 'mcc'];
    expect(Object.keys(m)).toEqual(['cosine', 'euclidean', 'max'].flatMap((f) => metricNames.map((n) => `q_${f}_${n}`)));
    expect(ev.primaryMetric).toBe('q_max_ap');
    // a/b and c/d are the two closest pairs: perfect separation.
    expect(m.q_cosine_ap).toBe(1);
    expect(m.q_euclidean_accuracy).toBe(1);
  });

  it('float32 embeddings give float32 thresholds (numpy float32 arithmetic)', async () => {
    const ev = new BinaryClassificationEvaluator(['a', 'c', 'e'], ['b', 'd', 'f'], [1, 1, 0], { similarityFnNames: ['cosine'] });
    const m = await ev.evaluate(new FakeModel(table, 'cosine', 'float32'));
    expect(Math.fround(m.cosine_accuracy_threshold!)).toBe(m.cosine_accuracy_threshold);
  });

  it('rejects labels other than 0/1', () => {
    expect(() => new BinaryClassificationEvaluator(['a'], ['b'], [2])).toThrow(/0 or 1/);
  });
});

describe('InformationRetrievalEvaluator', () => {
  // Integer vectors with norm 8 (scaled by powers of two): every cosine/dot score is exact.
  const ids = Array.from({ length: 15 }, (_, i) => `c${i}`);
  const vectors = [
    [6, 4, 2, 2, 2],
    [7, 3, 2, 1, 1],
    [5, 5, 3, 2, 1],
    [6, 5, 1, 1, 1],
    [4, 4, 4, 4, 0],
    [8, 0, 0, 0, 0],
  ];
  const gen = new T.Generator(3);
  const pick = () => {
    const r = T.rand([7], { generator: gen }).dataSync();
    const v = [...vectors[Math.floor(r[0]! * vectors.length)]!];
    for (let i = v.length - 1; i > 0; i--) {
      const j = Math.floor(r[i]! * (i + 1));
      [v[i], v[j]] = [v[j]!, v[i]!];
    }
    return v.map((x, i) => (r[(i + 2) % 7]! < 0.4 ? -x : x) * (r[6]! < 0.5 ? 1 : 2));
  };
  const irTable: Record<string, number[]> = {};
  const corpus: Record<string, string> = {};
  for (const id of ids) {
    corpus[id] = `doc ${id}`;
    irTable[`doc ${id}`] = pick();
  }
  irTable['doc c11'] = [...irTable['doc c1']!]; // exact ties broken by id: c1 < c11
  const queries: Record<string, string> = { q0: 'query 0', q1: 'query 1', q2: 'query 2', q3: 'query 3' };
  for (const q of Object.values(queries)) irTable[q] = pick();
  irTable['query 1'] = irTable['doc c1']!.map((x) => x * 2);
  const relevant = { q0: ['c3', 'c4'], q1: new Set(['c11']), q2: ['c7'], q3: ['c0', 'c9', 'c14'] };

  it('results do not depend on the corpus chunk size', async () => {
    const model = new FakeModel(irTable);
    const full = await new InformationRetrievalEvaluator(queries, corpus, relevant, { scoreFunctions: { cosine: cosSim, dot: dotScore } }).evaluate(model);
    expect(full['cosine_mrr@10']).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 16 }), async (chunk) => {
        const m = await new InformationRetrievalEvaluator(queries, corpus, relevant, { corpusChunkSize: chunk, scoreFunctions: { cosine: cosSim, dot: dotScore } }).evaluate(model);
        expect(m).toEqual(full);
      }),
      { numRuns: 12 },
    );
  });

  it('ties break by ascending corpus id: the relevant c11 ranks second behind c1', async () => {
    const ev = new InformationRetrievalEvaluator({ q1: 'query 1' }, corpus, { q1: ['c11'] }, { mrrAtK: [10] });
    const hits = await ev.retrieve(new FakeModel(irTable));
    expect(hits.get('cosine')![0]!.slice(0, 2).map((h) => h.corpusId)).toEqual(['c1', 'c11']);
    expect((await ev.evaluate(new FakeModel(irTable)))['cosine_mrr@10']).toBe(1 / 2);
  });

  it('skips queries without relevant documents; Maps keep numeric-looking ids in order', async () => {
    const ev = new InformationRetrievalEvaluator(
      new Map([
        ['2', 'query 0'],
        ['1', 'query 2'],
        ['3', 'query 3'],
      ]),
      new Map(ids.map((id) => [id, corpus[id]!])),
      { '2': ['c3'], '1': ['c7'], '3': [] },
    );
    expect(ev.queriesIds).toEqual(['2', '1']);
    expect(() => new InformationRetrievalEvaluator({ q: 'a' }, { d: 'b' }, { q: [] })).toThrow(/no query/);
  });

  it('default score function and primary metric come from the model; CSV uses \\n and sorted names', async () => {
    const ev = new InformationRetrievalEvaluator(queries, corpus, relevant, { name: 'ir', scoreFunctions: { dot: dotScore, cosine: cosSim } });
    expect(ev.primaryMetric).toBeNull();
    await ev.evaluate(new FakeModel(irTable), { outputDir: dir, epoch: 0, steps: 3 });
    expect(ev.primaryMetric).toMatch(/^ir_(cosine|dot)_ndcg@10$/);
    const csv = await readFile(join(dir, 'Information-Retrieval_evaluation_ir_results.csv'), 'utf8');
    expect(csv.includes('\r')).toBe(false);
    expect(csv.split('\n')[0]!.split(',').slice(2, 4)).toEqual(['cosine-Accuracy@1', 'cosine-Accuracy@3']);
    const byModel = new InformationRetrievalEvaluator(queries, corpus, relevant);
    const m = await byModel.evaluate(new FakeModel(irTable, 'dot'));
    expect(byModel.primaryMetric).toBe('dot_ndcg@10');
    expect(Object.keys(m)[0]).toBe('dot_accuracy@1');
  });

  it('prepends queryPrompt and corpusPrompt to the texts', async () => {
    const prompted: Record<string, number[]> = {};
    for (const [t, v] of Object.entries(irTable)) prompted[(t.startsWith('query') ? 'Q: ' : 'D: ') + t] = v;
    const model = new FakeModel(prompted);
    const m = await new InformationRetrievalEvaluator(queries, corpus, relevant, { queryPrompt: 'Q: ', corpusPrompt: 'D: ', corpusChunkSize: 6 }).evaluate(model);
    const plain = await new InformationRetrievalEvaluator(queries, corpus, relevant).evaluate(new FakeModel(irTable));
    expect(m).toEqual(plain);
    expect(model.calls).toHaveLength(1 + 3);
  });
});

describe('MSEEvaluator', () => {
  it('embeds the teacher once, at construction; MSE ×100 over every element; CSV name keeps the underscore', async () => {
    const teacher = new FakeModel(table);
    const ev = new MSEEvaluator(['a', 'c'], ['b', 'd'], teacher);
    await Promise.resolve();
    expect(teacher.calls).toHaveLength(1);
    const m = await ev.evaluate(new FakeModel(table), { outputDir: dir });
    // (a-b)^2 = .01+.01+0, (c-d)^2 = 0+.04+.36 -> .42 / 6 * 100
    expect(m.negative_mse).toBeCloseTo(-7, 12);
    expect(ev.primaryMetric).toBe('negative_mse');
    expect(await readdir(dir)).toEqual(['mse_evaluation__results.csv']);
    expect((await readFile(join(dir, 'mse_evaluation__results.csv'), 'utf8')).split('\r\n')[0]).toBe('epoch,steps,MSE');
    await ev.evaluate(new FakeModel(table));
    expect(teacher.calls).toHaveLength(1);
  });

  it('a failing teacher surfaces from evaluate()', async () => {
    const bad: EncodingModel = { encode: async () => Promise.reject(new Error('teacher broke')) };
    const ev = new MSEEvaluator(['a'], ['b'], bad);
    await expect(ev.evaluate(new FakeModel(table))).rejects.toThrow('teacher broke');
  });
});

describe('SequentialEvaluator', () => {
  it('merges results; sequential_score is the last primary score or mainScoreFunction of all', async () => {
    const model = new FakeModel(table);
    const sts = new EmbeddingSimilarityEvaluator(['a', 'c', 'e'], ['b', 'd', 'f'], [2, 1, 0], { name: 'sts' });
    const tri = new TripletEvaluator(['a'], ['b'], ['c'], { name: 'tri' });
    const seq = new SequentialEvaluator([sts, tri]);
    expect(seq.primaryMetric).toBe('sequential_score');
    const m = await seq.evaluate(model, { outputDir: dir });
    expect(m.sequential_score).toBe(m.tri_cosine_accuracy);
    expect(Object.keys(m)).toEqual(['sts_pearson_cosine', 'sts_spearman_cosine', 'tri_cosine_accuracy', 'sequential_score']);
    expect((await readdir(dir)).sort()).toEqual(['similarity_evaluation_sts_results.csv', 'triplet_evaluation_tri_results.csv']);
    const min = await new SequentialEvaluator([sts, tri], (s) => Math.min(...s)).evaluate(model);
    expect(min.sequential_score).toBe(Math.min(m.sts_spearman_cosine!, m.tri_cosine_accuracy!));
    expect((await new SequentialEvaluator([]).evaluate(model)).sequential_score).toBe(0);
  });
});

describe('encode contract', () => {
  it('a model returning the wrong shape is reported', async () => {
    const model: EncodingModel = { encode: async (t: readonly string[], _o?: EvaluatorEncodeOptions) => T.zeros([t.length + 1, 3]) };
    await expect(new TripletEvaluator(['a'], ['b'], ['c']).evaluate(model)).rejects.toThrow(/\[1, D\]/);
  });
});
