import type { DeviceName, Storage, View } from './backend.js';
import { getBackend } from './device.js';
import type { DType, TypedArray } from './dtype.js';
import { isFloat } from './dtype.js';
import { check, fmtShape, TesseraError } from './errors.js';
import { trackTensor, untrackTensor } from './memory.js';
import { contiguousStrides, isContiguous, numel } from './shape.js';
import * as ops from './ops/index.js';

/** What autograd attaches to a tensor produced by a recorded op. `tensor` treats it as opaque. */
export interface GradFn {
  readonly name: string;
}

export type Scalar = number | boolean;
export type NestedArray = Scalar | NestedArray[];

/** Values and indices of `max(dim)` / `min(dim)`, as torch.return_types.max. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

/**
 * An n-dimensional array on a device: a strided view into reference-counted storage.
 * Ops are methods and free functions with PyTorch names and semantics.
 */
export class Tensor implements View {
  readonly storage: Storage;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  readonly device: DeviceName;
  /** Gradient accumulated by `backward()` (leaves), or for non-leaves after `retainGrad()`. */
  grad: Tensor | null = null;
  /** The recorded op that produced this tensor; null for leaves. Set by autograd. */
  gradFn: GradFn | null = null;
  /** Which output of `gradFn` this tensor is. */
  outputIndex = 0;
  /** Set by `retainGrad()` so autograd keeps this non-leaf's gradient. */
  retainsGrad = false;
  /** Exempt from disposal by `tidy` scopes (see `keep`). */
  kept = false;
  private requiresGradFlag = false;
  private disposedFlag = false;

  /** Wraps storage; takes one reference. Prefer the factories (`tensor`, `zeros`, …). */
  constructor(storage: Storage, shape: readonly number[], strides?: readonly number[], offset = 0, inScope = true) {
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    this.offset = offset;
    this.dtype = storage.dtype;
    this.device = storage.device;
    storage.refs += 1;
    trackTensor(this, inScope);
  }

  // ---- metadata ------------------------------------------------------------------------

