/**
 * Generates the site's HTML pages into docs/site (Vite's root; rebuilt on every build): the guides,
 * one page per package, the API reference (from packages/*\/dist/*.d.ts), one page per loss (from the
 * loss classes), the live examples and the benchmarks. Returns the pages for Vite's multi-page input.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { benchmarksBody } from './bench.js';
import { FIRST_TRAINING_CONFIG, HOME_INTRO, PACKAGE_GUIDES } from './content.js';
import type { PackageGuide } from './content.js';
import { firstSentence, readApis } from './dts.js';
import type { ApiEntry, Member, PackageApi } from './dts.js';
import { liveBox, rel, renderPage } from './layout.js';
import type { NavSection, PageSpec } from './layout.js';
import { COMMON_CHOICES, EXTRA_LOSSES, LOSS_TABLE } from './loss-table.js';
import { exampleSource, readLossMeta } from './losses-meta.js';
import type { LossMeta } from './losses-meta.js';
import { codeBlock, escapeHtml, firstCodeBlock, inline, markdown, markdownSection } from './markdown.js';

export interface GenerateOptions {
  /** The repository root (holds README.md, packages/, bench/). */
  repoRoot: string;
  /** docs/ */
  docsDir: string;
  /** Where the HTML pages go (docs/site). */
  siteDir: string;
}

export interface GeneratedSite {
  /** Page path (e.g. `losses/CoSENTLoss.html`) -> absolute file. */
  pages: Record<string, string>;
  losses: string[];
  /** The live example pages (site paths), for the end-to-end test. */
  livePages: string[];
  hasBenchResults: boolean;
}

/** The live example pages besides the loss pages. */
export const EXAMPLE_PAGES = [
  { path: 'examples/tensor-basics.html', title: 'Tensor basics', script: 'src/pages/tensor-basics.ts' },
  { path: 'examples/autograd.html', title: 'Autograd: GPU vs CPU gradients', script: 'src/pages/autograd.ts' },
  { path: 'examples/fine-tune.html', title: 'Fine-tune a tiny encoder', script: 'src/pages/fine-tune.ts' },
  { path: 'examples/encode.html', title: 'encode() and a similarity heat map', script: 'src/pages/encode.ts' },
] as const;

const PACKAGES = ['tensor', 'autograd', 'nn', 'losses', 'trainer'];

