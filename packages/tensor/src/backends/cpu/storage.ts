import type { Storage } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';

/** CPU storage: one typed array. */
export interface CpuStorage extends Storage {
  readonly device: 'cpu';
  readonly data: TypedArray;
}

let liveBytes = 0;
let peakBytes = 0;

export function makeCpuStorage(data: TypedArray, dtype: DType): CpuStorage {
  liveBytes += data.byteLength;
  if (liveBytes > peakBytes) peakBytes = liveBytes;
  return { device: 'cpu', dtype, size: data.length, refs: 0, released: false, data };
}

export function releaseCpuStorage(s: CpuStorage): void {
  liveBytes -= s.data.byteLength;
}

export function cpuLiveBytes(): number {
  return liveBytes;
}

export function cpuPeakBytes(): number {
  return peakBytes;
}

export function resetCpuPeak(): void {
  peakBytes = liveBytes;
}
