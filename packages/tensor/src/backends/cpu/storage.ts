import type { Storage } from '../../backend.js';
import type { ArrayPool, DType, TypedArray } from '../../dtype.js';
import { setArrayPool } from '../../dtype.js';

/** CPU storage: one typed array. */
export interface CpuStorage extends Storage {
  readonly device: 'cpu';
  readonly data: TypedArray;
}

let liveBytes = 0;
let peakBytes = 0;
/** The highest live bytes since the process started (resetPeakMemory does not lower it): the pool's cap. */
let peakEverBytes = 0;

export function makeCpuStorage(data: TypedArray, dtype: DType): CpuStorage {
  liveBytes += data.byteLength;
  if (liveBytes > peakBytes) peakBytes = liveBytes;
  if (liveBytes > peakEverBytes) peakEverBytes = liveBytes;
  return { device: 'cpu', dtype, size: data.length, refs: 0, released: false, data };
}

export function releaseCpuStorage(s: CpuStorage): void {
  liveBytes -= s.data.byteLength;
  pool.put(s.data, liveBytes, peakEverBytes);
}

/**
 * Freed typed arrays, kept for reuse. Fresh memory is expensive twice over: page faults on first
 * write (a new 4 MB Float32Array is ~40x slower to fill than a reused one), and garbage that V8
 * frees late: a training step that drops gigabytes of arrays per step outruns the collector, and
 * RSS climbs step after step (measured: +0.9 GB a step for a 4-layer BERT at batch 128 x 48 tokens,
 * and steps twice as slow as with reuse).
 *
 * So large arrays live in size classes (4 per power of two: at most 25 % slack, ~12 % on average):
 * an array of n elements is a view of exactly n over a buffer of its class's size, so batches whose
 * padded length varies still reuse each other's buffers. The pool keeps freed buffers while live +
 * pooled bytes stay within the highest live bytes seen so far (at least `minBytes`): a steady
 * training loop then allocates nothing after its first step, and the process never holds more than
 * its own peak working set. `emptyCache()` drops them. Arrays come back zeroed, as allocArray
 * promises. Small arrays are not worth keeping.
 */
export class CpuArrayPool implements ArrayPool {
  private readonly free = new Map<string, ArrayBuffer[]>();
  private bytes = 0;
  /** The pool may always hold this much, whatever the peak (bytes). */
  minBytes = 256 * 1024 * 1024;
  static readonly MIN_ELEMENTS = 4096;

  /** Bytes of the size class that holds `bytes`: the next of 2^k · {1, 1.25, 1.5, 1.75}. */
  static classBytes(bytes: number): number {
    if (bytes <= 0) return 0;
    const octave = 2 ** Math.floor(Math.log2(bytes));
    for (const step of [1, 1.25, 1.5, 1.75, 2]) {
      const c = octave * step;
      if (c >= bytes) return c;
    }
    return 2 * octave;
  }

  /** A fresh zeroed array of `n` elements over a buffer of its size class (pooled sizes only). */
  fresh(dtype: DType, n: number): TypedArray | undefined {
    if (n < CpuArrayPool.MIN_ELEMENTS) return undefined;
    const Ctor = CTORS[dtype];
    return new Ctor(new ArrayBuffer(CpuArrayPool.classBytes(n * Ctor.BYTES_PER_ELEMENT)), 0, n);
  }

  put(a: TypedArray, liveBytes: number, peakLiveBytes: number): void {
    const buffer = a.buffer;
    // Only whole buffers of a size class (what `fresh` makes); never a view into someone else's buffer.
    if (a.length < CpuArrayPool.MIN_ELEMENTS || a.byteOffset !== 0 || !(buffer instanceof ArrayBuffer)) return;
    const size = buffer.byteLength;
    if (size !== CpuArrayPool.classBytes(size)) return;
    if (liveBytes + this.bytes + size > Math.max(this.minBytes, peakLiveBytes)) return;
    const key = `${a.constructor.name}:${size}`;
    const list = this.free.get(key);
    if (list) list.push(buffer);
    else this.free.set(key, [buffer]);
    this.bytes += size;
  }

  take(dtype: DType, n: number): TypedArray | undefined {
    if (n < CpuArrayPool.MIN_ELEMENTS) return undefined;
    const Ctor = CTORS[dtype];
    // Its own class first, else up to two classes larger (batches padded to varying lengths would
    // otherwise miss, allocate afresh and leave garbage); the buffer goes back under its own size.
    let size = CpuArrayPool.classBytes(n * Ctor.BYTES_PER_ELEMENT);
    let buffer: ArrayBuffer | undefined;
    for (let tries = 0; tries < 3 && !buffer; tries++, size = CpuArrayPool.classBytes(size + 1)) buffer = this.free.get(`${Ctor.name}:${size}`)?.pop();
    if (!buffer) return undefined;
    this.bytes -= buffer.byteLength;
    const a = new Ctor(buffer, 0, n);
    a.fill(0);
    return a;
  }

  get pooledBytes(): number {
    return this.bytes;
  }

  clear(): void {
    this.free.clear();
    this.bytes = 0;
  }
}

type ArrayCtor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;
const CTORS: Record<DType, ArrayCtor> = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array };

export const pool = new CpuArrayPool();
setArrayPool(pool);

export function cpuLiveBytes(): number {
  return liveBytes;
}

export function cpuPeakBytes(): number {
  return peakBytes;
}

export function resetCpuPeak(): void {
  peakBytes = liveBytes;
}
