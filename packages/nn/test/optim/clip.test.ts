/** clipGradNorm / clipGradValue against torch.nn.utils.clip_grad_norm_ / clip_grad_value_. */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import '@tessera/autograd';
import { clipGradNorm, clipGradValue } from '../../src/optim/index.js';
import { disposeParams, flat, makeParams, maxRelErr, ref, setGrads } from './reference.js';

const TOL = { float64: 1e-10, float32: 1e-6 } as const;

describe(`clipGradNorm matches PyTorch ${ref.torchVersion}`, () => {
  for (const c of ref.clip.norm) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`maxNorm ${c.maxNorm}, normType ${c.normType} (${dtype})`, () => {
        const params = makeParams(dtype);
        setGrads(params, ref.clip.grads, dtype);
        const before = params.w.grad!;
        const total = clipGradNorm(Object.values(params), c.maxNorm, c.normType === 'inf' ? Infinity : c.normType);
        expect(total.shape).toEqual([]);
        expect(total.dtype).toBe(dtype);
        expect(maxRelErr([total.itemSync()], [c[dtype].totalNorm])).toBeLessThanOrEqual(TOL[dtype]);
        for (const n of ref.paramOrder) {
          const expected = c[dtype].grads[n];
          if (expected === null) expect(params[n].grad).toBeNull();
          else expect(maxRelErr(params[n].grad!.dataSync(), flat(expected)), n).toBeLessThanOrEqual(TOL[dtype]);
        }
        expect(params.w.grad).toBe(before); // in place: the same gradient tensor
        total.dispose();
        disposeParams(params);
      });
    }
  }

  it('returns a float32 0 on the cpu when no parameter has a gradient, as torch', () => {
    const params = makeParams('float64');
    const total = clipGradNorm(Object.values(params), 1);
    expect(total.shape).toEqual([]);
    expect(total.dtype).toBe('float32');
    expect(total.itemSync()).toBe(0);
    total.dispose();
    disposeParams(params);
  });

  it('accepts a single tensor and leaks nothing', () => {
    const params = makeParams('float64');
    setGrads(params, ref.clip.grads, 'float64');
    const live = T.memory().liveTensors;
    const total = clipGradNorm(params.w, 0.1);
    expect(T.memory().liveTensors).toBe(live + 1); // only the returned norm
    expect(Math.hypot(...params.w.grad!.dataSync())).toBeCloseTo(0.1, 5);
    total.dispose();
    disposeParams(params);
  });

  it('rejects a bad normType or maxNorm', () => {
    const params = makeParams('float64');
    expect(() => clipGradNorm(Object.values(params), 1, -1)).toThrow(T.TesseraError);
    expect(() => clipGradNorm(Object.values(params), Number.NaN)).toThrow(/clipGradNorm: argument 'maxNorm'/);
    disposeParams(params);
  });
});

describe(`clipGradValue matches PyTorch ${ref.torchVersion}`, () => {
  for (const c of ref.clip.value) {
    it(`clipValue ${c.clipValue}`, () => {
      const params = makeParams('float64');
      setGrads(params, ref.clip.grads, 'float64');
      const before = params.b.grad!;
      clipGradValue(Object.values(params), c.clipValue);
      for (const n of ref.paramOrder) {
        const expected = c.grads[n];
        if (expected === null) expect(params[n].grad).toBeNull();
        else expect(maxRelErr(params[n].grad!.dataSync(), flat(expected)), n).toBe(0);
      }
      expect(params.b.grad).toBe(before);
      disposeParams(params);
    });
  }
});
