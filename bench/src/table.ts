import type { CaseResult } from './suite.js';

const COLUMNS = ['suite', 'case', 'mean (ms)', '± rme', 'throughput', 'samples', 'vs peer'] as const;
/** Shown before `vs peer` when some row sampled Tessera's memory. */
const PEAK = 'peak mem';

function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms >= 100 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(3) : ms.toFixed(4);
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return x >= 100 ? x.toFixed(1) : x.toFixed(2);
}

/** Bytes as `512 B`, `217.0 MiB`, `6.30 GiB` (binary units); signed when `signed`. */
export function fmtBytes(bytes: number, signed = false): string {
  if (!Number.isFinite(bytes)) return '-';
  const sign = bytes < 0 ? '-' : signed && bytes > 0 ? '+' : '';
  const b = Math.abs(bytes);
  const body = b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : b >= 2 ** 10 ? `${(b / 2 ** 10).toFixed(1)} KiB` : `${b} B`;
  return `${sign}${body}`;
}

/** A speed ratio: `2.41×`, `0.38×`, `0.047×`. */
export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '-';
  return `${r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

/** The `vs peer` cell: Tessera rows show peer time / Tessera time; a peer's own row says which Tessera row it is for. */
function vsPeer(r: CaseResult): string {
  if (r.peerOf !== undefined) return `(peer)`;
  if (r.vsPeer === undefined || r.peer === undefined) return '-';
  return `${fmtRatio(r.vsPeer)} ${r.peer.library}`;
}

function cells(r: CaseResult): string[] {
  if (r.error !== undefined) return [r.suite, r.case, 'error', '-', '-', '0', r.peerOf !== undefined ? '(peer)' : '-'];
  // One sample has no spread: '-'.
  const rme = r.samples > 1 && Number.isFinite(r.rmePct) ? `±${r.rmePct.toFixed(2)}%` : '-';
  return [r.suite, r.case, fmtMs(r.meanMs), rme, `${fmtNum(r.throughput)} ${r.unit}`, String(r.samples), vsPeer(r)];
}

/** The cells with the peak-memory cell inserted before `vs peer`. */
function withPeak(c: string[], r: CaseResult): string[] {
  return [...c.slice(0, 6), r.memory ? fmtBytes(r.memory.peakBytes) : '-', c[6]!];
}

/**
 * One plain-text table of every result: suite, case, mean time, ± rme, throughput, samples and `vs peer`,
 * the speed ratio against the peer library's same case (peer time / Tessera time: > 1× means Tessera is
 * faster). Rows print in the order given (`attachPeers` puts each peer row under its Tessera row).
 */
export function formatTable(results: readonly CaseResult[]): string {
  const peak = results.some((r) => r.memory !== undefined);
  const header: readonly string[] = peak ? [...COLUMNS.slice(0, 6), PEAK, COLUMNS[6]] : COLUMNS;
  const rows = results.map((r) => (peak ? withPeak(cells(r), r) : cells(r)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = peak ? [false, false, true, true, true, true, true, false] : [false, false, true, true, true, true, false];
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' │ ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * Lines for under the table: Tessera's memory per sampled case (peak of one call; live bytes after the
 * first and the last call, and their difference: 0 means nothing grows from step to step), each case's
 * note, and each case's details.
 */
export function formatFooter(results: readonly CaseResult[]): string[] {
  const lines: string[] = [];
  const sampled = results.filter((r) => r.memory && r.error === undefined);
  if (sampled.length > 0) {
    lines.push('Tessera memory (peak of one call; live bytes after call 1 -> after the last call):');
    for (const r of sampled) {
      const m = r.memory!;
      const growth = m.liveBytesAfterLast - m.liveBytesAfterFirst;
      lines.push(
        `  ${r.suite} ${r.case} [${m.device}]: peak ${fmtBytes(m.peakBytes)}; live ${fmtBytes(m.liveBytesAfterFirst)} -> ${fmtBytes(m.liveBytesAfterLast)} over ${m.calls} calls (${growth === 0 ? 'no growth' : `growth ${fmtBytes(growth, true)}`})`,
      );
    }
  }
  const noted = results.filter((r) => r.note !== undefined || r.details !== undefined);
  if (noted.length > 0) {
    lines.push('Notes:');
    for (const r of noted) {
      const details = r.details ? Object.entries(r.details).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(1)}`).join(', ') : '';
      lines.push(`  ${r.suite} ${r.case}: ${[r.note, details].filter((x) => x).join('; ')}`);
    }
  }
  return lines;
}
