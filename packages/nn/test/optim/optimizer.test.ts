/** Optimizer behaviour: state dict round trips, zeroGrad, params without grads, option checks, memory. */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import '@tessera/autograd';
import { Module } from '../../src/module.js';
import { Adam, AdamW, SGD } from '../../src/optim/index.js';
import type { OptimizerStateDict } from '../../src/optim/index.js';
import { disposeParams, makeOptimizer, makeParams, optimizerCase, ref, setGrads } from './reference.js';
import type { Params } from './reference.js';

const values = (params: Params): number[][] => ref.paramOrder.map((n) => Array.from(params[n].dataSync()));

/** A state dict as it would come back from disk: hyperparameters through JSON, tensors re-created. */
function throughJson(sd: OptimizerStateDict): OptimizerStateDict {
  const state: OptimizerStateDict['state'] = {};
  for (const [i, s] of Object.entries(sd.state)) {
    state[Number(i)] = {};
    for (const [k, v] of Object.entries(s)) {
      state[Number(i)]![k] = typeof v === 'number' ? v : T.tensor(Array.from(v.dataSync()), { dtype: v.dtype, shape: v.shape });
      if (typeof v !== 'number') v.dispose();
    }
  }
  return { state, paramGroups: JSON.parse(JSON.stringify(sd.paramGroups)) as OptimizerStateDict['paramGroups'] };
}

