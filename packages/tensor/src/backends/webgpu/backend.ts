/// <reference types="@webgpu/types" />
import type { AdamHyper, ArgReduceOpName, Backend, BackendMemory, RandomKind, ReduceOpName, Storage, View } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';
import { TesseraError, fmtShape } from '../../errors.js';
import { BINARY, UNARY } from '../../ops/elementwise.table.js';
import type { BinaryOpName, UnaryOpName } from '../../ops/elementwise.table.js';
import { contiguousStrides, isContiguous, numel } from '../../shape.js';
import { coalesce } from '../coalesce.js';
import { grid } from './kernels/common.js';
import { MAX_RANK, storeAs, stridedMapKernel, stridedMapUniforms } from './kernels/elementwise.js';
import type { Operand } from './kernels/elementwise.js';
import { rangeKernel, rangeUniforms } from './kernels/fill.js';
import { gatherKernel, indexingUniforms, scatterAddKernel } from './kernels/indexing.js';
import { MAX_BATCH_RANK, matmulKernel, matmulUniforms } from './kernels/matmul.js';
import type { MatmulOperand } from './kernels/matmul.js';
import { layerNormKernel, MAX_MASK_RANK, ROW_THREADS, rowsUniforms, scaledMaskedSoftmaxKernel, scaledMaskUniforms, softmaxKernel } from './kernels/normalize.js';
import type { RowPlan } from './kernels/normalize.js';
import { adamStepKernel, adamStepUniforms } from './kernels/optim.js';
import { randomKernel, randomUniforms } from './kernels/random.js';
import { rowReduceKernel, rowUniforms, threadReduceKernel } from './kernels/reduce.js';
import type { RowOp } from './kernels/reduce.js';
import type { GpuRuntime } from './runtime.js';
import type { KernelChoice } from './tuning.js';
import { GPU_ELEMENT_BYTES, helpersFor, wgslType } from './wgsl.js';

/** WebGPU storage: one pooled GPUBuffer (4 bytes per element; bool as u32). */
export interface GpuStorage extends Storage {
  readonly device: 'webgpu';
  readonly buffer: GPUBuffer;
  /** The backend (device) that made it: storages of a lost device are refused. */
  readonly backend: WebGpuBackend;
}

type GpuView = View<GpuStorage>;

/** WGSL kernels for every op of the CPU backend (float32, int32 and bool; no float64). */
export class WebGpuBackend implements Backend<GpuStorage> {
  readonly name = 'webgpu' as const;
  readonly supportsFloat64 = false;
  private liveBytes = 0;
  private peakBytes = 0;
  private liveStorages = 0;
  /** Set by destroyWebGPU: buffers are gone with the device. */
  destroyed = false;

  /** The kernels in use; `setKernels` changes them (tests and tuning force each variant). */
  kernels: KernelChoice;

  constructor(
    readonly runtime: GpuRuntime,
    kernels: KernelChoice,
    /** The device's fixed subgroup size when it has the 'subgroups' feature, else 0. */
    readonly subgroupSize = 0,
  ) {
    this.kernels = { ...kernels };
    runtime.liveTensors = () => this.liveStorages;
  }

  /** Replaces some kernel choices (e.g. `{ matmul: 'blocked', rows: 'thread', strictRows: true, subgroups: false }`); returns the previous ones. */
  setKernels(choice: Partial<KernelChoice>): KernelChoice {
    const before = this.kernels;
    this.kernels = { ...before, ...choice };
    return before;
  }

  /** The matmul kernel in use. */
  get matmulVariant(): KernelChoice['matmul'] {
    return this.kernels.matmul;
  }

  /**
   * How a row kernel covers `rows` rows of `len` (see RowPlan). 'thread' adapters (CPU-backed) run
   * an invocation per row, except for fewer rows than fill a SIMD vector, where a 64-thread
   * workgroup per row spreads one row over the lanes; 'group' adapters (GPUs) run a workgroup per
   * row, 64 threads for rows up to 1024 long and 256 beyond, except for rows of up to 32, one per
   * thread. `strictRows` applies the family to every call (tests). `vec4`: the rows may be read
   * as vec4s.
   */
  rowPlan(rows: number, len: number, vec4: boolean): RowPlan {
    const { rows: family, strictRows } = this.kernels;
    let kind = family;
    if (!strictRows) {
      if (family === 'thread' && rows < (vec4 ? 4 : 8)) kind = 'group';
      else if (family === 'group' && len <= 32) kind = 'thread';
    }
    if (kind === 'thread') return { kind: 'thread', v4: vec4 };
    return { kind: 'group', wg: family === 'thread' || len <= 1024 ? 64 : 256 };
  }

