/** The main job end to end, shortened: WordNet → MNRL training → retrieval before/after → saved folder. */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quickstart } from '../../src/recipes/quickstart.js';

describe('quickstart (the README main job)', () => {
  it('trains a few steps, evaluates before and after, saves a loadable folder', async () => {
    const outputDir = await mkdtemp(join(tmpdir(), 'tessera-quickstart-'));
    const lines: string[] = [];
    const r = await quickstart({ outputDir, maxSteps: 3, batchSize: 16, heldOut: 40, minutes: 2, device: 'cpu', log: (l) => lines.push(l) });
    expect(r.steps).toBe(3);
    expect(Object.keys(r.before)).toContain('wordnet-heldout_cosine_ndcg@10');
    expect(r.after['wordnet-heldout_cosine_ndcg@10']).toBeGreaterThan(0);
    expect(existsSync(join(r.modelPath, 'modules.json'))).toBe(true);
    expect(existsSync(join(outputDir, 'loss_curve.png'))).toBe(true);
    expect(lines.some((l) => l.startsWith('Saved the sentence-transformers model to'))).toBe(true);
  });
});
