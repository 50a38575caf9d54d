import type { Tensor } from '@tessera/tensor';
import { check, tidy, TesseraError } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';
import { ProgressBar } from '@tessera/nn';
import { SIMILARITY_FUNCTIONS } from '@tessera/losses';
import type { CommonEvaluatorOptions, EncodingModel, EvaluateOptions, Metrics, SimilarityName } from './evaluator.js';
import { appendCsvRow, checkPositiveInt, checkSimilarityName, csvCells, embed, modelSimilarityName, readValues, SentenceEvaluator } from './evaluator.js';
import type { RetrievalMetrics } from './metrics.js';
import { retrievalMetrics } from './metrics.js';

/** A score function `[Q, D] x [C, D] -> [Q, C]` (e.g. @tessera/losses' cosSim, dotScore). */
export type ScoreFunction = (queries: Tensor, corpus: Tensor) => Tensor;

export interface InformationRetrievalEvaluatorOptions extends CommonEvaluatorOptions {
  /** Corpus documents embedded and scored at a time (default 50000). */
  corpusChunkSize?: number;
  mrrAtK?: readonly number[];
  ndcgAtK?: readonly number[];
  accuracyAtK?: readonly number[];
  precisionRecallAtK?: readonly number[];
  mapAtK?: readonly number[];
  /** Named score functions (default: the model's similarity, e.g. `{ cosine: cosSim }`). */
  scoreFunctions?: Record<string, ScoreFunction> | null;
  /** Primary metric `<mainScoreFunction>_ndcg@<max ndcgAtK>` (default: the best-scoring function's). */
  mainScoreFunction?: SimilarityName | null;
  /** Text prepended to every query (sentence-transformers' `query_prompt`). */
  queryPrompt?: string | null;
  /** Text prepended to every document (sentence-transformers' `corpus_prompt`). */
  corpusPrompt?: string | null;
}

/** A retrieved document: its score and id. */
export interface Hit {
  corpusId: string;
  score: number;
}

type Entries = Record<string, string> | ReadonlyMap<string, string>;

function entries(op: string, arg: string, m: Entries): [string, string][] {
  const list = m instanceof Map ? [...m.entries()] : Object.entries(m as Record<string, string>);
  for (const [k, v] of list) check(typeof v === 'string', op, `${arg}[${JSON.stringify(k)}]`, () => `must be a string, got ${typeof v}`);
  return list;
}

/** Python's str ordering (by code point, unlike JS's UTF-16 `<`). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

function checkKs(op: string, arg: string, ks: readonly number[]): readonly number[] {
  check(Array.isArray(ks) && ks.length > 0, op, arg, () => 'must be a non-empty array of positive integers');
  ks.forEach((k, i) => checkPositiveInt(op, `${arg}[${i}]`, k));
  return ks;
}

/**
 * sentence-transformers' InformationRetrievalEvaluator: embeds the queries and (chunk by chunk)
 * the corpus, keeps each query's top max(k) documents under every score function, ranked by
 * descending score with ties broken by ascending corpus id, and reports, with binary relevance:
 * Accuracy@k, Precision@k, Recall@k, MRR@k, NDCG@k (DCG = Σ rel_i / log2(i + 2)) and MAP@k (see
 * `retrievalMetrics`). Queries without relevant documents are skipped.
 *
 * Metrics: `<fn>_accuracy@k`, `<fn>_precision@k`, `<fn>_recall@k`, `<fn>_ndcg@k`, `<fn>_mrr@k`,
 * `<fn>_map@k` for each score function (in `scoreFunctions` order). Primary:
 * `<mainScoreFunction>_ndcg@<max ndcgAtK>`, else that of the function with the best such NDCG at
 * the first evaluation (then fixed, as in sentence-transformers). CSV:
 * `Information-Retrieval_evaluation[_<name>]_results.csv` with columns `<fn>-Accuracy@k`,
 * `<fn>-Precision@k`, `<fn>-Recall@k`, `<fn>-MRR@k`, `<fn>-NDCG@k`, `<fn>-MAP@k` (functions sorted
 * by name). Defaults: batchSize 32, corpusChunkSize 50000, mrrAtK [10], ndcgAtK [10],
 * accuracyAtK [1, 3, 5, 10], precisionRecallAtK [1, 3, 5, 10], mapAtK [100].
 */
