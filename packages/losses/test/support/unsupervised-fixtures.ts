/**
 * Fixtures for the GIST / Contrastive Tension / TSDAE tests: table models with given rows, a
 * micro BERT SentenceTransformer with a 16-token vocabulary (cheap enough for a full float64
 * gradcheck), gradient helpers and a TesseraError matcher.
 */
import { expect } from 'vitest';
import * as T from '@tessera/tensor';
import type { DType, Tensor } from '@tessera/tensor';
import { TesseraError } from '@tessera/tensor';
import { BertModel, Pooling, SentenceTransformer, Tokenizer, Transformer, bertTokenizerJson } from '@tessera/nn';
import type { Loss } from '@tessera/losses';
import { EmbeddingTableModel } from './models.js';

/** An EmbeddingTableModel whose row `1 + i` is `rows[i]` (row 0, the padding id, is zero). */
export function tableWithRows(rows: number[][], dtype: DType = 'float64'): EmbeddingTableModel {
  const dim = rows[0]!.length;
  const model = new EmbeddingTableModel(rows.length + 1, dim, { dtype });
  const table = T.tensor([new Array<number>(dim).fill(0), ...rows], { dtype });
  model.loadStateDict({ table });
  table.dispose();
  return model;
}

/** Sets an EmbeddingTableModel's rows 1… to `rows` (in place). */
export function setRows(model: EmbeddingTableModel, rows: number[][]): void {
  const dim = rows[0]!.length;
  const table = T.tensor([new Array<number>(dim).fill(0), ...rows], { dtype: model.table.dtype });
  model.loadStateDict({ table });
  table.dispose();
}

/** Value and every parameter gradient (by name) after `loss.zeroGrad(); run().backward()`. */
export function valueAndGrads(loss: Loss, run: () => Tensor): { value: number; grads: Map<string, Float64Array> } {
  loss.zeroGrad();
  const value = run();
  value.backward();
  const grads = new Map<string, Float64Array>();
  for (const [n, p] of loss.namedParameters()) if (p.grad) grads.set(n, Float64Array.from(p.grad.dataSync()));
  const v = value.itemSync();
  loss.zeroGrad();
  return { value: v, grads };
}

/** Every gradient of `b` matches `a` (same names) within atol + rtol·|a|. */
export function expectGradsClose(a: Map<string, Float64Array>, b: Map<string, Float64Array>, atol = 1e-9, rtol = 1e-7): void {
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [name, ga] of a) {
    const gb = b.get(name)!;
    for (let i = 0; i < ga.length; i++) {
      if (!(Math.abs(ga[i]! - gb[i]!) <= atol + rtol * Math.abs(ga[i]!))) throw new Error(`gradient of ${name}[${i}]: ${gb[i]} vs ${ga[i]}`);
    }
  }
}

/** `fn` throws a TesseraError of `op` about argument `arg`. */
export function expectTesseraError(fn: () => unknown, op: string, arg: string): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a TesseraError from ${op} about '${arg}'`).toBeInstanceOf(TesseraError);
  expect((caught as TesseraError).op).toBe(op);
  expect((caught as TesseraError).arg).toBe(arg);
}

export const MICRO_VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'a', 'cat', 'dog', 'sat', 'on', 'mat', 'ran', 'park', 'in', '.'];

let microTokenizer: Tokenizer | null = null;
export function microBertTokenizer(): Tokenizer {
  microTokenizer ??= Tokenizer.fromJSON(bertTokenizerJson(MICRO_VOCAB, { lowercase: true }));
  return microTokenizer;
}

/** A BERT SentenceTransformer with 16 tokens, hidden 4, one layer: every parameter fits a numerical gradcheck. */
export function microSentenceTransformer(opts: { dtype?: DType; seed?: number; pooling?: 'mean' | 'cls'; dropout?: number } = {}): SentenceTransformer {
  const bert = new BertModel(
    {
      vocab_size: MICRO_VOCAB.length,
      hidden_size: 4,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      intermediate_size: 4,
      max_position_embeddings: 8,
      type_vocab_size: 1,
      hidden_dropout_prob: opts.dropout ?? 0,
      attention_probs_dropout_prob: opts.dropout ?? 0,
      initializer_range: 0.5,
    },
    { dtype: opts.dtype ?? 'float64', generator: new T.Generator(opts.seed ?? 0), addPoolingLayer: false },
  );
  return new SentenceTransformer([new Transformer(bert, microBertTokenizer(), { maxSeqLength: 8 }), new Pooling(4, opts.pooling ?? 'cls')]);
}