  /** Workgroups of a row kernel plan over `rows` rows, and the x-fold of the grid (uniform `fold`). */
  private rowGrid(plan: RowPlan, rows: number): { groups: [number, number]; fold: number } {
    const groups = grid(rows, plan.kind === 'group' ? 1 : ROW_THREADS, this.maxGroups);
    return { groups, fold: groups[0] };
  }

  /** Number of storages currently alive (for device-loss messages). */
  get liveCount(): number {
    return this.liveStorages;
  }

  private checkSize(op: string, size: number): void {
    const bytes = size * GPU_ELEMENT_BYTES;
    const limit = Math.min(this.runtime.limits.maxStorageBufferBindingSize, this.runtime.limits.maxBufferSize);
    if (bytes > limit) {
      throw new TesseraError(op, undefined, `needs a buffer of ${bytes} bytes (${size} elements), above this adapter's limit of ${limit} bytes (maxStorageBufferBindingSize)`);
    }
  }

  private make(op: string, dtype: DType, size: number, forUpload = false): GpuStorage {
    if (dtype === 'float64') throw new TesseraError(op, 'dtype', 'is float64, which webgpu does not support (WGSL has no f64)');
    this.checkSize(op, size);
    const buffer = this.runtime.pool.acquire(size * GPU_ELEMENT_BYTES, forUpload, op);
    this.count(buffer);
    return { device: 'webgpu', dtype, size, refs: 0, released: false, buffer, backend: this };
  }

  alloc(dtype: DType, size: number): GpuStorage {
    return this.fill(dtype, size, 0);
  }

  fromArray(data: TypedArray, dtype: DType): GpuStorage {
    this.runtime.checkHealthy('tensor');
    if (dtype === 'float64') throw new TesseraError('tensor', 'dtype', 'is float64, which webgpu does not support (WGSL has no f64): use float32');
    this.checkSize('tensor', data.length);
    let words: ArrayBufferView;
    if (dtype === 'float32') words = data instanceof Float32Array ? data : Float32Array.from(data);
    else if (dtype === 'int32') words = data instanceof Int32Array ? data : Int32Array.from(data);
    else words = Uint32Array.from(data, (v) => (v ? 1 : 0));
    const buffer = this.runtime.upload('tensor', words, Math.max(words.byteLength, GPU_ELEMENT_BYTES));
    this.count(buffer);
    return { device: 'webgpu', dtype, size: data.length, refs: 0, released: false, buffer, backend: this };
  }

  release(storage: GpuStorage): void {
    if (storage.backend !== this) {
      storage.backend.release(storage);
      return;
    }
    this.liveBytes -= storage.buffer.size;
    this.liveStorages -= 1;
    if (this.runtime.lost || this.destroyed) return;
    this.runtime.pool.release(storage.buffer);
  }

  private count(buffer: GPUBuffer): void {
    this.liveBytes += buffer.size;
    this.liveStorages += 1;
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
  }

  memory(): BackendMemory {
    return { liveBytes: this.liveBytes, pooledBytes: this.runtime.pool.pooledBytes, peakBytes: this.peakBytes };
  }

  resetPeak(): void {
    this.peakBytes = this.liveBytes;
  }

  emptyCache(): void {
    // Buffers released since the last submit stay (destroying them could invalidate queued work).
    this.runtime.pool.trim(0);
  }

  checkStorage(op: string, arg: string, storage: GpuStorage): void {
    if (storage.backend !== this) {
      throw new TesseraError(op, arg, 'lives on a WebGPU device that was lost or destroyed; recreate it on the current device');
    }
    this.runtime.checkHealthy(op);
  }