export class InformationRetrievalEvaluator extends SentenceEvaluator {
  readonly queriesIds: readonly string[];
  readonly queries: readonly string[];
  readonly corpusIds: readonly string[];
  readonly corpus: readonly string[];
  readonly relevantDocs: ReadonlyMap<string, ReadonlySet<string>>;
  readonly corpusChunkSize: number;
  readonly mrrAtK: readonly number[];
  readonly ndcgAtK: readonly number[];
  readonly accuracyAtK: readonly number[];
  readonly precisionRecallAtK: readonly number[];
  readonly mapAtK: readonly number[];
  scoreFunctions: Record<string, ScoreFunction> | null;
  scoreFunctionNames: string[];
  readonly mainScoreFunction: SimilarityName | null;
  readonly queryPrompt: string | null;
  readonly corpusPrompt: string | null;
  readonly batchSize: number;
  readonly showProgressBar: boolean;
  readonly writeCsv: boolean;
  readonly truncateDim: number | null;
  readonly csvFile: string;
  readonly csvHeaders: string[] = ['epoch', 'steps'];

  constructor(
    queries: Record<string, string> | ReadonlyMap<string, string>,
    corpus: Record<string, string> | ReadonlyMap<string, string>,
    relevantDocs: Record<string, ReadonlySet<string> | readonly string[]> | ReadonlyMap<string, ReadonlySet<string> | readonly string[]>,
    opts: InformationRetrievalEvaluatorOptions = {},
  ) {
    super();
    const op = 'InformationRetrievalEvaluator';
    const rel = new Map<string, ReadonlySet<string>>();
    const relEntries = relevantDocs instanceof Map ? [...relevantDocs.entries()] : Object.entries(relevantDocs as Record<string, ReadonlySet<string> | readonly string[]>);
    for (const [qid, docs] of relEntries) {
      check(docs instanceof Set || Array.isArray(docs), op, `relevantDocs[${JSON.stringify(qid)}]`, () => 'must be a Set or an array of corpus ids');
      rel.set(qid, new Set(docs as Iterable<string>));
    }
    this.relevantDocs = rel;
    const queryList = entries(op, 'queries', queries).filter(([qid]) => (rel.get(qid)?.size ?? 0) > 0);
    if (queryList.length === 0) throw new TesseraError(op, 'relevantDocs', 'gives no query at least one relevant document');
    this.queriesIds = queryList.map(([qid]) => qid);
    this.queries = queryList.map(([, q]) => q);
    const corpusList = entries(op, 'corpus', corpus);
    this.corpusIds = corpusList.map(([cid]) => cid);
    this.corpus = corpusList.map(([, d]) => d);
    this.name = opts.name ?? '';
    this.corpusChunkSize = checkPositiveInt(op, 'corpusChunkSize', opts.corpusChunkSize ?? 50000);
    this.mrrAtK = checkKs(op, 'mrrAtK', opts.mrrAtK ?? [10]);
    this.ndcgAtK = checkKs(op, 'ndcgAtK', opts.ndcgAtK ?? [10]);
    this.accuracyAtK = checkKs(op, 'accuracyAtK', opts.accuracyAtK ?? [1, 3, 5, 10]);
    this.precisionRecallAtK = checkKs(op, 'precisionRecallAtK', opts.precisionRecallAtK ?? [1, 3, 5, 10]);
    this.mapAtK = checkKs(op, 'mapAtK', opts.mapAtK ?? [100]);
    this.batchSize = checkPositiveInt(op, 'batchSize', opts.batchSize ?? 32);
    this.showProgressBar = opts.showProgressBar ?? false;
    this.writeCsv = opts.writeCsv ?? true;
    this.truncateDim = opts.truncateDim == null ? null : checkPositiveInt(op, 'truncateDim', opts.truncateDim);
    this.queryPrompt = opts.queryPrompt ?? null;
    this.corpusPrompt = opts.corpusPrompt ?? null;
    if (opts.scoreFunctions) {
      for (const [n, f] of Object.entries(opts.scoreFunctions)) check(typeof f === 'function', op, `scoreFunctions.${n}`, () => 'must be a function [Q, D] x [C, D] -> [Q, C]');
      check(Object.keys(opts.scoreFunctions).length > 0, op, 'scoreFunctions', () => 'must name at least one function');
    }
    this.scoreFunctions = opts.scoreFunctions ? { ...opts.scoreFunctions } : null;
    this.scoreFunctionNames = this.scoreFunctions ? Object.keys(this.scoreFunctions).sort(compareCodePoints) : [];
    this.mainScoreFunction = opts.mainScoreFunction ? checkSimilarityName(op, 'mainScoreFunction', opts.mainScoreFunction) : null;
    this.csvFile = `Information-Retrieval_evaluation${this.name ? `_${this.name}` : ''}_results.csv`;
    this.appendCsvHeaders(this.scoreFunctionNames);
    const maxNdcg = Math.max(...this.ndcgAtK);
    let primary: string | null = null;
    if (this.mainScoreFunction) primary = `${this.mainScoreFunction}_ndcg@${maxNdcg}`;
    else if (this.scoreFunctionNames.length === 1) primary = `${this.scoreFunctionNames[0]}_ndcg@${maxNdcg}`;
    this.primaryMetric = primary && this.name ? `${this.name}_${primary}` : primary;
  }

