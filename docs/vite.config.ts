/**
 * The docs site: plain Vite multi-page. On `vite build`, scripts/generate.ts first writes every
 * page's HTML into docs/site (the root; generated, not committed) from the packages' built
 * declarations, the loss classes and the README; Vite then bundles the pages' scripts (docs/src,
 * using the packages' TypeScript sources) into docs/dist. `vite preview` serves docs/dist.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import type { Plugin, UserConfig } from 'vite';
import { generateSite } from './scripts/generate.js';

const DOCS = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(DOCS, '..');
const SITE = join(DOCS, 'site');
const OUT = join(DOCS, 'dist');

export default defineConfig(async ({ command, isPreview }): Promise<UserConfig> => {
  const config: UserConfig = {
    root: SITE,
    base: './',
    publicDir: false,
    logLevel: command === 'build' ? 'warn' : 'info',
    // Workspace packages resolve to their TypeScript sources, as in the tests.
    resolve: {
      conditions: ['source', 'module', 'browser', 'development|production'],
      alias: [{ find: /^node:(fs|fs\/promises|path|module|os)$/, replacement: join(DOCS, 'src/lib/node-builtins.ts') }],
    },
    server: { fs: { allow: [REPO] } },
    preview: { host: '127.0.0.1', port: 4173 },
    build: { outDir: OUT, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096, reportCompressedSize: false, sourcemap: false },
  };
  if (command !== 'build' || isPreview) return config;
  const t0 = performance.now();
  const site = await generateSite({ repoRoot: REPO, docsDir: DOCS, siteDir: SITE });
  console.log(`docs: generated ${Object.keys(site.pages).length} pages (${site.losses.length} losses, ${site.livePages.length} live) in ${((performance.now() - t0) / 1000).toFixed(1)} s${site.hasBenchResults ? '' : '; no bench results (latest.json or reference.json): the benchmarks page says to run pnpm bench'}`);
  const manifest: Plugin = {
    name: 'tessera-docs-manifest',
    closeBundle() {
      // What the end-to-end test opens (docs/test/site.test.ts).
      writeFileSync(join(OUT, 'site.json'), `${JSON.stringify({ pages: Object.keys(site.pages), livePages: site.livePages, losses: site.losses, hasBenchResults: site.hasBenchResults }, null, 2)}\n`);
    },
  };
  return {
    ...config,
    plugins: [manifest],
    build: {
      ...config.build,
      rolldownOptions: {
        input: Object.fromEntries(Object.entries(site.pages).map(([path, file]) => [path.replace(/\.html$/, '').replace(/[^\w-]/g, '_'), file])),
        checks: { bundlerTimings: false },
      },
    },
  };
});
