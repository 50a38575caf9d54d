import type { DType } from '../dtype.js';
import type { BinaryOpName, UnaryOpName } from './elementwise.table.js';
import type { Tensor } from '../tensor.js';

type NoAttrs = Record<string, never>;

/**
 * Every op that autograd can record, with the attributes its gradient rule reads.
 * Composite ops (mean, normalize, crossEntropy, …) are not here: they record the ops they are made of.
 */
export interface OpAttrs extends Record<UnaryOpName | BinaryOpName, NoAttrs> {
  where: NoAttrs;
  cast: { dtype: DType };
  contiguous: NoAttrs;
  reshape: { shape: readonly number[] };
  permute: { dims: readonly number[] };
  expand: { shape: readonly number[] };
  slice: { dim: number; start: number; end: number; step: number };
  sum: { dims: readonly number[]; keepdim: boolean };
  amax: { dims: readonly number[]; keepdim: boolean };
  amin: { dims: readonly number[]; keepdim: boolean };
  maxDim: { dim: number; keepdim: boolean };
  minDim: { dim: number; keepdim: boolean };
  logsumexp: { dims: readonly number[]; keepdim: boolean };
  norm: { p: number; dims: readonly number[]; keepdim: boolean };
  softmax: { dim: number };
  logSoftmax: { dim: number };
  scaledMaskedSoftmax: { scale: number; hasMask: boolean };
  layerNorm: { normalizedShape: readonly number[]; eps: number; hasWeight: boolean; hasBias: boolean };
  matmul: NoAttrs;
  gather: { dim: number };
  scatterAdd: { dim: number };
  cat: { dim: number; sizes: readonly number[] };
  sliceScatter: { dim: number; start: number; end: number; step: number };
  /** A node whose backward is arbitrary code (autograd's customGrad): returns one gradient per input. */
  custom: { label: string; backward: (g: Tensor) => (Tensor | null)[] };
}

export type OpName = keyof OpAttrs;
