/**
 * Batched GEMM on the generated WebAssembly kernels: `out[b] = A[b] @ B[b]` for strided operands.
 *
 * One call (per chunk, see below):
 *   1. copies each operand into the engine's memory: the whole span its batch items cover, as one
 *      `TypedArray.set`, when that span is dense (at most twice the elements it holds: contiguous,
 *      transposed, broadcast, batched views); an operand whose batch items all coincide (a
 *      broadcast weight) is copied and packed once;
 *   2. packs the copies into kernel panels (see gemm-module.ts) as a parallel job of packing tasks;
 *      sparse views are packed straight from their typed array by JS on the calling thread instead;
 *   3. splits C into work items (batch item x row block x column block) and runs them on the
 *      calling thread and the worker pool;
 *   4. copies C out, dropping the padding.
 * Problems larger than the arena are split into chunks (groups of batch items, then row and column
 * ranges) that run one after another.
 *
 * Every C element is computed by the same instruction sequence (K is always cut into the same
 * blocks, and a work item's tile does not depend on who runs it) whatever the thread count, item
 * split or chunking: results are bitwise identical for any number of threads.
 */
import type { FloatArray } from '../../../dtype.js';
import { MAX_ITEMS, PARAMS_BYTE, threadPool } from '../threads/pool.js';
import { CTRL_BYTES, TILE_F32, TILE_F64, arenaLimit } from './engine.js';
import type { WasmEngine } from './engine.js';
import { JOB, PACK_FN, PARAM, TASK, TASK_BYTES } from './gemm-module.js';
import { packA, packB } from './pack.js';

/** A batched matrix operand: batch item `b` is the matrix at `data[offsets[b] + ...]`. */
export interface BatchedMatrix {
  data: FloatArray;
  offsets: ArrayLike<number>;
  rowStride: number;
  colStride: number;
}

interface Geometry {
  es: number;
  mr: number;
  nr: number;
  kc: number;
  /** Default rows / columns of a work item. */
  mb: number;
  nb: number;
  packA: number;
  packB: number;
}

// K blocks: an A strip (MR x KC) and a B strip (KC x NR) stay in L1 while a C tile is computed; a
// work item's A rows (MB x KC) stay in L2 while its B panel streams through.
const GEOMETRY: Record<'float32' | 'float64', Geometry> = {
  float32: { es: 4, mr: TILE_F32.mr, nr: TILE_F32.nv * 4, kc: 256, mb: 96, nb: 2048, packA: PACK_FN.aF32, packB: PACK_FN.bF32 },
  float64: { es: 8, mr: TILE_F64.mr, nr: TILE_F64.nv * 2, kc: 256, mb: 64, nb: 1024, packA: PACK_FN.aF64, packB: PACK_FN.bF64 },
};

/** Elements a packing task copies (about): big enough to amortise a claim, small enough to balance. */
const TASK_ELEMENTS = 32768;
/** Below this many packed elements in a job, packing runs on the calling thread (no wake-up). */
const PARALLEL_PACK_ELEMENTS = 65536;

const roundUp = (x: number, m: number): number => Math.ceil(x / m) * m;
const align64 = (bytes: number): number => roundUp(bytes, 64);

/** Batch items `first..first+count` of one operand, as the chunk sees them. */
interface OperandPlan {
  /** One copy for all batch items (their offsets coincide). */
  shared: boolean;
  /** Distinct matrices packed: 1 when shared, else count. */
  items: number;
  /** Dense: copied raw into the memory at `rawBase` (elements lo..lo+span-1 of data), packed in WebAssembly. */
  dense: boolean;
  lo: number;
  span: number;
}

/** Offsets of an r x c matrix's extreme elements relative to its first one. */
function extent(r: number, c: number, rs: number, cs: number): { lo: number; hi: number } {
  return { lo: Math.min(0, (r - 1) * rs) + Math.min(0, (c - 1) * cs), hi: Math.max(0, (r - 1) * rs) + Math.max(0, (c - 1) * cs) };
}

function planOperand(x: BatchedMatrix, first: number, count: number, shift: number, r: number, c: number): OperandPlan {
  let min = x.offsets[first]!;
  let max = min;
  for (let i = first + 1; i < first + count; i++) {
    const o = x.offsets[i]!;
    if (o < min) min = o;
    if (o > max) max = o;
  }
  const shared = min === max;
  const items = shared ? 1 : count;
  const e = extent(r, c, x.rowStride, x.colStride);
  const lo = min + shift + e.lo;
  const span = max + shift + e.hi - lo + 1;
  return { shared, items, dense: span <= 2 * items * r * c + 64, lo, span };
}

