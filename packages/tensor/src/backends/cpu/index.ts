import type { AdamHyper, ArgReduceOpName, Backend, BackendMemory, RandomKind, ReduceOpName, View } from '../../backend.js';
import { registerBackend } from '../../device.js';
import type { DType, FloatArray, TypedArray } from '../../dtype.js';
import { allocArray } from '../../dtype.js';
import { contiguousStrides } from '../../shape.js';
import { BINARY, UNARY } from '../../ops/elementwise.table.js';
import type { BinaryOpName, UnaryOpName } from '../../ops/elementwise.table.js';
import type { CpuStorage } from './storage.js';
import { cpuLiveBytes, cpuPeakBytes, makeCpuStorage, pool, releaseCpuStorage, resetCpuPeak } from './storage.js';
import { cloneFunction, coalesce } from './strided.js';
import { binaryLoop, unaryLoop, whereLoop } from './kernels/loops.js';
import { batchedGemm } from './kernels/matmul.js';
import { argReduceKernel, logsumexpKernel, reduceKernel, softmaxKernel } from './kernels/reduce.js';
import type { StridedInput } from './kernels/reduce.js';
import { contiguousCopy, copyIntoRegion, gatherKernel, scatterAddKernel } from './kernels/indexing.js';
import { layerNormKernel } from './kernels/layernorm.js';
import { scaledMaskedSoftmaxKernel } from './kernels/softmax-fused.js';
import { randomKernel } from './kernels/random.js';
import { adamStepKernel } from './kernels/optim.js';

type CpuView = View<CpuStorage>;

function input(v: CpuView): StridedInput {
  return { data: v.storage.data, shape: v.shape, strides: v.strides, offset: v.offset };
}

const unaryLoops = new Map<string, typeof unaryLoop>();
const binaryLoops = new Map<string, typeof binaryLoop>();

function loopFor<T extends (...args: never[]) => unknown>(cache: Map<string, T>, key: string, base: T): T {
  let loop = cache.get(key);
  if (!loop) {
    loop = cloneFunction(base);
    cache.set(key, loop);
  }
  return loop;
}

const toBool = (x: number): number => (x !== 0 ? 1 : 0);
const identity = (x: number): number => x;

/** Plain TypeScript kernels over typed arrays. Runs eagerly; reads are synchronous. */
class CpuBackend implements Backend<CpuStorage> {
  readonly name = 'cpu' as const;
  readonly supportsFloat64 = true;

  alloc(dtype: DType, size: number): CpuStorage {
    return makeCpuStorage(allocArray(dtype, size), dtype);
  }
  fromArray(data: TypedArray, dtype: DType): CpuStorage {
    const copy = allocArray(dtype, data.length);
    copy.set(data as never);
    return makeCpuStorage(copy, dtype);
  }
  release(storage: CpuStorage): void {
    releaseCpuStorage(storage);
  }
  read(view: CpuView): Promise<TypedArray> {
    return Promise.resolve(this.readSync(view));
  }
  readSync(view: CpuView): TypedArray {
    return contiguousCopy(input(view), view.dtype);
  }
  memory(): BackendMemory {
    return { liveBytes: cpuLiveBytes(), pooledBytes: pool.pooledBytes, peakBytes: cpuPeakBytes() };
  }
  resetPeak(): void {
    resetCpuPeak();
  }

  emptyCache(): void {
    pool.clear();
  }

  unary(op: UnaryOpName, x: CpuView, outDtype: DType): CpuStorage {
    const out = allocArray(outDtype, x.shape.reduce((a, b) => a * b, 1));
    const { shape, strides } = coalesce(x.shape, [contiguousStrides(x.shape), x.strides]);
    loopFor(unaryLoops, op, unaryLoop)(UNARY[op].cpu, out, x.storage.data, x.offset, shape, strides[1]!);
    return makeCpuStorage(out, outDtype);
  }

