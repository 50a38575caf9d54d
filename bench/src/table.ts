import type { CaseResult } from './suite.js';

const COLUMNS = ['suite', 'case', 'mean (ms)', '± rme', 'throughput', 'samples'] as const;

function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms >= 100 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(3) : ms.toFixed(4);
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return x >= 100 ? x.toFixed(1) : x.toFixed(2);
}

function cells(r: CaseResult): string[] {
  if (r.error !== undefined) return [r.suite, r.case, 'error', '-', '-', '0'];
  return [r.suite, r.case, fmtMs(r.meanMs), `±${r.rmePct.toFixed(2)}%`, `${fmtNum(r.throughput)} ${r.unit}`, String(r.samples)];
}

/** One plain-text table of every result: suite, case, mean time, ± rme, throughput, samples. */
export function formatTable(results: readonly CaseResult[]): string {
  const rows = results.map(cells);
  const widths = COLUMNS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = [false, false, true, true, true, true];
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' │ ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  return [line(COLUMNS), rule, ...rows.map(line)].join('\n');
}
