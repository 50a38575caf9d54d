import { check } from '@tessera/tensor';
import type { EncodingModel, EvaluateOptions, Metrics } from './evaluator.js';
import { SentenceEvaluator } from './evaluator.js';

/**
 * sentence-transformers' SequentialEvaluator: runs `evaluators` in order on the same model and
 * output folder, and returns all their metrics plus `sequential_score` (the primary metric):
 * `mainScoreFunction` of their primary scores (each evaluator's `primaryMetric` value, or its first
 * metric when it has none). Default: the last evaluator's score; 0 with no evaluators.
 */
export class SequentialEvaluator extends SentenceEvaluator {
  readonly evaluators: readonly SentenceEvaluator[];
  readonly mainScoreFunction: (scores: number[]) => number;

  constructor(evaluators: readonly SentenceEvaluator[], mainScoreFunction: (scores: number[]) => number = (scores) => scores[scores.length - 1]!) {
    super();
    check(Array.isArray(evaluators), 'SequentialEvaluator', 'evaluators', () => 'must be an array of evaluators');
    evaluators.forEach((e, i) => check(e instanceof SentenceEvaluator, 'SequentialEvaluator', `evaluators[${i}]`, () => 'must be a SentenceEvaluator'));
    check(typeof mainScoreFunction === 'function', 'SequentialEvaluator', 'mainScoreFunction', () => 'must be a function of the scores');
    this.evaluators = evaluators;
    this.mainScoreFunction = mainScoreFunction;
    this.primaryMetric = 'sequential_score';
  }

  async evaluate(model: EncodingModel, opts: EvaluateOptions = {}): Promise<Metrics> {
    const results: Metrics = {};
    const scores: number[] = [];
    for (const evaluator of this.evaluators) {
      const evaluation = await evaluator.evaluate(model, opts);
      const key = evaluator.primaryMetric !== null && evaluator.primaryMetric in evaluation ? evaluator.primaryMetric : Object.keys(evaluation)[0]!;
      scores.push(evaluation[key]!);
      Object.assign(results, evaluation);
    }
    this.primaryMetric = 'sequential_score';
    results.sequential_score = scores.length === 0 ? 0 : this.mainScoreFunction(scores);
    return results;
  }
}
