/**
 * Line charts for training curves and benchmark results: SVG (for docs) and PNG (a small
 * rasterizer + zlib, no dependencies), with axes, ticks and one polyline per series.
 */
import { deflateSync } from 'node:zlib';

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: string;
}

export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
const MARGIN = { left: 64, right: 16, top: 36, bottom: 44 };

function bounds(series: readonly Series[]): { x0: number; x1: number; y0: number; y1: number } {
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length === 0) return { x0: 0, x1: 1, y0: 0, y1: 1 };
  let x0 = Math.min(...pts.map((p) => p[0]));
  let x1 = Math.max(...pts.map((p) => p[0]));
  let y0 = Math.min(...pts.map((p) => p[1]));
  let y1 = Math.max(...pts.map((p) => p[1]));
  if (x0 === x1) x1 = x0 + 1;
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.05;
  return { x0, x1, y0: y0 - pad, y1: y1 + pad };
}

/** "Nice" tick values (1, 2, 5 × 10^k steps). */
export function ticks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(+v.toPrecision(12));
  return out;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(+v.toPrecision(4));
}

/** An SVG line chart. */
export function lineChartSvg(series: readonly Series[], opts: ChartOptions = {}): string {
  const w = opts.width ?? 720;
  const h = opts.height ?? 400;
  const { x0, x1, y0, y1 } = bounds(series);
  const sx = (x: number): number => MARGIN.left + ((x - x0) / (x1 - x0)) * (w - MARGIN.left - MARGIN.right);
  const sy = (y: number): number => h - MARGIN.bottom - ((y - y0) / (y1 - y0)) * (h - MARGIN.top - MARGIN.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
  ];
  if (opts.title) parts.push(`<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">${escape(opts.title)}</text>`);
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${MARGIN.left}" x2="${w - MARGIN.right}" y1="${sy(t)}" y2="${sy(t)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${sy(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of ticks(x0, x1)) parts.push(`<text x="${sx(t)}" y="${h - MARGIN.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${w - MARGIN.left - MARGIN.right}" height="${h - MARGIN.top - MARGIN.bottom}" fill="none" stroke="#9ca3af"/>`);
  if (opts.xLabel) parts.push(`<text x="${(MARGIN.left + w - MARGIN.right) / 2}" y="${h - 8}" text-anchor="middle">${escape(opts.xLabel)}</text>`);
  if (opts.yLabel) parts.push(`<text x="14" y="${h / 2}" text-anchor="middle" transform="rotate(-90 14 ${h / 2})">${escape(opts.yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const d = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${d}"/>`);
    parts.push(`<text x="${w - MARGIN.right - 8}" y="${MARGIN.top + 16 + i * 16}" text-anchor="end" fill="${color}">${escape(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** The same chart as a PNG (grid, frame and series lines; text omitted: see the SVG for labels). */
export function lineChartPng(series: readonly Series[], opts: ChartOptions = {}): Uint8Array {
  const w = opts.width ?? 720;
  const h = opts.height ?? 400;
  const px = new Uint8Array(w * h * 3).fill(255);
  const { x0, x1, y0, y1 } = bounds(series);
  const sx = (x: number): number => MARGIN.left + ((x - x0) / (x1 - x0)) * (w - MARGIN.left - MARGIN.right);
  const sy = (y: number): number => h - MARGIN.bottom - ((y - y0) / (y1 - y0)) * (h - MARGIN.top - MARGIN.bottom);
  const plot = (x: number, y: number, rgb: readonly number[]): void => {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= w || yi >= h) return;
    px.set(rgb, (yi * w + xi) * 3);
  };
  const line = (ax: number, ay: number, bx: number, by: number, rgb: readonly number[], thick = 1): void => {
    const n = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay)));
    for (let i = 0; i <= n; i++) {
      const x = ax + ((bx - ax) * i) / n;
      const y = ay + ((by - ay) * i) / n;
      for (let dx = 0; dx < thick; dx++) for (let dy = 0; dy < thick; dy++) plot(x + dx, y + dy, rgb);
    }
  };
  const grey = [229, 231, 235];
  for (const t of ticks(y0, y1)) line(MARGIN.left, sy(t), w - MARGIN.right, sy(t), grey);
  const frame = [156, 163, 175];
  line(MARGIN.left, MARGIN.top, w - MARGIN.right, MARGIN.top, frame);
  line(MARGIN.left, h - MARGIN.bottom, w - MARGIN.right, h - MARGIN.bottom, frame);
  line(MARGIN.left, MARGIN.top, MARGIN.left, h - MARGIN.bottom, frame);
  line(w - MARGIN.right, MARGIN.top, w - MARGIN.right, h - MARGIN.bottom, frame);
  series.forEach((s, i) => {
    const hex = (s.color ?? PALETTE[i % PALETTE.length]!).slice(1);
    const rgb = [0, 2, 4].map((o) => parseInt(hex.slice(o, o + 2), 16));
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    for (let k = 1; k < pts.length; k++) line(sx(pts[k - 1]![0]), sy(pts[k - 1]![1]), sx(pts[k]![0]), sy(pts[k]![1]), rgb, 2);
  });
  return encodePng(px, w, h);
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** RGB8 pixels → PNG bytes. */
export function encodePng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const raw = new Uint8Array(height * (width * 3 + 1));
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  const chunk = (type: string, data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const parts = [new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', new Uint8Array(deflateSync(raw))), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
