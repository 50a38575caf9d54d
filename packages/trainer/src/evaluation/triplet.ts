import { check, TesseraError } from '@tessera/tensor';
import type { CommonEvaluatorOptions, EncodingModel, EvaluateOptions, Metrics, SimilarityName } from './evaluator.js';
import {
  appendCsvRow,
  checkPositiveInt,
  checkSimilarityName,
  checkTexts,
  csvCells,
  embed,
  modelSimilarityName,
  pairwiseScores,
  pyMax,
  SentenceEvaluator,
  SIMILARITY_NAMES,
} from './evaluator.js';

export interface TripletEvaluatorOptions extends CommonEvaluatorOptions {
  /** The similarity whose accuracy is the primary metric. */
  mainSimilarityFunction?: SimilarityName | null;
  /**
   * Required lead of the positive: a triplet counts when sim(a, p) > sim(a, n) + margin. One number
   * for every similarity, or per similarity (missing ones 0). Default 0.
   */
  margin?: number | Partial<Record<SimilarityName, number>> | null;
  /** Similarities to evaluate (default: the model's similarityFnName). */
  similarityFnNames?: readonly SimilarityName[] | null;
}

/**
 * sentence-transformers' TripletEvaluator: the share of (anchor, positive, negative) triplets with
 * `sim(anchor, positive) > sim(anchor, negative) + margin` (strict, so exact ties never count) for
 * each similarity (cosine, dot, euclidean and manhattan as negated distances). Anchors are embedded
 * with the model's encodeQuery and positives/negatives with encodeDocument when it has them.
 *
 * Metrics: `<fn>_accuracy`, plus `max_accuracy` with several functions. The accuracy is a float32
 * value, as sentence-transformers' `(...).float().mean().item()` gives. Primary:
 * `<mainSimilarityFunction>_accuracy`, else `max_accuracy` with several functions, else
 * `<fn>_accuracy`. CSV: `triplet_evaluation[_<name>]_results.csv` with columns epoch, steps,
 * `accuracy_<fn>`... Defaults: batchSize 16.
 */
export class TripletEvaluator extends SentenceEvaluator {
  readonly anchors: readonly string[];
  readonly positives: readonly string[];
  readonly negatives: readonly string[];
  readonly mainSimilarityFunction: SimilarityName | null;
  readonly margin: Record<SimilarityName, number>;
  similarityFnNames: SimilarityName[];
  readonly batchSize: number;
  readonly showProgressBar: boolean;
  readonly writeCsv: boolean;
  readonly truncateDim: number | null;
  readonly csvFile: string;
  readonly csvHeaders: string[] = ['epoch', 'steps'];

  constructor(anchors: readonly string[], positives: readonly string[], negatives: readonly string[], opts: TripletEvaluatorOptions = {}) {
    super();
    const op = 'TripletEvaluator';
    this.anchors = checkTexts(op, 'anchors', anchors);
    this.positives = checkTexts(op, 'positives', positives);
    this.negatives = checkTexts(op, 'negatives', negatives);
    check(positives.length === anchors.length, op, 'positives', () => `has ${positives.length} texts but anchors has ${anchors.length}`);
    check(negatives.length === anchors.length, op, 'negatives', () => `has ${negatives.length} texts but anchors has ${anchors.length}`);
    this.name = opts.name ?? '';
    this.batchSize = checkPositiveInt(op, 'batchSize', opts.batchSize ?? 16);
    this.showProgressBar = opts.showProgressBar ?? false;
    this.writeCsv = opts.writeCsv ?? true;
    this.truncateDim = opts.truncateDim == null ? null : checkPositiveInt(op, 'truncateDim', opts.truncateDim);
    this.mainSimilarityFunction = opts.mainSimilarityFunction ? checkSimilarityName(op, 'mainSimilarityFunction', opts.mainSimilarityFunction) : null;
    this.similarityFnNames = (opts.similarityFnNames ?? []).map((n, i) => checkSimilarityName(op, `similarityFnNames[${i}]`, n));
    const margin = opts.margin ?? 0;
    const zero = Object.fromEntries(SIMILARITY_NAMES.map((n) => [n, 0])) as Record<SimilarityName, number>;
    if (typeof margin === 'number') {
      check(Number.isFinite(margin), op, 'margin', () => `must be a finite number, got ${margin}`);
      this.margin = Object.fromEntries(SIMILARITY_NAMES.map((n) => [n, margin])) as Record<SimilarityName, number>;
    } else if (typeof margin === 'object') {
      const unknown = Object.keys(margin).filter((k) => !(SIMILARITY_NAMES as readonly string[]).includes(k)).sort();
      if (unknown.length) throw new TesseraError(op, 'margin', `got unexpected keys ${unknown.join(', ')}; expected keys in ${SIMILARITY_NAMES.join(', ')}`);
      for (const [k, v] of Object.entries(margin)) check(typeof v === 'number' && Number.isFinite(v), op, `margin.${k}`, () => `must be a finite number, got ${v}`);
      this.margin = { ...zero, ...margin };
    } else {
      throw new TesseraError(op, 'margin', `must be a number or an object keyed by ${SIMILARITY_NAMES.join(', ')}`);
    }
    this.csvFile = `triplet_evaluation${this.name ? `_${this.name}` : ''}_results.csv`;
    this.appendCsvHeaders(this.similarityFnNames);
    this.primaryMetric = this.resolvePrimaryMetric();
  }