  async read(view: GpuView): Promise<TypedArray> {
    const n = numel(view.shape);
    let source = view;
    let temp: GpuStorage | null = null;
    if (!isContiguous(view.shape, view.strides)) {
      temp = this.copy(view);
      source = { storage: temp, shape: view.shape, strides: contiguousStrides(view.shape), offset: 0, dtype: view.dtype };
    }
    try {
      const bytes = await this.runtime.read('data', source.storage.buffer, source.offset * GPU_ELEMENT_BYTES, n * GPU_ELEMENT_BYTES);
      if (view.dtype === 'float32') return new Float32Array(bytes);
      if (view.dtype === 'int32') return new Int32Array(bytes);
      return Uint8Array.from(new Uint32Array(bytes), (v) => (v ? 1 : 0));
    } finally {
      if (temp) this.release(temp);
    }
  }

  readSync(): TypedArray {
    throw new TesseraError('dataSync', 'tensor', 'is on webgpu; reading it is asynchronous: use await t.data()');
  }

  // ---- elementwise --------------------------------------------------------------------

  /** Runs a strided map from `inputs` into a new contiguous storage of `shape`. */
  private map(op: string, inputs: readonly GpuView[], outDtype: DType, shape: readonly number[], body: string, prelude = '', computeType?: DType): GpuStorage {
    const out = this.make(op, outDtype, numel(shape));
    this.mapInto(op, out, 0, contiguousStrides(shape), inputs, shape, body, prelude, computeType);
    return out;
  }

  /** Runs a strided map writing `out` at `outOffset` with `outStrides` (used for cat and slice writes). */
  private mapInto(
    op: string,
    out: GpuStorage,
    outOffset: number,
    outStrides: readonly number[],
    inputs: readonly GpuView[],
    shape: readonly number[],
    body: string,
    prelude = '',
    computeType?: DType,
  ): void {
    const n = numel(shape);
    if (n === 0) return;
    const layout = coalesce(shape, [outStrides, ...inputs.map((v) => v.strides)]);
    const rank = layout.shape.length;
    if (rank > MAX_RANK) {
      throw new TesseraError(op, undefined, `needs ${rank} non-mergeable dims (shape ${fmtShape(shape)}); the WebGPU kernels handle up to ${MAX_RANK}: call .contiguous() first`);
    }
    const contiguous = rank <= 1 && layout.strides.every((s) => rank === 0 || s[0] === 1);
    const operands: Operand[] = inputs.map((v, j) => ({ dtype: v.dtype, offset: v.offset, strides: layout.strides[j + 1]! }));
    const kernel = stridedMapKernel(op, inputs.map((v) => v.dtype), out.dtype, rank, contiguous, body, prelude, computeType);
    const uniforms = stridedMapUniforms(n, layout.shape, outOffset, layout.strides[0]!, operands);
    this.runtime.dispatch(op, kernel, [...inputs.map((v) => v.storage.buffer), out.buffer], uniforms, grid(n, 256, this.maxGroups));
  }

  private get maxGroups(): number {
    return this.runtime.limits.maxComputeWorkgroupsPerDimension;
  }

  unary(op: UnaryOpName, x: GpuView, outDtype: DType): GpuStorage {
    const row = UNARY[op];
    const intIdentity = x.dtype !== 'float32' && (op === 'floor' || op === 'ceil' || op === 'round');
    const expr = intIdentity ? 'x' : row.wgsl;
    const isBool = row.kind === 'predicate' || row.kind === 'logical';
    const prelude = `${helpersFor(expr)}\nfn f_(x: T) -> ${isBool ? 'bool' : 'T'} { return ${expr}; }`;
    return this.map(op, [x], outDtype, x.shape, storeAs('f_(v0)', isBool, outDtype), prelude);
  }

  binary(op: BinaryOpName, a: GpuView, b: GpuView, outShape: readonly number[], outDtype: DType): GpuStorage {
    const row = BINARY[op];
    const isBool = row.kind === 'predicate' || row.kind === 'logical';
    let expr: string = row.wgsl;
    if (a.dtype !== 'float32' && (op === 'maximum' || op === 'minimum')) expr = `${op === 'maximum' ? 'max' : 'min'}(a, b)`;
    if (a.dtype === 'int32' && op === 'pow') expr = 'ipow_(a, b)';
    const prelude = `${helpersFor(expr)}\nfn f_(a: T, b: T) -> ${isBool ? 'bool' : 'T'} { return ${expr}; }`;
    return this.map(op, [a, b], outDtype, outShape, storeAs('f_(v0, v1)', isBool, outDtype), prelude);
  }

