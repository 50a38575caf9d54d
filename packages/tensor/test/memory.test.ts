import { describe, expect, it } from 'vitest';
import { add, crossEntropy, keep, matmul, memory, randn, softmax, tensor, tidy, zeros, Generator } from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { expectBadInput, expectValues } from './helpers.js';

/** Everything below is synchronous within one test, so GC finalizers cannot move the counters meanwhile. */
function work(): Tensor {
  const g = new Generator(1);
  const x = randn([4, 3], { generator: g });
  const w = randn([3, 5], { generator: g });
  const h = matmul(x, w).relu().add(tensor([1, 2, 3, 4, 5])); // broadcast creates expand views
  const p = softmax(h.T.reshape(-1, 2), 1); // transpose view + copy
  const l = crossEntropy(h, tensor([0, 1, 2, 3], { dtype: 'int32' }));
  return p.sum().add(l).mul(h.mean().int());
}

describe('tidy / keep / memory', () => {
  it('liveTensors and liveBytes return to baseline after a tidy that returns nothing', () => {
    const before = memory();
    tidy(() => {
      work();
      zeros([1000]);
    });
    const after = memory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.liveBytes).toBe(before.liveBytes);
  });

  it('a returned tensor survives with its values; disposing it restores the baseline', () => {
    const before = memory();
    const out = tidy(() => {
      const a = tensor([1, 2, 3]);
      const b = a.mul(2).add(1);
      work();
      return b;
    });
    expect(out.disposed).toBe(false);
    expectValues(out, [3, 5, 7], 'float32');
    const mid = memory();
    expect(mid.liveTensors).toBe(before.liveTensors + 1);
    expect(mid.liveBytes).toBe(before.liveBytes + 12);
    out.dispose();
    expect(memory().liveTensors).toBe(before.liveTensors);
    expect(memory().liveBytes).toBe(before.liveBytes);
  });

  it('a returned view keeps its base storage alive', () => {
    const before = memory();
    const v = tidy(() => {
      const base = tensor([[1, 2], [3, 4]]).add(0);
      return base.T;
    });
    expectValues(v, [[1, 3], [2, 4]], 'float32');
    expect(memory().liveTensors).toBe(before.liveTensors + 1);
    expect(memory().liveBytes).toBe(before.liveBytes + 16);
    v.dispose();
    expect(memory().liveBytes).toBe(before.liveBytes);
  });

  it('tensors returned in arrays, objects and Maps survive; others are disposed', () => {
    const before = memory();
    let inner: Tensor | undefined;
    const r = tidy(() => {
      inner = tensor([9]);
      return { list: [tensor([1]), tensor([2])], map: new Map([['k', tensor([3])]]), n: 4 };
    });
    expect(inner!.disposed).toBe(true);
    expectValues(r.list[0]!, [1]);
    expectValues(r.list[1]!, [2]);
    expectValues(r.map.get('k')!, [3]);
    expect(r.n).toBe(4);
    expect(memory().liveTensors).toBe(before.liveTensors + 3);
    for (const t of [...r.list, r.map.get('k')!]) t.dispose();
    expect(memory().liveTensors).toBe(before.liveTensors);
    expect(memory().liveBytes).toBe(before.liveBytes);
  });

  it('keep exempts a tensor; tensors created outside the scope are untouched', () => {
    const outside = tensor([5, 6]);
    const before = memory();
    let kept: Tensor | undefined;
    tidy(() => {
      kept = keep(outside.add(1));
      outside.mul(3);
    });
    expect(outside.disposed).toBe(false);
    expectValues(outside, [5, 6]);
    expect(kept!.disposed).toBe(false);
    expectValues(kept!, [6, 7]);
    expect(memory().liveTensors).toBe(before.liveTensors + 1);
    kept!.dispose();
    expect(memory().liveTensors).toBe(before.liveTensors);
  });

  it('nested tidy: the inner result moves to the outer scope', () => {
    const before = memory();
    let innerResult: Tensor | undefined;
    const out = tidy(() => {
      innerResult = tidy(() => tensor([1, 2]).add(1));
      expect(innerResult.disposed).toBe(false);
      return innerResult.mul(2);
    });
    expect(innerResult!.disposed).toBe(true);
    expectValues(out, [4, 6]);
    expect(memory().liveTensors).toBe(before.liveTensors + 1);
    out.dispose();
    expect(memory().liveTensors).toBe(before.liveTensors);
    expect(memory().liveBytes).toBe(before.liveBytes);
  });

  it('a throwing tidy disposes its tensors and rethrows', () => {
    const before = memory();
    let made: Tensor | undefined;
    expect(() =>
      tidy(() => {
        made = tensor([1, 2, 3]);
        work();
        add(made, tensor([1, 2])); // does not broadcast
      }),
    ).toThrow(/add: argument 'input', 'other'/);
    expect(made!.disposed).toBe(true);
    expect(memory().liveTensors).toBe(before.liveTensors);
    expect(memory().liveBytes).toBe(before.liveBytes);
  });

  it('a tidy whose fn returns a Promise is rejected', () => {
    expectBadInput(() => tidy(() => Promise.resolve(tensor([1]))), /tidy: argument 'fn' returned a Promise/, []);
  });

  it('a tidy rejected for returning a Promise still disposes what fn created', () => {
    const before = memory();
    let made: Tensor | undefined;
    expect(() =>
      tidy(() => {
        made = tensor([1, 2, 3]);
        return Promise.resolve(made.add(1));
      }),
    ).toThrow(/tidy: argument 'fn'/);
    expect(made!.disposed).toBe(true);
    expect(memory().liveTensors).toBe(before.liveTensors);
    expect(memory().liveBytes).toBe(before.liveBytes);
  });

  it('dispose is idempotent and disposed tensors are rejected by ops and reads', () => {
    const before = memory();
    const t = tensor([1, 2]);
    const v = t.reshape(2, 1); // view: shares bytes
    expect(memory().liveBytes).toBe(before.liveBytes + 8);
    t.dispose();
    t.dispose();
    expect(t.disposed).toBe(true);
    expect(memory().liveTensors).toBe(before.liveTensors + 1);
    expect(memory().liveBytes).toBe(before.liveBytes + 8); // the view still holds the storage
    expectValues(v, [[1], [2]]);
    v.dispose();
    expect(memory().liveBytes).toBe(before.liveBytes);
    expect(memory().liveTensors).toBe(before.liveTensors);
    expectBadInput(() => t.dataSync(), /dataSync: argument 'tensor' was disposed/, []);
    expectBadInput(() => t.add(1), /add: argument 'input' was disposed/, []);
    expectBadInput(() => v.reshape(2), /reshape: argument 'x' was disposed/, []);
  });

  it('liveBytes counts bytes per dtype', () => {
    const before = memory().liveBytes;
    const ts = [zeros([10], { dtype: 'float64' }), zeros([10], { dtype: 'bool' }), zeros([10], { dtype: 'int32' }), zeros([10])];
    expect(memory().liveBytes - before).toBe(80 + 10 + 40 + 40);
    for (const t of ts) t.dispose();
    expect(memory().liveBytes).toBe(before);
    expect(memory('webgpu')).toEqual({ liveTensors: 0, liveBytes: 0, pooledBytes: 0, peakBytes: 0 });
  });
});

