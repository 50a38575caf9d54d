/**
 * Option checks shared by the in-batch ranking losses (MNRL, CMNRL, MNSRL, CMNSRL, MegaBatchMargin):
 * unknown option names, the similarity function, GradCache chunk sizes, the single-device rule and
 * one-time warnings. Every error is a TesseraError naming the loss class and the option.
 */
import type { Tensor } from '@tessera/tensor';
import { TesseraError } from '@tessera/tensor';
import { SIMILARITY_FUNCTIONS } from '../similarity.js';
import type { SimilarityFn } from '../similarity.js';

/** A matrix similarity: a named helper (`cosSim`, …), its sentence-transformers name (`'cos_sim'`), or any `(a, b) => [N, M]` function. */
export type SimilarityOption = SimilarityFn | string | ((a: Tensor, b: Tensor) => Tensor);

const warned = new Set<string>();

/** console.warn(message) the first time `key` is seen in this process. */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(message);
}

/** Throws for an options object that is not a plain object or holds a key outside `allowed`. */
export function checkOptionKeys(loss: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TesseraError(loss, 'options', `must be an object of options (${allowed.join(', ')})`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new TesseraError(loss, key, `is not an option of ${loss}; expected one of ${allowed.join(', ')}`);
  }
}

/** The similarity function for a `similarityFct` option (a function keeps its `stName`, else its JS name). */
export function resolveSimilarityFct(loss: string, value: SimilarityOption): SimilarityFn {
  if (typeof value === 'function') {
    if ('stName' in value && typeof value.stName === 'string') return value as SimilarityFn;
    const fn = (a: Tensor, b: Tensor): Tensor => value(a, b);
    return Object.assign(fn, { stName: value.name || 'custom' });
  }
  if (typeof value === 'string') {
    const hit = SIMILARITY_FUNCTIONS[value];
    if (hit) return hit;
    throw new TesseraError(loss, 'similarityFct', `'${value}' is not a known similarity; expected a function or one of ${Object.keys(SIMILARITY_FUNCTIONS).join(', ')}`);
  }
  throw new TesseraError(loss, 'similarityFct', `must be a similarity function (e.g. cosSim) or its name, got ${String(value)}`);
}

/** `gatherAcrossDevices` is accepted for compatibility; Tessera trains on one device. */
export function checkGatherAcrossDevices(loss: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TesseraError(loss, 'gatherAcrossDevices', `must be a boolean, got ${String(value)}`);
  if (value) throw new TesseraError(loss, 'gatherAcrossDevices', 'is not supported on a single device (Tessera trains on one device; leave it false)');
  return value;
}

/** GradCache chunk sizes: `miniBatchSize` a positive integer, `miniBatchNumTokens` null or > 0. */
export function checkMiniBatchSize(loss: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TesseraError(loss, 'miniBatchSize', `must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function checkMiniBatchNumTokens(loss: string, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new TesseraError(loss, 'miniBatchNumTokens', `must be a positive integer or null, got ${String(value)}`);
  }
  return value;
}

export function checkBoolean(loss: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TesseraError(loss, name, `must be a boolean, got ${String(value)}`);
  return value;
}

export function checkFinite(loss: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TesseraError(loss, name, `must be a finite number, got ${String(value)}`);
  return value;
}
