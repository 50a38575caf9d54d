/**
 * Keeps a model's weights in this browser (IndexedDB), so the encode example can use the encoder
 * the fine-tuning example trained.
 */
import { tensor } from '@tessera/tensor';
import type { Module, StateDict } from '@tessera/nn';

const DB = 'tessera-docs';
const STORE = 'weights';

interface Stored {
  shape: number[];
  values: Float32Array;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const req = fn(db.transaction(STORE, mode).objectStore(STORE));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  } finally {
    db.close();
  }
}

/** Saves every tensor of `model.stateDict()` under `key`. */
export async function saveWeights(key: string, model: Module): Promise<void> {
  const out: Record<string, Stored> = {};
  for (const [name, t] of Object.entries(model.stateDict())) out[name] = { shape: [...t.shape], values: Float32Array.from(await t.data()) };
  await tx('readwrite', (s) => s.put(out, key));
}

/** Loads weights saved under `key` into `model` (on the CPU; move the model afterwards). False when there are none. */
export async function loadWeights(key: string, model: Module): Promise<boolean> {
  let stored: Record<string, Stored> | undefined;
  try {
    stored = await tx<Record<string, Stored> | undefined>('readonly', (s) => s.get(key) as IDBRequest<Record<string, Stored> | undefined>);
  } catch {
    return false;
  }
  if (!stored) return false;
  const dict: StateDict = {};
  for (const [name, v] of Object.entries(stored)) dict[name] = tensor(v.values, { shape: v.shape });
  try {
    model.loadStateDict(dict, { strict: true });
  } catch {
    return false; // saved by another version of the page
  } finally {
    for (const t of Object.values(dict)) t.dispose();
  }
  return true;
}