  where(cond: GpuView, a: GpuView, b: GpuView, outShape: readonly number[], outDtype: DType): GpuStorage {
    return this.map('where', [cond, a, b], outDtype, outShape, 'select(v2, v1, v0 != 0u)', '', a.dtype);
  }

  cast(x: GpuView, dtype: DType): GpuStorage {
    return this.map('cast', [x], dtype, x.shape, storeAs('v0', false, dtype));
  }

  copy(x: GpuView): GpuStorage {
    return this.map('copy', [x], x.dtype, x.shape, 'v0');
  }

  // ---- reductions ---------------------------------------------------------------------

  /** Describes reducing `dims` of x as [rows, len] with two strides, copying when dims do not merge. */
  private rows(op: string, x: GpuView, dims: readonly number[]): { src: GpuView; rows: number; len: number; rs: number; cs: number; temp: GpuStorage | null } {
    const kept = x.shape.map((_, i) => i).filter((i) => !dims.includes(i));
    const rows = kept.reduce((n, d) => n * x.shape[d]!, 1);
    const len = dims.reduce((n, d) => n * x.shape[d]!, 1);
    const keptL = coalesce(kept.map((d) => x.shape[d]!), [kept.map((d) => x.strides[d]!)]);
    const redL = coalesce(dims.map((d) => x.shape[d]!), [dims.map((d) => x.strides[d]!)]);
    if (keptL.shape.length <= 1 && redL.shape.length <= 1) {
      return { src: x, rows, len, rs: keptL.strides[0]![0] ?? 0, cs: redL.strides[0]![0] ?? 0, temp: null };
    }
    const order = [...kept, ...dims];
    const permuted: GpuView = { storage: x.storage, shape: order.map((d) => x.shape[d]!), strides: order.map((d) => x.strides[d]!), offset: x.offset, dtype: x.dtype };
    const temp = this.copy(permuted);
    const src: GpuView = { storage: temp, shape: permuted.shape, strides: contiguousStrides(permuted.shape), offset: 0, dtype: x.dtype };
    void op;
    return { src, rows, len, rs: len, cs: 1, temp };
  }

  private rowReduce(op: string, rowOp: RowOp, x: GpuView, dims: readonly number[], withIndex: boolean): { values: GpuStorage; indices: GpuStorage | null } {
    const { src, rows, len, rs, cs, temp } = this.rows(op, x, dims);
    const values = this.make(op, x.dtype, rows);
    const indices = withIndex ? this.make(op, 'int32', rows) : null;
    if (rows > 0) {
      const buffers = [src.storage.buffer, values.buffer, ...(indices ? [indices.buffer] : [])];
      let plan = this.rowPlan(rows, len, false);
      // On GPUs a workgroup per row pays for long rows only; and for column sums over many outputs
      // one thread per output row reads neighbouring addresses.
      if (!this.kernels.strictRows && this.kernels.rows === 'group' && plan.kind === 'group' && (len < 128 || (cs !== 1 && rows >= 4096))) plan = { kind: 'thread', v4: false };
      const { groups, fold } = this.rowGrid(plan, rows);
      const kernel = plan.kind === 'group' ? rowReduceKernel(rowOp, x.dtype, plan.wg) : threadReduceKernel(rowOp, x.dtype);
      this.runtime.dispatch(op, kernel, buffers, rowUniforms(rows, len, src.offset, rs, cs, fold), groups);
    }
    if (temp) this.release(temp);
    return { values, indices };
  }

  reduce(op: ReduceOpName, x: GpuView, dims: readonly number[]): GpuStorage {
    return this.rowReduce(op, op, x, dims, false).values;
  }

  argReduce(op: ArgReduceOpName, x: GpuView, dim: number): { values: GpuStorage; indices: GpuStorage } {
    const r = this.rowReduce(op, op === 'max' ? 'argmax' : 'argmin', x, x.shape.length === 0 ? [] : [dim], true);
    return { values: r.values, indices: r.indices! };
  }

  logsumexp(x: GpuView, dim: number): GpuStorage {
    return this.rowReduce('logsumexp', 'logsumexp', x, [dim], false).values;
  }

