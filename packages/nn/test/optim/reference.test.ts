/** SGD, Adam and AdamW against PyTorch (fixture from scripts/optim_reference.py): 5 steps, float64 and float32. */
import { describe, expect, it } from 'vitest';
import type { DType, Tensor } from '@tessera/tensor';
import '@tessera/autograd';
import { disposeParams, flat, makeOptimizer, makeParams, maxRelErr, ref, setGrads } from './reference.js';
import type { Nested, OptimizerCase } from './reference.js';

const TOL: Record<'float64' | 'float32', number> = { float64: 1e-10, float32: 1e-6 };

function run(c: OptimizerCase, dtype: 'float64' | 'float32'): { worst: number; where: string } {
  const params = makeParams(dtype);
  const opt = makeOptimizer(c, params);
  let worst = 0;
  let where = '';
  ref.grads.forEach((grads, step) => {
    setGrads(params, grads, dtype);
    opt.step();
    for (const n of ref.paramOrder) {
      const err = maxRelErr(params[n].dataSync(), flat(c[dtype][step]![n]));
      if (err > worst) {
        worst = err;
        where = `step ${step + 1}, param ${n}`;
      }
    }
  });
  opt.dispose();
  disposeParams(params);
  return { worst, where };
}

describe(`optimizers match PyTorch ${ref.torchVersion}`, () => {
  for (const c of ref.optimizers) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${c.name} (${c.optimizer}, ${dtype}) within ${TOL[dtype]}`, () => {
        const { worst, where } = run(c, dtype);
        expect(worst, `worst at ${where}`).toBeLessThanOrEqual(TOL[dtype]);
      });
    }
  }

  for (const c of ref.optimizers) {
    it(`${c.name}: stateDict after 5 steps equals torch's state_dict()`, () => {
      const dtype: DType = 'float64';
      const params = makeParams(dtype);
      const opt = makeOptimizer(c, params);
      for (const grads of ref.grads) {
        setGrads(params, grads, dtype);
        opt.step();
      }
      const sd = opt.stateDict();
      // hyperparameters: exactly torch's (under Tessera's option names), JSON-serialisable
      expect(JSON.parse(JSON.stringify(sd.paramGroups))).toEqual(c.stateDict.paramGroups);
      // state: same parameter indices, same keys, same values
      expect(Object.keys(sd.state).sort()).toEqual(Object.keys(c.stateDict.state).sort());
      for (const [idx, expected] of Object.entries(c.stateDict.state)) {
        const actual = sd.state[Number(idx)]!;
        expect(Object.keys(actual).sort(), `state[${idx}] keys`).toEqual(Object.keys(expected).sort());
        for (const [k, v] of Object.entries(expected)) {
          const a = actual[k]!;
          if (k === 'step') expect(a, `state[${idx}].step`).toBe(v);
          else expect(maxRelErr((a as Tensor).dataSync(), flat(v as Nested)), `state[${idx}].${k}`).toBeLessThanOrEqual(1e-10);
        }
      }
      for (const s of Object.values(sd.state)) for (const v of Object.values(s)) if (typeof v !== 'number') v.dispose();
      opt.dispose();
      disposeParams(params);
    });
  }

  it('the fixture covers every optimizer, momentum, nesterov, weight decay, amsgrad, maximize and 2 groups', () => {
    const has = (pred: (c: OptimizerCase) => boolean): boolean => ref.optimizers.some(pred);
    for (const name of ['SGD', 'Adam', 'AdamW']) {
      expect(has((c) => c.optimizer === name && c.groups?.length === 2)).toBe(true);
      expect(has((c) => c.optimizer === name && c.options.maximize === true)).toBe(true);
      expect(has((c) => c.optimizer === name && typeof c.options.weightDecay === 'number')).toBe(true);
    }
    expect(has((c) => c.options.nesterov === true)).toBe(true);
    expect(has((c) => c.options.amsgrad === true && c.optimizer === 'Adam')).toBe(true);
    expect(has((c) => c.options.amsgrad === true && c.optimizer === 'AdamW')).toBe(true);
    // some parameter lacks a grad at some step, so per-parameter step counts differ
    expect(ref.grads.some((g) => g.c === null) && ref.grads.some((g) => g.b === null)).toBe(true);
  });
});
