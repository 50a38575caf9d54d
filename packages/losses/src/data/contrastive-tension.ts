/**
 * sentence-transformers' ContrastiveTensionDataLoader (losses.md §20): turns a plain sentence list
 * into batches of (s1, s2) pairs labelled 1 (the same sentence twice) or 0 (two consecutive
 * sentences of the shuffled list), for ContrastiveTensionLoss.
 */
import { check, defaultGenerator, TesseraError } from '@tessera/tensor';
import type { Generator } from '@tessera/tensor';

/** One batch: `pairs[i] = [s1, s2]`, `labels[i]` = 1 when s1 and s2 are the same sentence, else 0. */
export interface ContrastiveTensionBatch {
  readonly pairs: [string, string][];
  readonly labels: number[];
}

const NAME = 'ContrastiveTensionDataLoader';

function validate(sentences: readonly string[], batchSize: number, posNegRatio: number): void {
  check(Array.isArray(sentences), NAME, 'sentences', () => 'must be an array of strings');
  sentences.forEach((s, i) => check(typeof s === 'string', NAME, `sentences[${i}]`, () => `must be a string, got ${typeof s}`));
  check(Number.isInteger(batchSize) && batchSize > 0, NAME, 'batchSize', () => `must be a positive integer, got ${String(batchSize)}`);
  check(Number.isInteger(posNegRatio) && posNegRatio > 0, NAME, 'posNegRatio', () => `must be a positive integer, got ${String(posNegRatio)}`);
  if (batchSize % posNegRatio !== 0) {
    throw new TesseraError(NAME, 'batchSize', `(${batchSize}) must be divisible by posNegRatio (${posNegRatio})`);
  }
}

/** Fisher–Yates shuffle in place, drawing from `generator`. */
export function shuffleInPlace<T>(items: T[], generator: Generator): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(generator.random() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}

/**
 * The batches of one pass over an already ordered list (no shuffling): cursor k = 0; while
 * k + 1 < N, slot j = current batch length: j % posNegRatio == 0 → positive (s_k, s_k), k += 1;
 * else negative (s_k, s_{k+1}), k += 2. Full batches are yielded; a trailing partial batch is dropped.
 */
function* passOver(order: readonly string[], batchSize: number, posNegRatio: number): IterableIterator<ContrastiveTensionBatch> {
  let k = 0;
  let pairs: [string, string][] = [];
  let labels: number[] = [];
  while (k + 1 < order.length) {
    if (pairs.length % posNegRatio === 0) {
      pairs.push([order[k]!, order[k]!]);
      labels.push(1);
      k += 1;
    } else {
      pairs.push([order[k]!, order[k + 1]!]);
      labels.push(0);
      k += 2;
    }
    if (pairs.length >= batchSize) {
      yield { pairs, labels };
      pairs = [];
      labels = [];
    }
  }
}

/**
 * One epoch of ContrastiveTensionDataLoader batches: shuffles a copy of `sentences` with
 * `generator` (default: the global generator), then pairs them as described at `passOver`. Every
 * batch holds `batchSize / posNegRatio` positives. `batchSize % posNegRatio != 0` is an error.
 */
export function contrastiveTensionBatches(sentences: readonly string[], batchSize: number, posNegRatio = 8, generator: Generator = defaultGenerator): IterableIterator<ContrastiveTensionBatch> {
  validate(sentences, batchSize, posNegRatio);
  return passOver(shuffleInPlace([...sentences], generator), batchSize, posNegRatio);
}

/**
 * The loader as an object: each iteration is one epoch. Like sentence-transformers (which shuffles
 * the list in place every epoch), it keeps its own copy of the sentences and reshuffles that copy
 * at the start of every epoch, so epoch e's order results from e successive shuffles; the caller's
 * array is never modified. `length` is sentence-transformers' ⌊N / (2·batchSize)⌋ (an estimate: a
 * pass may yield more batches when posNegRatio is small).
 */
export class ContrastiveTensionDataLoader implements Iterable<ContrastiveTensionBatch> {
  readonly batchSize: number;
  readonly posNegRatio: number;
  private readonly sentences: string[];
  private readonly generator: Generator;

  constructor(sentences: readonly string[], batchSize: number, posNegRatio = 8, generator: Generator = defaultGenerator) {
    validate(sentences, batchSize, posNegRatio);
    this.sentences = [...sentences];
    this.batchSize = batchSize;
    this.posNegRatio = posNegRatio;
    this.generator = generator;
  }

  get length(): number {
    return Math.floor(this.sentences.length / (2 * this.batchSize));
  }

  [Symbol.iterator](): Iterator<ContrastiveTensionBatch> {
    shuffleInPlace(this.sentences, this.generator);
    return passOver([...this.sentences], this.batchSize, this.posNegRatio);
  }
}
