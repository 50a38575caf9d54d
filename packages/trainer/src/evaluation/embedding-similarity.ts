import { check } from '@tessera/tensor';
import type { CommonEvaluatorOptions, EncodingModel, EvaluateOptions, Metrics, SimilarityName } from './evaluator.js';
import { appendCsvRow, checkPositiveInt, checkSimilarityName, checkTexts, csvCells, embed, modelSimilarityName, pairwiseScores, pyMax, SentenceEvaluator } from './evaluator.js';
import { pearson, spearman } from './metrics.js';

export interface EmbeddingSimilarityEvaluatorOptions extends CommonEvaluatorOptions {
  /** The similarity whose Spearman correlation is the primary metric. */
  mainSimilarity?: SimilarityName | null;
  /** Similarities to evaluate (default: `[mainSimilarity]`, else the model's similarityFnName). */
  similarityFnNames?: readonly SimilarityName[] | null;
}

/**
 * sentence-transformers' EmbeddingSimilarityEvaluator: Pearson and Spearman correlation (scipy's,
 * average ranks for ties) between the gold scores and the pairwise similarity of the embeddings of
 * `sentences1[i]` and `sentences2[i]`, for each of cosine, dot, euclidean, manhattan (negated
 * distances) asked for.
 *
 * Metrics: `pearson_<fn>`, `spearman_<fn>`, plus `pearson_max`/`spearman_max` with several
 * functions. Primary: `spearman_<mainSimilarity>`, else `spearman_max` with several functions, else
 * `spearman_<fn>`. CSV: `similarity_evaluation[_<name>]_results.csv` with columns epoch, steps,
 * `<fn>_pearson`, `<fn>_spearman`, ... Defaults: batchSize 16.
 */
export class EmbeddingSimilarityEvaluator extends SentenceEvaluator {
  readonly sentences1: readonly string[];
  readonly sentences2: readonly string[];
  readonly scores: readonly number[];
  readonly mainSimilarity: SimilarityName | null;
  similarityFnNames: SimilarityName[];
  readonly batchSize: number;
  readonly showProgressBar: boolean;
  readonly writeCsv: boolean;
  readonly truncateDim: number | null;
  readonly csvFile: string;
  readonly csvHeaders: string[] = ['epoch', 'steps'];

  constructor(sentences1: readonly string[], sentences2: readonly string[], scores: readonly number[], opts: EmbeddingSimilarityEvaluatorOptions = {}) {
    super();
    const op = 'EmbeddingSimilarityEvaluator';
    this.sentences1 = checkTexts(op, 'sentences1', sentences1);
    this.sentences2 = checkTexts(op, 'sentences2', sentences2);
    check(sentences2.length === sentences1.length, op, 'sentences2', () => `has ${sentences2.length} texts but sentences1 has ${sentences1.length}`);
    check(Array.isArray(scores) && scores.length === sentences1.length, op, 'scores', () => `must hold one number per pair (${sentences1.length}), got ${Array.isArray(scores) ? scores.length : typeof scores}`);
    scores.forEach((s, i) => check(typeof s === 'number', op, `scores[${i}]`, () => `must be a number, got ${typeof s}`));
    this.scores = scores;
    this.name = opts.name ?? '';
    this.batchSize = checkPositiveInt(op, 'batchSize', opts.batchSize ?? 16);
    this.showProgressBar = opts.showProgressBar ?? false;
    this.writeCsv = opts.writeCsv ?? true;
    this.truncateDim = opts.truncateDim == null ? null : checkPositiveInt(op, 'truncateDim', opts.truncateDim);
    this.mainSimilarity = opts.mainSimilarity ? checkSimilarityName(op, 'mainSimilarity', opts.mainSimilarity) : null;
    this.similarityFnNames = (opts.similarityFnNames ?? []).map((n, i) => checkSimilarityName(op, `similarityFnNames[${i}]`, n));
    if (this.similarityFnNames.length === 0 && this.mainSimilarity) this.similarityFnNames = [this.mainSimilarity];
    this.csvFile = `similarity_evaluation${this.name ? `_${this.name}` : ''}_results.csv`;
    this.appendCsvHeaders(this.similarityFnNames);
    this.primaryMetric = this.resolvePrimaryMetric();
  }

  private appendCsvHeaders(names: readonly string[]): void {
    for (const fn of names) this.csvHeaders.push(`${fn}_pearson`, `${fn}_spearman`);
  }

  /** Known once the similarity names are (before the first evaluation unless they come from the model). */
  private resolvePrimaryMetric(): string | null {
    let metric: string;
    if (this.mainSimilarity) metric = `spearman_${this.mainSimilarity}`;
    else if (this.similarityFnNames.length > 1) metric = 'spearman_max';
    else if (this.similarityFnNames.length === 1) metric = `spearman_${this.similarityFnNames[0]}`;
    else return null;
    return this.name ? `${this.name}_${metric}` : metric;
  }

  async evaluate(model: EncodingModel, opts: EvaluateOptions = {}): Promise<Metrics> {
    const { epoch = -1, steps = -1, outputDir } = opts;
    const embedOpts = { batchSize: this.batchSize, showProgressBar: this.showProgressBar, truncateDim: this.truncateDim };
    const e1 = await embed('EmbeddingSimilarityEvaluator', model, this.sentences1, embedOpts);
    const e2 = await embed('EmbeddingSimilarityEvaluator', model, this.sentences2, embedOpts);
    if (this.similarityFnNames.length === 0) {
      this.similarityFnNames = [modelSimilarityName('EmbeddingSimilarityEvaluator', model)];
      this.appendCsvHeaders(this.similarityFnNames);
    }
    const metrics: Metrics = {};
    try {
      for (const fn of this.similarityFnNames) {
        const sims = await pairwiseScores(fn, e1, e2);
        metrics[`pearson_${fn}`] = pearson(this.scores, sims);
        metrics[`spearman_${fn}`] = spearman(this.scores, sims);
      }
    } finally {
      e1.dispose();
      e2.dispose();
    }
    if (outputDir !== undefined && this.writeCsv) {
      const values = this.similarityFnNames.flatMap((fn) => [metrics[`pearson_${fn}`]!, metrics[`spearman_${fn}`]!]);
      await appendCsvRow(outputDir, this.csvFile, this.csvHeaders, csvCells(epoch, steps, values));
    }
    if (this.similarityFnNames.length > 1) {
      metrics.pearson_max = pyMax(this.similarityFnNames.map((fn) => metrics[`pearson_${fn}`]!));
      metrics.spearman_max = pyMax(this.similarityFnNames.map((fn) => metrics[`spearman_${fn}`]!));
    }
    this.primaryMetric = this.resolvePrimaryMetric();
    return this.prefixNameToMetrics(metrics, this.name);
  }

  override get description(): string {
    return 'Semantic Similarity';
  }

  override getConfigDict(): Record<string, unknown> {
    return this.truncateDim !== null ? { truncate_dim: this.truncateDim } : {};
  }
}