  private appendCsvHeaders(names: readonly string[]): void {
    for (const s of names) {
      for (const k of this.accuracyAtK) this.csvHeaders.push(`${s}-Accuracy@${k}`);
      for (const k of this.precisionRecallAtK) this.csvHeaders.push(`${s}-Precision@${k}`, `${s}-Recall@${k}`);
      for (const k of this.mrrAtK) this.csvHeaders.push(`${s}-MRR@${k}`);
      for (const k of this.ndcgAtK) this.csvHeaders.push(`${s}-NDCG@${k}`);
      for (const k of this.mapAtK) this.csvHeaders.push(`${s}-MAP@${k}`);
    }
  }

  async evaluate(model: EncodingModel, opts: EvaluateOptions = {}): Promise<Metrics> {
    const { epoch = -1, steps = -1, outputDir } = opts;
    const hits = await this.retrieve(model);
    const scores = new Map<string, RetrievalMetrics>();
    for (const [name, perQuery] of hits) {
      scores.set(
        name,
        retrievalMetrics(
          perQuery.map((h) => h.map((x) => x.corpusId)),
          this.queriesIds.map((q) => this.relevantDocs.get(q)!),
          this,
        ),
      );
    }
    if (outputDir !== undefined && this.writeCsv) {
      const values: number[] = [];
      for (const name of this.scoreFunctionNames) {
        const s = scores.get(name)!;
        for (const k of this.accuracyAtK) values.push(s['accuracy@k'].get(k)!);
        for (const k of this.precisionRecallAtK) values.push(s['precision@k'].get(k)!, s['recall@k'].get(k)!);
        for (const k of this.mrrAtK) values.push(s['mrr@k'].get(k)!);
        for (const k of this.ndcgAtK) values.push(s['ndcg@k'].get(k)!);
        for (const k of this.mapAtK) values.push(s['map@k'].get(k)!);
      }
      await appendCsvRow(outputDir, this.csvFile, this.csvHeaders, csvCells(epoch, steps, values), '\n');
    }
    if (this.primaryMetric === null) {
      const maxNdcg = Math.max(...this.ndcgAtK);
      let best = this.scoreFunctionNames[0]!;
      for (const name of this.scoreFunctionNames.slice(1)) {
        if (scores.get(name)!['ndcg@k'].get(maxNdcg)! > scores.get(best)!['ndcg@k'].get(maxNdcg)!) best = name;
      }
      this.primaryMetric = `${best}_ndcg@${maxNdcg}`;
    }
    const metrics: Metrics = {};
    for (const [fn, values] of scores) {
      for (const [metric, perK] of Object.entries(values) as [string, Map<number, number>][]) {
        for (const [k, v] of perK) metrics[`${fn}_${metric.replace('@k', `@${k}`)}`] = v;
      }
    }
    return this.prefixNameToMetrics(metrics, this.name);
  }

