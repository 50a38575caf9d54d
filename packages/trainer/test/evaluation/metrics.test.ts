/** Hand-computed checks of the evaluator metrics (the fixture test covers them against scipy/sklearn/ST). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  averagePrecision,
  dcgAtK,
  findBestAccAndThreshold,
  findBestF1AndThreshold,
  matthewsCorrcoef,
  pearson,
  pyFloatRepr,
  rankAverage,
  retrievalMetrics,
  spearman,
} from '../../src/evaluation/index.js';
import { compareCodePoints } from '../../src/evaluation/information-retrieval.js';

describe('rank correlation', () => {
  it('average ranks for ties (scipy rankdata "average")', () => {
    expect([...rankAverage([10, 20, 20, 5, 20])]).toEqual([2, 4, 4, 1, 4]);
    expect([...rankAverage([3, 3, 3])]).toEqual([2, 2, 2]);
  });

  it('Spearman with ties equals the hand computation', () => {
    // ranks x = [1, 2.5, 2.5, 4], y = [1, 3, 2, 4]; centred: [-1.5, 0, 0, 1.5] and [-1.5, .5, -.5, 1.5]
    // r = 4.5 / sqrt(4.5 * 5) = sqrt(0.9)
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(Math.sqrt(0.9), 15);
    // Ties on both sides: x ranks [1.5, 1.5, 3, 4], y ranks [1, 2.5, 2.5, 4]; centred [-1, -1, .5, 1.5]
    // and [-1.5, 0, 0, 1.5]: r = 3.75 / sqrt(4.5 * 4.5) = 5/6
    expect(spearman([7, 7, 8, 9], [0, 5, 5, 6])).toBeCloseTo(5 / 6, 15);
  });

  it('Pearson of a linear relation is ±1; constant input or NaN gives NaN; < 2 values throws', () => {
    expect(pearson([1, 2, 3, 4], [3, 5, 7, 9])).toBe(1);
    expect(pearson([1, 2, 3, 4], [9, 7, 5, 3])).toBe(-1);
    expect(pearson([1, 2, 3], [4, 5, 3])).toBeCloseTo(-0.5, 15);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(spearman([1, 2, 3], [2, 2, 2])).toBeNaN();
    expect(spearman([1, NaN, 3], [1, 2, 3])).toBeNaN();
    expect(spearman([1], [1])).toBeNaN();
    expect(() => pearson([1], [2])).toThrow(/at least 2/);
    expect(() => spearman([1, 2], [1])).toThrow(/values/);
  });

  it('Spearman is invariant under strictly increasing transforms and lies in [-1, 1]', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 })), { minLength: 3, maxLength: 30 }), (pairs) => {
        const x = pairs.map((p) => p[0]);
        const y = pairs.map((p) => p[1]);
        const r = spearman(x, y);
        if (Number.isNaN(r)) return new Set(x).size === 1 || new Set(y).size === 1;
        const r2 = spearman(x.map((v) => Math.exp(v)), y.map((v) => v * 3 + 1));
        return r >= -1 && r <= 1 && Math.abs(r - r2) < 1e-12;
      }),
    );
  });
});

describe('threshold sweeps (BinaryClassificationEvaluator)', () => {
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
  const labels = [1, 1, 0, 1, 0, 0];

  it('best accuracy on 6 points: 5/6 at the first best midpoint', () => {
    // prefix accuracies: 4/6 (0.85), 5/6 (0.75), 4/6, 5/6 (not better), 4/6
    const r = findBestAccAndThreshold(scores, labels, true);
    expect(r.accuracy).toBe(5 / 6);
    expect(r.threshold).toBe((0.8 + 0.7) / 2);
  });

  it('best F1 on 6 points: 6/7 (precision 3/4, recall 1) at 0.55', () => {
    // prefix F1: 1/2, 4/5, 2/3, 6/7, 3/4
    const r = findBestF1AndThreshold(scores, labels, true);
    expect(r.f1).toBeCloseTo(6 / 7, 15);
    expect(r.precision).toBe(3 / 4);
    expect(r.recall).toBe(1);
    expect(r.threshold).toBe((0.6 + 0.5) / 2);
  });

  it('distances sweep ascending: the same answers on negated scores', () => {
    const d = scores.map((s) => 1 - s);
    expect(findBestAccAndThreshold(d, labels, false).accuracy).toBe(5 / 6);
    expect(findBestAccAndThreshold(d, labels, false).threshold).toBeCloseTo(0.25, 15);
    expect(findBestF1AndThreshold(d, labels, false).f1).toBeCloseTo(6 / 7, 15);
  });

  it('ties keep input order (stable sort) and the midpoint of equal scores is the score', () => {
    expect(findBestAccAndThreshold([0.5, 0.5, 0.1], [0, 1, 0], true)).toEqual({ accuracy: 2 / 3, threshold: 0.3 });
    expect(findBestF1AndThreshold([0.5, 0.5, 0.1], [1, 0, 0], true)).toEqual({ f1: 1, precision: 1, recall: 1, threshold: 0.5 });
  });

  it('no positives: F1 sweep stays at zero; float32 thresholds are float32 values', () => {
    expect(findBestF1AndThreshold([0.3, 0.2, 0.1], [0, 0, 0], true)).toEqual({ f1: 0, precision: 0, recall: 0, threshold: 0 });
    const s = [Math.fround(0.3), Math.fround(0.7), Math.fround(0.1)];
    const t = findBestAccAndThreshold(s, [1, 1, 0], true, { float32: true }).threshold;
    expect(Math.fround(t)).toBe(t);
  });

  it('Matthews correlation from the confusion matrix; 0 when undefined', () => {
    // predicted at 0.55: [1,1,1,1,0,0] -> TP 3, FP 1, TN 2, FN 0: 6 / sqrt(4*3*3*2)
    expect(matthewsCorrcoef(labels, [1, 1, 1, 1, 0, 0])).toBeCloseTo(6 / Math.sqrt(72), 15);
    expect(matthewsCorrcoef([1, 0, 1], [1, 0, 1])).toBe(1);
    expect(matthewsCorrcoef([1, 0, 1], [1, 1, 1])).toBe(0);
  });
});

describe('average precision (sklearn, step-wise)', () => {
  it('a tiny example: 1·1/2 + 2/3·1/2', () => {
    expect(averagePrecision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.6])).toBeCloseTo(1 / 2 + 1 / 3, 15);
  });

  it('tied scores form one step: 1/3·1/2 + 1/2·1/2', () => {
    expect(averagePrecision([0, 1, 0, 1], [0.9, 0.7, 0.7, 0.1])).toBeCloseTo(5 / 12, 15);
  });

  it('all positives 1, no positives 0, perfect ranking 1', () => {
    expect(averagePrecision([1, 1], [0.2, 0.1])).toBe(1);
    expect(averagePrecision([0, 0], [0.2, 0.1])).toBe(0);
    expect(averagePrecision([0, 1, 1], [0.1, 0.5, 0.9])).toBe(1);
  });
});

describe('retrieval metrics', () => {
  const ks = { accuracyAtK: [1, 2], precisionRecallAtK: [3, 10], mrrAtK: [1, 10], ndcgAtK: [3, 4], mapAtK: [4] };

  it('NDCG@k, MRR@k, MAP@k, Precision/Recall@k on a tiny ranking', () => {
    // ranking a b c d; relevant b, d and x (not retrieved): relevance 0 1 0 1
    const m = retrievalMetrics([['a', 'b', 'c', 'd']], [new Set(['b', 'd', 'x'])], ks);
    const idcg3 = 1 + 1 / Math.log2(3) + 1 / 2;
    expect(m['ndcg@k'].get(3)).toBeCloseTo(1 / Math.log2(3) / idcg3, 15);
    expect(m['ndcg@k'].get(4)).toBeCloseTo((1 / Math.log2(3) + 1 / Math.log2(5)) / idcg3, 15);
    expect(m['mrr@k'].get(1)).toBe(0);
    expect(m['mrr@k'].get(10)).toBe(1 / 2);
    expect(m['accuracy@k'].get(1)).toBe(0);
    expect(m['accuracy@k'].get(2)).toBe(1);
    expect(m['precision@k'].get(3)).toBe(1 / 3);
    expect(m['recall@k'].get(3)).toBe(1 / 3);
    // Precision@10 divides by k even with 4 hits.
    expect(m['precision@k'].get(10)).toBe(2 / 10);
    expect(m['recall@k'].get(10)).toBe(2 / 3);
    // MAP@4: (1/2 + 2/4) / min(4, 3)
    expect(m['map@k'].get(4)).toBeCloseTo(1 / 3, 15);
  });

  it('averages over queries, in sentence-transformers key order', () => {
    const m = retrievalMetrics([['a'], ['b', 'a']], [new Set(['a']), new Set(['a'])], ks);
    expect(Object.keys(m)).toEqual(['accuracy@k', 'precision@k', 'recall@k', 'ndcg@k', 'mrr@k', 'map@k']);
    expect(m['mrr@k'].get(10)).toBe((1 + 1 / 2) / 2);
    expect(m['ndcg@k'].get(3)).toBeCloseTo((1 + 1 / Math.log2(3)) / 2, 15);
    expect(dcgAtK([1, 1, 1], 2)).toBeCloseTo(1 + 1 / Math.log2(3), 15);
  });
});

describe('helpers', () => {
  it("Python's float repr for CSV cells", () => {
    const cases: [number, string][] = [
      [0.1, '0.1'],
      [1, '1.0'],
      [100, '100.0'],
      [-0.5, '-0.5'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [1.5e-7, '1.5e-07'],
      [1e16, '1e+16'],
      [123456789012345680, '1.2345678901234568e+17'],
      [1234567890123456, '1234567890123456.0'],
      [0, '0.0'],
      [NaN, 'nan'],
      [-Infinity, '-inf'],
      [0.29816926303762037, '0.29816926303762037'],
    ];
    for (const [x, s] of cases) expect(pyFloatRepr(x), String(x)).toBe(s);
  });

  it('corpus ids compare by code point, like Python', () => {
    expect(compareCodePoints('d10', 'd2')).toBeLessThan(0);
    expect(compareCodePoints('\uFFFF', '\u{1F600}')).toBeLessThan(0); // JS '<' says the opposite
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('x', 'x')).toBe(0);
  });
});
