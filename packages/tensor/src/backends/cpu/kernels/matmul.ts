import type { FloatArray } from '../../../dtype.js';
import { getNumThreads, threadsAvailable } from '../threads/pool.js';
import { wasmEngine } from '../wasm/engine.js';
import { wasmGemm } from '../wasm/gemm.js';
import type { BatchedMatrix } from '../wasm/gemm.js';

/*
 * CPU matmul kernels. `batchedGemm` (the backend's entry point, at the end) picks one:
 *   - the WebAssembly SIMD kernels of ../wasm/ (generated at run time; f32x4 and f64x2), on the
 *     calling thread and, for large products, worker threads (../threads/) on shared memory;
 *   - the JS GEMM below: for tiny products, where WebAssembly SIMD does not validate, and as the
 *     reference (`setCpuMatmulKernel('js')`).
 */

/**
 * Packed, cache-blocked GEMM: `C[m, n] = A[m, k] @ B[k, n]` for strided A and B (so transposed
 * operands need no copy: packing reads any strides). Blocks: KC x NC panels of B and MC x KC
 * blocks of A are packed into contiguous buffers; a 4x4 register-tiled micro-kernel accumulates
 * in float64 locals (V8 has no float32 arithmetic) and adds into C.
 */
const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 512;

let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);

export interface Operand {
  data: FloatArray;
  offset: number;
  rowStride: number;
  colStride: number;
}

export function gemm(m: number, n: number, k: number, a: Operand, b: Operand, c: FloatArray, cOff: number): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    c.fill(0, cOff, cOff + m * n);
    return;
  }
  c.fill(0, cOff, cOff + m * n);
  if (packA.length < MC * KC) packA = new Float64Array(MC * KC);
  if (packB.length < KC * (NC + NR)) packB = new Float64Array(KC * (NC + NR));
  const Ap = packA;
  const Bp = packB;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packPanelB(b, pc, kc, jc, nc, Bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packBlockA(a, ic, mc, pc, kc, Ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const bOff = jr * kc;
          const nr = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            micro4x4(Ap, ir * kc, Bp, bOff, kc, c, cOff + (ic + ir) * n + jc + jr, n, Math.min(MR, mc - ir), nr);
          }
        }
      }
    }
  }
}

/** Packs rows pc..pc+kc, cols jc..jc+nc of B as NR-wide strips: strip s holds Bp[s*NR*kc + p*NR + c]. */
function packPanelB(b: Operand, pc: number, kc: number, jc: number, nc: number, Bp: Float64Array): void {
  const { data, offset, rowStride, colStride } = b;
  let q = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const width = Math.min(NR, nc - jr);
    for (let p = 0; p < kc; p++) {
      const base = offset + (pc + p) * rowStride + (jc + jr) * colStride;
      for (let c = 0; c < NR; c++) Bp[q++] = c < width ? data[base + c * colStride]! : 0;
    }
  }
}

/** Packs rows ic..ic+mc, cols pc..pc+kc of A as MR-tall strips: Ap[s*MR*kc + p*MR + r]. */
function packBlockA(a: Operand, ic: number, mc: number, pc: number, kc: number, Ap: Float64Array): void {
  const { data, offset, rowStride, colStride } = a;
  let w = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const height = Math.min(MR, mc - ir);
    for (let p = 0; p < kc; p++) {
      const base = offset + (ic + ir) * rowStride + (pc + p) * colStride;
      for (let r = 0; r < MR; r++) Ap[w++] = r < height ? data[base + r * rowStride]! : 0;
    }
  }
}

function micro4x4(Ap: Float64Array, pa: number, Bp: Float64Array, pb: number, kc: number, C: FloatArray, co: number, ldc: number, mr: number, nr: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = Ap[pa]!, a1 = Ap[pa + 1]!, a2 = Ap[pa + 2]!, a3 = Ap[pa + 3]!;
    const b0 = Bp[pb]!, b1 = Bp[pb + 1]!, b2 = Bp[pb + 2]!, b3 = Bp[pb + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    pa += 4;
    pb += 4;
  }
  if (mr === 4 && nr === 4) {
    let o = co;
    C[o] += c00; C[o + 1] += c01; C[o + 2] += c02; C[o + 3] += c03; o += ldc;
    C[o] += c10; C[o + 1] += c11; C[o + 2] += c12; C[o + 3] += c13; o += ldc;
    C[o] += c20; C[o + 1] += c21; C[o + 2] += c22; C[o + 3] += c23; o += ldc;
    C[o] += c30; C[o + 1] += c31; C[o + 2] += c32; C[o + 3] += c33;
    return;
  }
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < mr; r++) for (let c = 0; c < nr; c++) C[co + r * ldc + c] += tile[r * 4 + c]!;
}

