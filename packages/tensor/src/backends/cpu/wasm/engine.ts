/**
 * The WebAssembly GEMM engine of this thread: generated module bytes, one linear memory (shared
 * when SharedArrayBuffer is available, so worker threads can run the same module on it) and the
 * instance the calling thread runs. Created lazily; `null` where WebAssembly SIMD is unavailable
 * (old engines, `WebAssembly.validate` fails, CSP forbids compiling), and then matmul stays on the
 * JS kernel.
 */
import { buildGemmModule } from './gemm-module.js';
import type { TileShape } from './gemm-module.js';

/** Register tiles: 4 rows x 8 float32 (2 x f32x4) and 4 rows x 4 float64 (2 x f64x2), no k-unroll. */
export const TILE_F32: TileShape = { mr: 4, nv: 2, unroll: 1 };
export const TILE_F64: TileShape = { mr: 4, nv: 2, unroll: 1 };

const PAGE = 65536;
/** The control block (thread-pool words and job parameters) lives at the start of the memory. */
export const CTRL_BYTES = 4096;
/** Most bytes packed operands and results may use; larger problems are split into chunks. */
export const ARENA_BYTES = 256 * 1024 * 1024;
const MAX_PAGES = Math.ceil((CTRL_BYTES + ARENA_BYTES) / PAGE) + 1;
let arenaBytes = ARENA_BYTES;

/** The arena limit in force (ARENA_BYTES unless a test lowered it). */
export function arenaLimit(): number {
  return arenaBytes;
}

/** Lowers the arena limit (tests: forces the chunked paths on small products); no argument restores it. */
export function setArenaLimit(bytes: number = ARENA_BYTES): void {
  arenaBytes = Math.min(ARENA_BYTES, Math.max(1024, Math.floor(bytes)));
}

/**
 * The parts of the WebAssembly JS API used here, typed locally: the package builds without the DOM
 * lib (which is where TypeScript declares `WebAssembly`).
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}
interface WebAssemblyApi {
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}

export interface GemmExports {
  item(params: number, idx: number): void;
  block_f32(a: number, b: number, c: number, mt: number, nt: number, kc: number, ldc: number, acc: number): void;
  block_f64(a: number, b: number, c: number, mt: number, nt: number, kc: number, ldc: number, acc: number): void;
}

export class WasmEngine {
  readonly #views: { buffer: ArrayBufferLike | null; f32: Float32Array; f64: Float64Array; i32: Int32Array } = {
    buffer: null,
    f32: new Float32Array(0),
    f64: new Float64Array(0),
    i32: new Int32Array(0),
  };

  constructor(
    readonly bytes: Uint8Array<ArrayBuffer>,
    readonly memory: WasmMemory,
    readonly shared: boolean,
    readonly exports: GemmExports,
  ) {}

  /** Grows the memory so that `[0, CTRL_BYTES + arenaBytes)` is addressable; false if it cannot. */
  reserve(arenaBytes: number): boolean {
    const need = CTRL_BYTES + arenaBytes;
    const have = this.memory.buffer.byteLength;
    if (need <= have) return true;
    try {
      this.memory.grow(Math.ceil((need - have) / PAGE));
      return true;
    } catch {
      return false; // out of memory: the caller falls back to the JS kernel
    }
  }

  #refresh(): void {
    const buffer = this.memory.buffer;
    if (this.#views.buffer === buffer) return;
    this.#views.buffer = buffer;
    this.#views.f32 = new Float32Array(buffer);
    this.#views.f64 = new Float64Array(buffer);
    this.#views.i32 = new Int32Array(buffer);
  }

  get f32(): Float32Array {
    this.#refresh();
    return this.#views.f32;
  }
  get f64(): Float64Array {
    this.#refresh();
    return this.#views.f64;
  }
  get i32(): Int32Array {
    this.#refresh();
    return this.#views.i32;
  }
}

let engine: WasmEngine | null | undefined;

function create(): WasmEngine | null {
  const wasm = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (typeof wasm !== 'object' || typeof wasm.validate !== 'function') return null;
  // Shared memory (for worker threads) where the host allows it, else a plain one (single-threaded).
  const attempts: boolean[] = typeof SharedArrayBuffer === 'function' ? [true, false] : [false];
  for (const shared of attempts) {
    try {
      const bytes = buildGemmModule({ shared, initialPages: 1, maximumPages: MAX_PAGES, f32: TILE_F32, f64: TILE_F64, relaxed: false });
      if (!wasm.validate(bytes)) continue;
      const memory = new wasm.Memory(shared ? { initial: 1, maximum: MAX_PAGES, shared: true } : { initial: 1, maximum: MAX_PAGES });
      if (shared && !(memory.buffer instanceof SharedArrayBuffer)) continue;
      const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
      return new WasmEngine(bytes, memory, shared, instance.exports as unknown as GemmExports);
    } catch {
      // No SIMD / no shared memory / compilation forbidden: try the next option, then give up.
    }
  }
  return null;
}

/** This thread's engine (created on first use), or null when WebAssembly SIMD cannot run here. */
export function wasmEngine(): WasmEngine | null {
  if (engine === undefined) engine = create();
  return engine;
}
