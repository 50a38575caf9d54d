import type { Storage } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';

/** CPU storage: one typed array. */
export interface CpuStorage extends Storage {
  readonly device: 'cpu';
  readonly data: TypedArray;
}

let liveBytes = 0;

export function makeCpuStorage(data: TypedArray, dtype: DType): CpuStorage {
  liveBytes += data.byteLength;
  return { device: 'cpu', dtype, size: data.length, refs: 0, released: false, data };
}

export function releaseCpuStorage(s: CpuStorage): void {
  liveBytes -= s.data.byteLength;
}

export function cpuLiveBytes(): number {
  return liveBytes;
}
