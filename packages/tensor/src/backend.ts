import type { DType, TypedArray } from './dtype.js';
import type { BinaryOpName, UnaryOpName } from './ops/elementwise.table.js';

export type DeviceName = 'cpu' | 'webgpu';

/** Backing memory of one or more tensors. Backends extend it with their buffer. */
export interface Storage {
  readonly device: DeviceName;
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** Tensor handles (and saved autograd values) that use this storage. */
  refs: number;
  released: boolean;
}

/** A strided window into a storage: what kernels read. Tensors are views. */
export interface View<S extends Storage = Storage> {
  readonly storage: S;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
}

export type ReduceOpName = 'sum' | 'max' | 'min';
export type ArgReduceOpName = 'max' | 'min';
export type RandomKind = 'uniform' | 'normal';

/** Scalars of one Adam step (bias corrections already folded in). */
export interface AdamHyper {
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 - beta1^step) */
  stepSize: number;
  /** sqrt(1 - beta2^step) */
  biasCorrection2Sqrt: number;
  /** AdamW: p *= decay (1 - lr * weightDecay) before the update; Adam: 1. */
  decay: number;
  /** Adam: g += l2 * p; AdamW: 0. */
  l2: number;
  maximize: boolean;
}

export interface BackendMemory {
  /** Bytes held by live storages. */
  liveBytes: number;
  /** Bytes kept in the backend's pool for reuse. */
  pooledBytes: number;
  /** Highest liveBytes since the backend started or since resetPeak(). */
  peakBytes: number;
}

/**
 * What a backend provides. Every kernel returns fresh contiguous storage whose shape the
 * caller knows; inputs are views (any strides, stride 0 for broadcast dims).
 * Optional kernels are fused fast paths; ops fall back to compositions without them.
 */
export interface Backend<S extends Storage = Storage> {
  readonly name: DeviceName;
  readonly supportsFloat64: boolean;

  /** Zero-filled storage. */
  alloc(dtype: DType, size: number): S;
  fromArray(data: TypedArray, dtype: DType): S;
  /** Called when the last reference goes; frees or pools the memory. */
  release(storage: S): void;
  /** Row-major copy of a view's elements. */
  read(view: View<S>): Promise<TypedArray>;
  /** Synchronous read; backends that cannot read synchronously throw. */
  readSync(view: View<S>): TypedArray;
  memory(): BackendMemory;
  /** Restarts peak tracking at the current live bytes. */
  resetPeak(): void;
  /** Frees the memory kept pooled for reuse (live storage is untouched). */
  emptyCache?(): void;
  /** Throws when `storage` cannot be used by this backend (e.g. it belonged to a lost GPU device). */
  checkStorage?(op: string, arg: string, storage: S): void;

  unary(op: UnaryOpName, x: View<S>, outDtype: DType): S;
  /** `a` and `b` are already broadcast (as views) to `outShape`. */
  binary(op: BinaryOpName, a: View<S>, b: View<S>, outShape: readonly number[], outDtype: DType): S;
  where(cond: View<S>, a: View<S>, b: View<S>, outShape: readonly number[], outDtype: DType): S;
  cast(x: View<S>, dtype: DType): S;
  /** Row-major copy of a strided view. */
  copy(x: View<S>): S;
  /** Reduces `dims` (sorted, unique) of `x`; the result is laid out as the kept dims in order. */
  reduce(op: ReduceOpName, x: View<S>, dims: readonly number[]): S;
  /** Max/min along one dim with the first index of the extreme value (int32). */
  argReduce(op: ArgReduceOpName, x: View<S>, dim: number): { values: S; indices: S };
  /** `a [...batch, m, k] @ b [...batch, k, n]`; batch dims already broadcast (as views) to `batchShape`. */
  matmul(a: View<S>, b: View<S>, batchShape: readonly number[], m: number, k: number, n: number): S;
  /** `out[i][j][k] = x[index[i][j][k]][j][k]` along `dim`; output has the index's shape. Index values are valid. */
  gather(x: View<S>, dim: number, index: View<S>): S;
  /** A copy of `x` with `src` added at `index` along `dim`. */
  scatterAdd(x: View<S>, dim: number, index: View<S>, src: View<S>): S;
  cat(inputs: readonly View<S>[], dim: number, outShape: readonly number[]): S;
  /** A copy of `x` whose slice `start:start+step*len:step` along `dim` is replaced by `src`. */
  sliceScatter(x: View<S>, src: View<S>, dim: number, start: number, step: number): S;
  fill(dtype: DType, size: number, value: number): S;
  arange(dtype: DType, size: number, start: number, step: number): S;
  /** Counter-based random numbers (threefry2x32): element i uses counter `offset + i` under `key`. */
  random(kind: RandomKind, dtype: DType, size: number, key: readonly [number, number], offset: number): S;

  /**
   * One Adam/AdamW update, in place on `param`, `expAvg`, `expAvgSq` (and `maxExpAvgSq` for AMSGrad):
   * whole contiguous tensors of one dtype. Optional: optimizers fall back to tensor ops.
   */
  adamStep?(param: S, grad: View<S>, expAvg: S, expAvgSq: S, maxExpAvgSq: S | null, hyper: AdamHyper): void;

  softmax?(x: View<S>, dim: number, log: boolean): S;
  /** Softmax over the last dim of `x * scale + mask`; `mask` is null or a view broadcast to x's shape, of x's dtype. */
  scaledMaskedSoftmax?(x: View<S>, scale: number, mask: View<S> | null): S;
  logsumexp?(x: View<S>, dim: number): S;
  layerNorm?(x: View<S>, weight: View<S> | null, bias: View<S> | null, normSize: number, eps: number): { out: S; mean: S; rstd: S };
}