export async function generateSite(opts: GenerateOptions): Promise<GeneratedSite> {
  const { repoRoot, docsDir, siteDir } = opts;
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const apis = readApis(PACKAGES.map((p) => join(repoRoot, 'packages', p)));
  const lossesApi = apis.find((a) => a.name === '@tessera/losses')!;
  const losses = await readLossMeta(repoRoot, lossesApi);
  const lossNames = losses.map((l) => l.name);

  // Where each exported name is documented (for links from doc comments and signatures).
  const apiHome = new Map<string, string>();
  for (const api of apis) for (const e of api.entries) if (!apiHome.has(e.name)) apiHome.set(e.name, `api/${api.dir}.html#${e.name}`);
  const linker = (from: string) => (name: string): string | null => {
    if (lossNames.includes(name)) return rel(from, `losses/${name}.html`);
    const target = apiHome.get(name);
    return target ? rel(from, target) : null;
  };

  const pages: PageSpec[] = [];
  const nav: NavSection[] = [
    {
      title: 'Guide',
      items: [
        { title: 'Home', path: 'index.html' },
        { title: 'Getting started', path: 'getting-started.html' },
        { title: 'Benchmarks', path: 'benchmarks.html' },
      ],
    },
    { title: 'Packages', items: PACKAGE_GUIDES.map((g) => ({ title: g.name, path: `packages/${g.dir}.html` })) },
    { title: 'API reference', items: apis.map((a) => ({ title: a.name, path: `api/${a.dir}.html` })), collapsible: true },
    { title: 'Live examples', items: [{ title: 'All examples', path: 'examples/index.html' }, ...EXAMPLE_PAGES.map((p) => ({ title: p.title, path: p.path }))] },
    { title: 'Losses', items: [{ title: 'Which loss for my data?', path: 'losses/index.html' }, ...losses.map((l) => ({ title: l.name, path: `losses/${l.name}.html` }))], collapsible: true },
  ];

  // ---- Home --------------------------------------------------------------------------------
  const packageTable = markdownSection(readme, 'Tessera').split('\n').filter((l) => l.startsWith('|')).join('\n');
  pages.push({
    path: 'index.html',
    title: 'Tessera',
    description: 'Train sentence-embedding models in TypeScript, on WebGPU and the CPU.',
    body: `<h1>Tessera</h1>
${markdown(HOME_INTRO)}
<div class="cards">
<a class="card" href="getting-started.html"><strong>Getting started</strong><span>Install, build, run the tests, a first tensor, a first training run.</span></a>
<a class="card" href="examples/index.html"><strong>Live examples</strong><span>Tensors, autograd, fine-tuning and encoding on WebGPU in this page.</span></a>
<a class="card" href="losses/index.html"><strong>Which loss for my data?</strong><span>All ${losses.length} losses, each with its formula, defaults and a live run.</span></a>
<a class="card" href="benchmarks.html"><strong>Benchmarks</strong><span>Tessera vs tfjs on the CPU and on WebGPU.</span></a>
</div>
<h2>Packages</h2>
${markdown(packageTable.replace(/`(@tessera\/(\w+))`/g, '[`$1`](packages/$2.html)'))}
<p>Dependencies point one way: tensor ← autograd ← nn ← losses ← trainer. Everything except the trainer runs in the browser.</p>`,
  });

  // ---- Getting started ---------------------------------------------------------------------
  const quick = markdownSection(readme, 'Quick start');
  const example = firstCodeBlock(markdownSection(readme, 'Example'));
  const webgpu = firstCodeBlock(markdownSection(readme, 'WebGPU'));
  const training = markdownSection(readme, 'Training your own model');
  pages.push({
    path: 'getting-started.html',
    title: 'Getting started',
    body: `<h1>Getting started</h1>
<h2 id="install">Install and build</h2>
<p>Tessera is a pnpm workspace. You need Node 20 or newer and npm; the commands below come straight from the README:</p>
${markdown(quick, { headingOffset: 2 })}
<h2 id="first-tensor">A first tensor and its gradient</h2>
<p>Ops follow PyTorch; <code>import '@tessera/autograd'</code> adds <code>backward()</code> to tensors. Values are read with <code>await</code>:</p>
${codeBlock(example.code, example.lang)}
<p>The same on WebGPU — in a browser <code>initWebGPU()</code> uses <code>navigator.gpu</code>:</p>
${codeBlock(webgpu.code, webgpu.lang)}
<p>Run both in this browser: <a href="examples/tensor-basics.html">tensor basics</a> and <a href="examples/autograd.html">autograd with a GPU-vs-CPU gradient check</a>.</p>
<h2 id="first-training-run">A first training run</h2>
<p>From the command line, a training run is one JSON config: a model (a folder, or a fresh BERT), datasets, a loss by name with its options, and sentence-transformers' training arguments in camelCase.</p>
${codeBlock(FIRST_TRAINING_CONFIG, 'json')}
${codeBlock('pnpm build\npnpm tessera train first-run.json        # trains, then saves output/first-run/final\npnpm tessera encode --model output/first-run/final --input texts.txt --output embeddings.jsonl', 'sh')}
${markdown(training, { headingOffset: 2 })}
<p>The same from code is <a href="packages/trainer.html"><code>new Trainer({ model, loss, trainDataset, args })</code></a> (Node). In a browser, write the loop yourself with a loss and an optimizer — the <a href="examples/fine-tune.html">live fine-tuning example</a> does exactly that on WebGPU.</p>`,
  });

  // ---- Package pages and API reference -----------------------------------------------------
  for (const guide of PACKAGE_GUIDES) {
    const api = apis.find((a) => a.dir === guide.dir)!;
    pages.push(packagePage(guide, api, linker(`packages/${guide.dir}.html`)));
    pages.push(apiPage(api, linker(`api/${api.dir}.html`)));
  }

  // ---- Losses ------------------------------------------------------------------------------
  pages.push(lossIndexPage(losses));
  for (const meta of losses) pages.push(lossPage(meta, docsDir, linker(`losses/${meta.name}.html`)));

  // ---- Live examples -----------------------------------------------------------------------
  pages.push(examplesIndexPage(losses));
  pages.push(...examplePages(docsDir));

  // ---- Benchmarks --------------------------------------------------------------------------
  const bench = benchmarksBody([join(repoRoot, 'bench', 'results', 'latest.json'), join(repoRoot, 'bench', 'results', 'reference.json')]);
  pages.push({ path: 'benchmarks.html', title: 'Benchmarks', body: bench.body });

  // ---- Write -------------------------------------------------------------------------------
  if (existsSync(siteDir)) rmSync(siteDir, { recursive: true, force: true });
  const files: Record<string, string> = {};
  for (const page of pages) {
    const file = join(siteDir, page.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, renderPage(page, nav));
    files[page.path] = file;
  }
  return {
    pages: files,
    losses: lossNames,
    livePages: [...EXAMPLE_PAGES.map((p) => p.path), ...lossNames.map((n) => `losses/${n}.html`)],
    hasBenchResults: bench.hasResults,
  };
}

