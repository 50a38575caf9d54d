import { check, fmtShape, TesseraError } from './errors.js';

export type Shape = readonly number[];

/** Number of elements of a shape (1 for a 0-d shape). */
export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides for a shape. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** True when `strides` are the row-major strides of `shape` (size-1 dims may have any stride). */
export function isContiguous(shape: Shape, strides: Shape): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d !== 1 && strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Broadcasts shapes as PyTorch/NumPy do (right-aligned; 1 stretches). */
export function broadcastShapes(op: string, shapes: readonly Shape[], args: readonly string[] = []): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (let i = 0; i < rank; i++) {
    let size = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1) continue;
      if (size !== 1 && d !== size) {
        const names = args.length === shapes.length ? args.join("', '") : 'inputs';
        throw new TesseraError(
          op,
          names,
          `have shapes ${shapes.map(fmtShape).join(' and ')} that do not broadcast (dim ${i - rank}: ${size} vs ${d})`,
        );
      }
      size = d;
    }
    out[i] = size;
  }
  return out;
}

/** Resolves a possibly negative `dim` against `rank`; 0-d tensors accept dim 0 and -1 as PyTorch does. */
export function normalizeDim(op: string, dim: number, rank: number, arg = 'dim'): number {
  const r = Math.max(rank, 1);
  check(Number.isInteger(dim), op, arg, () => `must be an integer, got ${dim}`);
  check(dim >= -r && dim < r, op, arg, () => `is out of range: got ${dim} for a tensor of rank ${rank} (expected ${-r}..${r - 1})`);
  return dim < 0 ? dim + r : dim;
}

/** Resolves a list of dims (or all dims when undefined), rejecting duplicates. */
export function normalizeDims(op: string, dims: number | readonly number[] | undefined, rank: number): number[] {
  // torch reduces every dim for an omitted dim and for an empty list alike.
  if (dims === undefined || (Array.isArray(dims) && dims.length === 0)) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : [...dims];
  const out = list.map((d) => (rank === 0 ? (normalizeDim(op, d, 0), -1) : normalizeDim(op, d, rank)));
  const real = out.filter((d) => d >= 0);
  check(new Set(real).size === real.length, op, 'dim', () => `has repeated dims: [${list.join(', ')}]`);
  return real.sort((a, b) => a - b);
}

/** Validates a user-supplied shape: non-negative integers. */
export function checkShape(op: string, shape: Shape, arg = 'shape'): void {
  for (const d of shape) {
    check(Number.isInteger(d) && d >= 0, op, arg, () => `must hold non-negative integers, got ${fmtShape(shape)}`);
  }
}

/** The shape left after reducing `dims` (kept as size 1 when `keepdim`). */
export function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (dims.includes(i)) {
      if (keepdim) out.push(1);
    } else out.push(shape[i]!);
  }
  return out;
}

/** True when `from` broadcasts to exactly `to`. */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const lead = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[lead + i]);
}