  /** Contiguous rows along `dim` (last): the view itself, or a permuted copy and the way back. */
  private rowsAlong(op: string, x: GpuView, dim: number): { src: GpuView; restore: ((rowsOut: GpuStorage) => GpuStorage) | null } {
    const last = x.shape.length - 1;
    if (dim === last && isContiguous(x.shape, x.strides)) return { src: x, restore: null };
    const order = [...x.shape.map((_, i) => i).filter((i) => i !== dim), dim];
    const permShape = order.map((d) => x.shape[d]!);
    const temp = this.copy({ storage: x.storage, shape: permShape, strides: order.map((d) => x.strides[d]!), offset: x.offset, dtype: x.dtype });
    const src: GpuView = { storage: temp, shape: permShape, strides: contiguousStrides(permShape), offset: 0, dtype: x.dtype };
    const restore = (rowsOut: GpuStorage): GpuStorage => {
      this.release(temp);
      const permStrides = contiguousStrides(permShape);
      const back = new Array<number>(x.shape.length);
      order.forEach((d, i) => (back[d] = permStrides[i]!));
      const out = this.copy({ storage: rowsOut, shape: x.shape, strides: back, offset: 0, dtype: x.dtype });
      this.release(rowsOut);
      return out;
    };
    void op;
    return { src, restore };
  }

  softmax(x: GpuView, dim: number, log: boolean): GpuStorage {
    const op = log ? 'logSoftmax' : 'softmax';
    const { src, restore } = this.rowsAlong(op, x, dim);
    const len = x.shape[dim] ?? 1;
    const total = numel(x.shape);
    const rows = len === 0 ? 0 : total / len;
    const out = this.make(op, x.dtype, total);
    if (rows > 0) {
      const plan = this.rowPlan(rows, len, len % 4 === 0 && src.offset % 4 === 0);
      const { groups, fold } = this.rowGrid(plan, rows);
      this.runtime.dispatch(op, softmaxKernel(log, plan), [src.storage.buffer, out.buffer], rowsUniforms(rows, len, src.offset, fold), groups);
    }
    return restore ? restore(out) : out;
  }

  scaledMaskedSoftmax(x: GpuView, scale: number, mask: GpuView | null): GpuStorage {
    const op = 'scaledMaskedSoftmax';
    const last = x.shape.length - 1;
    const len = x.shape[last]!;
    const total = numel(x.shape);
    const rows = len === 0 ? 0 : total / len;
    const out = this.make(op, x.dtype, total);
    if (rows === 0) return out;
    const temps: GpuStorage[] = [];
    const contiguous = (v: GpuView): GpuView => {
      if (isContiguous(v.shape, v.strides)) return v;
      const temp = this.copy(v);
      temps.push(temp);
      return { storage: temp, shape: v.shape, strides: contiguousStrides(v.shape), offset: 0, dtype: v.dtype };
    };
    const src = contiguous(x);
    // The mask's rows: its leading dims coalesced (broadcast ones have stride 0), and the stride along them.
    let m = mask;
    let lead = m ? coalesce(x.shape.slice(0, last), [m.strides.slice(0, last)]) : null;
    if (m && lead!.shape.length > MAX_MASK_RANK) {
      // Too many non-mergeable dims for the kernel's uniforms: a contiguous copy has one.
      m = contiguous(m);
      lead = coalesce(x.shape.slice(0, last), [m.strides.slice(0, last)]);
    }
    const inner = m && len > 1 ? m.strides[last]! : 1;
    const maskLayout = m ? { offset: m.offset, inner, shape: lead!.shape, strides: lead!.strides[0]! } : { offset: 0, inner: 0, shape: [], strides: [] };
    const v4 = len % 4 === 0 && src.offset % 4 === 0 && (!m || (inner === 1 && maskLayout.offset % 4 === 0 && maskLayout.strides.every((st) => st % 4 === 0)));
    const plan = this.rowPlan(rows, len, v4);
    const { groups, fold } = this.rowGrid(plan, rows);
    const buffers = m ? [src.storage.buffer, m.storage.buffer, out.buffer] : [src.storage.buffer, out.buffer];
    this.runtime.dispatch(op, scaledMaskedSoftmaxKernel(plan, !!m), buffers, scaledMaskUniforms(rows, len, src.offset, fold, scale, maskLayout), groups);
    for (const t of temps) this.release(t);
    return out;
  }