// ==== page builders ============================================================================

type Linker = (name: string) => string | null;

const KIND_ORDER: ApiEntry['kind'][] = ['class', 'function', 'const', 'enum', 'interface', 'type'];
const KIND_TITLE: Record<ApiEntry['kind'], string> = { class: 'Classes', function: 'Functions', const: 'Constants', enum: 'Enums', interface: 'Interfaces', type: 'Types' };

function packagePage(guide: PackageGuide, api: PackageApi, link: Linker): PageSpec {
  const byKind = KIND_ORDER.map((k) => [k, api.entries.filter((e) => e.kind === k)] as const).filter(([, list]) => list.length);
  const glance = byKind
    .map(
      ([kind, list]) =>
        `<h3>${KIND_TITLE[kind]}</h3><dl class="glance">${list
          .map((e) => `<dt><a href="../api/${api.dir}.html#${e.name}"><code>${escapeHtml(e.name)}</code></a></dt><dd>${e.doc ? inline(firstSentence(e.doc), link) : `<code class="muted">${escapeHtml(shortSignature(e))}</code>`}</dd>`)
          .join('')}</dl>`,
    )
    .join('\n');
  const live = guide.live?.length ? `<p class="live-links">Live: ${guide.live.map((l) => `<a href="../${l.path}">${escapeHtml(l.title)}</a>`).join(' · ')}</p>` : '';
  return {
    path: `packages/${guide.dir}.html`,
    title: guide.name,
    body: `<h1><code>${escapeHtml(guide.name)}</code> — ${escapeHtml(guide.title)}</h1>
<p class="lead">${escapeHtml(guide.summary)}</p>
${guide.nodeOnly ? '<p class="note">This package uses Node APIs (files, child processes); it does not run in a browser.</p>' : ''}
${live}
<p><a class="button" href="../api/${api.dir}.html">Full API reference for ${escapeHtml(guide.name)} →</a></p>
${markdown(guide.guide, { link, headingOffset: 1 })}
<h2 id="api">API at a glance</h2>
<p>${api.entries.length} exports, from the doc comments in the package's declarations. Each links to its entry in the <a href="../api/${api.dir}.html">API reference</a>.</p>
${glance}`,
  };
}

/** A declaration without `export declare` and with its first overload only, cut to one line (for entries without a doc comment). */
function shortSignature(e: ApiEntry): string {
  const sig = e.signature.split('\n')[0]!.replace(/^export\s+(declare\s+)?/, '').replace(/\s+/g, ' ');
  return sig.length > 110 ? `${sig.slice(0, 107)}…` : sig;
}