  binary(op: BinaryOpName, a: CpuView, b: CpuView, outShape: readonly number[], outDtype: DType): CpuStorage {
    const out = allocArray(outDtype, outShape.reduce((x, y) => x * y, 1));
    const { shape, strides } = coalesce(outShape, [contiguousStrides(outShape), a.strides, b.strides]);
    const row = BINARY[op];
    const intForm = a.dtype === 'int32' && 'cpuInt' in row;
    const fn = intForm ? (row as { cpuInt: (x: number, y: number) => number }).cpuInt : row.cpu;
    loopFor(binaryLoops, intForm ? `${op}:int` : op, binaryLoop)(fn, out, a.storage.data, a.offset, strides[1]!, b.storage.data, b.offset, strides[2]!, shape);
    return makeCpuStorage(out, outDtype);
  }

  where(cond: CpuView, a: CpuView, b: CpuView, outShape: readonly number[], outDtype: DType): CpuStorage {
    const out = allocArray(outDtype, outShape.reduce((x, y) => x * y, 1));
    const { shape, strides } = coalesce(outShape, [contiguousStrides(outShape), cond.strides, a.strides, b.strides]);
    whereLoop(out, cond.storage.data, cond.offset, strides[1]!, a.storage.data, a.offset, strides[2]!, b.storage.data, b.offset, strides[3]!, shape);
    return makeCpuStorage(out, outDtype);
  }

  cast(x: CpuView, dtype: DType): CpuStorage {
    const out = allocArray(dtype, x.shape.reduce((a, b) => a * b, 1));
    const { shape, strides } = coalesce(x.shape, [contiguousStrides(x.shape), x.strides]);
    // Typed-array stores already truncate (int32) and round (float32); bool needs "non-zero".
    const key = dtype === 'bool' ? 'cast:bool' : 'cast';
    loopFor(unaryLoops, key, unaryLoop)(dtype === 'bool' ? toBool : identity, out, x.storage.data, x.offset, shape, strides[1]!);
    return makeCpuStorage(out, dtype);
  }

  copy(x: CpuView): CpuStorage {
    return makeCpuStorage(contiguousCopy(input(x), x.dtype), x.dtype);
  }

  reduce(op: ReduceOpName, x: CpuView, dims: readonly number[]): CpuStorage {
    return makeCpuStorage(reduceKernel(op, input(x), dims, x.dtype), x.dtype);
  }

  argReduce(op: ArgReduceOpName, x: CpuView, dim: number): { values: CpuStorage; indices: CpuStorage } {
    const { values, indices } = argReduceKernel(op, input(x), dim, x.dtype);
    return { values: makeCpuStorage(values, x.dtype), indices: makeCpuStorage(indices, 'int32') };
  }

  matmul(a: CpuView, b: CpuView, batchShape: readonly number[], m: number, k: number, n: number): CpuStorage {
    const batch = batchShape.reduce((x, y) => x * y, 1);
    const out = allocArray(a.dtype, batch * m * n) as FloatArray;
    const rank = batchShape.length;
    const dtype = a.dtype as 'float32' | 'float64';
    // Batch offsets of both operands (broadcast batch dims have stride 0).
    const aOff = new Array<number>(batch);
    const bOff = new Array<number>(batch);
    const idx = new Array<number>(rank).fill(0);
    let bSame = true;
    for (let bi = 0; bi < batch; bi++) {
      let ao = a.offset;
      let bo = b.offset;
      for (let d = 0; d < rank; d++) {
        ao += idx[d]! * a.strides[d]!;
        bo += idx[d]! * b.strides[d]!;
      }
      aOff[bi] = ao;
      bOff[bi] = bo;
      if (bo !== bOff[0]) bSame = false;
      for (let d = rank - 1; d >= 0; d--) {
        if (++idx[d]! < batchShape[d]!) break;
        idx[d] = 0;
      }
    }
    const aRow = a.strides[rank]!;
    const aCol = a.strides[rank + 1]!;
    const bMat = { data: b.storage.data as FloatArray, rowStride: b.strides[rank]!, colStride: b.strides[rank + 1]! };
    // One B for every batch item and A's batch items stacked at its row stride (e.g. x[B, T, D] @ W):
    // a single [batch*m, k] @ [k, n] product with the same output layout.
    let stacked = bSame && batch > 1;
    for (let bi = 1; stacked && bi < batch; bi++) if (aOff[bi] !== aOff[0]! + bi * m * aRow) stacked = false;
    if (stacked) {
      batchedGemm(dtype, 1, batch * m, n, k, { data: a.storage.data as FloatArray, offsets: [aOff[0]!], rowStride: aRow, colStride: aCol }, { ...bMat, offsets: [bOff[0]!] }, out);
    } else {
      batchedGemm(dtype, batch, m, n, k, { data: a.storage.data as FloatArray, offsets: aOff, rowStride: aRow, colStride: aCol }, { ...bMat, offsets: bOff }, out);
    }
    return makeCpuStorage(out, a.dtype);
  }