  /**
   * Each query's top max(k) hits per score function (in `scoreFunctions` order): descending score,
   * ties by ascending corpus id (code point order), whatever the chunk size.
   */
  async retrieve(model: EncodingModel): Promise<Map<string, Hit[][]>> {
    const op = 'InformationRetrievalEvaluator';
    if (this.scoreFunctions === null) {
      // The model's similarity, fixed from then on (as sentence-transformers does).
      const fn = modelSimilarityName(op, model);
      this.scoreFunctions = { [fn]: SIMILARITY_FUNCTIONS[fn]! };
      this.scoreFunctionNames = [fn];
      this.appendCsvHeaders(this.scoreFunctionNames);
    }
    const functions = Object.entries(this.scoreFunctions);
    const maxK = Math.max(...this.mrrAtK, ...this.ndcgAtK, ...this.accuracyAtK, ...this.precisionRecallAtK, ...this.mapAtK);
    const base = { batchSize: this.batchSize, showProgressBar: this.showProgressBar, truncateDim: this.truncateDim };
    const prefix = (p: string | null, texts: readonly string[]) => (p ? texts.map((t) => p + t) : texts);
    const queryEmb = await embed(op, model, prefix(this.queryPrompt, this.queries), { ...base, role: 'query' });
    const results = new Map<string, Hit[][]>(functions.map(([name]) => [name, this.queries.map(() => [])]));
    const nChunks = Math.ceil(this.corpus.length / this.corpusChunkSize);
    const bar = this.showProgressBar && nChunks > 0 ? new ProgressBar(nChunks, 'Corpus Chunks') : null;
    try {
      for (let start = 0; start < this.corpus.length; start += this.corpusChunkSize) {
        const end = Math.min(start + this.corpusChunkSize, this.corpus.length);
        const chunk = await embed(op, model, prefix(this.corpusPrompt, this.corpus.slice(start, end)), { ...base, role: 'document' });
        try {
          for (const [name, fn] of functions) {
            const s = noGrad(() => tidy(() => fn(queryEmb, chunk)));
            let values: Float64Array;
            try {
              check(s.ndim === 2 && s.shape[0] === this.queries.length && s.shape[1] === end - start, op, `scoreFunctions.${name}`, () => `must return [${this.queries.length}, ${end - start}], got [${s.shape.join(', ')}]`);
              values = await readValues(s);
            } finally {
              s.dispose();
            }
            const perQuery = results.get(name)!;
            const width = end - start;
            for (let q = 0; q < this.queries.length; q++) {
              mergeTopK(perQuery[q]!, values, q * width, width, start, this.corpusIds, maxK);
            }
          }
        } finally {
          chunk.dispose();
        }
        bar?.tick();
      }
    } finally {
      queryEmb.dispose();
    }
    return results;
  }

  override getConfigDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.truncateDim !== null) out.truncate_dim = this.truncateDim;
    if (this.queryPrompt !== null) out.query_prompt = this.queryPrompt;
    if (this.corpusPrompt !== null) out.corpus_prompt = this.corpusPrompt;
    return out;
  }
}

/** True when hit (score a, id ia) ranks before (score b, id ib): higher score, then smaller id. */
function before(a: number, ia: string, b: number, ib: string): boolean {
  return a > b || (a === b && compareCodePoints(ia, ib) < 0);
}

/**
 * Merges one query's scores for a corpus chunk into its sorted top-`maxK` list. NaN scores are
 * never kept.
 */
function mergeTopK(hits: Hit[], values: Float64Array, offset: number, width: number, start: number, corpusIds: readonly string[], maxK: number): void {
  for (let j = 0; j < width; j++) {
    const score = values[offset + j]!;
    if (Number.isNaN(score)) continue;
    const id = corpusIds[start + j]!;
    if (hits.length >= maxK) {
      const last = hits[hits.length - 1]!;
      if (!before(score, id, last.score, last.corpusId)) continue;
    }
    let lo = 0;
    let hi = hits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(hits[mid]!.score, hits[mid]!.corpusId, score, id)) lo = mid + 1;
      else hi = mid;
    }
    hits.splice(lo, 0, { corpusId: id, score });
    if (hits.length > maxK) hits.pop();
  }
}