function memberHtml(m: Member, link: Linker): string {
  const tags = [m.isStatic ? 'static' : '', m.isProtected ? 'protected' : '', m.addedBy ? `added by ${m.addedBy}` : ''].filter(Boolean);
  return `<div class="member"><pre class="sig">${escapeHtml(m.signature)}</pre>${tags.length ? `<span class="tags">${tags.map((t) => `<span class="tag">${escapeHtml(t)}</span>`).join('')}</span>` : ''}${m.doc ? `<div class="doc">${markdown(m.doc, { link })}</div>` : ''}</div>`;
}

function apiPage(api: PackageApi, link: Linker): PageSpec {
  const byKind = KIND_ORDER.map((k) => [k, api.entries.filter((e) => e.kind === k)] as const).filter(([, list]) => list.length);
  const index = byKind.map(([kind, list]) => `<p class="api-index"><strong>${KIND_TITLE[kind]}:</strong> ${list.map((e) => `<a href="#${e.name}">${escapeHtml(e.name)}</a>`).join(', ')}</p>`).join('');
  const sections = byKind
    .map(
      ([kind, list]) =>
        `<h2 id="kind-${kind}">${KIND_TITLE[kind]}</h2>${list
          .map((e) => {
            const members = e.members.filter((m) => m.kind !== 'index' || e.kind === 'interface');
            return `<section class="api-entry" id="${e.name}"><h3><a href="#${e.name}">${escapeHtml(e.name)}</a> <span class="kind">${e.kind}</span></h3>
<pre class="sig">${escapeHtml(e.signature)}</pre>
${e.doc ? `<div class="doc">${markdown(e.doc, { link })}</div>` : ''}
${members.length ? `<details class="members"${e.kind === 'class' || members.length <= 12 ? ' open' : ''}><summary>${members.length} member${members.length === 1 ? '' : 's'}</summary>${members.map((m) => memberHtml(m, link)).join('')}</details>` : ''}
<p class="src">${escapeHtml(e.file)}</p></section>`;
          })
          .join('\n')}`,
    )
    .join('\n');
  return {
    path: `api/${api.dir}.html`,
    title: `${api.name} API`,
    body: `<h1><code>${escapeHtml(api.name)}</code> API reference</h1>
<p>Generated from the declarations <code>tsc</code> writes to <code>packages/${api.dir}/dist</code> and their doc comments (every export of <code>dist/index.d.ts</code>). Guide: <a href="../packages/${api.dir}.html">${escapeHtml(api.name)}</a>.</p>
${index}
${sections}`,
  };
}

function lossLinks(names: readonly string[], from: string): string {
  return names.map((n) => `<a href="${rel(from, `losses/${n}.html`)}">${escapeHtml(n)}</a>`).join('<br>');
}

function whichLossTable(from: string): string {
  return LOSS_TABLE.map(
    (s) => `<h2>${escapeHtml(s.title)}</h2><p>${escapeHtml(s.intro)}</p>
<table class="which-loss"><thead><tr><th>Texts</th><th>Labels</th><th>Appropriate loss functions</th></tr></thead><tbody>${s.rows
      .map((r) => `<tr><td>${escapeHtml(r.texts)}</td><td>${escapeHtml(r.labels)}</td><td>${lossLinks(r.losses, from)}</td></tr>`)
      .join('')}</tbody></table>`,
  ).join('\n');
}

function lossIndexPage(losses: LossMeta[]): PageSpec {
  const from = 'losses/index.html';
  const all = `<table class="loss-list"><thead><tr><th>Loss</th><th>Inputs (<code>info.inputs</code>)</th><th>Labels (<code>info.labels</code>)</th></tr></thead><tbody>${losses
    .map((l) => `<tr><td><a href="${l.name}.html">${escapeHtml(l.name)}</a>${l.inSeed ? '' : ' <span class="tag">extra</span>'}</td><td>${escapeHtml(l.inputs)}</td><td>${escapeHtml(l.labels)}</td></tr>`)
    .join('')}</tbody></table>`;
  return {
    path: from,
    title: 'Which loss for my data?',
    body: `<h1>Which loss for my data?</h1>
<p>There is no loss that fits every case. Pick by the format of your training data: which texts you have, and what labels. Each loss links to its page: what it takes, its formula, its options with their defaults, and a live run on WebGPU.</p>
${whichLossTable(from)}
<h2>Commonly used</h2>
${markdown(COMMON_CHOICES.map((c) => `- ${c}`).join('\n'), { link: (n) => (losses.some((l) => l.name === n) ? `${n}.html` : null) })}
<h2>All ${losses.length} losses</h2>
<p>The ${losses.filter((l) => l.inSeed).length} losses of the sentence-transformers overview, plus ${Object.keys(EXTRA_LOSSES).length} extra: ${Object.entries(EXTRA_LOSSES)
      .map(([k, v]) => `<a href="${k}.html">${escapeHtml(k)}</a> (${escapeHtml(v)})`)
      .join(', ')}. Inputs and labels come from each class's <code>static info</code>.</p>
${all}`,
  };
}

