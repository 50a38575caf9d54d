/**
 * The numbers behind the evaluators, as sentence-transformers v6 computes them: scipy's pearsonr
 * and spearmanr (average ranks for ties), BinaryClassificationEvaluator's threshold sweeps,
 * scikit-learn's average_precision_score and matthews_corrcoef, and InformationRetrievalEvaluator's
 * Accuracy/Precision/Recall/MRR/NDCG/MAP@k. Plain numbers in, plain numbers out.
 */
import { check, TesseraError } from '@tessera/tensor';

type Vec = ArrayLike<number>;

function sameLength(op: string, a: Vec, b: Vec, bName: string): void {
  check(a.length === b.length, op, bName, () => `has ${b.length} values but the first input has ${a.length}`);
}

function hasNaN(x: Vec): boolean {
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i]!)) return true;
  return false;
}

function isConstant(x: Vec): boolean {
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0]) return false;
  return true;
}

function mean(x: Vec): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}

/** scipy.stats.rankdata(x, method='average'): 1-based ranks, tied values get their mean rank. */
export function rankAverage(x: Vec): Float64Array {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && x[order[j + 1]!] === x[order[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = r;
    i = j + 1;
  }
  return ranks;
}

/** Pearson's r of two non-constant vectors (scipy's scaling before the norms), clipped to [-1, 1]. */
function pearsonCore(x: Vec, y: Vec): number {
  const n = x.length;
  const mx = mean(x);
  const my = mean(y);
  const xm = new Float64Array(n);
  const ym = new Float64Array(n);
  let xmax = 0;
  let ymax = 0;
  for (let i = 0; i < n; i++) {
    xm[i] = x[i]! - mx;
    ym[i] = y[i]! - my;
    xmax = Math.max(xmax, Math.abs(xm[i]!));
    ymax = Math.max(ymax, Math.abs(ym[i]!));
  }
  let nx = 0;
  let ny = 0;
  for (let i = 0; i < n; i++) {
    xm[i] = xm[i]! / xmax;
    ym[i] = ym[i]! / ymax;
    nx += xm[i]! * xm[i]!;
    ny += ym[i]! * ym[i]!;
  }
  nx = Math.sqrt(nx);
  ny = Math.sqrt(ny);
  let r = 0;
  for (let i = 0; i < n; i++) r += (xm[i]! / nx) * (ym[i]! / ny);
  return Math.min(1, Math.max(-1, r));
}

/**
 * scipy.stats.pearsonr(x, y).statistic: NaN when either input is constant or holds NaN; throws for
 * fewer than 2 values (as scipy does).
 */
export function pearson(x: Vec, y: Vec): number {
  sameLength('pearson', x, y, 'y');
  if (x.length < 2) throw new TesseraError('pearson', 'x', `must have at least 2 values, got ${x.length}`);
  if (isConstant(x) || isConstant(y) || hasNaN(x) || hasNaN(y)) return NaN;
  return pearsonCore(x, y);
}

/**
 * scipy.stats.spearmanr(x, y).statistic: Pearson's r of the average ranks (ties share their mean
 * rank). NaN for fewer than 2 values, a constant input, or any NaN (nan_policy='propagate').
 */
export function spearman(x: Vec, y: Vec): number {
  sameLength('spearman', x, y, 'y');
  if (x.length <= 1 || isConstant(x) || isConstant(y) || hasNaN(x) || hasNaN(y)) return NaN;
  return pearsonCore(rankAverage(x), rankAverage(y));
}

/**
 * Indices sorted by score, descending when `descending` (Python's stable
 * `sorted(..., reverse=True)`: equal scores keep their input order either way).
 */
function sortedOrder(scores: Vec, descending: boolean): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  return idx.sort(descending ? (a, b) => scores[b]! - scores[a]! : (a, b) => scores[a]! - scores[b]!);
}

function checkLabels(op: string, scores: Vec, labels: Vec): void {
  sameLength(op, scores, labels, 'labels');
  for (let i = 0; i < labels.length; i++) check(labels[i] === 0 || labels[i] === 1, op, `labels[${i}]`, () => `must be 0 or 1, got ${labels[i]}`);
}

/** The midpoint of two scores, rounded to float32 when the scores are float32 (numpy float32 arithmetic). */
function midpoint(a: number, b: number, float32: boolean): number {
  return float32 ? Math.fround(Math.fround(a + b) / 2) : (a + b) / 2;
}

export interface SweepOptions {
  /** The scores are float32 values: thresholds are computed in float32, as numpy does for them. */
  float32?: boolean;
}