  layerNorm(x: GpuView, weight: GpuView | null, bias: GpuView | null, normSize: number, eps: number): { out: GpuStorage; mean: GpuStorage; rstd: GpuStorage } {
    const op = 'layerNorm';
    const contiguous = (v: GpuView): { view: GpuView; temp: GpuStorage | null } => {
      if (isContiguous(v.shape, v.strides)) return { view: v, temp: null };
      const temp = this.copy(v);
      return { view: { storage: temp, shape: v.shape, strides: contiguousStrides(v.shape), offset: 0, dtype: v.dtype }, temp };
    };
    const xs = contiguous(x);
    const ws = weight ? contiguous(weight) : null;
    const bs = bias ? contiguous(bias) : null;
    const total = numel(x.shape);
    const rows = total / normSize;
    const out = this.make(op, x.dtype, total);
    const mean = this.make(op, x.dtype, rows);
    const rstd = this.make(op, x.dtype, rows);
    if (ws && ws.view.offset !== 0) throw new TesseraError(op, 'weight', 'must start at offset 0 on webgpu; pass weight.contiguous()');
    if (rows > 0) {
      const flags = (ws ? 1 : 0) | (bs ? 2 : 0);
      const wb = ws?.view.storage.buffer ?? xs.view.storage.buffer;
      const bb = bs?.view.storage.buffer ?? xs.view.storage.buffer;
      if ((ws && ws.view.offset) || (bs && bs.view.offset)) throw new TesseraError(op, 'bias', 'must start at offset 0 on webgpu');
      const plan = this.rowPlan(rows, normSize, normSize % 4 === 0 && xs.view.offset % 4 === 0);
      const { groups, fold } = this.rowGrid(plan, rows);
      this.runtime.dispatch(op, layerNormKernel(plan), [xs.view.storage.buffer, wb, bb, out.buffer, mean.buffer, rstd.buffer], rowsUniforms(rows, normSize, xs.view.offset, fold, eps, flags), groups);
    }
    for (const t of [xs.temp, ws?.temp, bs?.temp]) if (t) this.release(t);
    return { out, mean, rstd };
  }

  // ---- matmul -------------------------------------------------------------------------

  matmul(a: GpuView, b: GpuView, batchShape: readonly number[], m: number, k: number, n: number): GpuStorage {
    const op = 'matmul';
    const batch = numel(batchShape);
    const out = this.make(op, a.dtype, batch * m * n);
    if (batch === 0 || m === 0 || n === 0) return out;
    // Merge batch dims that are contiguous for both operands; at most 4 may remain.
    const rank = batchShape.length;
    const layout = coalesce(batchShape, [a.strides.slice(0, rank), b.strides.slice(0, rank), contiguousStrides(batchShape)]);
    if (layout.shape.length > MAX_BATCH_RANK) {
      throw new TesseraError(op, 'input', `has ${layout.shape.length} non-mergeable batch dims (batch shape ${fmtShape(batchShape)}); at most ${MAX_BATCH_RANK} on webgpu`);
    }
    if (batch > this.maxGroups) throw new TesseraError(op, 'input', `has ${batch} batch matrices; this adapter dispatches at most ${this.maxGroups}`);
    const ao: MatmulOperand = { offset: a.offset, rs: a.strides[rank]!, cs: a.strides[rank + 1]!, batch: layout.strides[0]! };
    const bo: MatmulOperand = { offset: b.offset, rs: b.strides[rank]!, cs: b.strides[rank + 1]!, batch: layout.strides[1]! };
    const uniforms = matmulUniforms(m, n, k, ao, bo, layout.shape);
    const subgroups = this.kernels.subgroups === false ? 0 : this.subgroupSize;
    let { kernel, groups } = matmulKernel(this.kernels.matmul, m, n, k, ao, bo, subgroups);
    // Every variant covers at least 32 rows and columns per workgroup but 'blocked' (4 rows per invocation).
    if (Math.max(...groups) > this.maxGroups) ({ kernel, groups } = matmulKernel('tiled', m, n, k, ao, bo));
    if (Math.max(...groups) > this.maxGroups) {
      throw new TesseraError(op, 'input', `is too large for one dispatch on this adapter (${m}x${k} @ ${k}x${n}; at most ${this.maxGroups} workgroups per dimension)`);
    }
    this.runtime.dispatch(op, kernel, [a.storage.buffer, b.storage.buffer, out.buffer], uniforms, [groups[0], groups[1], batch]);
    return out;
  }

