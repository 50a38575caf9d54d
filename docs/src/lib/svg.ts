/**
 * SVG charts as strings, without the DOM: used by the live pages (loss curve, similarity heat map)
 * and at build time (benchmark bar charts).
 */

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round, readable tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toString();
}

export interface LineSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: string;
}

/** A line chart: x and y axes with ticks, one polyline per series, a legend. */
export function lineChart(series: readonly LineSeries[], opts: { width?: number; height?: number; xLabel?: string; yLabel?: string; title?: string; xMax?: number } = {}): string {
  const W = opts.width ?? 560;
  const H = opts.height ?? 300;
  const m = { l: 56, r: 16, t: opts.title ? 28 : 12, b: 40 };
  const pts = series.flatMap((s) => s.points);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]).filter(Number.isFinite);
  const x0 = Math.min(0, ...xs);
  const x1 = Math.max(opts.xMax ?? 1, ...xs);
  let y0 = ys.length ? Math.min(...ys) : 0;
  let y1 = ys.length ? Math.max(...ys) : 1;
  if (y1 - y0 < 1e-9) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const pad = (y1 - y0) * 0.08;
  y0 = Math.max(0, y0 - pad) === 0 && y0 >= 0 ? Math.max(0, y0 - pad) : y0 - pad;
  y1 += pad;
  const sx = (x: number): number => m.l + ((x - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const sy = (y: number): number => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" class="chart" role="img">`);
  if (opts.title) parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" class="chart-title">${esc(opts.title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" class="tick">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1, 6)) {
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle" class="tick">${fmt(t)}</text>`);
  }
  parts.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" class="axis"/><line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" class="axis"/>`);
  if (opts.xLabel) parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 6}" text-anchor="middle" class="label">${esc(opts.xLabel)}</text>`);
  if (opts.yLabel) parts.push(`<text x="14" y="${(m.t + H - m.b) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(m.t + H - m.b) / 2})" class="label">${esc(opts.yLabel)}</text>`);
  const palette = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed'];
  series.forEach((s, i) => {
    const color = s.color ?? palette[i % palette.length]!;
    const good = s.points.filter((p) => Number.isFinite(p[1]));
    if (good.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${good.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ')}"/>`);
    for (const p of good) parts.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="2.5" fill="${color}"/>`);
    parts.push(`<rect x="${W - m.r - 150}" y="${m.t + 6 + i * 16}" width="10" height="10" fill="${color}"/><text x="${W - m.r - 135}" y="${m.t + 15 + i * 16}" class="legend">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** A heat map of a square matrix with row/column labels and the value in each cell. */
export function heatMap(values: readonly (readonly number[])[], labels: readonly string[], opts: { cell?: number; labelWidth?: number; min?: number; max?: number } = {}): string {
  const n = values.length;
  const cell = opts.cell ?? 44;
  const lw = opts.labelWidth ?? 180;
  const top = 24;
  const W = lw + n * cell + 8;
  const H = top + n * cell + 8;
  const flat = values.flat();
  const lo = opts.min ?? Math.min(...flat);
  const hi = opts.max ?? Math.max(...flat);
  const color = (v: number): string => {
    const t = Math.max(0, Math.min(1, (v - lo) / (hi - lo || 1)));
    // white -> blue
    const r = Math.round(255 - t * (255 - 37));
    const g = Math.round(255 - t * (255 - 99));
    const b = Math.round(255 - t * (255 - 235));
    return `rgb(${r},${g},${b})`;
  };
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" class="chart heatmap" role="img">`];
  labels.forEach((l, i) => {
    const short = l.length > 26 ? `${l.slice(0, 25)}…` : l;
    parts.push(`<text x="${lw - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" class="tick">${esc(short)}</text>`);
    parts.push(`<text x="${lw + i * cell + cell / 2}" y="${top - 8}" text-anchor="middle" class="tick">${i + 1}</text>`);
  });
  values.forEach((row, i) =>
    row.forEach((v, j) => {
      const t = (v - lo) / (hi - lo || 1);
      parts.push(`<rect x="${lw + j * cell}" y="${top + i * cell}" width="${cell - 1}" height="${cell - 1}" fill="${color(v)}"><title>${esc(`${labels[i]} · ${labels[j]}: ${v.toFixed(3)}`)}</title></rect>`);
      parts.push(`<text x="${lw + j * cell + cell / 2}" y="${top + i * cell + cell / 2 + 4}" text-anchor="middle" class="cell" fill="${t > 0.6 ? '#fff' : '#111'}">${v.toFixed(2)}</text>`);
    }),
  );
  parts.push('</svg>');
  return parts.join('');
}

export interface BarGroup {
  label: string;
  bars: { name: string; value: number }[];
}

/** Horizontal grouped bars (one group per case, one bar per library). */
export function barChart(groups: readonly BarGroup[], opts: { width?: number; unit?: string; title?: string } = {}): string {
  const W = opts.width ?? 720;
  const lw = 260;
  const barH = 16;
  const gap = 10;
  const names = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const palette = ['#2563eb', '#f59e0b', '#059669', '#dc2626', '#7c3aed'];
  const colorOf = (n: string): string => palette[names.indexOf(n) % palette.length]!;
  const top = (opts.title ? 26 : 6) + 18;
  const groupH = (g: BarGroup): number => g.bars.length * barH + gap;
  const H = top + groups.reduce((s, g) => s + groupH(g), 0) + 24;
  const max = Math.max(1e-12, ...groups.flatMap((g) => g.bars.map((b) => b.value)));
  const sx = (v: number): number => (v / max) * (W - lw - 90);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" class="chart bars" role="img">`];
  if (opts.title) parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" class="chart-title">${esc(opts.title)}</text>`);
  names.forEach((n, i) => parts.push(`<rect x="${lw + i * 130}" y="${top - 16}" width="10" height="10" fill="${colorOf(n)}"/><text x="${lw + 14 + i * 130}" y="${top - 7}" class="legend">${esc(n)}</text>`));
  let y = top;
  for (const g of groups) {
    parts.push(`<text x="${lw - 8}" y="${y + (g.bars.length * barH) / 2 + 4}" text-anchor="end" class="tick">${esc(g.label)}</text>`);
    for (const b of g.bars) {
      parts.push(`<rect x="${lw}" y="${y}" width="${Math.max(1, sx(b.value)).toFixed(1)}" height="${barH - 3}" fill="${colorOf(b.name)}"><title>${esc(`${b.name}: ${fmt(b.value)} ${opts.unit ?? ''}`)}</title></rect>`);
      parts.push(`<text x="${lw + sx(b.value) + 4}" y="${y + barH - 5}" class="tick">${fmt(b.value)}${opts.unit ? ` ${esc(opts.unit)}` : ''}</text>`);
      y += barH;
    }
    y += gap;
  }
  parts.push('</svg>');
  return parts.join('');
}
