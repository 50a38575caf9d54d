/** The JSON the browser check page publishes on `window.__tesseraResult` (and in #result). */
import type { WebGPUInfo } from '@tessera/tensor';

export interface BrowserCheckResult {
  userAgent: string;
  hasNavigatorGpu: boolean;
  adapter: WebGPUInfo | null;
  lossGpu: number | null;
  lossCpu: number | null;
  /** Largest |GPU - CPU| of each leaf's gradient (x, w1, b1, w2, b2). */
  gradMaxAbsDiff: Record<string, number>;
  /** Largest |CPU gradient| of each leaf, for scale. */
  gradMaxAbs: Record<string, number>;
  msGpu: number | null;
  msCpu: number | null;
  error: string | null;
}

declare global {
  interface Window {
    __tesseraResult?: BrowserCheckResult;
  }
}
