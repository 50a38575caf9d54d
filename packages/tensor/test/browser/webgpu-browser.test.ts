/**
 * Browser check: builds ./page with Vite (Tessera's TypeScript sources through the 'source'
 * export condition), serves it on 127.0.0.1 and opens it in headless Debian Chromium driven by
 * playwright-core. The page runs a 2-layer MLP forward + backward on WebGPU (SwiftShader, a
 * software adapter) and on the CPU backend; this test checks that losses and gradients agree and
 * saves a screenshot to test-results/browser/webgpu-page.png.
 *
 * Needs /usr/bin/chromium (`bash scripts/install-chromium.sh`). Without it the test is skipped
 * locally and fails under CI=true.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../../scripts/headless-chromium.js';
import type { BrowserCheckResult } from './page/result.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PAGE_DIR = join(HERE, 'page');
const REPO_ROOT = resolve(HERE, '../../../..');
const SCREENSHOT = join(REPO_ROOT, 'test-results/browser/webgpu-page.png');
const RESULT_TIMEOUT_MS = 90_000;

const hasChromium = existsSync(CHROMIUM);
const inCI = process.env.CI === 'true';
const skip = !hasChromium && !inCI;
if (skip) {
  console.warn(
    `[webgpu-browser] SKIPPED: ${CHROMIUM} not found, so the headless-Chromium WebGPU check did not run; enable it with \`bash scripts/install-chromium.sh\` (root or sudo; under CI=true a missing Chromium fails this test).`,
  );
}


const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Builds the page into `outDir`, resolving the workspace packages to their TypeScript sources. */
async function buildPage(outDir: string): Promise<void> {
  await build({
    root: PAGE_DIR,
    configFile: false,
    envDir: false,
    logLevel: 'warn',
    base: './',
    resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: false, sourcemap: true, reportCompressedSize: false },
  });
}

/** A static file server for `dir` on 127.0.0.1 (random port). */
async function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const file = normalize(join(dir, path.endsWith('/') ? `${path}index.html` : path));
    if (file !== dir && !file.startsWith(dir + sep)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(404).end('not found'),
    );
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/` };
}

describe.skipIf(skip)('WebGPU in headless Chromium (SwiftShader)', () => {
  it('runs an MLP forward + backward on webgpu and matches the cpu backend', async () => {
    if (!hasChromium) {
      throw new Error(`${CHROMIUM} not found under CI=true: install it with \`bash scripts/install-chromium.sh\` before the tests`);
    }
    const tmp = await mkdtemp(join(tmpdir(), 'tessera-browser-'));
    const outDir = join(tmp, 'dist');
    const profile = join(tmp, 'profile');
    const log: string[] = [];
    let server: Server | null = null;
    let context: BrowserContext | null = null;
    const t0 = performance.now();
    try {
      await buildPage(outDir);
      const tBuilt = performance.now();
      const served = await serve(outDir);
      server = served.server;
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 900, height: 900 },
      });
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
      await page.goto(served.url);
      await mkdir(dirname(SCREENSHOT), { recursive: true });
      try {
        await page.waitForFunction(() => window.__tesseraResult !== undefined, undefined, { timeout: RESULT_TIMEOUT_MS });
      } catch (e) {
        await page.screenshot({ path: SCREENSHOT, fullPage: true }).catch(() => undefined);
        throw new Error(`the page published no result within ${RESULT_TIMEOUT_MS / 1000} s (${(e as Error).message}); screenshot ${SCREENSHOT}\npage log:\n${log.join('\n') || '(empty)'}`);
      }
      const result = (await page.evaluate(() => window.__tesseraResult)) as BrowserCheckResult;
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      const secs = (ms: number): string => (ms / 1000).toFixed(1);
      console.log(
        `[webgpu-browser] adapter: ${result.adapter ? `${result.adapter.description || '(no description)'} [vendor ${result.adapter.vendor}, arch ${result.adapter.architecture}, software ${result.adapter.isSoftware}, matmul ${result.adapter.matmul}, rows ${result.adapter.kernels?.rows}, subgroup size ${result.adapter.subgroupSize}]` : 'none'}; ` +
          `loss gpu ${result.lossGpu} cpu ${result.lossCpu}; grad max |gpu-cpu| ${JSON.stringify(result.gradMaxAbsDiff)}; ` +
          `page ran gpu ${result.msGpu} ms, cpu ${result.msCpu} ms; build ${secs(tBuilt - t0)} s, total ${secs(performance.now() - t0)} s` +
          (result.error ? `; error: ${result.error}` : ''),
      );
      const noisy = log.filter((line) => !line.startsWith('console.log:') && !line.startsWith('console.debug:') && !line.startsWith('console.info:'));
      if (noisy.length > 0) console.warn(`[webgpu-browser] page warnings/errors:\n${noisy.join('\n')}`);
      const context_ = `page result ${JSON.stringify(result)}\npage log:\n${log.join('\n') || '(empty)'}`;

      expect(result.error, context_).toBeNull();
      expect(result.hasNavigatorGpu, context_).toBe(true);
      expect(result.adapter, context_).not.toBeNull();
      expect(typeof result.adapter!.description).toBe('string');
      expect(Number.isFinite(result.lossGpu) && Number.isFinite(result.lossCpu), context_).toBe(true);
      const lossGpu = result.lossGpu!;
      const lossCpu = result.lossCpu!;
      expect(Math.abs(lossGpu - lossCpu), context_).toBeLessThanOrEqual(1e-4 * Math.max(Math.abs(lossCpu), 1e-12));
      expect(Object.keys(result.gradMaxAbsDiff).sort(), context_).toEqual(['b1', 'b2', 'w1', 'w2', 'x']);
      for (const [name, diff] of Object.entries(result.gradMaxAbsDiff)) {
        expect(diff, `${name}.grad max |gpu - cpu|; ${context_}`).toBeLessThan(1e-4);
        expect(result.gradMaxAbs[name], `${name}.grad is all zeros; ${context_}`).toBeGreaterThan(0);
      }
    } finally {
      await context?.close().catch(() => undefined);
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((ok) => server!.close(() => ok()));
      }
      await rm(tmp, { recursive: true, force: true });
    }
  }, 240_000);
});
