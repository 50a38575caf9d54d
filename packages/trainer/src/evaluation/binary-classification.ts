import { check, tensor } from '@tessera/tensor';
import type { CommonEvaluatorOptions, EncodingModel, EvaluateOptions, Metrics, SimilarityName } from './evaluator.js';
import { appendCsvRow, checkPositiveInt, checkSimilarityName, checkTexts, csvCells, embed, modelSimilarityName, pairwiseScores, pyMax, SentenceEvaluator } from './evaluator.js';
import { averagePrecision, findBestAccAndThreshold, findBestF1AndThreshold, matthewsCorrcoef } from './metrics.js';

export interface BinaryClassificationEvaluatorOptions extends CommonEvaluatorOptions {
  /** Similarities to evaluate (default: the model's similarityFnName). */
  similarityFnNames?: readonly SimilarityName[] | null;
}

/** One similarity's results, in sentence-transformers' key order. */
export interface BinaryClassificationScores {
  accuracy: number;
  accuracy_threshold: number;
  f1: number;
  f1_threshold: number;
  precision: number;
  recall: number;
  ap: number;
  mcc: number;
}

const CSV_METRICS = ['accuracy', 'accuracy_threshold', 'f1', 'precision', 'recall', 'f1_threshold', 'ap', 'mcc'] as const;

/**
 * sentence-transformers' BinaryClassificationEvaluator: how well a threshold on the pair similarity
 * separates similar (label 1) from dissimilar (label 0) pairs. For cosine and dot the score is the
 * similarity (higher = similar); for euclidean and manhattan it is the distance (lower = similar).
 * Per similarity: the best accuracy and its threshold, the best F1 with its precision, recall and
 * threshold (sentence-transformers' sorted sweeps, thresholds at midpoints between neighbours),
 * scikit-learn's average precision (step-wise, no interpolation) and Matthews correlation of the
 * predictions at the F1 threshold (`score >= t`, or `distance <= t`).
 *
 * Metrics: `<fn>_accuracy`, `<fn>_accuracy_threshold`, `<fn>_f1`, `<fn>_f1_threshold`,
 * `<fn>_precision`, `<fn>_recall`, `<fn>_ap`, `<fn>_mcc`; with several functions also `max_<metric>`
 * for each. Primary: `max_ap` with several functions, else `<fn>_ap`. CSV:
 * `binary_classification_evaluation[_<name>]_results.csv`. Each distinct text is embedded once.
 * Defaults: batchSize 32.
 */
export class BinaryClassificationEvaluator extends SentenceEvaluator {
  readonly sentences1: readonly string[];
  readonly sentences2: readonly string[];
  readonly labels: readonly number[];
  similarityFnNames: SimilarityName[];
  readonly batchSize: number;
  readonly showProgressBar: boolean;
  readonly writeCsv: boolean;
  readonly truncateDim: number | null;
  readonly csvFile: string;
  readonly csvHeaders: string[] = ['epoch', 'steps'];

  constructor(sentences1: readonly string[], sentences2: readonly string[], labels: readonly number[], opts: BinaryClassificationEvaluatorOptions = {}) {
    super();
    const op = 'BinaryClassificationEvaluator';
    this.sentences1 = checkTexts(op, 'sentences1', sentences1);
    this.sentences2 = checkTexts(op, 'sentences2', sentences2);
    check(sentences2.length === sentences1.length, op, 'sentences2', () => `has ${sentences2.length} texts but sentences1 has ${sentences1.length}`);
    check(Array.isArray(labels) && labels.length === sentences1.length, op, 'labels', () => `must hold one label per pair (${sentences1.length}), got ${Array.isArray(labels) ? labels.length : typeof labels}`);
    labels.forEach((l, i) => check(l === 0 || l === 1, op, `labels[${i}]`, () => `must be 0 or 1, got ${l}`));
    this.labels = labels;
    this.name = opts.name ?? '';
    this.batchSize = checkPositiveInt(op, 'batchSize', opts.batchSize ?? 32);
    this.showProgressBar = opts.showProgressBar ?? false;
    this.writeCsv = opts.writeCsv ?? true;
    this.truncateDim = opts.truncateDim == null ? null : checkPositiveInt(op, 'truncateDim', opts.truncateDim);
    this.similarityFnNames = (opts.similarityFnNames ?? []).map((n, i) => checkSimilarityName(op, `similarityFnNames[${i}]`, n));
    this.csvFile = `binary_classification_evaluation${this.name ? `_${this.name}` : ''}_results.csv`;
    this.appendCsvHeaders(this.similarityFnNames);
    this.primaryMetric = this.resolvePrimaryMetric();
  }