  // ---- indexing -----------------------------------------------------------------------

  gather(x: GpuView, dim: number, index: GpuView): GpuStorage {
    const n = numel(index.shape);
    const out = this.make('gather', x.dtype, n);
    if (n === 0) return out;
    const rank = index.shape.length;
    if (rank > MAX_RANK) throw new TesseraError('gather', 'index', `has rank ${rank}; at most ${MAX_RANK} on webgpu`);
    const uniforms = indexingUniforms({
      n,
      dim: rank === 0 ? 0 : dim,
      dimSize: rank === 0 ? 1 : x.shape[dim]!,
      shape: index.shape,
      xOffset: x.offset,
      xStrides: x.strides,
      indexOffset: index.offset,
      indexStrides: index.strides,
    });
    this.runtime.dispatch('gather', gatherKernel(x.dtype, rank), [x.storage.buffer, index.storage.buffer, out.buffer], uniforms, grid(n, 256, this.maxGroups));
    return out;
  }

  scatterAdd(x: GpuView, dim: number, index: GpuView, src: GpuView): GpuStorage {
    if (x.dtype === 'bool') throw new TesseraError('scatterAdd', 'x', 'is bool; scatterAdd needs a numeric dtype on webgpu');
    const out = this.copy(x);
    const n = numel(index.shape);
    if (n === 0) return out;
    const rank = index.shape.length;
    const uniforms = indexingUniforms({
      n,
      dim: rank === 0 ? 0 : dim,
      dimSize: rank === 0 ? 1 : x.shape[dim]!,
      shape: index.shape,
      xOffset: 0,
      xStrides: contiguousStrides(x.shape),
      indexOffset: index.offset,
      indexStrides: index.strides,
      srcOffset: src.offset,
      srcStrides: src.strides,
    });
    this.runtime.dispatch('scatterAdd', scatterAddKernel(x.dtype, rank), [src.storage.buffer, index.storage.buffer, out.buffer], uniforms, grid(n, 256, this.maxGroups));
    return out;
  }

  cat(inputs: readonly GpuView[], dim: number, outShape: readonly number[]): GpuStorage {
    const dtype = inputs[0]!.dtype;
    const out = this.make('cat', dtype, numel(outShape));
    const os = contiguousStrides(outShape);
    let start = 0;
    for (const t of inputs) {
      this.mapInto('cat', out, start * os[dim]!, os, [t], t.shape, 'v0');
      start += t.shape[dim]!;
    }
    return out;
  }

  sliceScatter(x: GpuView, src: GpuView, dim: number, start: number, step: number): GpuStorage {
    const out = this.copy(x);
    const os = contiguousStrides(x.shape);
    const strides = [...os];
    strides[dim] = os[dim]! * step;
    this.mapInto('sliceScatter', out, start * os[dim]!, strides, [src], src.shape, 'v0');
    return out;
  }

  fill(dtype: DType, size: number, value: number): GpuStorage {
    return this.arange(dtype, size, value, 0);
  }

  arange(dtype: DType, size: number, start: number, step: number): GpuStorage {
    const out = this.make('arange', dtype, size);
    if (size > 0) this.runtime.dispatch('arange', rangeKernel(dtype), [out.buffer], rangeUniforms(dtype, size, start, step), grid(size, 256, this.maxGroups));
    return out;
  }

  adamStep(param: GpuStorage, grad: GpuView, expAvg: GpuStorage, expAvgSq: GpuStorage, maxExpAvgSq: GpuStorage | null, hyper: AdamHyper): void {
    const n = param.size;
    if (n === 0) return;
    const buffers = [param.buffer, grad.storage.buffer, expAvg.buffer, expAvgSq.buffer];
    if (maxExpAvgSq) buffers.push(maxExpAvgSq.buffer);
    this.runtime.dispatch('adamStep', adamStepKernel(!!maxExpAvgSq), buffers, adamStepUniforms(n, grad.offset, hyper), grid(n, 256, this.maxGroups));
  }

  random(kind: RandomKind, dtype: DType, size: number, key: readonly [number, number], offset: number): GpuStorage {
    const out = this.make('random', dtype, size);
    if (size > 0) this.runtime.dispatch('random', randomKernel(kind), [out.buffer], randomUniforms(size, key, offset), grid(size, 256, this.maxGroups));
    return out;
  }
}

export { wgslType };
