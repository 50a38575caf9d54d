import type { Backend, DeviceName, Storage } from './backend.js';
import { getBackend, hasBackend } from './device.js';
import { TesseraError } from './errors.js';
import { bytesPerElement } from './dtype.js';

/** What memory bookkeeping needs from a tensor handle. */
export interface Tracked {
  readonly device: DeviceName;
  readonly storage: Storage;
  readonly disposed: boolean;
  kept: boolean;
  dispose(): void;
}

interface Scope {
  readonly tensors: Tracked[];
}

const scopes: Scope[] = [];
const liveTensors: Record<DeviceName, number> = { cpu: 0, webgpu: 0 };

/** Drops one reference to a storage, releasing it to its backend when it was the last. */
export function releaseStorage(storage: Storage): void {
  if (storage.released) return;
  storage.refs -= 1;
  if (storage.refs <= 0) {
    storage.released = true;
    if (hasBackend(storage.device)) (getBackend(storage.device) as Backend).release(storage);
  }
}

// Safety net only: a handle that is garbage-collected undisposed gives its storage back.
const finalizer = new FinalizationRegistry<{ storage: Storage; device: DeviceName }>((held) => {
  liveTensors[held.device] -= 1;
  releaseStorage(held.storage);
});

/** Called by every new tensor handle: counts it and adds it to the innermost `tidy` scope. */
export function trackTensor(t: Tracked, inScope: boolean): void {
  liveTensors[t.device] += 1;
  finalizer.register(t, { storage: t.storage, device: t.device }, t);
  if (inScope && scopes.length > 0) scopes[scopes.length - 1]!.tensors.push(t);
}

/** Points a live handle at new storage (taking a reference), releasing its old storage. */
export function swapStorage(t: Tracked, storage: Storage): void {
  storage.refs += 1;
  const old = t.storage;
  (t as { storage: Storage }).storage = storage;
  finalizer.unregister(t);
  finalizer.register(t, { storage, device: t.device }, t);
  releaseStorage(old);
}

/** Called once when a handle is disposed. */
export function untrackTensor(t: Tracked): void {
  liveTensors[t.device] -= 1;
  finalizer.unregister(t);
  releaseStorage(t.storage);
}

function collect(value: unknown, out: Set<Tracked>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ('storage' in value && 'dispose' in value && 'kept' in value) {
    out.add(value as Tracked);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, seen);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, seen);
  }
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns (in arrays, Maps or
 * plain objects) and those passed to `keep`. Synchronous: `fn` must not return a Promise,
 * since tensors created after an `await` would escape the scope.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Scope = { tensors: [] };
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope.tensors) if (!t.kept && !t.disposed) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope.tensors) if (!t.kept && !t.disposed) t.dispose();
    throw new TesseraError('tidy', 'fn', 'returned a Promise; tidy is synchronous (dispose tensors by hand across awaits)');
  }
  const returned = new Set<Tracked>();
  collect(result, returned, new Set());
  const parent = scopes[scopes.length - 1];
  for (const t of scope.tensors) {
    if (t.disposed) continue;
    if (returned.has(t)) {
      if (parent) parent.tensors.push(t);
    } else if (!t.kept) t.dispose();
  }
  return result;
}

/** Exempts a tensor from disposal by enclosing `tidy` scopes. */
export function keep<T extends Tracked>(t: T): T {
  t.kept = true;
  return t;
}

export interface MemoryInfo {
  /** Tensor handles not yet disposed. */
  liveTensors: number;
  /** Bytes of live storage (views share their base's bytes). */
  liveBytes: number;
  /** Bytes the backend keeps pooled for reuse. */
  pooledBytes: number;
  /** Highest liveBytes since start or the last resetPeakMemory(device). */
  peakBytes: number;
}

/** Memory counters of a device (default: the CPU). */
export function memory(device: DeviceName = 'cpu'): MemoryInfo {
  if (!hasBackend(device)) return { liveTensors: 0, liveBytes: 0, pooledBytes: 0, peakBytes: 0 };
  const m = getBackend(device).memory();
  return { liveTensors: liveTensors[device], liveBytes: m.liveBytes, pooledBytes: m.pooledBytes, peakBytes: m.peakBytes };
}

/** Starts measuring peak memory of `device` afresh (memory(device).peakBytes). */
export function resetPeakMemory(device: DeviceName = 'cpu'): void {
  if (hasBackend(device)) getBackend(device).resetPeak();
}

/** Frees what `device`'s backend keeps pooled for reuse (memory(device).pooledBytes), as torch.cuda.empty_cache. */
export function emptyCache(device: DeviceName = 'cpu'): void {
  if (hasBackend(device)) getBackend(device).emptyCache?.();
}

/** Bytes a storage of `size` elements of `dtype` occupies. */
export function storageBytes(dtype: Storage['dtype'], size: number): number {
  return bytesPerElement(dtype) * size;
}