/**
 * BinaryClassificationEvaluator.find_best_acc_and_threshold: sort by score (descending when high
 * scores mean similar), predict the first i+1 rows positive for i = 0..n-2, keep the first best
 * accuracy; the threshold is the midpoint of rows i and i+1. Starts at accuracy 0, threshold -1.
 */
export function findBestAccAndThreshold(scores: Vec, labels: Vec, highScoreMoreSimilar: boolean, opts: SweepOptions = {}): { accuracy: number; threshold: number } {
  checkLabels('findBestAccAndThreshold', scores, labels);
  const rows = sortedOrder(scores, highScoreMoreSimilar);
  let maxAcc = 0;
  let bestThreshold = -1;
  let positiveSoFar = 0;
  let remainingNegatives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 0) remainingNegatives++;
  for (let i = 0; i < rows.length - 1; i++) {
    if (labels[rows[i]!] === 1) positiveSoFar++;
    else remainingNegatives--;
    const acc = (positiveSoFar + remainingNegatives) / labels.length;
    if (acc > maxAcc) {
      maxAcc = acc;
      bestThreshold = midpoint(scores[rows[i]!]!, scores[rows[i + 1]!]!, !!opts.float32);
    }
  }
  return { accuracy: maxAcc, threshold: bestThreshold };
}

/**
 * BinaryClassificationEvaluator.find_best_f1_and_threshold: the same sweep, keeping the first best
 * F1 (with its precision and recall); everything 0 when no prefix has a true positive.
 */
export function findBestF1AndThreshold(
  scores: Vec,
  labels: Vec,
  highScoreMoreSimilar: boolean,
  opts: SweepOptions = {},
): { f1: number; precision: number; recall: number; threshold: number } {
  checkLabels('findBestF1AndThreshold', scores, labels);
  const rows = sortedOrder(scores, highScoreMoreSimilar);
  let bestF1 = 0;
  let bestPrecision = 0;
  let bestRecall = 0;
  let threshold = 0;
  let nextract = 0;
  let ncorrect = 0;
  let totalPositives = 0;
  for (let i = 0; i < labels.length; i++) totalPositives += labels[i]!;
  for (let i = 0; i < rows.length - 1; i++) {
    nextract++;
    if (labels[rows[i]!] === 1) ncorrect++;
    if (ncorrect > 0) {
      const precision = ncorrect / nextract;
      const recall = ncorrect / totalPositives;
      const f1 = (2 * precision * recall) / (precision + recall);
      if (f1 > bestF1) {
        bestF1 = f1;
        bestPrecision = precision;
        bestRecall = recall;
        threshold = midpoint(scores[rows[i]!]!, scores[rows[i + 1]!]!, !!opts.float32);
      }
    }
  }
  return { f1: bestF1, precision: bestPrecision, recall: bestRecall, threshold };
}

/**
 * sklearn.metrics.average_precision_score for binary labels: Σ_t (R_t − R_{t−1}) · P_t over the
 * distinct score thresholds t in decreasing order (tied scores form one step; no interpolation).
 * 0 when there is no positive label (sklearn sets recall to 1 and warns).
 */
export function averagePrecision(labels: Vec, scores: Vec): number {
  checkLabels('averagePrecision', scores, labels);
  const n = scores.length;
  if (n === 0) return NaN;
  const order = sortedOrder(scores, true);
  let totalPositives = 0;
  for (let i = 0; i < n; i++) totalPositives += labels[i]!;
  let tp = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let i = 0; i < n; i++) {
    tp += labels[order[i]!]!;
    if (i + 1 < n && scores[order[i + 1]!] === scores[order[i]!]) continue;
    const precision = tp / (i + 1);
    const recall = totalPositives === 0 ? 1 : tp / totalPositives;
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
  }
  return Math.max(0, ap);
}

/**
 * sklearn.metrics.matthews_corrcoef for 0/1 labels and predictions:
 * (c·s − t·p) / sqrt((s² − p·p)(s² − t·t)) over the confusion matrix; 0 when undefined.
 */
export function matthewsCorrcoef(labels: Vec, predicted: Vec): number {
  checkLabels('matthewsCorrcoef', predicted, labels);
  const c = [
    [0, 0],
    [0, 0],
  ] as [[number, number], [number, number]];
  for (let i = 0; i < labels.length; i++) c[labels[i]!]![predicted[i] ? 1 : 0]++;
  const t = [c[0][0] + c[0][1], c[1][0] + c[1][1]];
  const p = [c[0][0] + c[1][0], c[0][1] + c[1][1]];
  const correct = c[0][0] + c[1][1];
  const s = labels.length;
  const covYtYp = correct * s - (t[0]! * p[0]! + t[1]! * p[1]!);
  const covYpYp = s * s - (p[0]! * p[0]! + p[1]! * p[1]!);
  const covYtYt = s * s - (t[0]! * t[0]! + t[1]! * t[1]!);
  const denominator = covYpYp * covYtYt;
  return denominator === 0 ? 0 : covYtYp / Math.sqrt(denominator);
}

