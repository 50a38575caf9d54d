/** The page shell: header, the navigation, relative links between pages, the live-example box. */
import { posix } from 'node:path';
import { escapeHtml } from './markdown.js';

export interface NavItem {
  title: string;
  path: string;
}

export interface NavSection {
  title: string;
  items: NavItem[];
  /** Collapsed unless the current page is in it. */
  collapsible?: boolean;
}

/** A URL from page `from` to page `to` (both site-relative paths like `losses/CoSENTLoss.html`). */
export function rel(from: string, to: string): string {
  const hash = to.includes('#') ? to.slice(to.indexOf('#')) : '';
  const target = hash ? to.slice(0, to.indexOf('#')) : to;
  const r = posix.relative(posix.dirname(from), target) || posix.basename(target);
  return r + hash;
}

export interface PageSpec {
  path: string;
  title: string;
  /** HTML of the main column. */
  body: string;
  /** Site-relative path of the page's script (under src/, e.g. `src/pages/loss.ts`). */
  script?: string;
  /** data-* attributes of <body>. */
  data?: Record<string, string>;
  description?: string;
}

/** `../` steps from a page to the site root (where src/ is reachable as `<up>../src/…`). */
function up(path: string): string {
  return '../'.repeat(path.split('/').length - 1);
}

export function renderPage(page: PageSpec, nav: readonly NavSection[]): string {
  const navHtml = nav
    .map((s) => {
      const open = s.items.some((i) => i.path === page.path);
      const list = `<ul>${s.items
        .map((i) => `<li${i.path === page.path ? ' class="current"' : ''}><a href="${escapeHtml(rel(page.path, i.path))}">${escapeHtml(i.title)}</a></li>`)
        .join('')}</ul>`;
      if (s.collapsible) return `<details class="nav-section"${open ? ' open' : ''}><summary>${escapeHtml(s.title)}</summary>${list}</details>`;
      return `<div class="nav-section"><h3>${escapeHtml(s.title)}</h3>${list}</div>`;
    })
    .join('\n');
  const data = Object.entries(page.data ?? {})
    .map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`)
    .join('');
  // The site root is docs/site; styles and scripts live in docs/src (one level up from the root).
  const src = `${up(page.path)}../src/`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · Tessera</title>
${page.description ? `<meta name="description" content="${escapeHtml(page.description)}">` : ''}
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${src}style.css">
</head>
<body${data}>
<header class="top"><a class="brand" href="${escapeHtml(rel(page.path, 'index.html'))}">Tessera</a><span class="tagline">sentence-embedding training in TypeScript, on WebGPU and the CPU</span></header>
<div class="layout">
<nav class="side">
${navHtml}
</nav>
<main>
${page.body}
</main>
</div>
${page.script ? `<script type="module" src="${src}${page.script.replace(/^src\//, '')}"></script>` : ''}
</body>
</html>
`;
}

/** The box every live example has: Run button, status, device banner, numbers, log. */
export function liveBox(opts: { intro?: string; metrics?: { name: string; label: string }[]; extra?: string; runLabel?: string }): string {
  const metrics = opts.metrics?.length
    ? `<table class="metrics"><tbody>${opts.metrics.map((m) => `<tr><th>${m.label}</th><td data-metric="${escapeHtml(m.name)}">–</td></tr>`).join('')}</tbody></table>`
    : '';
  return `<section class="live">
<div class="live-head"><button id="run" type="button">${escapeHtml(opts.runLabel ?? 'Run')}</button><span id="status" class="status">not run yet</span></div>
<p id="device" class="device">Checking for a WebGPU adapter…</p>
${opts.intro ? `<p>${opts.intro}</p>` : ''}
${metrics}
${opts.extra ?? ''}
<pre id="log" class="log"></pre>
</section>`;
}