  get ndim(): number {
    return this.shape.length;
  }
  /** Number of dims (torch.Tensor.dim). */
  dim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return numel(this.shape);
  }
  /** Size of one dim (negative counts from the end), or the whole shape. */
  size(): readonly number[];
  size(dim: number): number;
  size(dim?: number): number | readonly number[] {
    if (dim === undefined) return this.shape;
    const d = dim < 0 ? dim + this.ndim : dim;
    check(d >= 0 && d < this.ndim, 'size', 'dim', () => `is out of range for shape ${fmtShape(this.shape)}: ${dim}`);
    return this.shape[d]!;
  }
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }
  get disposed(): boolean {
    return this.disposedFlag;
  }
  /** True for tensors not produced by a recorded op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  get requiresGrad(): boolean {
    return this.requiresGradFlag;
  }
  set requiresGrad(flag: boolean) {
    if (flag && !isFloat(this.dtype)) {
      throw new TesseraError('requiresGrad', 'tensor', `has dtype ${this.dtype}; only float32/float64 tensors can require gradients`);
    }
    if (!flag && this.gradFn !== null) {
      throw new TesseraError('requiresGrad', 'tensor', 'is not a leaf; use detach() to stop gradients instead');
    }
    this.requiresGradFlag = flag;
  }
  /** Sets `requiresGrad` in place and returns this tensor (torch.Tensor.requires_grad_). */
  requiresGrad_(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }
  /** Internal: autograd marks recorded outputs. */
  markRequiresGrad(): void {
    this.requiresGradFlag = true;
  }
  /** Keep `.grad` for this non-leaf tensor during backward. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  // ---- memory --------------------------------------------------------------------------

  /** Releases this handle; the storage is freed when no handle or saved value uses it. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    untrackTensor(this);
  }
  /** Throws when this handle was disposed: every op calls it on its inputs. */
  assertAlive(op: string, arg: string): void {
    if (this.disposedFlag || this.storage.released) {
      throw new TesseraError(op, arg, `was disposed (shape ${fmtShape(this.shape)}, ${this.dtype}, ${this.device})`);
    }
  }

  // ---- reading -------------------------------------------------------------------------

  /** Row-major copy of the values. */
  async data(): Promise<TypedArray> {
    this.assertAlive('data', 'tensor');
    return getBackend(this.device, 'data').read(this);
  }
  /** Synchronous row-major copy; CPU only. */
  dataSync(): TypedArray {
    this.assertAlive('dataSync', 'tensor');
    if (this.device !== 'cpu') {
      throw new TesseraError('dataSync', 'tensor', `is on ${this.device}; reading it is asynchronous: use await t.data()`);
    }
    return getBackend(this.device, 'dataSync').readSync(this);
  }
  /** Values as nested arrays (booleans for bool tensors). */
  async array(): Promise<NestedArray> {
    return toNested(await this.data(), this.shape, this.dtype);
  }
  arraySync(): NestedArray {
    return toNested(this.dataSync(), this.shape, this.dtype);
  }
  /** The value of a one-element tensor. */
  async item(): Promise<number> {
    check(this.numel === 1, 'item', 'tensor', () => `must have exactly one element, has shape ${fmtShape(this.shape)}`);
    return (await this.data())[0]!;
  }
  itemSync(): number {
    check(this.numel === 1, 'item', 'tensor', () => `must have exactly one element, has shape ${fmtShape(this.shape)}`);
    return this.dataSync()[0]!;
  }
  toString(): string {
    const head = `Tensor(shape=${fmtShape(this.shape)}, dtype=${this.dtype}, device=${this.device}`;
    if (this.device !== 'cpu' || this.disposed) return `${head})`;
    const values = Array.from(this.dataSync().subarray(0, 8)).map((v) => +v.toPrecision(5));
    return `${head}, values=[${values.join(', ')}${this.numel > 8 ? ', …' : ''}])`;
  }

  // ---- autograd-independent handles ----------------------------------------------------

  /** A new handle on the same storage, cut from the graph (torch.Tensor.detach). */
  detach(): Tensor {
    this.assertAlive('detach', 'tensor');
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }
  /**
   * Replaces this tensor's values with `value`'s, in place (shape and dtype must match).
   * For optimizers and weight loading; never recorded.
   */
  assign(value: Tensor): this {
    return ops.assign(this, value);
  }

  // ---- conversion ----------------------------------------------------------------------

  /** Moves to a device or casts to a dtype (returns this tensor when nothing changes). */
  to(target: DeviceName | DType): Tensor {
    return ops.to(this, target);
  }
  cast(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }
  float(): Tensor {
    return ops.cast(this, 'float32');
  }
  double(): Tensor {
    return ops.cast(this, 'float64');
  }
  int(): Tensor {
    return ops.cast(this, 'int32');
  }
  bool(): Tensor {
    return ops.cast(this, 'bool');
  }
  contiguous(): Tensor {
    return ops.contiguous(this);
  }
  clone(): Tensor {
    return ops.clone(this);
  }

  // ---- elementwise ---------------------------------------------------------------------

  add(other: Tensor | Scalar): Tensor { return ops.add(this, other); }
  sub(other: Tensor | Scalar): Tensor { return ops.sub(this, other); }
  mul(other: Tensor | Scalar): Tensor { return ops.mul(this, other); }
  div(other: Tensor | Scalar): Tensor { return ops.div(this, other); }
  pow(exponent: Tensor | Scalar): Tensor { return ops.pow(this, exponent); }
  maximum(other: Tensor | Scalar): Tensor { return ops.maximum(this, other); }
  minimum(other: Tensor | Scalar): Tensor { return ops.minimum(this, other); }
  eq(other: Tensor | Scalar): Tensor { return ops.eq(this, other); }
  ne(other: Tensor | Scalar): Tensor { return ops.ne(this, other); }
  lt(other: Tensor | Scalar): Tensor { return ops.lt(this, other); }
  le(other: Tensor | Scalar): Tensor { return ops.le(this, other); }
  gt(other: Tensor | Scalar): Tensor { return ops.gt(this, other); }
  ge(other: Tensor | Scalar): Tensor { return ops.ge(this, other); }
  logicalAnd(other: Tensor | Scalar): Tensor { return ops.logicalAnd(this, other); }
  logicalOr(other: Tensor | Scalar): Tensor { return ops.logicalOr(this, other); }
  logicalXor(other: Tensor | Scalar): Tensor { return ops.logicalXor(this, other); }
  logicalNot(): Tensor { return ops.logicalNot(this); }
  neg(): Tensor { return ops.neg(this); }
  abs(): Tensor { return ops.abs(this); }
  sign(): Tensor { return ops.sign(this); }
  square(): Tensor { return ops.square(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  log1p(): Tensor { return ops.log1p(this); }
  expm1(): Tensor { return ops.expm1(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  relu(): Tensor { return ops.relu(this); }
  erf(): Tensor { return ops.erf(this); }
  floor(): Tensor { return ops.floor(this); }
  ceil(): Tensor { return ops.ceil(this); }
  round(): Tensor { return ops.round(this); }
  isnan(): Tensor { return ops.isnan(this); }
  isinf(): Tensor { return ops.isinf(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ops.clamp(this, min, max); }
  clampMin(min: number): Tensor { return ops.clamp(this, min, null); }
  clampMax(max: number): Tensor { return ops.clamp(this, null, max); }
  /** `where(condition, this, other)`, as torch.Tensor.where. */
  where(condition: Tensor, other: Tensor | Scalar): Tensor { return ops.where(condition, this, other); }
  maskedFill(mask: Tensor, value: number): Tensor { return ops.maskedFill(this, mask, value); }

  // ---- linear algebra ------------------------------------------------------------------

  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }

  // ---- reductions ----------------------------------------------------------------------

  sum(dim?: number | readonly number[], keepdim = false): Tensor { return ops.sum(this, dim, keepdim); }
  mean(dim?: number | readonly number[], keepdim = false): Tensor { return ops.mean(this, dim, keepdim); }
  /** Full max, or `{ values, indices }` along `dim` (first index on ties). */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? ops.amax(this) : ops.max(this, dim, keepdim);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? ops.amin(this) : ops.min(this, dim, keepdim);
  }
  amax(dim?: number | readonly number[], keepdim = false): Tensor { return ops.amax(this, dim, keepdim); }
  amin(dim?: number | readonly number[], keepdim = false): Tensor { return ops.amin(this, dim, keepdim); }
  argmax(dim?: number, keepdim = false): Tensor { return ops.argmax(this, dim, keepdim); }
  argmin(dim?: number, keepdim = false): Tensor { return ops.argmin(this, dim, keepdim); }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor { return ops.logsumexp(this, dim, keepdim); }
  norm(p = 2, dim?: number | readonly number[], keepdim = false): Tensor { return ops.norm(this, p, dim, keepdim); }
  var(dim?: number | readonly number[], opts?: { correction?: number; keepdim?: boolean }): Tensor { return ops.variance(this, dim, opts); }
  softmax(dim: number): Tensor { return ops.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return ops.logSoftmax(this, dim); }

  // ---- shape ---------------------------------------------------------------------------

  reshape(...shape: number[] | [readonly number[]]): Tensor { return ops.reshape(this, flatArgs(shape)); }
  /** Like reshape, but never copies: throws when the strides do not allow a view. */
  view(...shape: number[] | [readonly number[]]): Tensor { return ops.view(this, flatArgs(shape)); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return ops.permute(this, flatArgs(dims)); }
  transpose(dim0: number, dim1: number): Tensor { return ops.transpose(this, dim0, dim1); }
  /** Transpose of a 2-D tensor (reverses dims for other ranks, like torch's .T). */
  get T(): Tensor { return ops.permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); }
  /** Swaps the last two dims. */
  get mT(): Tensor { return ops.transpose(this, -2, -1); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return ops.expand(this, flatArgs(shape)); }
  expandAs(other: Tensor): Tensor { return ops.expand(this, other.shape); }
  squeeze(dim?: number | readonly number[]): Tensor { return ops.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return ops.unsqueeze(this, dim); }
  flatten(startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); }
  narrow(dim: number, start: number, length: number): Tensor { return ops.narrow(this, dim, start, length); }
  /** Python-style `[start:end:step]` along one dim (negative and out-of-range bounds clamp). */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor { return ops.slice(this, dim, start, end, step); }
  split(splitSize: number | readonly number[], dim = 0): Tensor[] { return ops.split(this, splitSize, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return ops.chunk(this, chunks, dim); }
  repeat(...repeats: number[] | [readonly number[]]): Tensor { return ops.repeat(this, flatArgs(repeats)); }

  // ---- indexing ------------------------------------------------------------------------

  gather(dim: number, index: Tensor): Tensor { return ops.gather(this, dim, index); }
  indexSelect(dim: number, index: Tensor): Tensor { return ops.indexSelect(this, dim, index); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return ops.scatterAdd(this, dim, index, src); }
  triu(diagonal = 0): Tensor { return ops.triu(this, diagonal); }
  tril(diagonal = 0): Tensor { return ops.tril(this, diagonal); }
  diag(diagonal = 0): Tensor { return ops.diag(this, diagonal); }
}

function flatArgs(args: number[] | [readonly number[]]): readonly number[] {
  return args.length === 1 && Array.isArray(args[0]) ? (args[0] as readonly number[]) : (args as number[]);
}

function toNested(data: TypedArray, shape: readonly number[], dtype: DType): NestedArray {
  const conv = dtype === 'bool' ? (v: number): Scalar => v !== 0 : (v: number): Scalar => v;
  if (shape.length === 0) return conv(data[0]!);
  const build = (dim: number, offset: number): NestedArray[] => {
    const n = shape[dim]!;
    const inner = numel(shape.slice(dim + 1));
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) {
      out.push(dim === shape.length - 1 ? conv(data[offset + i]!) : build(dim + 1, offset + i * inner));
    }
    return out;
  };
  return build(0, 0);
}