interface Sub {
  /** Batch items of this chunk (indices into the operands' offsets). */
  first: number;
  count: number;
  row0: number;
  rows: number;
  col0: number;
  cols: number;
}

interface Layout {
  a: OperandPlan;
  b: OperandPlan;
  mp: number;
  np: number;
  aBytes: number;
  bBytes: number;
  cBytes: number;
  aBase: number;
  bBase: number;
  cBase: number;
  rawA: number;
  rawB: number;
  tasks: number;
  taskCount: number;
  /** Bytes after CTRL_BYTES. */
  total: number;
  aGroup: number;
  bGroup: number;
}

function layout(g: Geometry, s: Sub, k: number, a: BatchedMatrix, b: BatchedMatrix): Layout {
  const { es, mr, nr, kc } = g;
  const mp = roundUp(s.rows, mr);
  const np = roundUp(s.cols, nr);
  const pa = planOperand(a, s.first, s.count, s.row0 * a.rowStride, s.rows, k);
  const pb = planOperand(b, s.first, s.count, s.col0 * b.colStride, k, s.cols);
  const aBytes = align64(mp * k * es);
  const bBytes = align64(k * np * es);
  const cBytes = align64(mp * np * es);
  const aBase = CTRL_BYTES;
  const bBase = aBase + pa.items * aBytes;
  const cBase = bBase + pb.items * bBytes;
  const rawA = cBase + s.count * cBytes;
  const rawB = rawA + (pa.dense ? align64(pa.span * es) : 0);
  const tasks = rawB + (pb.dense ? align64(pb.span * es) : 0);
  // Packing tasks: per matrix and K block, groups of strips of about TASK_ELEMENTS.
  const kBlocks = Math.ceil(k / kc);
  const aGroup = Math.max(1, Math.floor(TASK_ELEMENTS / (mr * Math.min(kc, k)))) * mr;
  const bGroup = Math.max(1, Math.floor(TASK_ELEMENTS / (nr * Math.min(kc, k)))) * nr;
  const taskCount = (pa.dense ? pa.items * kBlocks * Math.ceil(s.rows / aGroup) : 0) + (pb.dense ? pb.items * kBlocks * Math.ceil(s.cols / bGroup) : 0);
  const end = tasks + taskCount * TASK_BYTES;
  return { a: pa, b: pb, mp, np, aBytes, bBytes, cBytes, aBase, bBase, cBase, rawA, rawB, tasks, taskCount, total: end - CTRL_BYTES, aGroup, bGroup };
}

/**
 * Computes the batched product into `out` (batch item b at `out[b*m*n ..]`, row-major m x n).
 * `threads` counts the calling thread. Requires m, n, k >= 1. Returns false when K is too deep
 * for even the thinnest chunk to fit the arena or the memory cannot grow: the caller then computes
 * the whole product with the JS kernel (chunks already written are simply overwritten).
 */
export function wasmGemm(
  engine: WasmEngine,
  dtype: 'float32' | 'float64',
  batch: number,
  m: number,
  n: number,
  k: number,
  a: BatchedMatrix,
  b: BatchedMatrix,
  out: FloatArray,
  threads: number,
): boolean {
  const g = GEOMETRY[dtype];
  const arena = arenaLimit();
  // The thinnest chunk (MR rows, NR columns) with raw copies must fit comfortably.
  if (16 * k * (g.mr + g.nr) * g.es > arena) return false;
  const fits = (s: Sub): boolean => layout(g, s, k, a, b).total <= arena;
  const whole: Sub = { first: 0, count: batch, row0: 0, rows: m, col0: 0, cols: n };
  const itemsPer = Math.ceil(m / g.mr);
  if (batch * itemsPer <= MAX_ITEMS && fits(whole)) return runSub(engine, g, dtype, whole, m, n, k, a, b, out, threads);
  // Chunks: groups of whole batch items where one fits, else row x column ranges of each item.
  if (fits({ first: 0, count: 1, row0: 0, rows: m, col0: 0, cols: n })) {
    const per = layout(g, { first: 0, count: 1, row0: 0, rows: m, col0: 0, cols: n }, k, a, b).total;
    let group = Math.max(1, Math.min(Math.floor(arena / per), Math.floor(MAX_ITEMS / itemsPer)));
    for (let first = 0; first < batch; ) {
      const count = Math.min(group, batch - first);
      const sub: Sub = { first, count, row0: 0, rows: m, col0: 0, cols: n };
      if (count > 1 && !fits(sub)) {
        group = Math.max(1, Math.floor(group / 2));
        continue;
      }
      if (!runSub(engine, g, dtype, sub, m, n, k, a, b, out, threads)) return false;
      first += count;
    }
    return true;
  }
  // Columns: B panels of at most a quarter of the arena; rows: what fits next to them.
  let cols = roundUp(n, g.nr);
  while (cols > g.nr && 2 * k * cols * g.es > arena / 4) cols = roundUp(Math.ceil(cols / 2), g.nr);
  let rows = roundUp(m, g.mr);
  while (rows > g.mr && !fits({ first: 0, count: 1, row0: 0, rows, col0: 0, cols: Math.min(cols, n) })) rows = roundUp(Math.ceil(rows / 2), g.mr);
  for (let bi = 0; bi < batch; bi++) {
    for (let col0 = 0; col0 < n; col0 += cols) {
      for (let row0 = 0; row0 < m; row0 += rows) {
        if (!runSub(engine, g, dtype, { first: bi, count: 1, row0, rows: Math.min(rows, m - row0), col0, cols: Math.min(cols, n - col0) }, m, n, k, a, b, out, threads)) return false;
      }
    }
  }
  return true;
}

