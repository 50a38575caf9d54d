/**
 * What every live example page shares: picking the device (WebGPU through navigator.gpu, or the CPU
 * backend when there is no adapter — said on the page), the Run button, showing numbers, and
 * publishing the result on `window.__tesseraDocs` for the end-to-end test.
 */
import { initWebGPU, webgpuInfo } from '@tessera/tensor';
import type { DeviceName, WebGPUInfo } from '@tessera/tensor';
import { fmt } from './svg.js';

export interface DeviceChoice {
  /** 'webgpu' when an adapter was found, else 'cpu'. */
  device: DeviceName;
  info: WebGPUInfo | null;
  /** Why WebGPU is not used (null when it is). */
  fallbackReason: string | null;
}

/** What a page publishes when its run ends (read by docs/test). */
export interface PageResult {
  page: string;
  status: 'done' | 'error';
  device: DeviceName;
  adapter: string | null;
  fallbackReason: string | null;
  metrics: Record<string, number>;
  error: string | null;
  ms: number;
}

declare global {
  interface Window {
    __tesseraDocs?: PageResult;
  }
}

let choice: Promise<DeviceChoice> | null = null;

/** Initialises WebGPU once per page; falls back to the CPU backend (and says why) without an adapter. */
export function chooseDevice(): Promise<DeviceChoice> {
  choice ??= (async (): Promise<DeviceChoice> => {
    try {
      const info = await initWebGPU();
      return { device: 'webgpu', info: webgpuInfo() ?? info, fallbackReason: null };
    } catch (e) {
      return { device: 'cpu', info: null, fallbackReason: e instanceof Error ? e.message : String(e) };
    }
  })();
  return choice;
}

function el<T extends HTMLElement = HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

/** Writes the device banner: which adapter runs the example, or that the CPU backend does and why. */
export function showDevice(c: DeviceChoice): void {
  const box = el('device');
  if (!box) return;
  if (c.device === 'webgpu' && c.info) {
    const name = c.info.description || c.info.device || c.info.vendor || 'unnamed adapter';
    box.className = 'device gpu';
    box.textContent = `Running on WebGPU: ${name}${c.info.isSoftware ? ' (a software adapter: correct, but slow)' : ''}.`;
  } else {
    box.className = 'device cpu';
    box.textContent = `No WebGPU adapter here, so this example runs on the CPU backend (${c.fallbackReason ?? 'navigator.gpu is missing'}). GPU-vs-CPU comparisons are skipped.`;
  }
}

/** Shows a number in every element with `data-metric="name"` (and remembers it for the result). */
export function showMetric(metrics: Record<string, number>, name: string, value: number, digits = 4): void {
  metrics[name] = value;
  for (const node of document.querySelectorAll<HTMLElement>(`[data-metric="${name}"]`)) {
    node.textContent = Number.isFinite(value) ? (Math.abs(value) < 1e-3 && value !== 0 ? value.toExponential(2) : fmt(value, digits)) : String(value);
    node.dataset.value = String(value);
  }
}

/** Appends a line to the page's log box. */
export function log(line: string): void {
  const box = el('log');
  if (box) box.textContent += `${line}\n`;
}

export interface RunContext extends DeviceChoice {
  metrics: Record<string, number>;
  /** showMetric bound to this run. */
  metric(name: string, value: number, digits?: number): void;
  /** Updates the status line. */
  status(text: string): void;
}

/** Largest |a_i − b_i| (NaN propagates); Infinity when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = d;
  }
  return m;
}

/**
 * Wires the page's Run button (#run) to `fn`. While it runs the body has `data-status="running"`;
 * then `done` or `error`, and `window.__tesseraDocs` holds the numbers shown.
 */
export function livePage(page: string, fn: (ctx: RunContext) => Promise<void>): void {
  const button = el<HTMLButtonElement>('run');
  const statusLine = el('status');
  const status = (text: string): void => {
    if (statusLine) statusLine.textContent = text;
  };
  document.body.dataset.status = 'idle';
  void chooseDevice().then(showDevice);
  const run = async (): Promise<void> => {
    if (document.body.dataset.status === 'running') return;
    document.body.dataset.status = 'running';
    if (button) button.disabled = true;
    status('running…');
    const logBox = el('log');
    if (logBox) logBox.textContent = '';
    const t0 = performance.now();
    const metrics: Record<string, number> = {};
    let c: DeviceChoice = { device: 'cpu', info: null, fallbackReason: null };
    let error: string | null = null;
    try {
      c = await chooseDevice();
      showDevice(c);
      await fn({ ...c, metrics, metric: (name, value, digits) => showMetric(metrics, name, value, digits), status });
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      console.error(e);
    }
    const ms = performance.now() - t0;
    const result: PageResult = {
      page,
      status: error ? 'error' : 'done',
      device: c.device,
      adapter: c.info ? c.info.description || c.info.device || c.info.vendor : null,
      fallbackReason: c.fallbackReason,
      metrics,
      error,
      ms: Math.round(ms),
    };
    window.__tesseraDocs = result;
    status(error ? `failed: ${error}` : `done in ${(ms / 1000).toFixed(1)} s`);
    if (statusLine) statusLine.className = error ? 'status fail' : 'status ok';
    document.body.dataset.status = result.status;
    if (button) button.disabled = false;
  };
  button?.addEventListener('click', () => void run());
  if (new URLSearchParams(location.search).has('run')) void run();
}