describe('stateDict / loadStateDict', () => {
  for (const name of ['sgd_nesterov_wd', 'sgd_groups', 'adam_wd_amsgrad', 'adam_groups', 'adamw_groups', 'adamw_maximize']) {
    it(`${name}: saving after 2 steps and resuming in a fresh optimizer gives the uninterrupted result exactly`, () => {
      const c = optimizerCase(name);
      const straight = makeParams('float64');
      const optA = makeOptimizer(c, straight);
      for (const g of ref.grads) {
        setGrads(straight, g, 'float64');
        optA.step();
      }

      const first = makeParams('float64');
      const optB = makeOptimizer(c, first);
      for (const g of ref.grads.slice(0, 2)) {
        setGrads(first, g, 'float64');
        optB.step();
      }
      const saved = throughJson(optB.stateDict());
      // a new process: parameters restored from a checkpoint, a new optimizer, its state loaded
      const resumed = makeParams('float64');
      for (const n of ref.paramOrder) T.tidy(() => resumed[n].assign(first[n].clone()));
      const optC = makeOptimizer(c, resumed);
      optC.loadStateDict(saved);
      for (const s of Object.values(saved.state)) for (const v of Object.values(s)) if (typeof v !== 'number') v.dispose();
      for (const g of ref.grads.slice(2)) {
        setGrads(resumed, g, 'float64');
        optC.step();
      }
      expect(values(resumed)).toEqual(values(straight));
      for (const o of [optA, optB, optC]) o.dispose();
      for (const p of [straight, first, resumed]) disposeParams(p);
    });
  }

  it('loaded hyperparameters replace the current ones; state tensors are copies cast to the parameter dtype', () => {
    const p = T.keep(T.tensor([1, 2, 3]).requiresGrad_()); // float32
    const opt = new Adam([p], { lr: 0.5 });
    opt.loadStateDict({
      state: { 0: { step: 3, exp_avg: T.tensor([0.1, 0.2, 0.3], { dtype: 'float64' }), exp_avg_sq: T.tensor([1, 1, 1], { dtype: 'float64' }) } },
      paramGroups: [{ params: [0], lr: 0.01, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0, amsgrad: false, maximize: false }],
    });
    expect(opt.paramGroups[0]!.lr).toBe(0.01);
    expect(opt.paramGroups[0]!.betas).toEqual([0.8, 0.9]);
    const s = opt.state.get(p)!;
    expect(s.step).toBe(3);
    expect((s.exp_avg as Tensor).dtype).toBe('float32');
    expect((s.exp_avg as Tensor).kept).toBe(true);
    opt.dispose();
    p.dispose();
  });

  it('rejects a state dict with other groups, and bad loaded hyperparameters', () => {
    const [a, b] = [T.keep(T.zeros([2]).requiresGrad_()), T.keep(T.zeros([2]).requiresGrad_())];
    const opt = new AdamW([{ params: [a] }, { params: [b] }]);
    const sd = opt.stateDict();
    expect(() => opt.loadStateDict({ state: {}, paramGroups: sd.paramGroups.slice(0, 1) })).toThrow(/AdamW\.loadStateDict: argument 'dict' has 1 parameter groups; the optimizer has 2/);
    expect(() => opt.loadStateDict({ state: {}, paramGroups: [sd.paramGroups[0]!, { ...sd.paramGroups[1]!, params: [1, 2] }] })).toThrow(T.TesseraError);
    expect(() => opt.loadStateDict({ state: {}, paramGroups: [{ ...sd.paramGroups[0]!, lr: -1 }, sd.paramGroups[1]!] })).toThrow(/AdamW: argument 'lr'/);
    const live = T.memory().liveTensors;
    const bad = { state: { 0: { step: 1, exp_avg: T.zeros([2]), exp_avg_sq: T.zeros([3]) } }, paramGroups: sd.paramGroups };
    expect(() => opt.loadStateDict(bad)).toThrow(/exp_avg_sq' has shape \[3\]; its parameter has shape \[2\]/);
    for (const v of Object.values(bad.state[0])) if (typeof v !== 'number') v.dispose();
    expect(T.memory().liveTensors).toBe(live); // the copy of exp_avg made before the failure was freed
    expect(opt.paramGroups[0]!.lr).toBe(1e-3); // and nothing was applied
    a.dispose();
    b.dispose();
  });
});

describe('step, zeroGrad and parameters without gradients', () => {
  it('zeroGrad sets grads to null and disposes them; zeroGrad(false) zeroes them in place', () => {
    const params = makeParams('float64');
    setGrads(params, ref.grads[0]!, 'float64');
    const opt = new SGD(Object.values(params), { lr: 0.1 });
    const w = params.w.grad!;
    opt.zeroGrad(false);
    expect(params.w.grad).toBe(w);
    expect(Array.from(w.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(params.c.grad).toBeNull();
    opt.zeroGrad();
    expect(params.w.grad).toBeNull();
    expect(params.b.grad).toBeNull();
    expect(w.disposed).toBe(true);
    disposeParams(params);
  });

  it('skips parameters without a grad: no update, no state, no step counted', () => {
    const params = makeParams('float64');
    const before = values(params);
    const opt = new Adam(Object.values(params), { lr: 0.1, weightDecay: 0.1 });
    const adamw = new AdamW([params.c], { lr: 0.1, weightDecay: 0.5 }); // decoupled decay too is skipped
    setGrads(params, { w: null, b: [1, 1, 1], c: null }, 'float64');
    opt.step();
    adamw.step();
    opt.step();
    expect(values(params)[0]).toEqual(before[0]);
    expect(values(params)[2]).toEqual(before[2]);
    expect(values(params)[1]).not.toEqual(before[1]);
    expect(opt.state.has(params.w)).toBe(false);
    expect(opt.state.get(params.b)!.step).toBe(2);
    expect(Object.keys(opt.stateDict().state)).toEqual(['1']);
    opt.dispose();
    disposeParams(params);
  });

  it('SGD without momentum keeps no state', () => {
    const params = makeParams('float64');
    setGrads(params, ref.grads[0]!, 'float64');
    const opt = new SGD(Object.values(params), { lr: 0.1, weightDecay: 0.1 });
    opt.step();
    expect(opt.state.size).toBe(0);
    disposeParams(params);
  });

  it('trains a Module through backward(): params stay leaves, nothing is recorded, nothing leaks', () => {
    class Linear extends Module {
      readonly weight: Tensor;
      readonly bias: Tensor;
      constructor() {
        super();
        this.weight = this.param('weight', T.tensor([[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]], { dtype: 'float64' }));
        this.bias = this.param('bias', T.tensor([0.1, -0.1], { dtype: 'float64' }));
      }
      forward(x: Tensor): Tensor {
        return x.matmul(this.weight).add(this.bias);
      }
    }
    const model = new Linear();
    const x = T.keep(T.tensor([[1, 2, 3], [0.5, -1, 2], [2, 0, -1], [1, 1, 1]], { dtype: 'float64' }));
    const y = T.keep(T.tensor([[1, 0], [0, 1], [1, 1], [0.5, 0.5]], { dtype: 'float64' }));
    const opt = new AdamW(model, { lr: 0.05 });
    const losses: number[] = [];
    let live = 0;
    for (let i = 0; i < 60; i++) {
      const loss = T.tidy(() => T.mseLoss(model.forward(x), y));
      loss.backward();
      losses.push(loss.itemSync());
      loss.dispose();
      opt.step();
      opt.zeroGrad();
      if (i === 1) live = T.memory().liveTensors;
    }
    expect(T.memory().liveTensors).toBe(live);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.2);
    for (const p of model.parameters()) {
      expect(p.isLeaf).toBe(true);
      expect(p.requiresGrad).toBe(true);
      expect(p.kept).toBe(true);
    }
    opt.dispose();
    x.dispose();
    y.dispose();
  });

  it('steps inside an outer tidy keep the parameters and the state alive', () => {
    const p = T.keep(T.tensor([1, -1], { dtype: 'float64' }).requiresGrad_());
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    T.tidy(() => {
      p.grad = T.keep(T.tensor([1, 1], { dtype: 'float64' }));
      opt.step();
      opt.step();
    });
    expect(p.disposed).toBe(false);
    expect((opt.state.get(p)!.momentum_buffer as Tensor).disposed).toBe(false);
    const [p0, p1] = p.dataSync();
    expect(p0).toBeCloseTo(0.71, 14);
    expect(p1).toBeCloseTo(-1.29, 14);
    opt.dispose();
    expect(opt.state.size).toBe(0);
    p.grad!.dispose();
    p.dispose();
  });
});

describe('option checks throw TesseraError naming the optimizer and the option', () => {
  const p = T.keep(T.zeros([2]).requiresGrad_());
  const cases: [string, () => unknown, RegExp][] = [
    ['negative lr (SGD)', () => new SGD([p], { lr: -0.1 }), /^SGD: argument 'lr' must be a number >= 0/],
    ['negative lr (Adam)', () => new Adam([p], { lr: -1e-3 }), /^Adam: argument 'lr'/],
    ['negative lr (AdamW)', () => new AdamW([p], { lr: -1 }), /^AdamW: argument 'lr'/],
    ['NaN lr', () => new AdamW([p], { lr: Number.NaN }), /^AdamW: argument 'lr'/],
    ['beta1 = 1', () => new AdamW([p], { betas: [1, 0.999] }), /^AdamW: argument 'betas' must lie in \[0, 1\): betas\[0\] is 1/],
    ['beta2 < 0', () => new Adam([p], { betas: [0.9, -0.1] }), /^Adam: argument 'betas' must lie in \[0, 1\): betas\[1\] is -0.1/],
    ['betas not a pair', () => new Adam([p], { betas: [0.9] as never }), /^Adam: argument 'betas' must be a pair/],
    ['eps < 0', () => new AdamW([p], { eps: -1e-8 }), /^AdamW: argument 'eps'/],
    ['weightDecay < 0', () => new AdamW([p], { weightDecay: -0.01 }), /^AdamW: argument 'weightDecay'/],
    ['momentum < 0', () => new SGD([p], { momentum: -0.9 }), /^SGD: argument 'momentum'/],
    ['nesterov without momentum', () => new SGD([p], { nesterov: true }), /^SGD: argument 'nesterov' requires momentum > 0 and dampening 0/],
    ['nesterov with dampening', () => new SGD([p], { nesterov: true, momentum: 0.9, dampening: 0.1 }), /^SGD: argument 'nesterov'/],
    ['bad lr in a group', () => new AdamW([{ params: [p], lr: -1 }]), /^AdamW: argument 'lr' \(in paramGroups\[0\]\)/],
    ['amsgrad not a boolean', () => new Adam([p], { amsgrad: 1 as never }), /^Adam: argument 'amsgrad' must be a boolean/],
    ['empty parameter list', () => new AdamW([]), /^AdamW: argument 'params' is empty/],
    ['a parameter in two groups', () => new SGD([{ params: [p] }, { params: [p] }]), /^SGD: argument 'paramGroups\[1\]\.params\[0\]' also appears in another parameter group/],
    ['an int parameter', () => new SGD([T.zeros([2], { dtype: 'int32' })]), /^SGD: argument 'paramGroups\[0\]\.params\[0\]' has dtype int32/],
    ['an unknown option (torch spelling)', () => new AdamW([p], { weight_decay: 0.1 } as never), /^AdamW: argument 'weight_decay' is not an option of AdamW \(known: lr, betas, eps, weightDecay, amsgrad, maximize\)/],
    ['an unknown option in a group', () => new SGD([{ params: [p], mom: 0.9 } as never]), /^SGD: argument 'mom' \(in paramGroups\[0\]\) is not an option of SGD/],
    ['not a tensor', () => new SGD([{ params: [1 as never] }]), /^SGD: argument 'paramGroups\[0\]\.params\[0\]' is not a Tensor/],
  ];
  for (const [what, make, message] of cases) {
    it(what, () => {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(T.TesseraError);
      expect((error as Error).message).toMatch(message);
    });
  }

  it('undefined options keep the defaults; defaults are torch\'s', () => {
    expect(new AdamW([p], { lr: undefined }).defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false });
    expect(new Adam([p]).defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    expect(new SGD([p]).defaults).toEqual({ lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
  });
});