/**
 * FLOPs (2*batch*m*n*k) from which the WebAssembly kernel beats the JS one, and from which waking
 * the worker threads pays. Measured on the 2-core Zen 5 bench machine (best of many calls):
 * JS and WebAssembly cross at about 20³ (~9 µs each; below, packing into the WebAssembly memory
 * and copying C out cost more than the faster kernel saves; 64³: 119 µs JS vs 22 µs WebAssembly).
 * A job round trip to the workers costs ~20 µs, which a single thread spends on ~96³: from 128³
 * (~90 µs on one thread) a second thread gains about a quarter, at 256³ about 30%.
 */
export const WASM_MIN_FLOPS = 2 * 20 ** 3;
export const THREADS_MIN_FLOPS = 2 * 128 ** 3;

/** Which CPU matmul kernel runs: see `setCpuMatmulKernel`. */
export type CpuMatmulKernel = 'auto' | 'wasm' | 'js';
let kernelMode: CpuMatmulKernel = 'auto';

/**
 * Chooses the CPU matmul kernel: 'auto' (default) runs the WebAssembly SIMD kernel (on
 * `getNumThreads()` threads for large products) where it validates and the product is big enough
 * to gain from it, else the JS kernel; 'wasm' runs the WebAssembly kernel for every size and uses
 * the threads whenever there is more than one work item (for tests; where WebAssembly SIMD is
 * unavailable it still falls back to JS); 'js' always runs the plain JS kernel.
 */
export function setCpuMatmulKernel(kernel: CpuMatmulKernel): void {
  if (kernel !== 'auto' && kernel !== 'wasm' && kernel !== 'js') throw new RangeError(`setCpuMatmulKernel: expected 'auto', 'wasm' or 'js', got ${String(kernel)}`);
  kernelMode = kernel;
}

export interface CpuMatmulInfo {
  /** The selected mode. */
  mode: CpuMatmulKernel;
  /** Whether the WebAssembly SIMD kernel can run in this environment. */
  wasm: boolean;
  /** Whether it can run on worker threads (shared memory and worker threads available). */
  threads: boolean;
  /** `getNumThreads()`. */
  numThreads: number;
}

/** The CPU matmul configuration and what this environment supports. */
export function cpuMatmulInfo(): CpuMatmulInfo {
  const engine = wasmEngine();
  return { mode: kernelMode, wasm: engine !== null, threads: engine !== null && threadsAvailable(engine), numThreads: getNumThreads() };
}

/**
 * `out[b] = A[b] @ B[b]` for b < batch (out row-major, batch item b at b*m*n), on the WebAssembly
 * SIMD kernels (multi-threaded for large products) where they run, else on the JS kernel above.
 */
export function batchedGemm(dtype: 'float32' | 'float64', batch: number, m: number, n: number, k: number, a: BatchedMatrix, b: BatchedMatrix, out: FloatArray): void {
  if (batch === 0 || m === 0 || n === 0) return;
  if (k === 0) {
    out.fill(0, 0, batch * m * n);
    return;
  }
  const flops = 2 * batch * m * n * k;
  const forced = kernelMode === 'wasm';
  const engine = kernelMode !== 'js' && (forced || flops >= WASM_MIN_FLOPS) ? wasmEngine() : null;
  if (engine) {
    const threads = forced || flops >= THREADS_MIN_FLOPS ? getNumThreads() : 1;
    if (wasmGemm(engine, dtype, batch, m, n, k, a, b, out, threads)) return;
  }
  const av: Operand = { data: a.data, offset: 0, rowStride: a.rowStride, colStride: a.colStride };
  const bv: Operand = { data: b.data, offset: 0, rowStride: b.rowStride, colStride: b.colStride };
  for (let i = 0; i < batch; i++) {
    av.offset = a.offsets[i]!;
    bv.offset = b.offsets[i]!;
    gemm(m, n, k, av, bv, out, i * m * n);
  }
}
