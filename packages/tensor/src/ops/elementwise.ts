import { record } from '../dispatch.js';
import type { DType } from '../dtype.js';
import { isFloat, resultType } from '../dtype.js';
import { check, TesseraError } from '../errors.js';
import { broadcastShapes, broadcastsTo, shapesEqual } from '../shape.js';
import { tidy } from '../memory.js';
import { Tensor } from '../tensor.js';
import type { Scalar } from '../tensor.js';
import { asOperand, backendOf, describe, scalarTensor, wrap } from './core.js';
import { BINARY, UNARY } from './elementwise.table.js';
import type { BinaryOpName, UnaryOpName } from './elementwise.table.js';
import { expand } from './movement.js';

/** Casts to `dtype` (recorded; the gradient casts back). Returns `x` itself when the dtype already matches. */
export function cast(x: Tensor, dtype: DType): Tensor {
  const backend = backendOf('cast', { x });
  if (x.dtype === dtype) return x;
  check(['float32', 'float64', 'int32', 'bool'].includes(dtype), 'cast', 'dtype', () => `must be a dtype, got ${describe(dtype)}`);
  if (dtype === 'float64' && !backend.supportsFloat64) {
    throw new TesseraError('cast', 'dtype', `is float64, which ${backend.name} does not support (WGSL has no f64)`);
  }
  const out = wrap(backend.cast(x, dtype), x.shape);
  record('cast', [x], [out], { dtype });
  return out;
}

function unaryOp(op: UnaryOpName, x: Tensor): Tensor {
  return tidy(() => {
    const backend = backendOf(op, { x });
    const row = UNARY[op];
    let input = x;
    let outDtype: DType = x.dtype;
    if (row.kind === 'float' && !isFloat(x.dtype)) input = cast(x, 'float32');
    if (row.kind === 'float') outDtype = input.dtype;
    if (row.kind === 'predicate' || row.kind === 'logical') outDtype = 'bool';
    if (row.kind === 'math' && x.dtype === 'bool' && op !== 'abs') input = cast(x, 'int32');
    if (row.kind === 'math') outDtype = input.dtype;
    const out = wrap(backend.unary(op, input, outDtype), x.shape);
    record(op, [input], [out], {});
    return out;
  });
}

/** Broadcasts operands to one shape as views (recorded `expand`, whose gradient sums back). */
export function broadcastTo(op: string, tensors: readonly Tensor[], args: readonly string[]): { shape: number[]; views: Tensor[] } {
  const shape = broadcastShapes(op, tensors.map((t) => t.shape), args);
  return { shape, views: tensors.map((t) => (shapesEqual(t.shape, shape) ? t : expand(t, shape))) };
}

function binaryOp(op: BinaryOpName, aIn: Tensor | Scalar, bIn: Tensor | Scalar): Tensor {
  return tidy(() => {
    if (!(aIn instanceof Tensor) && !(bIn instanceof Tensor)) {
      throw new TesseraError(op, 'input', `needs at least one Tensor operand, got ${describe(aIn)} and ${describe(bIn)}`);
    }
    const a = aIn instanceof Tensor ? aIn : asOperand(op, 'input', aIn, bIn as Tensor);
    const b = bIn instanceof Tensor ? bIn : asOperand(op, 'other', bIn, a);
    const backend = backendOf(op, { input: a, other: b });
    const row = BINARY[op];
    // Numbers became 0-d operands typed after the tensor (PyTorch's weak scalars).
    let common = resultType(a, b);
    if (row.kind === 'float' && !isFloat(common)) common = 'float32';
    if (common === 'bool' && row.kind === 'math') {
      if (op === 'sub') throw new TesseraError(op, 'input', 'and other are both bool; subtraction of bool tensors is not supported (use logicalXor)');
      // torch: bool + bool is logical or, bool * bool logical and; computed in int32, then cast back.
      if (op === 'add' || op === 'mul') return cast(binaryOp(op, cast(a, 'int32'), cast(b, 'int32')), 'bool');
      if (op !== 'maximum' && op !== 'minimum') common = 'int32';
    }
    const outDtype: DType = row.kind === 'predicate' || row.kind === 'logical' ? 'bool' : common;
    if (common === 'float64' && !backend.supportsFloat64) {
      throw new TesseraError(op, 'input', `needs float64, which ${backend.name} does not support (WGSL has no f64)`);
    }
    const { shape, views } = broadcastTo(op, [cast(a, common), cast(b, common)], ['input', 'other']);
    const [av, bv] = views as [Tensor, Tensor];
    const out = wrap(backend.binary(op, av, bv, shape, outDtype), shape);
    record(op, [av, bv], [out], {});
    return out;
  });
}

