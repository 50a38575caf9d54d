import type { CaseResult } from './suite.js';

const COLUMNS = ['suite', 'case', 'mean (ms)', '± rme', 'throughput', 'samples', 'vs peer'] as const;

function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms >= 100 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(3) : ms.toFixed(4);
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return x >= 100 ? x.toFixed(1) : x.toFixed(2);
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
  return [r.suite, r.case, fmtMs(r.meanMs), `±${r.rmePct.toFixed(2)}%`, `${fmtNum(r.throughput)} ${r.unit}`, String(r.samples), vsPeer(r)];
}

/**
 * One plain-text table of every result: suite, case, mean time, ± rme, throughput, samples and `vs peer`,
 * the speed ratio against the peer library's same case (peer time / Tessera time: > 1× means Tessera is
 * faster). Rows print in the order given (`attachPeers` puts each peer row under its Tessera row).
 */
export function formatTable(results: readonly CaseResult[]): string {
  const rows = results.map(cells);
  const widths = COLUMNS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = [false, false, true, true, true, true, false];
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' │ ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  return [line(COLUMNS), rule, ...rows.map(line)].join('\n');
}