function setParams(engine: WasmEngine, values: Partial<Record<keyof typeof PARAM, number>>): void {
  const p = engine.i32;
  for (const key of Object.keys(values) as Array<keyof typeof PARAM>) p[(PARAMS_BYTE + PARAM[key]) / 4] = values[key]!;
}

/** Runs items 0..total-1 of the job in the parameter block: on the pool when there is one and it pays. */
function runJob(engine: WasmEngine, total: number, threads: number): void {
  const item = engine.exports.item;
  const pool = total > 1 && threads > 1 ? threadPool(engine, threads) : undefined;
  if (pool) pool.run(total, Math.min(pool.size, threads - 1), (i) => item(PARAMS_BYTE, i));
  else for (let i = 0; i < total; i++) item(PARAMS_BYTE, i);
}

/** One chunk; false when the memory cannot grow to hold it. */
function runSub(engine: WasmEngine, g: Geometry, dtype: 'float32' | 'float64', s: Sub, m: number, n: number, k: number, a: BatchedMatrix, b: BatchedMatrix, out: FloatArray, threads: number): boolean {
  const { es, mr, nr, kc } = g;
  const L = layout(g, s, k, a, b);
  const { mp, np } = L;
  if (!engine.reserve(L.total)) return false;
  const mem = dtype === 'float32' ? engine.f32 : engine.f64;

  // 1-2. Copy dense operands raw and describe their packing tasks; pack sparse ones with JS.
  const i32 = engine.i32;
  let t = L.tasks / 4;
  let packed = 0;
  const task = (fn: number, src: number, ls: number, ds: number, dst: number, lanes: number, depth: number): void => {
    i32[t + TASK.fn / 4] = fn;
    i32[t + TASK.src / 4] = src;
    i32[t + TASK.ls / 4] = ls;
    i32[t + TASK.ds / 4] = ds;
    i32[t + TASK.dst / 4] = dst;
    i32[t + TASK.lanes / 4] = lanes;
    i32[t + TASK.depth / 4] = depth;
    t += TASK_BYTES / 4;
    packed += lanes * depth;
  };
  const aOff = (i: number): number => a.offsets[s.first + i]! + s.row0 * a.rowStride;
  const bOff = (i: number): number => b.offsets[s.first + i]! + s.col0 * b.colStride;
  if (L.a.dense) {
    mem.set(a.data.subarray(L.a.lo, L.a.lo + L.a.span), L.rawA / es);
    for (let i = 0; i < L.a.items; i++) {
      const src = L.rawA + (aOff(i) - L.a.lo) * es;
      for (let pc = 0; pc < k; pc += kc) {
        const depth = Math.min(kc, k - pc);
        for (let r0 = 0; r0 < s.rows; r0 += L.aGroup) {
          task(g.packA, src + (r0 * a.rowStride + pc * a.colStride) * es, a.rowStride * es, a.colStride * es, L.aBase + i * L.aBytes + (pc * mp + r0 * depth) * es, Math.min(L.aGroup, s.rows - r0), depth);
        }
      }
    }
  } else {
    for (let i = 0; i < L.a.items; i++) {
      packA(mem, (L.aBase + i * L.aBytes) / es, { data: a.data, offset: aOff(i), rowStride: a.rowStride, colStride: a.colStride }, s.rows, k, mp, k, mr, kc);
    }
  }
  if (L.b.dense) {
    mem.set(b.data.subarray(L.b.lo, L.b.lo + L.b.span), L.rawB / es);
    for (let i = 0; i < L.b.items; i++) {
      const src = L.rawB + (bOff(i) - L.b.lo) * es;
      for (let pc = 0; pc < k; pc += kc) {
        const depth = Math.min(kc, k - pc);
        for (let c0 = 0; c0 < s.cols; c0 += L.bGroup) {
          task(g.packB, src + (pc * b.rowStride + c0 * b.colStride) * es, b.colStride * es, b.rowStride * es, L.bBase + i * L.bBytes + (pc * np + c0 * depth) * es, Math.min(L.bGroup, s.cols - c0), depth);
        }
      }
    }
  } else {
    for (let i = 0; i < L.b.items; i++) {
      packB(mem, (L.bBase + i * L.bBytes) / es, { data: b.data, offset: bOff(i), rowStride: b.rowStride, colStride: b.colStride }, k, s.cols, np, k, nr, kc);
    }
  }
  for (let first = 0; first < L.taskCount; first += MAX_ITEMS) {
    setParams(engine, { kind: JOB.pack, tasks: L.tasks + first * TASK_BYTES });
    runJob(engine, Math.min(MAX_ITEMS, L.taskCount - first), packed >= PARALLEL_PACK_ELEMENTS ? threads : 1);
  }

  // 3. Work items: row blocks x column blocks of each batch item; smaller ones when there are too
  // few to keep every thread busy.
  let mb = Math.min(g.mb, mp);
  let nb = np <= g.nb ? np : roundUp(Math.ceil(np / Math.ceil(np / g.nb)), nr);
  const target = threads > 1 ? 3 * threads : 1;
  const count = (): number => s.count * Math.ceil(mp / mb) * Math.ceil(np / nb);
  while (count() < target) {
    if (mb >= 4 * mr) mb = roundUp(Math.ceil(mb / 2), mr);
    else if (nb >= 8 * nr) nb = roundUp(Math.ceil(nb / 2), nr);
    else break;
  }
  // With few items per thread, a multiple of the thread count of equal items balances: among up
  // to twice as many row blocks, the count with the least padding in the last block.
  if (threads > 1 && count() < 8 * threads) {
    const per = count() / Math.ceil(mp / mb);
    const rb0 = Math.ceil(mp / mb);
    let best = -1;
    let bestWaste = Infinity;
    for (let rb = rb0; rb <= 2 * rb0 && rb * mr <= mp; rb++) {
      if ((rb * per) % threads !== 0) continue;
      const cand = roundUp(Math.ceil(mp / rb), mr);
      const waste = Math.ceil(mp / cand) * cand - mp + (Math.ceil(mp / cand) !== rb ? mp : 0);
      if (waste < bestWaste) {
        bestWaste = waste;
        best = cand;
      }
    }
    if (best > 0) mb = best;
  }
  while (count() > MAX_ITEMS) mb *= 2;
  const mBlocks = Math.ceil(mp / mb);
  const nBlocks = Math.ceil(np / nb);
  setParams(engine, {
    kind: dtype === 'float32' ? JOB.gemmF32 : JOB.gemmF64,
    mBlocks,
    nBlocks,
    mb,
    nb,
    mp,
    np,
    kp: k,
    kc,
    aBase: L.aBase,
    aBatch: L.a.shared ? 0 : L.aBytes,
    bBase: L.bBase,
    bBatch: L.b.shared ? 0 : L.bBytes,
    cBase: L.cBase,
    cBatch: L.cBytes,
  });
  runJob(engine, s.count * mBlocks * nBlocks, threads);

  // 4. Copy C out (dropping the padding).
  for (let i = 0; i < s.count; i++) {
    const c0 = (L.cBase + i * L.cBytes) / es;
    const o0 = (s.first + i) * m * n + s.row0 * n + s.col0;
    if (s.cols === n && np === n) {
      out.set(mem.subarray(c0, c0 + s.rows * n), o0);
    } else {
      for (let r = 0; r < s.rows; r++) out.set(mem.subarray(c0 + r * np, c0 + r * np + s.cols), o0 + r * n);
    }
  }
  return true;
}