  private appendCsvHeaders(names: readonly string[]): void {
    for (const fn of names) for (const m of CSV_METRICS) this.csvHeaders.push(`${fn}_${m}`);
  }

  private resolvePrimaryMetric(): string | null {
    if (this.similarityFnNames.length === 0) return null;
    const metric = this.similarityFnNames.length > 1 ? 'max_ap' : `${this.similarityFnNames[0]}_ap`;
    return this.name ? `${this.name}_${metric}` : metric;
  }

  async evaluate(model: EncodingModel, opts: EvaluateOptions = {}): Promise<Metrics> {
    const { epoch = -1, steps = -1, outputDir } = opts;
    if (this.similarityFnNames.length === 0) {
      this.similarityFnNames = [modelSimilarityName('BinaryClassificationEvaluator', model)];
      this.appendCsvHeaders(this.similarityFnNames);
    }
    const scores = await this.computeMetrics(model);
    if (outputDir !== undefined && this.writeCsv) {
      const values: number[] = [];
      for (const header of this.csvHeaders.slice(2)) {
        const cut = header.indexOf('_');
        const fn = header.slice(0, cut);
        const metric = header.slice(cut + 1) as keyof BinaryClassificationScores;
        const s = scores.get(fn as SimilarityName);
        if (s) values.push(s[metric]);
      }
      await appendCsvRow(outputDir, this.csvFile, this.csvHeaders, csvCells(epoch, steps, values));
    }
    const metrics: Metrics = {};
    for (const [fn, s] of scores) for (const [m, v] of Object.entries(s)) metrics[`${fn}_${m}`] = v;
    if (this.similarityFnNames.length > 1) {
      const first = [...scores.values()][0]!;
      for (const m of Object.keys(first) as (keyof BinaryClassificationScores)[]) metrics[`max_${m}`] = pyMax([...scores.values()].map((s) => s[m]));
    }
    this.primaryMetric = this.resolvePrimaryMetric();
    return this.prefixNameToMetrics(metrics, this.name);
  }

  /** The per-similarity results (sentence-transformers' compute_metrics). */
  async computeMetrics(model: EncodingModel): Promise<Map<SimilarityName, BinaryClassificationScores>> {
    const op = 'BinaryClassificationEvaluator';
    // Embed each distinct text once.
    const index = new Map<string, number>();
    for (const s of [...this.sentences1, ...this.sentences2]) if (!index.has(s)) index.set(s, index.size);
    const all = await embed(op, model, [...index.keys()], { batchSize: this.batchSize, showProgressBar: this.showProgressBar, truncateDim: this.truncateDim });
    const i1 = tensor(Int32Array.from(this.sentences1, (s) => index.get(s)!));
    const i2 = tensor(Int32Array.from(this.sentences2, (s) => index.get(s)!));
    const e1 = all.indexSelect(0, i1);
    const e2 = all.indexSelect(0, i2);
    const float32 = all.dtype === 'float32';
    const out = new Map<SimilarityName, BinaryClassificationScores>();
    try {
      for (const fn of this.similarityFnNames) {
        const sims = await pairwiseScores(fn, e1, e2);
        const greaterIsBetter = fn === 'cosine' || fn === 'dot';
        // Euclidean and manhattan are scored as (positive) distances.
        const scores = greaterIsBetter ? sims : sims.map((v) => -v);
        const acc = findBestAccAndThreshold(scores, this.labels, greaterIsBetter, { float32 });
        const f1 = findBestF1AndThreshold(scores, this.labels, greaterIsBetter, { float32 });
        const ap = averagePrecision(this.labels, greaterIsBetter ? scores : scores.map((v) => -v));
        const predicted = Array.from(scores, (v) => (greaterIsBetter ? v >= f1.threshold : v <= f1.threshold) ? 1 : 0);
        out.set(fn, {
          accuracy: acc.accuracy,
          accuracy_threshold: acc.threshold,
          f1: f1.f1,
          f1_threshold: f1.threshold,
          precision: f1.precision,
          recall: f1.recall,
          ap,
          mcc: matthewsCorrcoef(this.labels, predicted),
        });
      }
    } finally {
      for (const t of [all, i1, i2, e1, e2]) t.dispose();
    }
    return out;
  }

  override getConfigDict(): Record<string, unknown> {
    return this.truncateDim !== null ? { truncate_dim: this.truncateDim } : {};
  }
}