/** `where(condition, input, other)`: elementwise select with broadcasting. Shapes broadcast together. */
export function where(condition: Tensor, input: Tensor | Scalar, other: Tensor | Scalar): Tensor {
  return tidy(() => {
    backendOf('where', { condition });
    const like = input instanceof Tensor ? input : other instanceof Tensor ? other : condition;
    const aRaw = asOperand('where', 'input', input, like);
    const bRaw = asOperand('where', 'other', other, aRaw);
    const backend = backendOf('where', { condition, input: aRaw, other: bRaw });
    const common = resultType(aRaw, bRaw);
    check(condition.dtype === 'bool', 'where', 'condition', () => `must be a bool tensor, got ${condition.dtype}`);
    const cond = condition;
    const { shape, views } = broadcastTo('where', [cond, cast(aRaw, common), cast(bRaw, common)], ['condition', 'input', 'other']);
    const [c, a, b] = views as [Tensor, Tensor, Tensor];
    const out = wrap(backend.where(c, a, b, shape, common), shape);
    record('where', [c, a, b], [out], {});
    return out;
  });
}

/** Clamps into [min, max] (either bound may be null). Gradient passes where min <= x <= max, as torch.clamp. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  return tidy(() => {
    backendOf('clamp', { x });
    check((min ?? null) !== null || (max ?? null) !== null, 'clamp', 'min', () => 'and max cannot both be null');
    let out = x;
    if (min !== null && min !== undefined) out = where(lt(out, min), min, out);
    if (max !== null && max !== undefined) out = where(gt(out, max), max, out);
    return out;
  });
}

/** `x` with `value` wherever `mask` is true (mask broadcasts to x). Gradient is 0 at filled positions. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  return tidy(() => {
    backendOf('maskedFill', { x, mask });
    check(mask.dtype === 'bool', 'maskedFill', 'mask', () => `must be a bool tensor, got ${mask.dtype}`);
    check(typeof value === 'number', 'maskedFill', 'value', () => `must be a number, got ${describe(value)}`);
    check(broadcastsTo(mask.shape, x.shape), 'maskedFill', 'mask', () => `of shape [${mask.shape.join(', ')}] must broadcast to x's shape [${x.shape.join(', ')}]`);
    return where(mask, scalarTensor(value, x.dtype, x.device), x);
  });
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
export const sign = (x: Tensor): Tensor => unaryOp('sign', x);
export const square = (x: Tensor): Tensor => unaryOp('square', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const log1p = (x: Tensor): Tensor => unaryOp('log1p', x);
export const expm1 = (x: Tensor): Tensor => unaryOp('expm1', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unaryOp('rsqrt', x);
export const reciprocal = (x: Tensor): Tensor => unaryOp('reciprocal', x);
export const sin = (x: Tensor): Tensor => unaryOp('sin', x);
export const cos = (x: Tensor): Tensor => unaryOp('cos', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
export const erf = (x: Tensor): Tensor => unaryOp('erf', x);
/** GELU, exact (erf) form by default; `approximate: 'tanh'` for the tanh form. */
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => unaryOp(approximate === 'tanh' ? 'geluTanh' : 'gelu', x);
export const silu = (x: Tensor): Tensor => unaryOp('silu', x);
/** `grad · gelu'(x)` (exact GELU) in one pass, as torch's gelu_backward: grad, x broadcast to one shape. */
export const geluBackward = (grad: Tensor | Scalar, x: Tensor | Scalar): Tensor => binaryOp('geluBackward', grad, x);
/** softplus with beta 1 and threshold 20 (linear above), as torch.nn.functional.softplus. */
export const softplus = (x: Tensor): Tensor => unaryOp('softplus', x);
export const floor = (x: Tensor): Tensor => unaryOp('floor', x);
export const ceil = (x: Tensor): Tensor => unaryOp('ceil', x);
export const round = (x: Tensor): Tensor => unaryOp('round', x);
export const isnan = (x: Tensor): Tensor => unaryOp('isnan', x);
export const isinf = (x: Tensor): Tensor => unaryOp('isinf', x);
export const logicalNot = (x: Tensor): Tensor => unaryOp('logicalNot', x);

type Operand = Tensor | Scalar;
export const add = (a: Operand, b: Operand): Tensor => binaryOp('add', a, b);
export const sub = (a: Operand, b: Operand): Tensor => binaryOp('sub', a, b);
export const mul = (a: Operand, b: Operand): Tensor => binaryOp('mul', a, b);
export const div = (a: Operand, b: Operand): Tensor => binaryOp('div', a, b);
export const pow = (a: Operand, b: Operand): Tensor => binaryOp('pow', a, b);
export const maximum = (a: Operand, b: Operand): Tensor => binaryOp('maximum', a, b);
export const minimum = (a: Operand, b: Operand): Tensor => binaryOp('minimum', a, b);
export const eq = (a: Operand, b: Operand): Tensor => binaryOp('eq', a, b);
export const ne = (a: Operand, b: Operand): Tensor => binaryOp('ne', a, b);
export const lt = (a: Operand, b: Operand): Tensor => binaryOp('lt', a, b);
export const le = (a: Operand, b: Operand): Tensor => binaryOp('le', a, b);
export const gt = (a: Operand, b: Operand): Tensor => binaryOp('gt', a, b);
export const ge = (a: Operand, b: Operand): Tensor => binaryOp('ge', a, b);
export const logicalAnd = (a: Operand, b: Operand): Tensor => binaryOp('logicalAnd', a, b);
export const logicalOr = (a: Operand, b: Operand): Tensor => binaryOp('logicalOr', a, b);
export const logicalXor = (a: Operand, b: Operand): Tensor => binaryOp('logicalXor', a, b);
