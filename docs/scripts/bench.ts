/**
 * The benchmarks page: charts and a table from the newest results: bench/results/latest.json (written by
 * `pnpm bench`, not in git) when it exists, else the committed reference run bench/results/reference.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { barChart, fmt } from '../src/lib/svg.js';
import type { BarGroup } from '../src/lib/svg.js';
import { codeBlock, escapeHtml } from './markdown.js';

interface BenchRow {
  suite: string;
  case: string;
  library: string;
  device: string;
  unit: string;
  throughput: number;
  meanMs: number;
  rmePct?: number;
  samples?: number;
  vsPeer?: number | null;
  error?: string;
}

interface BenchReport {
  date?: string;
  machine?: Record<string, unknown>;
  webgpu?: Record<string, unknown> | null;
  peers?: Record<string, string>;
  durationSeconds?: number;
  results?: BenchRow[];
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);

/** `files` in order of preference (the first that exists is shown); its chart is the .svg beside it. */
export function benchmarksBody(files: readonly string[]): { body: string; hasResults: boolean } {
  const howTo = codeBlock('pnpm bench              # every row (about an hour on 2 cores); `pnpm bench -- matmul` filters by name\npnpm bench -- --quick   # without the MiniLM-L6 training step, encode and the concurrent CPU+WebGPU run', 'sh');
  const file = files.find((f) => existsSync(f));
  if (file === undefined) {
    return {
      hasResults: false,
      body: `<h1>Benchmarks</h1>
<div class="note warn" id="no-results"><strong>No benchmark results yet.</strong> Run <code>pnpm bench</code> in the repository, then rebuild the docs (<code>pnpm docs:build</code>): this page is made from <code>bench/results/latest.json</code>, which the benchmark run writes.</div>
${howTo}`,
    };
  }
  let report: BenchReport;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  } catch (e) {
    return { hasResults: false, body: `<h1>Benchmarks</h1><div class="note warn" id="no-results">bench/results/${escapeHtml(basename(file))} could not be read (${escapeHtml((e as Error).message)}): run <code>pnpm bench</code> again.</div>${howTo}` };
  }
  const rows = (report.results ?? []).filter((r) => r && typeof r.case === 'string' && Number.isFinite(num(r.throughput)));
  // One chart per (unit, device): Tessera's cases, each next to the peers that ran the same case.
  const panels = new Map<string, BarGroup[]>();
  for (const r of rows.filter((x) => x.library === 'tessera')) {
    const key = `${r.unit}|${r.device}`;
    const peers = rows.filter((p) => p.library !== 'tessera' && p.case === r.case && p.unit === r.unit && p.device === r.device);
    const group: BarGroup = { label: r.case, bars: [{ name: `tessera (${r.device})`, value: num(r.throughput) }, ...peers.map((p) => ({ name: `${p.library} (${p.device})`, value: num(p.throughput) }))] };
    panels.set(key, [...(panels.get(key) ?? []), group]);
  }
  const charts = [...panels.entries()]
    .map(([key, groups]) => {
      const [unit, device] = key.split('|') as [string, string];
      return `<figure class="bench-chart">${barChart(groups, { unit, title: `${device === 'webgpu' ? 'WebGPU' : 'CPU'}: ${unit} (higher is better)` })}</figure>`;
    })
    .join('\n');
  const machine = report.machine ?? {};
  const gpu = report.webgpu as Record<string, unknown> | null | undefined;
  const facts = [
    report.date ? `run on ${escapeHtml(String(report.date))}` : null,
    machine.cpu ? `${escapeHtml(String(machine.cpu))}, ${escapeHtml(String(machine.cores ?? '?'))} cores` : null,
    machine.node ? `Node ${escapeHtml(String(machine.node))}` : null,
    gpu ? `WebGPU adapter: ${escapeHtml(String(gpu.description ?? gpu.device ?? 'unknown'))}${gpu.isSoftware ? ' (software)' : ''}` : 'no WebGPU adapter',
    report.peers ? `peers: ${Object.entries(report.peers).map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(v)}`).join(', ')}` : null,
    report.durationSeconds ? `${fmt(report.durationSeconds)} s in all` : null,
  ].filter(Boolean);
  const table = `<table class="bench"><thead><tr><th>suite</th><th>case</th><th>library</th><th>device</th><th>mean (ms)</th><th>± %</th><th>throughput</th><th>vs peer</th></tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.suite)}</td><td>${escapeHtml(r.case)}</td><td>${escapeHtml(r.library)}</td><td>${escapeHtml(r.device)}</td><td class="num">${fmt(num(r.meanMs))}</td><td class="num">${Number.isFinite(num(r.rmePct)) ? fmt(num(r.rmePct), 2) : ''}</td><td class="num">${fmt(num(r.throughput))} ${escapeHtml(r.unit)}</td><td class="num">${typeof r.vsPeer === 'number' ? `${fmt(r.vsPeer, 3)}×` : ''}</td></tr>`,
    )
    .join('')}</tbody></table>`;
  return {
    hasResults: true,
    body: `<h1>Benchmarks</h1>
<p>From <code>bench/results/${escapeHtml(basename(file))}</code> (${facts.join('; ')}). "vs peer" is Tessera's speed divided by the peer's on the same case: above 1, Tessera is faster. The peers are tfjs 4.22's pure-JS CPU backend and tfjs-backend-webgpu on the same adapter.</p>
<div id="bench-results" data-rows="${rows.length}">
${ratioChart(file)}
${charts}
</div>
<h2>All results</h2>
${table}
<h2>Run them yourself</h2>
${howTo}`,
  };
}

/** The bench's own chart (speed ratio vs each peer, written beside the JSON by `pnpm bench`), inlined. */
function ratioChart(jsonFile: string): string {
  const svgFile = jsonFile.replace(/\.json$/, '.svg');
  if (!existsSync(svgFile)) return '';
  const svg = readFileSync(svgFile, 'utf8');
  // Only our own generated SVG is inlined: it starts with <svg and holds no script.
  if (!svg.trimStart().startsWith('<svg') || /<script/i.test(svg)) return '';
  return `<figure class="bench-chart bench-ratios">${svg}<figcaption>Speed ratio against the peer on the same case and device (log scale; right of 1× Tessera is faster).</figcaption></figure>`;
}
