import type { Tensor } from '@tessera/tensor';
import { check, fmtShape } from '@tessera/tensor';
import type { CommonEvaluatorOptions, EncodingModel, EvaluateOptions, Metrics } from './evaluator.js';
import { appendCsvRow, checkPositiveInt, checkTexts, csvCells, embed, readValues, SentenceEvaluator } from './evaluator.js';

export type MSEEvaluatorOptions = CommonEvaluatorOptions;

/**
 * sentence-transformers' MSEEvaluator (knowledge distillation): the mean squared error, ×100,
 * between the teacher's embeddings of `sourceSentences` and the evaluated (student) model's
 * embeddings of `targetSentences`, averaged over every element. The teacher embeds once, starting
 * in the constructor as in sentence-transformers.
 *
 * Metrics: `negative_mse` (= −MSE×100, so greater is better); primary `negative_mse`. CSV:
 * `mse_evaluation_<name>_results.csv` (the underscore stays when `name` is empty) with columns
 * epoch, steps, MSE (the positive value). The MSE is accumulated in float64. Defaults: batchSize 32.
 */
export class MSEEvaluator extends SentenceEvaluator {
  readonly targetSentences: readonly string[];
  readonly batchSize: number;
  readonly showProgressBar: boolean;
  readonly writeCsv: boolean;
  readonly truncateDim: number | null;
  readonly csvFile: string;
  readonly csvHeaders: readonly string[] = ['epoch', 'steps', 'MSE'];
  private readonly source: Promise<{ values: Float64Array; shape: readonly number[] }>;

  constructor(sourceSentences: readonly string[], targetSentences: readonly string[], teacherModel: EncodingModel, opts: MSEEvaluatorOptions = {}) {
    super();
    const op = 'MSEEvaluator';
    checkTexts(op, 'sourceSentences', sourceSentences);
    this.targetSentences = checkTexts(op, 'targetSentences', targetSentences);
    check(targetSentences.length === sourceSentences.length, op, 'targetSentences', () => `has ${targetSentences.length} texts but sourceSentences has ${sourceSentences.length}`);
    check(!!teacherModel && typeof teacherModel.encode === 'function', op, 'teacherModel', () => 'must have an encode(texts) method');
    this.name = opts.name ?? '';
    this.batchSize = checkPositiveInt(op, 'batchSize', opts.batchSize ?? 32);
    this.showProgressBar = opts.showProgressBar ?? false;
    this.writeCsv = opts.writeCsv ?? true;
    this.truncateDim = opts.truncateDim == null ? null : checkPositiveInt(op, 'truncateDim', opts.truncateDim);
    this.csvFile = `mse_evaluation_${this.name}_results.csv`;
    this.primaryMetric = this.name ? `${this.name}_negative_mse` : 'negative_mse';
    this.source = embed(op, teacherModel, sourceSentences, { batchSize: this.batchSize, showProgressBar: this.showProgressBar, truncateDim: this.truncateDim }).then(async (t: Tensor) => {
      try {
        return { values: await readValues(t), shape: t.shape };
      } finally {
        t.dispose();
      }
    });
    // A failed teacher encode surfaces from evaluate(), not as an unhandled rejection.
    this.source.catch(() => undefined);
  }

  async evaluate(model: EncodingModel, opts: EvaluateOptions = {}): Promise<Metrics> {
    const { epoch = -1, steps = -1, outputDir } = opts;
    const source = await this.source;
    const t = await embed('MSEEvaluator', model, this.targetSentences, { batchSize: this.batchSize, showProgressBar: this.showProgressBar, truncateDim: this.truncateDim });
    let target: Float64Array;
    try {
      check(t.shape[1] === source.shape[1], 'MSEEvaluator', 'model', () => `gives embeddings ${fmtShape(t.shape)} but the teacher's are ${fmtShape(source.shape)}`);
      target = await readValues(t);
    } finally {
      t.dispose();
    }
    let sum = 0;
    for (let i = 0; i < target.length; i++) {
      const d = source.values[i]! - target[i]!;
      sum += d * d;
    }
    const mse = (sum / target.length) * 100;
    if (outputDir !== undefined && this.writeCsv) await appendCsvRow(outputDir, this.csvFile, this.csvHeaders, csvCells(epoch, steps, [mse]));
    return this.prefixNameToMetrics({ negative_mse: -mse }, this.name);
  }

  override get description(): string {
    return 'Knowledge Distillation';
  }

  override getConfigDict(): Record<string, unknown> {
    return this.truncateDim !== null ? { truncate_dim: this.truncateDim } : {};
  }
}