function lossPage(meta: LossMeta, docsDir: string, link: Linker): PageSpec {
  const from = `losses/${meta.name}.html`;
  const ex = exampleSource(docsDir, meta.name);
  const rows = LOSS_TABLE.flatMap((s) => s.rows.filter((r) => r.losses.includes(meta.name)).map((r) => ({ ...r, section: s.title })));
  const optionsTable = meta.options.length
    ? `<table class="options"><thead><tr><th>Option</th><th>sentence-transformers</th><th>Type</th><th>Default</th><th>Description</th></tr></thead><tbody>${meta.options
        .map(
          (o) =>
            `<tr><td><code>${escapeHtml(o.name)}</code></td><td>${o.stName ? `<code>${escapeHtml(o.stName)}</code>` : ''}</td><td><code>${escapeHtml(o.type)}</code></td><td>${
              o.required ? '<strong>required</strong>' : o.defaultValue !== null ? `<code>${escapeHtml(o.defaultValue)}</code>${o.defaultFrom === 'doc' ? ' <span class="muted">(doc)</span>' : ''}` : '<span class="muted">—</span>'
            }</td><td>${inline(o.doc.replace(/\s*\n\s*/g, ' '), link)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p>This loss has no options.</p>';
  const constructed = meta.requiredArgs.length ? ` built with only its required options (${meta.requiredArgs.map((a) => `<code>${escapeHtml(a)}</code>`).join(', ')})` : ' built with the default options';
  const encoderNote =
    ex.encoder === 'bert'
      ? '<code>model</code> is a tiny BERT <code>SentenceTransformer</code> (hidden 16, 2 layers, 2 heads, the bert-base-uncased tokenizer): this loss needs a transformer.'
      : '<code>model</code> is a tiny average-word-embeddings encoder (one 16-wide row per bert-base-uncased token, averaged over the sentence — sentence-transformers\' WordEmbeddings + mean Pooling), so that a software WebGPU adapter runs the demo in about a second; with a <code>SentenceTransformer</code> the loss code is the same.';
  return {
    path: from,
    title: meta.name,
    data: { loss: meta.name },
    script: 'src/pages/loss.ts',
    body: `<h1>${escapeHtml(meta.name)}${meta.inSeed ? '' : ' <span class="tag">extra</span>'}</h1>
${meta.warnings.length ? `<div class="note warn">${meta.warnings.map((w) => escapeHtml(w)).join('<br>')}</div>` : ''}
<pre class="sig">${escapeHtml(meta.signature)}\n  ${escapeHtml(meta.constructorSignature)}</pre>
<h2 id="data">What data it takes</h2>
<table class="facts"><tbody>
<tr><th>Inputs</th><td>${escapeHtml(meta.inputs)}</td></tr>
<tr><th>Labels</th><td>${escapeHtml(meta.labels)}</td></tr>
${rows.map((r) => `<tr><th>In the <a href="index.html">table</a></th><td>${escapeHtml(r.section)}: ${escapeHtml(r.texts)} · labels: ${escapeHtml(r.labels)}</td></tr>`).join('')}
</tbody></table>
<h2 id="formula">Formula and semantics</h2>
<div class="doc">${markdown(meta.doc, { link })}</div>
<h2 id="options">Options and defaults</h2>
<p>${meta.optionsType ? `<code>new ${escapeHtml(meta.name)}(model, options: ${escapeHtml(meta.optionsType)})</code>. ` : ''}Defaults are what <code>getConfigDict()</code> returns for a loss${constructed}; "(doc)" marks a default taken from the option's doc comment.</p>
${optionsTable}
<details><summary><code>getConfigDict()</code> with the defaults</summary>${codeBlock(JSON.stringify(meta.config, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2), 'json')}</details>
<h2 id="example">Example</h2>
<p>This is the file the live run below executes (<code>docs/src/losses/examples/${escapeHtml(meta.name)}.ts</code>). ${encoderNote} The page builds the encoder, calls the example once with <code>device = 'webgpu'</code> and once with <code>'cpu'</code>, then runs <code>value.backward()</code> and reads every parameter's gradient.</p>
${codeBlock(ex.code)}
<h2 id="run">Run it</h2>
${liveBox({
  intro: 'Computes the loss on the batch above and its gradient, on WebGPU and on the CPU backend from the same weights.',
  metrics: [
    { name: 'value_gpu', label: 'loss (WebGPU)' },
    { name: 'value_cpu', label: 'loss (CPU)' },
    { name: 'value_diff', label: '|Δ loss| GPU vs CPU' },
    { name: 'gradnorm_gpu', label: 'gradient norm (WebGPU)' },
    { name: 'gradnorm_cpu', label: 'gradient norm (CPU)' },
    { name: 'grad_max_diff', label: 'max |Δ gradient| GPU vs CPU' },
    { name: 'params', label: 'parameter tensors with a gradient' },
    { name: 'ms_gpu', label: 'time on WebGPU (ms, kernels compiled on first use)' },
    { name: 'ms_cpu', label: 'time on the CPU (ms)' },
  ],
})}
${meta.relations.length ? `<h2 id="related">Related losses</h2><p>${meta.relations.map((r) => (link(r) ? `<a href="${link(r)}">${escapeHtml(r)}</a>` : escapeHtml(r))).join(' · ')}</p>` : ''}
${meta.citation ? `<h2 id="citation">Citation</h2><pre class="citation">${escapeHtml(meta.citation)}</pre>` : ''}
<p class="src">API: <a href="../api/losses.html#${meta.name}">${escapeHtml(meta.name)} in the API reference</a></p>`,
  };
}

function examplesIndexPage(losses: LossMeta[]): PageSpec {
  return {
    path: 'examples/index.html',
    title: 'Live examples',
    body: `<h1>Live examples</h1>
<p>Each example runs its code in this browser on WebGPU (<code>navigator.gpu</code>). Without a WebGPU adapter it runs on Tessera's CPU backend instead and says so. Sizes are tiny on purpose: a software adapter such as SwiftShader does about 0.3 GFLOP/s, and the first run of each kernel includes compiling it.</p>
<ul class="examples">
${EXAMPLE_PAGES.map((p) => `<li><a href="${rel('examples/index.html', p.path)}">${escapeHtml(p.title)}</a></li>`).join('\n')}
<li>Every loss on a small batch, with its gradient on WebGPU and the CPU: ${losses.map((l) => `<a href="../losses/${l.name}.html">${escapeHtml(l.name)}</a>`).join(', ')}</li>
</ul>`,
  };
}

/** The code between `// #region example` and `// #endregion` of a page script: what the page shows is what it runs. */
export function exampleRegion(docsDir: string, script: string): string {
  const src = readFileSync(join(docsDir, script), 'utf8');
  const m = /\/\/ #region example\n([\s\S]*?)\/\/ #endregion/.exec(src);
  if (!m) throw new Error(`${script} has no '// #region example' … '// #endregion' block`);
  return m[1]!.trim();
}

function examplePages(docsDir: string): PageSpec[] {
  const [tensorPage, autogradPage, finetunePage, encodePage] = EXAMPLE_PAGES;
  const source = (script: string): string => codeBlock(exampleRegion(docsDir, script)).replace('<pre class="code', '<pre id="source" class="code');
  return [
    {
      path: tensorPage.path,
      title: tensorPage.title,
      script: tensorPage.script,
      body: `<h1>Tensor basics</h1>
<p>Creating tensors, broadcasting, <code>matmul</code>, reductions, <code>softmax</code> and indexing, run on WebGPU and compared with the CPU backend. The code of this page:</p>
${source(tensorPage.script)}
${liveBox({
  metrics: [
    { name: 'max_diff', label: 'max |WebGPU − CPU| over all results' },
    { name: 'checks', label: 'results compared' },
    { name: 'sum', label: 'sum of softmax(x @ w) rows (should be 4)' },
  ],
  extra: '<div id="output" class="output"></div>',
})}`,
    },
    {
      path: autogradPage.path,
      title: autogradPage.title,
      script: autogradPage.script,
      body: `<h1>Autograd: gradients on WebGPU vs the CPU</h1>
<p>A two-layer network with layer norm, GELU and a cross-entropy loss, run forward and backward on WebGPU and on the CPU from the same inputs. Both gradient tables are computed by the same gradient rules (written with tensor ops), so they must agree to float32 rounding. The page also runs <code>gradcheck</code> (autograd vs central finite differences, float64 on the CPU) and <code>grad()</code>, the functional form.</p>
${source(autogradPage.script)}
${liveBox({
  metrics: [
    { name: 'loss_gpu', label: 'loss (WebGPU)' },
    { name: 'loss_cpu', label: 'loss (CPU)' },
    { name: 'grad_max_diff', label: 'max |Δ gradient| over all parameters' },
    { name: 'grad_max_abs', label: 'largest |gradient| (for scale)' },
    { name: 'gradcheck', label: 'gradcheck passed (1 = yes)' },
    { name: 'functional_grad', label: 'grad(x ↦ Σx³)(2) (should be 12)' },
  ],
  extra: '<div id="output" class="output"></div>',
})}`,
    },
    {
      path: finetunePage.path,
      title: finetunePage.title,
      script: finetunePage.script,
      body: `<h1>Fine-tune a tiny encoder with MultipleNegativesRankingLoss</h1>
<p>A tiny BERT sentence encoder (hidden 16, 2 layers, the bert-base-uncased tokenizer) learns to match eight questions with their answers: <a href="../losses/MultipleNegativesRankingLoss.html">MultipleNegativesRankingLoss</a> with in-batch negatives, AdamW, on WebGPU. The curve is drawn as it trains; retrieval accuracy is measured before and after. The trained weights are kept in this browser for the <a href="encode.html">encode example</a>.</p>
${source(finetunePage.script)}
${liveBox({
  runLabel: 'Train',
  metrics: [
    { name: 'loss_first', label: 'loss at step 1' },
    { name: 'loss_last', label: 'loss at the last step' },
    { name: 'steps', label: 'steps' },
    { name: 'acc_before', label: 'accuracy@1 before (question → its answer)' },
    { name: 'acc_after', label: 'accuracy@1 after' },
    { name: 'ms_per_step', label: 'ms per step' },
  ],
  extra: '<div id="curve" class="chart-box"></div>',
})}`,
    },
    {
      path: encodePage.path,
      title: encodePage.title,
      script: encodePage.script,
      body: `<h1><code>encode()</code> and a similarity heat map</h1>
<p><code>model.encode(texts, { normalize: true })</code> embeds sentences (in eval mode, without gradients, in length-sorted batches); the cosine similarity of every pair is then one <code>matmul</code>. The model is the one you trained on the <a href="fine-tune.html">fine-tuning page</a> when this browser still has it, else a freshly initialised tiny encoder (then the map shows little structure).</p>
${source(encodePage.script)}
${liveBox({
  runLabel: 'Encode',
  metrics: [
    { name: 'dim', label: 'embedding width' },
    { name: 'diag_min', label: 'smallest self-similarity (should be 1)' },
    { name: 'asym_max', label: 'max |S − Sᵀ| (should be 0)' },
    { name: 'cpu_max_diff', label: 'max |WebGPU − CPU| of the embeddings' },
    { name: 'trained', label: 'uses the fine-tuned weights (1 = yes)' },
  ],
  extra: '<div id="heatmap" class="chart-box"></div>',
})}`,
    },
  ];
}