  private appendCsvHeaders(names: readonly string[]): void {
    for (const fn of names) this.csvHeaders.push(`accuracy_${fn}`);
  }

  private resolvePrimaryMetric(): string | null {
    let metric: string;
    if (this.mainSimilarityFunction) metric = `${this.mainSimilarityFunction}_accuracy`;
    else if (this.similarityFnNames.length > 1) metric = 'max_accuracy';
    else if (this.similarityFnNames.length === 1) metric = `${this.similarityFnNames[0]}_accuracy`;
    else return null;
    return this.name ? `${this.name}_${metric}` : metric;
  }

  async evaluate(model: EncodingModel, opts: EvaluateOptions = {}): Promise<Metrics> {
    const { epoch = -1, steps = -1, outputDir } = opts;
    const op = 'TripletEvaluator';
    const base = { batchSize: this.batchSize, showProgressBar: this.showProgressBar, truncateDim: this.truncateDim };
    const a = await embed(op, model, this.anchors, { ...base, role: 'query' });
    const p = await embed(op, model, this.positives, { ...base, role: 'document' });
    const n = await embed(op, model, this.negatives, { ...base, role: 'document' });
    if (this.similarityFnNames.length === 0) {
      this.similarityFnNames = [modelSimilarityName(op, model)];
      this.appendCsvHeaders(this.similarityFnNames);
    }
    const float32 = a.dtype === 'float32';
    const metrics: Metrics = {};
    try {
      for (const fn of this.similarityFnNames) {
        const pos = await pairwiseScores(fn, a, p);
        const neg = await pairwiseScores(fn, a, n);
        const margin = this.margin[fn];
        let correct = 0;
        for (let i = 0; i < pos.length; i++) {
          // torch adds the margin in the scores' dtype.
          const bar = float32 ? Math.fround(neg[i]! + Math.fround(margin)) : neg[i]! + margin;
          if (pos[i]! > bar) correct++;
        }
        metrics[`${fn}_accuracy`] = Math.fround(correct / pos.length);
      }
    } finally {
      a.dispose();
      p.dispose();
      n.dispose();
    }
    if (outputDir !== undefined && this.writeCsv) {
      await appendCsvRow(outputDir, this.csvFile, this.csvHeaders, csvCells(epoch, steps, Object.values(metrics)));
    }
    if (this.similarityFnNames.length > 1) metrics.max_accuracy = pyMax(Object.values(metrics));
    this.primaryMetric = this.resolvePrimaryMetric();
    return this.prefixNameToMetrics(metrics, this.name);
  }

  override getConfigDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (SIMILARITY_NAMES.some((n) => this.margin[n] !== 0)) out.margin = { ...this.margin };
    if (this.truncateDim !== null) out.truncate_dim = this.truncateDim;
    return out;
  }
}
