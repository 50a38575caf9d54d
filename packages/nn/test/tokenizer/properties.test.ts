/**
 * Properties over arbitrary strings (fast-check): encode never throws, ids lie in [0, vocabSize),
 * batch rows equal single encodes up to padding (and truncation), decode inverts encode on plain words.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { longestFirstLengths } from '../../src/tokenizer/truncation.js';
import { bertBaseUncased } from './helpers.js';

const tok = bertBaseUncased();

/** Any text: full Unicode, lone surrogates, and a mix of words, specials, CJK, accents and controls. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc
    .array(fc.constantFrom('hello', 'World', 'unaffable', '[MASK]', '[CLS]', '[SEP', '##ing', '中国', '你', 'café', 'ΟΔΟΣ', '\u{20000}', ' ', '\t', '\u0000', '\u200b', '.', "n't", 'a'.repeat(101)), { maxLength: 12 })
    .map((parts) => parts.join('')),
);

describe('tokenizer properties', () => {
  it('encode never throws and ids are in [0, vocabSize)', () => {
    fc.assert(
      fc.property(anyText, fc.option(anyText, { nil: undefined }), (a, b) => {
        const e = tok.encode(a, b);
        expect(e.ids.length).toBe(e.tokens.length);
        expect(e.attentionMask.every((m) => m === 1)).toBe(true);
        for (const id of e.ids) {
          expect(Number.isInteger(id) && id >= 0 && id < tok.vocabSize).toBe(true);
        }
        e.ids.forEach((id, i) => expect(tok.idToToken(id)).toBe(e.tokens[i]));
        expect(e.ids[0]).toBe(tok.clsTokenId);
        expect(e.ids[e.ids.length - 1]).toBe(tok.sepTokenId);
        expect(e.ids.filter((id) => id === tok.sepTokenId).length).toBeGreaterThanOrEqual(b === undefined ? 1 : 2);
        expect(typeof tok.decode(e.ids, { skipSpecialTokens: true })).toBe('string');
      }),
      { numRuns: 300 },
    );
  });

  it('batch rows equal single encodes up to padding', () => {
    fc.assert(
      fc.property(fc.array(anyText, { minLength: 1, maxLength: 6 }), (texts) => {
        const b = tok.batch(texts, { truncation: false });
        const [n, width] = b.inputIds.shape as [number, number];
        const ids = b.inputIds.dataSync();
        const mask = b.attentionMask.dataSync();
        const types = b.tokenTypeIds.dataSync();
        expect(n).toBe(texts.length);
        let longest = 0;
        texts.forEach((text, i) => {
          const e = tok.encode(text);
          longest = Math.max(longest, e.ids.length);
          const pad = width - e.ids.length;
          expect(Array.from(ids.subarray(i * width, (i + 1) * width))).toEqual([...e.ids, ...Array(pad).fill(tok.padTokenId)]);
          expect(Array.from(mask.subarray(i * width, (i + 1) * width))).toEqual([...e.attentionMask, ...Array(pad).fill(0)]);
          expect(Array.from(types.subarray(i * width, (i + 1) * width))).toEqual([...e.typeIds, ...Array(pad).fill(0)]);
        });
        expect(width).toBe(longest);
      }),
      { numRuns: 100 },
    );
  });

  it('truncated batch rows are [CLS] + a prefix of the pieces + [SEP]; pairs fit maxLength', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyText, anyText), { minLength: 1, maxLength: 4 }), fc.integer({ min: 3, max: 12 }), (pairs, maxLength) => {
        const single = tok.batch(pairs.map(([a]) => a), { maxLength, padding: 'max_length' });
        expect(single.inputIds.shape).toEqual([pairs.length, maxLength]);
        const rows = single.inputIds.arraySync() as number[][];
        pairs.forEach(([a], i) => {
          const pieces = tok.encode(a).ids.slice(1, -1).slice(0, maxLength - 2);
          const want = [tok.clsTokenId, ...pieces, tok.sepTokenId];
          expect(rows[i]).toEqual([...want, ...Array(maxLength - want.length).fill(tok.padTokenId)]);
        });
        const pair = tok.batch(pairs, { maxLength });
        const pairRows = pair.inputIds.arraySync() as number[][];
        const typeRows = pair.tokenTypeIds.arraySync() as number[][];
        pairs.forEach(([a, b], i) => {
          const full = tok.encode(a, b);
          const row = pairRows[i]!.slice(0, Math.min(full.ids.length, maxLength));
          expect(row.length).toBeLessThanOrEqual(maxLength);
          // Untruncated pairs come out unchanged; truncated ones keep prefixes of each text.
          if (full.ids.length <= maxLength) expect(row).toEqual(full.ids);
          const sepAt = row.indexOf(tok.sepTokenId, 1);
          const aIds = tok.encode(a).ids.slice(1, -1);
          const bIds = tok.encode(b).ids.slice(1, -1);
          const keptA = row.slice(1, sepAt);
          const keptB = row.slice(sepAt + 1, -1);
          if (!aIds.includes(tok.sepTokenId)) {
            expect([keptA.length, keptB.length]).toEqual(longestFirstLengths(aIds.length, bIds.length, maxLength - 3));
            expect(keptA).toEqual(aIds.slice(0, keptA.length));
            expect(keptB).toEqual(bIds.slice(0, keptB.length));
            expect(typeRows[i]!.slice(0, row.length)).toEqual([...Array(sepAt + 1).fill(0), ...Array(row.length - sepAt - 1).fill(1)]);
          }
        });
      }),
      { numRuns: 100 },
    );
  });

  it('decode(encode(x)) gives x back for lowercase words', () => {
    const word = fc.constantFrom('a', 'man', 'is', 'playing', 'guitar', 'hello', 'world', 'unaffable', 'embeddings', 'tokenization', 'transformers', 'the', 'snowman');
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 10 }), (words) => {
        const text = words.join(' ');
        expect(tok.decode(tok.encode(text).ids, { skipSpecialTokens: true })).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});