  gather(x: CpuView, dim: number, index: CpuView): CpuStorage {
    return makeCpuStorage(gatherKernel(input(x), dim, input(index), x.dtype), x.dtype);
  }

  scatterAdd(x: CpuView, dim: number, index: CpuView, src: CpuView): CpuStorage {
    return makeCpuStorage(scatterAddKernel(input(x), dim, input(index), input(src), x.dtype), x.dtype);
  }

  cat(inputs: readonly CpuView[], dim: number, outShape: readonly number[]): CpuStorage {
    const dtype = inputs[0]!.dtype;
    const out = allocArray(dtype, outShape.reduce((a, b) => a * b, 1));
    let start = 0;
    for (const t of inputs) {
      copyIntoRegion(out, outShape, dim, start, 1, input(t));
      start += t.shape[dim]!;
    }
    return makeCpuStorage(out, dtype);
  }

  sliceScatter(x: CpuView, src: CpuView, dim: number, start: number, step: number): CpuStorage {
    const out = contiguousCopy(input(x), x.dtype);
    copyIntoRegion(out, x.shape, dim, start, step, input(src));
    return makeCpuStorage(out, x.dtype);
  }

  fill(dtype: DType, size: number, value: number): CpuStorage {
    const out = allocArray(dtype, size);
    if (value !== 0) out.fill(dtype === 'bool' ? (value ? 1 : 0) : value);
    return makeCpuStorage(out, dtype);
  }

  arange(dtype: DType, size: number, start: number, step: number): CpuStorage {
    const out = allocArray(dtype, size);
    for (let i = 0; i < size; i++) out[i] = start + i * step;
    return makeCpuStorage(out, dtype);
  }

  random(kind: RandomKind, dtype: DType, size: number, key: readonly [number, number], offset: number): CpuStorage {
    return makeCpuStorage(randomKernel(kind, dtype, size, key, offset), dtype);
  }

  adamStep(param: CpuStorage, grad: CpuView, expAvg: CpuStorage, expAvgSq: CpuStorage, maxExpAvgSq: CpuStorage | null, hyper: AdamHyper): void {
    const g = grad.storage.data as FloatArray;
    adamStepKernel(param.data as FloatArray, g, grad.offset, expAvg.data as FloatArray, expAvgSq.data as FloatArray, (maxExpAvgSq?.data as FloatArray | undefined) ?? null, hyper);
  }

  softmax(x: CpuView, dim: number, log: boolean): CpuStorage {
    return makeCpuStorage(softmaxKernel(input(x), dim, log, x.dtype), x.dtype);
  }

  scaledMaskedSoftmax(x: CpuView, scale: number, mask: CpuView | null): CpuStorage {
    return makeCpuStorage(scaledMaskedSoftmaxKernel(input(x), scale, mask ? input(mask) : null, x.dtype), x.dtype);
  }

  logsumexp(x: CpuView, dim: number): CpuStorage {
    return makeCpuStorage(logsumexpKernel(input(x), dim, x.dtype), x.dtype);
  }

  layerNorm(x: CpuView, weight: CpuView | null, bias: CpuView | null, normSize: number, eps: number): { out: CpuStorage; mean: CpuStorage; rstd: CpuStorage } {
    const w = weight ? contiguousCopy(input(weight), weight.dtype) : null;
    const b = bias ? contiguousCopy(input(bias), bias.dtype) : null;
    const r = layerNormKernel(input(x), w, 0, b, 0, normSize, eps, x.dtype);
    return { out: makeCpuStorage(r.out, x.dtype), mean: makeCpuStorage(r.mean, x.dtype), rstd: makeCpuStorage(r.rstd, x.dtype) };
  }
}

export const cpuBackend = new CpuBackend();
registerBackend(cpuBackend as unknown as Backend);
