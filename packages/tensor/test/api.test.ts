import { describe, expect, it } from 'vitest';
import {
  availableDevices,
  broadcastShapes,
  contiguousStrides,
  DTYPES,
  fmtShape,
  getBackend,
  getDefaultDevice,
  hasBackend,
  isContiguous,
  isFloat,
  numel,
  promoteTypes,
  setDefaultDevice,
  shapesEqual,
  tensor,
  TesseraError,
  zeros,
} from '@tessera/tensor';
import { expectBadInput } from './helpers.js';

describe('shape and dtype utilities', () => {
  it('broadcastShapes follows PyTorch/NumPy right alignment', () => {
    expect(broadcastShapes('op', [[2, 1, 3], [4, 1]])).toEqual([2, 4, 3]);
    expect(broadcastShapes('op', [[], [3]])).toEqual([3]);
    expect(broadcastShapes('op', [[0, 1], [1, 5]])).toEqual([0, 5]);
    expect(() => broadcastShapes('op', [[2], [3]], ['a', 'b'])).toThrow(/^op: argument 'a', 'b' have shapes \[2\] and \[3\] that do not broadcast \(dim -1: 2 vs 3\)/);
  });

  it('numel, contiguousStrides, isContiguous, shapesEqual, fmtShape', () => {
    expect(numel([2, 3, 4])).toBe(24);
    expect(numel([])).toBe(1);
    expect(numel([3, 0])).toBe(0);
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(isContiguous([2, 3], [3, 1])).toBe(true);
    expect(isContiguous([2, 3], [1, 2])).toBe(false);
    expect(isContiguous([1, 3], [99, 1])).toBe(true);
    expect(shapesEqual([1, 2], [1, 2])).toBe(true);
    expect(shapesEqual([1, 2], [2, 1])).toBe(false);
    expect(fmtShape([2, 3])).toBe('[2, 3]');
  });

  it('promoteTypes: bool < int32 < float32 < float64; isFloat', () => {
    expect(DTYPES).toEqual(['float32', 'float64', 'int32', 'bool']);
    expect(promoteTypes('bool', 'int32')).toBe('int32');
    expect(promoteTypes('int32', 'float32')).toBe('float32');
    expect(promoteTypes('float32', 'float64')).toBe('float64');
    expect(promoteTypes('bool', 'bool')).toBe('bool');
    expect(isFloat('float32')).toBe(true);
    expect(isFloat('int32')).toBe(false);
  });
});

describe('devices', () => {
  it('cpu is registered and the default', () => {
    expect(availableDevices()).toContain('cpu');
    expect(hasBackend('cpu')).toBe(true);
    expect(getDefaultDevice()).toBe('cpu');
    expect(getBackend('cpu').name).toBe('cpu');
    expect(zeros([1]).device).toBe('cpu');
  });

  it('unknown devices are rejected', () => {
    expectBadInput(() => setDefaultDevice('tpu' as never), /^setDefaultDevice: argument 'device'/, []);
    expectBadInput(() => getBackend('tpu' as never, 'myop'), /^myop: argument 'device' 'tpu' is not a known device/, []);
    expectBadInput(() => zeros([1], { device: 'tpu' as never }), /argument 'device'/, []);
  });
});

describe('reading tensors', () => {
  it('data / array / item are the async forms of dataSync / arraySync / itemSync', async () => {
    const t = tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    expect(Array.from(await t.data())).toEqual([1, 2, 3, 4]);
    expect(await t.array()).toEqual([[1, 2], [3, 4]]);
    expect(await tensor([7]).item()).toBe(7);
    expect(await tensor([true, false]).array()).toEqual([true, false]);
    await expect(t.item()).rejects.toThrow(/^item: argument 'tensor' must have exactly one element/);
  });

  it('dataSync returns a row-major copy (mutating it does not change the tensor)', () => {
    const t = tensor([[1, 2], [3, 4]]).T;
    const d = t.dataSync();
    expect(Array.from(d)).toEqual([1, 3, 2, 4]);
    d[0] = 100;
    expect(Array.from(t.dataSync())).toEqual([1, 3, 2, 4]);
  });

  it('toString shows shape, dtype, device and the first values', () => {
    expect(tensor([1, 2.5]).toString()).toBe('Tensor(shape=[2], dtype=float32, device=cpu, values=[1, 2.5])');
    expect(zeros([10]).toString()).toMatch(/values=\[0, 0, 0, 0, 0, 0, 0, 0, …\]\)$/);
  });

  it('requiresGrad only on float tensors', () => {
    const t = tensor([1]);
    expect(t.requiresGrad_().requiresGrad).toBe(true);
    expect(t.isLeaf).toBe(true);
    const i = tensor([1], { dtype: 'int32' });
    const err = expectBadInput(() => {
      i.requiresGrad = true;
    }, /^requiresGrad: argument 'tensor' has dtype int32/, [i]);
    expect(err).toBeInstanceOf(TesseraError);
  });
});
