/**
 * A run killed (SIGKILL) right after a checkpoint and resumed from it ends with exactly the weights
 * of an uninterrupted run: parameters, optimizer, scheduler, RNG (dropout) and data order restored.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../fixtures/train-child.mjs', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../dist/index.js', import.meta.url)));

function run(args: string[]): { status: number | null; signal: NodeJS.Signals | null; stderr: string } {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 120_000 });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}

describe('kill and resume', () => {
  it.skipIf(!built && process.env.CI !== 'true')('a run killed at step 4 of 10 and resumed ends with the uninterrupted weights', async () => {
    expect(built, 'the child process imports the built packages: run pnpm build first').toBe(true);
    const base = await mkdtemp(join(tmpdir(), 'tessera-resume-'));
    const full = join(base, 'full');
    const killed = join(base, 'killed');
    const a = run([full, '10', '100']);
    expect(a.status, a.stderr).toBe(0);
    const b = run([killed, '10', '2', '4']);
    expect(b.signal).toBe('SIGKILL');
    const checkpoints = (await readdir(killed)).filter((n) => n.startsWith('checkpoint-')).sort();
    expect(checkpoints).toEqual(['checkpoint-2', 'checkpoint-4']);
    expect(existsSync(join(killed, 'final-weights.json'))).toBe(false);
    const c = run([killed, '10', '100', '', '--resume']);
    expect(c.status, c.stderr).toBe(0);
    const want = JSON.parse(await readFile(join(full, 'final-weights.json'), 'utf8')) as Record<string, number[]>;
    const got = JSON.parse(await readFile(join(killed, 'final-weights.json'), 'utf8')) as Record<string, number[]>;
    expect(Object.keys(got)).toEqual(Object.keys(want));
    for (const k of Object.keys(want)) expect(got[k], k).toEqual(want[k]);
    // The log of the resumed run continues the interrupted one.
    const log = (await readFile(join(killed, 'trainer_log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number });
    expect(log.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((s) => log.some((e) => e.step === s)));
    expect(log.at(-1)!.step).toBe(10);
  });
});
