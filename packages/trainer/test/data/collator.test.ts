/**
 * The collator (losses.md B.1) with the real bert-base-uncased tokenizer: one record per text column
 * in column order, truncation to maxSeqLength, padding to the batch's longest row with matching
 * masks, label dtypes and shapes (scalars, [B, D], [B, K, D]), prompts and promptLength, and errors
 * that name the row and the column.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Generator, TesseraError } from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { BertModel, Pooling, SentenceTransformer, Tokenizer, Transformer, bertBaseUncasedVocab, bertTokenizerJson } from '@tessera/nn';
import type { Features } from '@tessera/nn';
import { collate, collateLabels, createCollator } from '../../src/data/collator.js';
import type { TokenizeFn } from '../../src/data/collator.js';
import { Dataset } from '../../src/data/dataset.js';

const tok = Tokenizer.fromJSON(bertTokenizerJson(bertBaseUncasedVocab(), { lowercase: true }));
const rows2d = (t: Tensor): number[][] => t.arraySync() as number[][];
const CLS = 101;
const SEP = 102;
const HELLO_WORLD = [CLS, 7592, 2088, SEP];
const GUITAR = [CLS, 1037, 2158, 2003, 2652, 1037, 2858, 1012, SEP]; // 'A man is playing a guitar.'

function expectCollateError(fn: () => unknown, arg: string, ...texts: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected collate to throw').toBeInstanceOf(TesseraError);
  const err = caught as TesseraError;
  expect(err.op).toBe('collate');
  expect(err.arg).toBe(arg);
  for (const t of texts) expect(err.message).toContain(t);
}

function tinyModel(includePrompt: boolean): SentenceTransformer {
  const bert = new BertModel(
    { hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8, max_position_embeddings: 32 },
    { generator: new Generator(0) },
  );
  return new SentenceTransformer([new Transformer(bert, tok, { maxSeqLength: 24 }), new Pooling(8, { pooling_mode_mean_tokens: true, include_prompt: includePrompt })]);
}

describe('collate: tokenization, padding, truncation', () => {
  it('pads each column to its own longest row, with the attention mask marking real tokens', () => {
    const { features, columns, labels } = collate(
      [
        { anchor: 'hello world', positive: 'hello world' },
        { anchor: 'A man is playing a guitar.', positive: 'hello' },
      ],
      { tokenizer: tok, device: 'cpu' },
    );
    expect(columns).toEqual(['anchor', 'positive']);
    expect(labels).toBeUndefined();
    expect(features).toHaveLength(2);
    const [a, p] = features as [Features, Features];
    expect(a.inputIds.shape).toEqual([2, 9]);
    expect(a.inputIds.dtype).toBe('int32');
    expect(rows2d(a.inputIds)).toEqual([[...HELLO_WORLD, 0, 0, 0, 0, 0], GUITAR]);
    expect(rows2d(a.attentionMask!)).toEqual([
      [1, 1, 1, 1, 0, 0, 0, 0, 0],
      [1, 1, 1, 1, 1, 1, 1, 1, 1],
    ]);
    expect(rows2d(a.tokenTypeIds!)).toEqual([new Array(9).fill(0), new Array(9).fill(0)]);
    expect(p.inputIds.shape).toEqual([2, 4]);
    expect(rows2d(p.inputIds)).toEqual([HELLO_WORLD, [CLS, 7592, SEP, 0]]);
    expect(rows2d(p.attentionMask!)).toEqual([
      [1, 1, 1, 1],
      [1, 1, 1, 0],
    ]);
  });

  it('truncates to maxSeqLength, keeping [CLS] … [SEP]', () => {
    const { features } = collate([{ text: 'A man is playing a guitar.' }, { text: 'hello world' }], { tokenizer: tok, maxSeqLength: 5 });
    const f = features[0]!;
    expect(f.inputIds.shape).toEqual([2, 5]);
    expect(rows2d(f.inputIds)).toEqual([
      [CLS, 1037, 2158, 2003, SEP],
      [...HELLO_WORLD, 0],
    ]);
    expect(rows2d(f.attentionMask!)).toEqual([
      [1, 1, 1, 1, 1],
      [1, 1, 1, 1, 0],
    ]);
  });

  it('property: every row is its own tokenization (truncated), right-padded with 0 to the longest row, mask 1 exactly on it', () => {
    const words = fc.constantFrom('hello', 'world', 'a', 'man', 'guitar', 'embeddings', 'tokenization', '!', 'unaffable', 'café');
    const text = fc.array(words, { minLength: 0, maxLength: 12 }).map((w) => w.join(' '));
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 6 }), fc.option(fc.integer({ min: 2, max: 20 }), { nil: undefined }), (pairs, maxSeqLength) => {
        const rows = pairs.map(([q, d]) => ({ query: q, doc: d }));
        const { features } = collate(rows, { tokenizer: tok, maxSeqLength });
        const maxLen = maxSeqLength ?? tok.modelMaxLength;
        (['query', 'doc'] as const).forEach((col, c) => {
          const f = features[c]!;
          const own = rows.map((r) => {
            const full = tok.encode(r[col]).ids;
            return full.length <= maxLen ? full : [...full.slice(0, maxLen - 1), SEP];
          });
          const width = Math.max(...own.map((o) => o.length));
          expect(f.inputIds.shape).toEqual([rows.length, width]);
          expect(width).toBeLessThanOrEqual(maxLen);
          expect(rows2d(f.inputIds)).toEqual(own.map((o) => [...o, ...new Array<number>(width - o.length).fill(0)]));
          expect(rows2d(f.attentionMask!)).toEqual(own.map((o) => o.map(() => 1).concat(new Array<number>(width - o.length).fill(0))));
        });
      }),
      { numRuns: 60 },
    );
  });

  it('with a model: its tokenization; maxSeqLength caps it (the model keeps its own); features land on the device', () => {
    const model = tinyModel(true);
    const rows = [{ s: 'A man is playing a guitar.' }, { s: 'Hello World' }];
    const plain = collate(rows, { model, device: 'cpu' });
    expect(rows2d(plain.features[0]!.inputIds)).toEqual([GUITAR, [...HELLO_WORLD, 0, 0, 0, 0, 0]]);
    expect(plain.features[0]!.inputIds.device).toBe('cpu');
    const capped = collate(rows, { model, maxSeqLength: 4 });
    expect(rows2d(capped.features[0]!.inputIds)).toEqual([[CLS, 1037, 2158, SEP], HELLO_WORLD]);
    expect(model.maxSeqLength).toBe(24);
    model.maxSeqLength = 6;
    expect(collate(rows, { model, maxSeqLength: 100 }).features[0]!.inputIds.shape).toEqual([2, 6]);
    expect(model.maxSeqLength).toBe(6);
    // The features run through the model.
    const out = model.forward(plain.features[0]!);
    expect(out.sentenceEmbedding!.shape).toEqual([2, 8]);
  });

  it('with a tokenize function: it gets the texts, maxLength and device', () => {
    const calls: { texts: readonly string[]; maxLength?: number }[] = [];
    const tokenize: TokenizeFn = (texts, { maxLength, device }) => {
      calls.push({ texts, maxLength });
      return tok.batch(texts, { maxLength: maxLength ?? 16, device });
    };
    const { features } = collate([{ a: 'hello world', b: 'guitar', label: 1 }], { tokenize, maxSeqLength: 7 });
    expect(calls).toEqual([
      { texts: ['hello world'], maxLength: 7 },
      { texts: ['guitar'], maxLength: 7 },
    ]);
    expect(rows2d(features[0]!.inputIds)).toEqual([HELLO_WORLD]);
  });

  it('columns keep dataset order (the loss input order); dataset_name is passed through, not tokenized', () => {
    const ds = Dataset.fromDict({ negative: ['hello'], anchor: ['world'], score: [0.5], positive: ['a man'] });
    const rows = [ds.row(0)];
    const out = collate(rows, { tokenizer: tok, textColumns: ds.textColumns, labelColumn: ds.labelColumn });
    expect(out.columns).toEqual(['negative', 'anchor', 'positive']);
    expect(rows2d(out.features[0]!.inputIds)).toEqual([[CLS, 7592, SEP]]);
    expect(rows2d(out.features[1]!.inputIds)).toEqual([[CLS, 2088, SEP]]);
    // Defaults: every column of the first row but the label and dataset_name.
    const routed = collate([{ dataset_name: 'nli', premise: 'hello', hypothesis: 'world', label: 2 }], { tokenizer: tok });
    expect(routed.columns).toEqual(['premise', 'hypothesis']);
    expect(routed.datasetName).toBe('nli');
    expect(routed.labels!.arraySync()).toEqual([2]);
    // createCollator fixes the options.
    const c = createCollator({ tokenizer: tok, textColumns: ['anchor'], labelColumn: null });
    expect(c(rows).columns).toEqual(['anchor']);
    expect(c(rows).labels).toBeUndefined();
  });
});

describe('collate: labels', () => {
  const base = (labels: unknown[], extra: Record<string, unknown> = {}) =>
    collate(
      labels.map((l, i) => ({ text: `t${i}`, label: l })),
      { tokenizer: tok, ...extra },
    ).labels!;

  it("'auto': int32 when every label is an integer, float32 otherwise; explicit dtypes", () => {
    const ints = base([1, 0, 2]);
    expect(ints.dtype).toBe('int32');
    expect(ints.shape).toEqual([3]);
    expect(ints.arraySync()).toEqual([1, 0, 2]);
    const floats = base([0.5, 1, 0]);
    expect(floats.dtype).toBe('float32');
    expect(floats.arraySync()).toEqual([0.5, 1, 0]);
    const asFloat = base([1, 0, 2], { labelDtype: 'float32' });
    expect(asFloat.dtype).toBe('float32');
    expect(asFloat.arraySync()).toEqual([1, 0, 2]);
    expect(base([3, -1], { labelDtype: 'int32' }).dtype).toBe('int32');
    expectCollateError(() => base([1, 0.5], { labelDtype: 'int32' }), 'rows', 'row 1', "column 'label'", 'int32');
    expectCollateError(() => base([1], { labelDtype: 'int64' }), 'labelDtype');
  });

  it('property: auto dtype is int32 exactly when all labels are integers; values survive', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -10, max: 10, noNaN: true })), { minLength: 1, maxLength: 8 }), (labels) => {
        const t = base(labels);
        const allInt = labels.every((l) => Number.isInteger(l));
        expect(t.dtype).toBe(allInt ? 'int32' : 'float32');
        // + 0 turns -0 into 0: an int32 (and toEqual) cannot tell them apart otherwise.
        expect((t.arraySync() as number[]).map((v) => v + 0)).toEqual(labels.map((l) => (allInt ? l + 0 : Math.fround(l) + 0)));
      }),
      { numRuns: 100 },
    );
  });

  it('number[] cells give float32 [B, D]; number[][] give [B, K, D]; typed arrays work too', () => {
    const v = base([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(v.dtype).toBe('float32');
    expect(v.shape).toEqual([2, 3]);
    expect(v.arraySync()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const m = base([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
    ]);
    expect(m.shape).toEqual([2, 3, 2]);
    expect((m.arraySync() as number[][][])[0]![2]).toEqual([5, 6]);
    const typed = base([Float32Array.of(0.25, 0.5), Float32Array.of(1, 2)]);
    expect(typed.shape).toEqual([2, 2]);
    expect(typed.arraySync()).toEqual([
      [0.25, 0.5],
      [1, 2],
    ]);
    expect(base([[1, 2]], { labelDtype: 'int32' }).dtype).toBe('int32');
  });

  it('picks the first of label, labels, score, scores; none → no labels', () => {
    expect(collate([{ t: 'a', scores: 0.5, score: 1 }], { tokenizer: tok, textColumns: ['t'] }).labels!.arraySync()).toEqual([1]);
    // As in sentence-transformers, only the first label column is the label; the others stay text columns.
    expectCollateError(() => collate([{ t: 'a', scores: 0.5, score: 1 }], { tokenizer: tok }), 'rows', 'row 0', "column 'scores'");
    const multi = collate([{ t: 'a', labels: [0.1, 0.2] }], { tokenizer: tok });
    expect(multi.columns).toEqual(['t']);
    expect(multi.labels!.shape).toEqual([1, 2]);
    expect(collate([{ t: 'a', b: 'b' }], { tokenizer: tok }).labels).toBeUndefined();
  });

  it('errors name the row and the column: ragged vectors, mixed kinds, non-numeric labels', () => {
    expectCollateError(() => base([[1, 2], [3]]), 'rows', 'row 1', "column 'label'", 'ragged');
    expectCollateError(() => base([[[1, 2]], [[1, 2], [3, 4]]]), 'rows', 'row 1', 'ragged');
    expectCollateError(() => base([[[1, 2], [3, 4]], [[1, 2], [3]]]), 'rows', 'row 1', 'ragged');
    expectCollateError(() => base([1, [1]]), 'rows', 'row 1', "column 'label'");
    expectCollateError(() => base([[1], 2]), 'rows', 'row 1', "column 'label'");
    expectCollateError(() => base(['pos', 'neg']), 'rows', 'row 0', "column 'label'");
    expectCollateError(() => base([1, '0']), 'rows', 'row 1', "column 'label'");
    expectCollateError(() => base([[]]), 'rows', 'row 0', 'empty');
    expectCollateError(() => base([true]), 'rows', 'row 0');
    expectCollateError(() => collateLabels([{ a: 1 }, { b: 2 }], 'a'), 'rows', 'row 1', "column 'a'", 'missing');
  });
});

describe('collate: prompts', () => {
  it('a string prompt is prepended to every text column (not the label)', () => {
    const rows = [{ q: 'hello', d: 'world', score: 1 }];
    const out = collate(rows, { tokenizer: tok, prompts: 'query: ' });
    expect(rows2d(out.features[0]!.inputIds)).toEqual([tok.encode('query: hello').ids]);
    expect(rows2d(out.features[1]!.inputIds)).toEqual([tok.encode('query: world').ids]);
    expect(out.features[0]!.promptLength).toBeUndefined();
    expect(out.labels!.arraySync()).toEqual([1]);
  });

  it('a record gives per-column prompts; other columns are unprompted; unknown columns are ignored', () => {
    const rows = [{ q: 'hello', d: 'world' }];
    const out = collate(rows, { tokenizer: tok, prompts: { q: 'query: ', d: '', other: 'x' } });
    expect(rows2d(out.features[0]!.inputIds)).toEqual([tok.encode('query: hello').ids]);
    expect(rows2d(out.features[1]!.inputIds)).toEqual([tok.encode('world').ids]);
    expect(collate(rows, { tokenizer: tok, prompts: null }).features[0]!.inputIds.shape).toEqual([1, 3]);
  });

  it('promptLength (prompt tokens minus the trailing [SEP]) when pooling excludes the prompt', () => {
    const rows = [{ q: 'hello', d: 'world' }];
    const promptTokens = tok.encode('query: ').ids; // [CLS] query : [SEP]
    expect(promptTokens.length).toBe(4);
    const out = collate(rows, { tokenizer: tok, prompts: { q: 'query: ' }, includePrompt: false });
    expect(out.features[0]!.promptLength).toBe(3);
    expect(out.features[1]!.promptLength).toBeUndefined();
    // From the model's Pooling (include_prompt: false); pooling then skips those positions.
    const model = tinyModel(false);
    const withModel = collate(rows, { model, prompts: 'query: ' });
    expect(withModel.features.map((f) => f.promptLength)).toEqual([3, 3]);
    expect(model.forward(withModel.features[0]!).sentenceEmbedding!.shape).toEqual([1, 8]);
    expect(collate(rows, { model: tinyModel(true), prompts: 'query: ' }).features[0]!.promptLength).toBeUndefined();
    expect(collate(rows, { model, prompts: 'query: ', includePrompt: true }).features[0]!.promptLength).toBeUndefined();
  });
});

describe('collate: errors', () => {
  it('bad text cells name the row and the column', () => {
    expectCollateError(() => collate([{ anchor: 'a', positive: 'b' }, { anchor: 'c', positive: 5 }], { tokenizer: tok }), 'rows', 'row 1', "column 'positive'", 'string');
    expectCollateError(() => collate([{ anchor: 'a', positive: 'b' }, { anchor: 'c' }], { tokenizer: tok }), 'rows', 'row 1', "column 'positive'", 'missing');
    expectCollateError(() => collate([{ anchor: ['a'] }], { tokenizer: tok }), 'rows', 'row 0', "column 'anchor'");
    expectCollateError(() => collate([{ anchor: null }], { tokenizer: tok }), 'rows', 'row 0', "column 'anchor'");
  });

  it('bad options and batches', () => {
    expectCollateError(() => collate([], { tokenizer: tok }), 'rows', 'empty');
    expectCollateError(() => collate('abc' as unknown as [], { tokenizer: tok }), 'rows');
    expectCollateError(() => collate([{ a: 'x' }], {}), 'options', 'exactly one');
    expectCollateError(() => collate([{ a: 'x' }], { tokenizer: tok, model: tinyModel(true) }), 'options', 'exactly one');
    expectCollateError(() => collate([{ a: 'x' }], { tokenizer: tok, maxSeqLength: 0 }), 'maxSeqLength');
    expectCollateError(() => collate([{ label: 1 }], { tokenizer: tok }), 'textColumns', 'empty');
    expectCollateError(() => collate([{ a: 'x', label: 1 }], { tokenizer: tok, textColumns: ['a', 'label'] }), 'textColumns', "'label'");
    expectCollateError(() => collate([{ a: 'x' }], { tokenizer: tok, textColumns: ['a', 'a'] }), 'textColumns', 'repeat');
    expectCollateError(() => collate([{ a: 'x' }], { tokenizer: tok, textColumns: 'a' as unknown as string[] }), 'textColumns', 'array');
    expectCollateError(() => collate([{ a: 'x' }], { tokenizer: tok, prompts: 3 as unknown as string }), 'prompts');
    expectCollateError(() => collate([{ a: 'x' }], { tokenizer: tok, prompts: { a: 3 as unknown as string } }), 'prompts', "['a']");
    expectCollateError(() => collate([{ a: 'x' }], { tokenizer: tok, labelColumn: 'label' }), 'rows', 'row 0', "column 'label'", 'missing');
  });
});
