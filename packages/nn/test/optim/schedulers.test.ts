/** LR schedules against transformers' lambdas on torch's LambdaLR (fixture from scripts/optim_reference.py). */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import '@tessera/autograd';
import { AdamW, getCosineScheduleWithWarmup, getScheduler, LambdaLR, SGD } from '../../src/optim/index.js';
import type { LambdaLR as LambdaLRType } from '../../src/optim/index.js';
import { maxRelErr, ref } from './reference.js';
import type { SchedulerCase } from './reference.js';

function twoGroups(baseLrs: readonly number[]): { opt: SGD; params: Tensor[] } {
  const params = [T.keep(T.zeros([1]).requiresGrad_()), T.keep(T.zeros([1]).requiresGrad_())];
  const opt = new SGD([{ params: [params[0]!], lr: baseLrs[0] }, { params: [params[1]!], lr: baseLrs[1] }]);
  return { opt, params };
}

function schedule(c: SchedulerCase, opt: SGD): LambdaLRType {
  if (c.numCycles !== undefined) return getCosineScheduleWithWarmup(opt, c.numWarmupSteps, c.numTrainingSteps, c.numCycles);
  return getScheduler(c.name, opt, { numWarmupSteps: c.numWarmupSteps, numTrainingSteps: c.numTrainingSteps });
}

const label = (c: SchedulerCase): string =>
  `${c.name} (warmup ${c.numWarmupSteps}, total ${c.numTrainingSteps}${c.numCycles !== undefined ? `, numCycles ${c.numCycles}` : ''})`;

describe(`schedulers match transformers' definitions on torch ${ref.torchVersion} LambdaLR`, () => {
  for (const c of ref.schedulers) {
    it(label(c), () => {
      const { opt, params } = twoGroups(c.baseLrs);
      const sched = schedule(c, opt);
      expect(opt.paramGroups.map((g) => g.initialLr)).toEqual(c.baseLrs);
      expect(sched.baseLrs).toEqual(c.baseLrs);
      c.lrs.forEach((expected, k) => {
        if (k > 0) {
          opt.step();
          sched.step();
        }
        expect(maxRelErr(sched.getLastLr(), expected), `step ${k}`).toBeLessThanOrEqual(1e-12);
        expect(opt.paramGroups.map((g) => g.lr)).toEqual(sched.getLastLr());
        expect(sched.lastEpoch).toBe(k);
      });
      params.forEach((p) => p.dispose());
    });
  }

  it('lr at step k is base lr × lambda(k) for a custom LambdaLR with one lambda per group', () => {
    const { opt, params } = twoGroups([1, 10]);
    const sched = new LambdaLR(opt, [(k) => 0.5 ** k, (k) => k + 1]);
    expect(sched.getLastLr()).toEqual([1, 10]);
    sched.step();
    sched.step();
    expect(sched.getLastLr()).toEqual([0.25, 30]);
    expect(() => new LambdaLR(opt, [(k) => k])).toThrow(/LambdaLR: argument 'lrLambda'/);
    params.forEach((p) => p.dispose());
  });

  it("getScheduler requires the step counts a schedule needs and rejects unknown names", () => {
    const { opt, params } = twoGroups([0.1, 0.1]);
    expect(() => getScheduler('linear', opt, { numTrainingSteps: 10 })).toThrow(/getScheduler: argument 'numWarmupSteps'/);
    expect(() => getScheduler('cosine', opt, { numWarmupSteps: 1 })).toThrow(/getScheduler: argument 'numTrainingSteps'/);
    expect(() => getScheduler('constant_with_warmup', opt, {})).toThrow(T.TesseraError);
    expect(() => getScheduler('polynomial' as never, opt, {})).toThrow(/must be one of 'constant', 'constant_with_warmup', 'linear', 'cosine'/);
    expect(() => getScheduler('linear', opt, { numWarmupSteps: -1, numTrainingSteps: 10 })).toThrow(T.TesseraError);
    expect(getScheduler('constant', opt).getLastLr()).toEqual([0.1, 0.1]); // constant ignores the step counts
    params.forEach((p) => p.dispose());
  });

  it('stateDict round trip (optimizer + scheduler) mid-schedule continues identically', () => {
    const run = (): { opt: SGD; sched: LambdaLRType; params: Tensor[] } => {
      const { opt, params } = twoGroups([0.1, 0.02]);
      return { opt, sched: getScheduler('cosine', opt, { numWarmupSteps: 2, numTrainingSteps: 12 }), params };
    };
    const a = run();
    const lrsA: number[][] = [];
    for (let i = 0; i < 10; i++) {
      a.opt.step();
      a.sched.step();
      lrsA.push(a.sched.getLastLr());
    }
    const b = run();
    for (let i = 0; i < 4; i++) {
      b.opt.step();
      b.sched.step();
    }
    // save as JSON (everything a scheduler and this SGD hold is plain data), load into fresh objects
    const saved = JSON.parse(JSON.stringify({ opt: b.opt.stateDict(), sched: b.sched.stateDict() })) as {
      opt: ReturnType<SGD['stateDict']>;
      sched: ReturnType<LambdaLRType['stateDict']>;
    };
    const c = run();
    c.opt.loadStateDict(saved.opt);
    c.sched.loadStateDict(saved.sched);
    expect(c.sched.getLastLr()).toEqual(lrsA[3]);
    expect(c.opt.paramGroups.map((g) => g.lr)).toEqual(lrsA[3]);
    const lrsC: number[][] = [];
    for (let i = 4; i < 10; i++) {
      c.opt.step();
      c.sched.step();
      lrsC.push(c.sched.getLastLr());
    }
    expect(lrsC).toEqual(lrsA.slice(4));
    for (const r of [a, b, c]) r.params.forEach((p) => p.dispose());
  });

  it('drives an optimizer: AdamW uses the lr the scheduler set (0 during the first warmup step)', () => {
    const p = T.keep(T.tensor([1, 2], { dtype: 'float64' }).requiresGrad_());
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.5 });
    const sched = getScheduler('linear', opt, { numWarmupSteps: 2, numTrainingSteps: 4 });
    p.grad = T.keep(T.tensor([1, 1], { dtype: 'float64' }));
    opt.step(); // lr 0: nothing moves (no decay either)
    expect(Array.from(p.dataSync())).toEqual([1, 2]);
    sched.step();
    expect(opt.paramGroups[0]!.lr).toBeCloseTo(0.05, 15);
    opt.step();
    expect(p.dataSync()[0]).toBeLessThan(1);
    expect(opt.state.get(p)!.step).toBe(2); // a step with lr 0 still counts, as in torch
    opt.dispose();
    p.grad.dispose();
    p.dispose();
  });
});