describe('ops outside tidy', () => {
  it('an op without intermediates leaves exactly its output alive', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    const idx = tensor([[0], [1]], { dtype: 'int32' });
    for (const op of [() => a.add(a), () => a.exp(), () => a.sum(1), () => a.T, () => a.reshape(3, 2), () => a.softmax(1), () => a.gather(1, idx)]) {
      const before = memory().liveTensors;
      const y = op();
      expect(memory().liveTensors).toBe(before + 1 + (y === a ? -1 : 0));
    }
  });

  it('composite ops free their intermediates: inputs + output disposed -> baseline', () => {
    const cases: (() => Tensor[])[] = [
      () => { const a = zeros([1000]), b = zeros([4, 1000]); return [a, b, add(a, b)]; },
      () => { const a = tensor([-2, 0.5, 3]); return [a, a.clamp(0, 1)]; },
      () => { const x = tensor([[1, 2, 3], [4, 5, 6]]), t = tensor([2, 0], { dtype: 'int32' }); return [x, t, crossEntropy(x, t)]; },
      () => { const a = tensor([[1, 2], [3, 4]]); return [a, a.triu()]; },
    ];
    for (const make of cases) {
      const before = memory();
      for (const t of make()) t.dispose();
      expect(memory().liveTensors).toBe(before.liveTensors);
      expect(memory().liveBytes).toBe(before.liveBytes);
    }
  });
});

describe('Tensor.assign', () => {
  it('replaces the values in place and returns the same handle', () => {
    const p = tensor([1, 2, 3]);
    const v = tensor([4, 5, 6]);
    const r = p.assign(v);
    expect(r).toBe(p);
    expectValues(p, [4, 5, 6], 'float32');
    v.dispose();
    expectValues(p, [4, 5, 6], 'float32');
  });

  it('copies from a non-contiguous value; later changes of the value source do not leak back', () => {
    const p = zeros([2, 3], { dtype: 'float64' });
    const src = tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float64' });
    p.assign(src.T);
    expectValues(p, [[1, 3, 5], [2, 4, 6]], 'float64');
    expectValues(src, [[1, 2], [3, 4], [5, 6]], 'float64');
  });

  it('keeps liveTensors and liveBytes balanced', () => {
    const before = memory();
    const p = zeros([4]);
    const v = tensor([1, 2, 3, 4]);
    p.assign(v);
    expect(memory().liveTensors).toBe(before.liveTensors + 2);
    expect(memory().liveBytes).toBe(before.liveBytes + 16); // p's old storage was released; p and v share one
    p.dispose();
    v.dispose();
    expect(memory().liveTensors).toBe(before.liveTensors);
    expect(memory().liveBytes).toBe(before.liveBytes);
  });

  it('an optimizer-style update inside tidy keeps the parameter and frees the rest', () => {
    const p = tensor([1, 2, 3]);
    const g = tensor([0.5, 0.5, 0.5]);
    const before = memory();
    for (let step = 0; step < 3; step++) tidy(() => p.assign(p.sub(g.mul(2))));
    expectValues(p, [-2, -1, 0], 'float32');
    expect(p.disposed).toBe(false);
    expect(memory().liveTensors).toBe(before.liveTensors);
    expect(memory().liveBytes).toBe(before.liveBytes);
  });

  it('rejects shape and dtype mismatches and view targets', () => {
    const p = zeros([3]);
    const wrong = zeros([4]);
    expectBadInput(() => p.assign(wrong), /assign: argument 'value' has shape \[4\]; expected \[3\]/, [p, wrong]);
    const i = zeros([3], { dtype: 'int32' });
    expectBadInput(() => p.assign(i), /assign: argument 'value' has dtype int32; expected float32/, [p, i]);
    const base = zeros([2, 3]);
    const view = base.T;
    const val = zeros([3, 2]);
    expectBadInput(() => view.assign(val), /assign: argument 'target' must be a whole contiguous tensor/, [base, view, val]);
    const d = zeros([3]);
    d.dispose();
    expectBadInput(() => p.assign(d), /assign: argument 'value' was disposed/, [p]);
  });
});