/** InformationRetrievalEvaluator.compute_dcg_at_k: Σ_{i<k} rel_i / log2(i + 2). */
export function dcgAtK(relevances: readonly number[], k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(relevances.length, k); i++) dcg += relevances[i]! / Math.log2(i + 2);
  return dcg;
}

export interface RetrievalKs {
  accuracyAtK: readonly number[];
  precisionRecallAtK: readonly number[];
  mrrAtK: readonly number[];
  ndcgAtK: readonly number[];
  mapAtK: readonly number[];
}

/** Metric -> k -> value, in sentence-transformers' order (accuracy, precision, recall, ndcg, mrr, map). */
export interface RetrievalMetrics {
  'accuracy@k': Map<number, number>;
  'precision@k': Map<number, number>;
  'recall@k': Map<number, number>;
  'ndcg@k': Map<number, number>;
  'mrr@k': Map<number, number>;
  'map@k': Map<number, number>;
}

/**
 * InformationRetrievalEvaluator.compute_metrics on ranked hits (best first) per query, with binary
 * relevance:
 * - Accuracy@k: share of queries with a relevant document in the top k;
 * - Precision@k: relevant in top k / k (k even when fewer hits); Recall@k: / number relevant;
 * - MRR@k: mean of 1/rank of the first relevant document in the top k (0 if none);
 * - NDCG@k: DCG@k of the hits / DCG@k of `|relevant|` ones (relevant documents missing from the
 *   corpus still count in the ideal);
 * - MAP@k: Σ over relevant hits in the top k of precision at that rank, / min(k, |relevant|).
 * Every query must have at least one relevant document.
 */
export function retrievalMetrics(ranked: readonly (readonly string[])[], relevant: readonly ReadonlySet<string>[], ks: RetrievalKs): RetrievalMetrics {
  check(ranked.length === relevant.length, 'retrievalMetrics', 'relevant', () => `has ${relevant.length} entries for ${ranked.length} queries`);
  const nq = ranked.length;
  const hits = new Map(ks.accuracyAtK.map((k) => [k, 0]));
  const precisions = new Map(ks.precisionRecallAtK.map((k) => [k, 0]));
  const recalls = new Map(ks.precisionRecallAtK.map((k) => [k, 0]));
  const mrr = new Map(ks.mrrAtK.map((k) => [k, 0]));
  const ndcg = new Map(ks.ndcgAtK.map((k) => [k, 0]));
  const map = new Map(ks.mapAtK.map((k) => [k, 0]));
  for (let q = 0; q < nq; q++) {
    const top = ranked[q]!;
    const rel = relevant[q]!;
    check(rel.size > 0, 'retrievalMetrics', `relevant[${q}]`, () => 'must hold at least one document id');
    const isRel: number[] = top.map((id) => (rel.has(id) ? 1 : 0));
    for (const k of hits.keys()) if (isRel.slice(0, k).some((r) => r === 1)) hits.set(k, hits.get(k)! + 1);
    for (const k of precisions.keys()) {
      const correct = isRel.slice(0, k).reduce((a, b) => a + b, 0);
      precisions.set(k, precisions.get(k)! + correct / k);
      recalls.set(k, recalls.get(k)! + correct / rel.size);
    }
    for (const k of mrr.keys()) {
      const first = isRel.slice(0, k).indexOf(1);
      if (first >= 0) mrr.set(k, mrr.get(k)! + 1 / (first + 1));
    }
    for (const k of ndcg.keys()) {
      const ideal = new Array<number>(rel.size).fill(1);
      ndcg.set(k, ndcg.get(k)! + dcgAtK(isRel.slice(0, k), k) / dcgAtK(ideal, k));
    }
    for (const k of map.keys()) {
      let correct = 0;
      let sum = 0;
      isRel.slice(0, k).forEach((r, rank) => {
        if (r) {
          correct++;
          sum += correct / (rank + 1);
        }
      });
      map.set(k, map.get(k)! + sum / Math.min(k, rel.size));
    }
  }
  const avg = (m: Map<number, number>) => new Map([...m].map(([k, v]) => [k, v / nq]));
  return {
    'accuracy@k': avg(hits),
    'precision@k': avg(precisions),
    'recall@k': avg(recalls),
    'ndcg@k': avg(ndcg),
    'mrr@k': avg(mrr),
    'map@k': avg(map),
  };
}
