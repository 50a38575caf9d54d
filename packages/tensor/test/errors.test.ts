/**
 * Bad inputs across the whole API: every case must throw a TesseraError whose message names the
 * op and the argument ("op: argument 'arg' ..."), whose `op` field is the op, and must leave every
 * input tensor as it was (values, shape, dtype, storage, not disposed).
 */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import { TesseraError, tensor, UNARY, zeros } from '@tessera/tensor';
import type { Tensor, UnaryOpName } from '@tessera/tensor';
import { expectBadInput } from './helpers.js';

const f = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v);
const i32 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'int32' });
const m23 = (): Tensor => f([[1, 2, 3], [4, 5, 6]]);

interface Case {
  /** What is wrong. */
  what: string;
  /** The op named in the error (and TesseraError.op). */
  op: string;
  /** The argument named in the error. */
  arg: string;
  /** Builds fresh inputs and returns them with the failing call. */
  make: () => { inputs: Tensor[]; call: () => unknown };
}

const CASES: Case[] = [
  // wrong shapes
  { what: 'non-broadcastable add', op: 'add', arg: "input', 'other", make: () => { const a = m23(), b = f([1, 2]); return { inputs: [a, b], call: () => T.add(a, b) }; } },
  { what: 'non-broadcastable lt', op: 'lt', arg: "input', 'other", make: () => { const a = m23(), b = f([[1], [2], [3]]); return { inputs: [a, b], call: () => a.lt(b) }; } },
  { what: 'matmul inner-dim mismatch', op: 'matmul', arg: 'other', make: () => { const a = m23(), b = m23(); return { inputs: [a, b], call: () => T.matmul(a, b) }; } },
  { what: 'matmul batch mismatch', op: 'matmul', arg: "input', 'other", make: () => { const a = zeros([2, 2, 3]), b = zeros([4, 3, 2]); return { inputs: [a, b], call: () => a.matmul(b) }; } },
  { what: 'cat shape mismatch', op: 'cat', arg: 'tensors[1]', make: () => { const a = m23(), b = f([[1, 2]]); return { inputs: [a, b], call: () => T.cat([a, b]) }; } },
  { what: 'stack shape mismatch', op: 'stack', arg: 'tensors[1]', make: () => { const a = f([1, 2]), b = f([1, 2, 3]); return { inputs: [a, b], call: () => T.stack([a, b]) }; } },
  { what: 'where shapes', op: 'where', arg: "condition', 'input', 'other", make: () => { const c = tensor([true, false, true]), a = f([1, 2]); return { inputs: [c, a], call: () => T.where(c, a, 0) }; } },
  { what: 'expand of a non-1 dim', op: 'expand', arg: 'shape', make: () => { const a = m23(); return { inputs: [a], call: () => a.expand(4, 3) }; } },
  { what: 'cosineSimilarity shapes', op: 'cosineSimilarity', arg: "x1', 'x2", make: () => { const a = m23(), b = f([[1, 2]]); return { inputs: [a, b], call: () => T.cosineSimilarity(a, b) }; } },
  { what: 'cdist feature sizes', op: 'cdist', arg: 'x2', make: () => { const a = m23(), b = f([[1, 2]]); return { inputs: [a, b], call: () => T.cdist(a, b) }; } },
  { what: 'layerNorm normalizedShape', op: 'layerNorm', arg: 'x', make: () => { const a = m23(); return { inputs: [a], call: () => T.layerNorm(a, [2]) }; } },
  { what: 'layerNorm weight shape', op: 'layerNorm', arg: 'weight', make: () => { const a = m23(), w = f([1, 2]); return { inputs: [a, w], call: () => T.layerNorm(a, [3], w) }; } },
  { what: 'BCE target shape', op: 'binaryCrossEntropyWithLogits', arg: 'target', make: () => { const a = m23(), t = f([1, 0, 1]); return { inputs: [a, t], call: () => T.binaryCrossEntropyWithLogits(a, t) }; } },
  { what: 'crossEntropy probability target shape', op: 'crossEntropy', arg: 'target', make: () => { const a = m23(), t = f([[0.5, 0.5]]); return { inputs: [a, t], call: () => T.crossEntropy(a, t) }; } },
  { what: 'nllLoss target shape', op: 'nllLoss', arg: 'target', make: () => { const a = m23(), t = i32([0, 1, 2]); return { inputs: [a, t], call: () => T.nllLoss(a, t) }; } },
  { what: 'sliceScatter src shape', op: 'sliceScatter', arg: 'src', make: () => { const a = m23(), s = f([[1, 2]]); return { inputs: [a, s], call: () => T.sliceScatter(a, s, 0) }; } },
  { what: 'scatterAdd index larger than src', op: 'scatterAdd', arg: 'index', make: () => { const x = zeros([3]), i = i32([0, 1, 2]), s = f([1, 2]); return { inputs: [x, i, s], call: () => T.scatterAdd(x, 0, i, s) }; } },
  { what: 'gather index larger than input', op: 'gather', arg: 'index', make: () => { const x = m23(), i = i32([[0], [0], [0]]); return { inputs: [x, i], call: () => x.gather(1, i) }; } },
  { what: 'assign shape', op: 'assign', arg: 'value', make: () => { const x = m23(), v = f([1, 2, 3]); return { inputs: [x, v], call: () => x.assign(v) }; } },
  { what: 'mseLoss shapes', op: 'mseLoss', arg: "input', 'target", make: () => { const a = f([1, 2, 3]), b = f([1, 2]); return { inputs: [a, b], call: () => T.mseLoss(a, b) }; } },
  { what: 'klDiv shapes', op: 'klDiv', arg: "input', 'target", make: () => { const a = f([0.1, 0.2, 0.3]), b = f([0.5, 0.5]); return { inputs: [a, b], call: () => T.klDiv(a, b) }; } },
  { what: 'pairwiseDistance shapes', op: 'pairwiseDistance', arg: "x1', 'x2", make: () => { const a = m23(), b = f([[1, 2]]); return { inputs: [a, b], call: () => T.pairwiseDistance(a, b) }; } },
  { what: 'cdist batch dims', op: 'cdist', arg: "x1', 'x2", make: () => { const a = zeros([2, 3, 2]), b = zeros([3, 4, 2]); return { inputs: [a, b], call: () => T.cdist(a, b) }; } },
  { what: 'BCE posWeight shape', op: 'binaryCrossEntropyWithLogits', arg: 'posWeight', make: () => { const a = m23(), t = m23(), pw = f([1, 2]); return { inputs: [a, t, pw], call: () => T.binaryCrossEntropyWithLogits(a, t, { posWeight: pw }) }; } },
  { what: 'crossEntropy class weight shape', op: 'crossEntropy', arg: 'weight', make: () => { const a = m23(), t = i32([0, 1]), w = f([1, 2]); return { inputs: [a, t, w], call: () => T.crossEntropy(a, t, { weight: w }) }; } },
  { what: 'crossEntropy target class too large', op: 'crossEntropy', arg: 'target', make: () => { const a = m23(), t = i32([0, 3]); return { inputs: [a, t], call: () => T.crossEntropy(a, t) }; } },
  { what: 'zeros negative size', op: 'zeros', arg: 'shape', make: () => ({ inputs: [], call: () => T.zeros([-1]) }) },
  { what: 'ones negative size', op: 'ones', arg: 'shape', make: () => ({ inputs: [], call: () => T.ones([2, -1]) }) },
  { what: 'maskedFill mask shape', op: 'maskedFill', arg: 'mask', make: () => { const x = f([1, 2, 3]), m = tensor([[true, false, true], [false, false, false]]); return { inputs: [x, m], call: () => x.maskedFill(m, 0) }; } },

  // wrong dtypes
  { what: 'matmul of int32', op: 'matmul', arg: 'input', make: () => { const a = i32([[1, 2], [3, 4]]); return { inputs: [a], call: () => T.matmul(a, a) }; } },
  { what: 'matmul dtype mismatch', op: 'matmul', arg: 'other', make: () => { const a = f([[1]]), b = tensor([[1]], { dtype: 'float64' }); return { inputs: [a, b], call: () => T.matmul(a, b) }; } },
  { what: 'gather float index', op: 'gather', arg: 'index', make: () => { const x = m23(), i = f([[0], [1]]); return { inputs: [x, i], call: () => T.gather(x, 1, i) }; } },
  { what: 'indexSelect float index', op: 'indexSelect', arg: 'index', make: () => { const x = m23(), i = f([0]); return { inputs: [x, i], call: () => T.indexSelect(x, 0, i) }; } },
  { what: 'scatterAdd src dtype', op: 'scatterAdd', arg: 'src', make: () => { const x = zeros([3]), i = i32([0]), s = i32([1]); return { inputs: [x, i, s], call: () => T.scatterAdd(x, 0, i, s) }; } },
  { what: 'maskedFill float mask', op: 'maskedFill', arg: 'mask', make: () => { const x = m23(), m = f([1, 0, 1]); return { inputs: [x, m], call: () => T.maskedFill(x, m, 0) }; } },
  { what: 'oneHot float indices', op: 'oneHot', arg: 'indices', make: () => { const t = f([0, 1]); return { inputs: [t], call: () => T.oneHot(t, 2) }; } },
  { what: 'nllLoss float target', op: 'nllLoss', arg: 'target', make: () => { const a = m23(), t = f([0, 1]); return { inputs: [a, t], call: () => T.nllLoss(a, t) }; } },
  { what: 'crossEntropy int logits', op: 'crossEntropy', arg: 'input', make: () => { const a = i32([[1, 2]]), t = i32([0]); return { inputs: [a, t], call: () => T.crossEntropy(a, t) }; } },
  { what: 'layerNorm int input', op: 'layerNorm', arg: 'x', make: () => { const a = i32([[1, 2]]); return { inputs: [a], call: () => T.layerNorm(a, [2]) }; } },
  { what: 'dropout int input', op: 'dropout', arg: 'x', make: () => { const a = i32([1, 2]); return { inputs: [a], call: () => T.dropout(a, 0.5) }; } },
  { what: 'klDiv int target', op: 'klDiv', arg: 'input', make: () => { const a = f([0.5]), t = i32([1]); return { inputs: [a, t], call: () => T.klDiv(a, t) }; } },
  { what: 'assign dtype', op: 'assign', arg: 'value', make: () => { const x = f([1]), v = i32([1]); return { inputs: [x, v], call: () => x.assign(v) }; } },
  { what: 'cast to an unknown dtype', op: 'cast', arg: 'dtype', make: () => { const x = f([1]); return { inputs: [x], call: () => x.cast('int8' as never) }; } },
  { what: 'rand with an int dtype', op: 'rand', arg: 'dtype', make: () => ({ inputs: [], call: () => T.rand([2], { dtype: 'int32' }) }) },

  // bad dims
  { what: 'sum dim out of range', op: 'sum', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.sum(2) }; } },
  { what: 'sum repeated dims', op: 'sum', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.sum([1, -1]) }; } },
  { what: 'mean dim out of range', op: 'mean', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.mean(-3) }; } },
  { what: 'amax repeated dims', op: 'amax', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.amax([0, 0]) }; } },
  { what: 'amin dim out of range', op: 'amin', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.amin(5) }; } },
  { what: 'max(dim) out of range', op: 'max', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.max(2) }; } },
  { what: 'min(dim) out of range', op: 'min', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.min(-3) }; } },
  { what: 'argmax dim out of range', op: 'argmax', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.argmax(3) }; } },
  { what: 'argmin dim out of range', op: 'argmin', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.argmin(3) }; } },
  { what: 'logsumexp repeated dims', op: 'logsumexp', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.logsumexp([0, -2]) }; } },
  { what: 'norm dim out of range', op: 'norm', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.norm(2, 2) }; } },
  { what: 'var dim out of range', op: 'var', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.var(2) }; } },
  { what: 'softmax dim out of range', op: 'softmax', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.softmax(2) }; } },
  { what: 'logSoftmax dim out of range', op: 'logSoftmax', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.logSoftmax(-3) }; } },
  { what: 'transpose dim out of range', op: 'transpose', arg: 'dim1', make: () => { const a = m23(); return { inputs: [a], call: () => a.transpose(0, 2) }; } },
  { what: 'permute repeated dims', op: 'permute', arg: 'dims', make: () => { const a = m23(); return { inputs: [a], call: () => a.permute(1, 1) }; } },
  { what: 'squeeze dim out of range', op: 'squeeze', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.squeeze(2) }; } },
  { what: 'unsqueeze dim out of range', op: 'unsqueeze', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.unsqueeze(3) }; } },
  { what: 'flatten start after end', op: 'flatten', arg: 'startDim', make: () => { const a = m23(); return { inputs: [a], call: () => a.flatten(1, 0) }; } },
  { what: 'narrow dim out of range', op: 'narrow', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.narrow(2, 0, 1) }; } },
  { what: 'slice dim out of range', op: 'slice', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.slice(-3) }; } },
  { what: 'split dim out of range', op: 'split', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.split(1, 2) }; } },
  { what: 'chunk dim out of range', op: 'chunk', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => a.chunk(2, 2) }; } },
  { what: 'cat dim out of range', op: 'cat', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => T.cat([a, a], 2) }; } },
  { what: 'stack dim out of range', op: 'stack', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => T.stack([a, a], 4) }; } },
  { what: 'gather dim out of range', op: 'gather', arg: 'dim', make: () => { const a = m23(), i = i32([[0]]); return { inputs: [a, i], call: () => a.gather(2, i) }; } },
  { what: 'indexSelect dim out of range', op: 'indexSelect', arg: 'dim', make: () => { const a = m23(), i = i32([0]); return { inputs: [a, i], call: () => a.indexSelect(-3, i) }; } },
  { what: 'scatterAdd dim out of range', op: 'scatterAdd', arg: 'dim', make: () => { const x = zeros([3]), i = i32([0]), s = f([1]); return { inputs: [x, i, s], call: () => x.scatterAdd(1, i, s) }; } },
  { what: 'normalize dim out of range', op: 'normalize', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => T.normalize(a, { dim: 2 }) }; } },
  { what: 'cosineSimilarity dim out of range', op: 'cosineSimilarity', arg: 'dim', make: () => { const a = m23(); return { inputs: [a], call: () => T.cosineSimilarity(a, a, 2) }; } },

  // out-of-range indices
  { what: 'gather index value too large', op: 'gather', arg: 'index', make: () => { const a = m23(), i = i32([[3], [0]]); return { inputs: [a, i], call: () => a.gather(1, i) }; } },
  { what: 'gather negative index value', op: 'gather', arg: 'index', make: () => { const a = m23(), i = i32([[0], [-1]]); return { inputs: [a, i], call: () => a.gather(1, i) }; } },
  { what: 'indexSelect index value too large', op: 'indexSelect', arg: 'index', make: () => { const a = m23(), i = i32([0, 2]); return { inputs: [a, i], call: () => a.indexSelect(0, i) }; } },
  { what: 'scatterAdd index value too large', op: 'scatterAdd', arg: 'index', make: () => { const x = zeros([3]), i = i32([3]), s = f([1]); return { inputs: [x, i, s], call: () => x.scatterAdd(0, i, s) }; } },
  { what: 'nllLoss target class too large', op: 'nllLoss', arg: 'target', make: () => { const a = m23(), t = i32([0, 3]); return { inputs: [a, t], call: () => T.nllLoss(a, t) }; } },
  { what: 'oneHot index too large', op: 'oneHot', arg: 'indices', make: () => { const t = i32([0, 2]); return { inputs: [t], call: () => T.oneHot(t, 2) }; } },
  { what: 'narrow past the end', op: 'narrow', arg: 'length', make: () => { const a = m23(); return { inputs: [a], call: () => a.narrow(1, 2, 2) }; } },

  // invalid sizes and other arguments
  { what: 'reshape to a wrong size', op: 'reshape', arg: 'shape', make: () => { const a = m23(); return { inputs: [a], call: () => a.reshape(4, 2) }; } },
  { what: 'reshape with two -1', op: 'reshape', arg: 'shape', make: () => { const a = m23(); return { inputs: [a], call: () => a.reshape(-1, -1) }; } },
  { what: 'view to a wrong size', op: 'view', arg: 'shape', make: () => { const a = m23(); return { inputs: [a], call: () => a.view(5) }; } },
  { what: 'view of a non-viewable transpose', op: 'view', arg: 'shape', make: () => { const a = m23(); const t = a.T; return { inputs: [a, t], call: () => t.view(6) }; } },
  { what: 'split sizes not summing', op: 'split', arg: 'splitSize', make: () => { const a = m23(); return { inputs: [a], call: () => a.split([1, 2]) }; } },
  { what: 'chunk count 0', op: 'chunk', arg: 'chunks', make: () => { const a = m23(); return { inputs: [a], call: () => a.chunk(0) }; } },
  { what: 'slice step 0', op: 'slice', arg: 'step', make: () => { const a = m23(); return { inputs: [a], call: () => a.slice(0, 0, 2, 0) }; } },
  { what: 'repeat with too few counts', op: 'repeat', arg: 'repeats', make: () => { const a = m23(); return { inputs: [a], call: () => a.repeat(2) }; } },
  { what: 'triu of 1-D', op: 'triu', arg: 'x', make: () => { const a = f([1, 2]); return { inputs: [a], call: () => a.triu() }; } },
  { what: 'tril of 1-D', op: 'tril', arg: 'x', make: () => { const a = f([1, 2]); return { inputs: [a], call: () => a.tril() }; } },
  { what: 'diag of 3-D', op: 'diag', arg: 'x', make: () => { const a = zeros([1, 1, 1]); return { inputs: [a], call: () => a.diag() }; } },
  { what: 'clamp without bounds', op: 'clamp', arg: 'min', make: () => { const a = m23(); return { inputs: [a], call: () => a.clamp() }; } },
  { what: 'norm with p <= 0', op: 'norm', arg: 'p', make: () => { const a = m23(); return { inputs: [a], call: () => a.norm(-1) }; } },
  { what: 'dropout p > 1', op: 'dropout', arg: 'p', make: () => { const a = m23(); return { inputs: [a], call: () => T.dropout(a, 2) }; } },
  { what: 'crossEntropy labelSmoothing > 1', op: 'crossEntropy', arg: 'labelSmoothing', make: () => { const a = m23(), t = i32([0, 1]); return { inputs: [a, t], call: () => T.crossEntropy(a, t, { labelSmoothing: 2 }) }; } },
  { what: 'klDiv unknown reduction', op: 'klDiv', arg: 'reduction', make: () => { const a = m23(); return { inputs: [a], call: () => T.klDiv(a, a, { reduction: 'avg' as never }) }; } },
  { what: 'mseLoss unknown reduction', op: 'mseLoss', arg: 'reduction', make: () => { const a = m23(); return { inputs: [a], call: () => T.mseLoss(a, a, 'avg' as never) }; } },
  { what: 'normalize negative eps', op: 'normalize', arg: 'eps', make: () => { const a = m23(); return { inputs: [a], call: () => T.normalize(a, { eps: -1 }) }; } },
  { what: 'pairwiseDistance of two 0-d', op: 'pairwiseDistance', arg: 'x1', make: () => { const a = f(1); return { inputs: [a], call: () => T.pairwiseDistance(a, a) }; } },
  { what: 'cdist of 1-D', op: 'cdist', arg: 'x1', make: () => { const a = f([1, 2]), b = m23(); return { inputs: [a, b], call: () => T.cdist(a, b) }; } },
  { what: 'oneHot numClasses 0', op: 'oneHot', arg: 'numClasses', make: () => { const t = i32([0]); return { inputs: [t], call: () => T.oneHot(t, 0) }; } },
  { what: 'assign into a view', op: 'assign', arg: 'target', make: () => { const a = m23(); const v = a.slice(0, 0, 1); const val = f([[7, 8, 9]]); return { inputs: [a, v, val], call: () => v.assign(val) }; } },
  { what: 'to an unknown target', op: 'to', arg: 'target', make: () => { const a = m23(); return { inputs: [a], call: () => a.to('tpu' as never) }; } },
  { what: 'arange step 0', op: 'arange', arg: 'step', make: () => ({ inputs: [], call: () => T.arange(0, 3, 0) }) },
  { what: 'eye negative', op: 'eye', arg: 'n', make: () => ({ inputs: [], call: () => T.eye(-2) }) },
  { what: 'full negative size', op: 'full', arg: 'shape', make: () => ({ inputs: [], call: () => T.full([-2], 1) }) },
  { what: 'randint empty range', op: 'randint', arg: 'high', make: () => ({ inputs: [], call: () => T.randint(2, 1, [3]) }) },
  { what: 'tensor ragged', op: 'tensor', arg: 'values', make: () => ({ inputs: [], call: () => T.tensor([[1], [2, 3]]) }) },
  { what: 'contiguous of a non-tensor', op: 'contiguous', arg: 'x', make: () => ({ inputs: [], call: () => T.contiguous([1, 2] as never) }) },
  { what: 'clone of a non-tensor', op: 'clone', arg: 'x', make: () => ({ inputs: [], call: () => T.clone(null as never) }) },
];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('bad inputs: TesseraError naming op and argument, inputs unchanged', () => {
  for (const c of CASES) {
    it(`${c.op}: ${c.what}`, () => {
      const { inputs, call } = c.make();
      const err = expectBadInput(call, new RegExp(`^${escape(c.op)}: argument '${escape(c.arg)}' `), inputs);
      expect(err).toBeInstanceOf(TesseraError);
      expect(err.name).toBe('TesseraError');
      expect(err.op).toBe(c.op);
    });
  }

  for (const name of Object.keys(UNARY) as UnaryOpName[]) {
    it(`${name}: a non-tensor argument`, () => {
      const fn = name === 'geluTanh' ? (x: unknown) => T.gelu(x as Tensor, 'tanh') : (T as unknown as Record<string, (x: unknown) => Tensor>)[name]!;
      expectBadInput(() => fn([1, 2]), new RegExp(`^${name}: argument 'x' must be a Tensor, got an array`), []);
    });
  }

  it('a disposed input is reported by name and other inputs are untouched', () => {
    const a = m23();
    const b = m23();
    b.dispose();
    expectBadInput(() => T.matmul(a, b), /^matmul: argument 'other' was disposed \(shape \[2, 3\], float32, cpu\)/, [a]);
    expectBadInput(() => T.cat([a, b]), /^cat: argument 'tensors\[1\]' was disposed/, [a]);
    expectBadInput(() => T.where(tensor([true]), a, b), /^where: argument 'other' was disposed/, [a]);
  });

  it('TesseraError without an argument formats as "op: message"', () => {
    const e = new TesseraError('myop', undefined, 'went wrong');
    expect(e.message).toBe('myop: went wrong');
    expect(e.arg).toBeUndefined();
    expect(new TesseraError('myop', 'x', 'is bad').message).toBe("myop: argument 'x' is bad");
  });

  it('failed ops inside tidy do not dispose inputs from outside', () => {
    const a = m23();
    const b = f([1, 2]);
    expectBadInput(() => T.tidy(() => T.add(a.mul(2), b)), /^add: argument 'input', 'other'/, [a, b]);
  });
});
