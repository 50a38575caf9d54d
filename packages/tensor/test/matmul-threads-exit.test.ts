/**
 * Worker threads never keep a process alive: a script that ran threaded matmuls exits by itself
 * (workers idle, workers shut down by setNumThreads(1), or process.exit while they are up). The
 * fixture is bundled from the TypeScript sources with Vite (as the browser test does) and run with
 * plain Node.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HERE = dirname(fileURLToPath(import.meta.url));
let outDir = '';

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'tessera-threads-exit-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    resolve: { conditions: ['source', 'module', 'node'] },
    ssr: { resolve: { conditions: ['source', 'module', 'node'] } },
    build: {
      ssr: join(HERE, 'fixtures/threads-exit.ts'),
      outDir,
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      rollupOptions: { output: { format: 'es', entryFileNames: 'threads-exit.mjs' } },
    },
  });
}, 60_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('matmul worker threads and process exit', () => {
  for (const mode of ['idle', 'shrink', 'exit', 'quick']) {
    it(`a script exits on its own after threaded matmuls (${mode})`, () => {
      const started = Date.now();
      const r = spawnSync(process.execPath, [join(outDir, 'threads-exit.mjs'), mode], { encoding: 'utf8', timeout: 30_000 });
      expect(r.error, r.stderr).toBeUndefined();
      expect(r.signal, r.stderr).toBeNull();
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { mode: string; maxErr: number; workerItems: number; info: { wasm: boolean; threads: boolean; numThreads: number } };
      expect(out.mode).toBe(mode);
      expect(out.info.wasm).toBe(true);
      expect(out.info.threads).toBe(true);
      expect(out.maxErr).toBeLessThan(1e-3);
      if (mode !== 'quick') expect(out.workerItems).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(20_000);
    });
  }
});
