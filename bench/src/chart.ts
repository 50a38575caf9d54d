/**
 * The bench's chart for the docs (bench/results/latest.svg): a horizontal bar chart of every row's
 * speed ratio against its peer (log scale around 1x), then a grouped bar chart of GFLOP/s (Tessera
 * and its peer side by side) for the rows that count FLOPs. Plain SVG, no dependencies.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gflopsOf } from './suite.js';
import type { CaseResult } from './suite.js';
import { fmtRatio } from './table.js';

export interface BarChartOptions {
  title?: string;
  subtitle?: string;
  width?: number;
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const ROW = 22;
const LABEL_W = 380;
const COLORS = { faster: '#2e7d32', slower: '#e65100', tessera: '#1565c0', peer: '#9e9e9e', axis: '#616161', grid: '#e0e0e0' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function label(r: CaseResult, max = 62): string {
  const s = `${r.suite} · ${r.case}`;
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function fmtG(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/**
 * The SVG (a string) for `results` as `attachPeers` returns them: Tessera rows with a `vsPeer` make
 * the ratio panel; rows whose GFLOP/s is known (unit GFLOP/s, or `flops`) and that have a peer make
 * the throughput panel. Empty panels are left out.
 */
export function benchChartSvg(results: readonly CaseResult[], opts: BarChartOptions = {}): string {
  const width = opts.width ?? 960;
  const plotX = LABEL_W + 10;
  const plotW = width - plotX - 110;
  const out: string[] = [];
  let y = 0;

  const title = opts.title ?? 'Tessera vs peers';
  out.push(`<text x="12" y="${(y += 26)}" font-size="18" font-weight="600" ${FONT}>${esc(title)}</text>`);
  if (opts.subtitle) out.push(`<text x="12" y="${(y += 18)}" font-size="12" fill="${COLORS.axis}" ${FONT}>${esc(opts.subtitle)}</text>`);

  // ---- panel 1: speed ratio vs peer, log scale -----------------------------------------------
  const rated = results.filter((r) => r.peerOf === undefined && r.vsPeer !== undefined && Number.isFinite(r.vsPeer) && r.vsPeer > 0);
  if (rated.length > 0) {
    y += 30;
    out.push(`<text x="12" y="${y}" font-size="14" font-weight="600" ${FONT}>Speed vs peer: peer time ÷ Tessera time (right of 1× = Tessera faster), log scale</text>`);
    y += 14;
    const logs = rated.map((r) => Math.log10(r.vsPeer!));
    const lo = Math.min(-1, Math.floor(Math.min(...logs)));
    const hi = Math.max(1, Math.ceil(Math.max(...logs)));
    const xOf = (l: number) => plotX + ((l - lo) / (hi - lo)) * plotW;
    const top = y;
    const bottom = y + rated.length * ROW;
    for (let e = lo; e <= hi; e++) {
      const x = xOf(e);
      out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="${e === 0 ? COLORS.axis : COLORS.grid}" stroke-width="${e === 0 ? 1.5 : 1}"/>`);
      out.push(`<text x="${x}" y="${bottom + 14}" font-size="11" text-anchor="middle" fill="${COLORS.axis}" ${FONT}>${fmtRatio(10 ** e)}</text>`);
    }
    rated.forEach((r, i) => {
      const cy = top + i * ROW;
      const x1 = xOf(0);
      const x2 = xOf(Math.log10(r.vsPeer!));
      const faster = r.vsPeer! >= 1;
      out.push(`<text x="${LABEL_W}" y="${cy + 15}" font-size="12" text-anchor="end" ${FONT}>${esc(label(r))}</text>`);
      out.push(`<rect x="${Math.min(x1, x2)}" y="${cy + 4}" width="${Math.max(1, Math.abs(x2 - x1))}" height="${ROW - 8}" fill="${faster ? COLORS.faster : COLORS.slower}"/>`);
      const tx = faster ? x2 + 4 : x2 - 4;
      out.push(`<text x="${tx}" y="${cy + 15}" font-size="11" text-anchor="${faster ? 'start' : 'end'}" ${FONT}>${esc(`${fmtRatio(r.vsPeer!)} vs ${r.peer?.library ?? 'peer'}`)}</text>`);
    });
    y = bottom + 20;
  }

  // ---- panel 2: GFLOP/s, Tessera and peer -----------------------------------------------------
  const pairs: { r: CaseResult; own: number; peer: CaseResult | undefined; other: number }[] = [];
  for (const r of results) {
    if (r.peerOf !== undefined || r.error !== undefined) continue;
    const own = gflopsOf(r);
    if (!Number.isFinite(own)) continue;
    const peer = results.find((p) => p.peerOf?.suite === r.suite && p.peerOf.case === r.case && p.error === undefined);
    if (!peer) continue;
    pairs.push({ r, own, peer, other: gflopsOf(peer) });
  }
  if (pairs.length > 0) {
    y += 30;
    out.push(`<text x="12" y="${y}" font-size="14" font-weight="600" ${FONT}>Throughput, GFLOP/s (matmul FLOPs ÷ time):</text>`);
    out.push(`<rect x="${plotX + 300}" y="${y - 10}" width="10" height="10" fill="${COLORS.tessera}"/><text x="${plotX + 314}" y="${y}" font-size="12" ${FONT}>Tessera</text>`);
    out.push(`<rect x="${plotX + 380}" y="${y - 10}" width="10" height="10" fill="${COLORS.peer}"/><text x="${plotX + 394}" y="${y}" font-size="12" ${FONT}>peer</text>`);
    y += 14;
    const max = Math.max(...pairs.flatMap((p) => [p.own, Number.isFinite(p.other) ? p.other : 0]));
    const xOf = (g: number) => plotX + (g / max) * plotW;
    const pairH = 2 * (ROW - 8) + 10;
    pairs.forEach((p, i) => {
      const cy = y + i * pairH;
      out.push(`<text x="${LABEL_W}" y="${cy + 15}" font-size="12" text-anchor="end" ${FONT}>${esc(label(p.r))}</text>`);
      out.push(`<rect x="${plotX}" y="${cy + 2}" width="${Math.max(1, xOf(p.own) - plotX)}" height="${ROW - 9}" fill="${COLORS.tessera}"/>`);
      out.push(`<text x="${xOf(p.own) + 4}" y="${cy + 12}" font-size="11" ${FONT}>${fmtG(p.own)}</text>`);
      if (Number.isFinite(p.other)) {
        const py = cy + ROW - 6;
        out.push(`<rect x="${plotX}" y="${py}" width="${Math.max(1, xOf(p.other) - plotX)}" height="${ROW - 9}" fill="${COLORS.peer}"/>`);
        out.push(`<text x="${xOf(p.other) + 4}" y="${py + 10}" font-size="11" ${FONT}>${esc(`${fmtG(p.other)} ${p.peer!.library}`)}</text>`);
      }
    });
    y += pairs.length * pairH + 10;
  }
  if (rated.length === 0 && pairs.length === 0) {
    out.push(`<text x="12" y="${(y += 30)}" font-size="13" ${FONT}>No row with a peer in this run.</text>`);
    y += 10;
  }
  const height = y + 12;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

/** `node bench/dist/chart.js [results.json] [out.svg]`: redraws the chart of a saved report (default bench/results/latest.*). */
function main(): void {
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  const input = process.argv[2] ?? `${dir}latest.json`;
  const output = process.argv[3] ?? input.replace(/\.json$/, '.svg');
  const report = JSON.parse(readFileSync(input, 'utf8')) as {
    date: string;
    machine: { node: string; cpu: string; cores: number };
    webgpu: { description: string } | null;
    results: CaseResult[];
  };
  const m = report.machine;
  const subtitle = `${report.date.slice(0, 10)}; node ${m.node}; ${m.cpu} (${m.cores} cores)${report.webgpu ? `; webgpu: ${report.webgpu.description}` : ''}`;
  writeFileSync(output, benchChartSvg(report.results, { title: CHART_TITLE, subtitle }));
  console.log(`chart: ${output}`);
}

export const CHART_TITLE = 'Tessera bench: speed vs tfjs 4.22 and GFLOP/s';

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
